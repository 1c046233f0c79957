// The settings a config leaves out, read off the field specs (fields.ts) so a default is written once.
import { OOD_SETTING_SPECS, SETTING_SPECS, type SettingSpec } from './fields';
import type { OodSettings, Settings } from './types';

/** An optional setting (default undefined, e.g. settings.spectrum) is left out, so configs and keys never name it. */
function defaultsOf<T>(specs: { [K in keyof T]-?: SettingSpec & { default: T[K] } }): T {
  const out = {} as T;
  for (const k of Object.keys(specs) as (keyof T)[]) if (specs[k].default !== undefined) out[k] = specs[k].default;
  return out;
}

export const DEFAULT_SETTINGS: Settings = defaultsOf(SETTING_SPECS);
export const DEFAULT_OOD_SETTINGS: OodSettings = defaultsOf(OOD_SETTING_SPECS);
