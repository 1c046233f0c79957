// The settings a config leaves out, read off the field specs (fields.ts) so a default is written once.
import { OOD_SETTING_SPECS, SETTING_SPECS, type SettingSpec } from './fields';
import type { OodSettings, Settings } from './types';

function defaultsOf<T>(specs: { [K in keyof T]: SettingSpec & { default: T[K] } }): T {
  const out = {} as T;
  for (const k of Object.keys(specs) as (keyof T)[]) out[k] = specs[k].default;
  return out;
}

export const DEFAULT_SETTINGS: Settings = defaultsOf(SETTING_SPECS);
export const DEFAULT_OOD_SETTINGS: OodSettings = defaultsOf(OOD_SETTING_SPECS);
