// A stored regression run's settings as playground controls (a results panel's "Open in Playground" link): the
// case, p, SNR and seed of the run and the settings the playground varies; what the playground keeps fixed and
// the run set otherwise is listed, so the panel can say the playground is near, not at, the run.
import { DEFAULT_SETTINGS } from '../config/defaults';
import type { RunParams, Settings } from '../config/types';
import { MAX_CUSTOM_DIRECTIONS, P_MAX, P_MIN, type PlaygroundControls } from './controls';

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export function controlsFromRun(
  settings: Settings,
  params: RunParams,
): { controls: Partial<PlaygroundControls>; differences: string[] } {
  const differences: string[] = [];
  const p = params.p ?? -1;
  if (p < P_MIN || p > P_MAX) differences.push(`p ${p} (the slider spans ${P_MIN} to ${P_MAX})`);
  const custom = params.case === 'custom' && settings.spectrum !== undefined;
  // a custom spectrum sets dx (its length) and makes scale unused: neither is a difference then
  for (const k of ['n', 'dx', 'trainFraction', 'scale', 'initScale', 'l2'] as const)
    if (!(custom && (k === 'dx' || k === 'scale')) && settings[k] !== DEFAULT_SETTINGS[k])
      differences.push(`${k} ${settings[k]} (the playground uses ${DEFAULT_SETTINGS[k]})`);
  if (custom && settings.spectrum!.length > MAX_CUSTOM_DIRECTIONS)
    differences.push(
      `a custom spectrum of ${settings.spectrum!.length} directions (the playground takes at most ` +
        `${MAX_CUSTOM_DIRECTIONS}; it opens at Case High)`,
    );
  const fits = custom && settings.spectrum!.length <= MAX_CUSTOM_DIRECTIONS;
  const steps = clamp(settings.steps, 10, 200_000);
  if (steps !== settings.steps) differences.push(`steps ${settings.steps} (the playground trains at most 200000)`);
  return {
    controls: {
      p: clamp(p, P_MIN, P_MAX),
      spectrum: fits ? 'custom' : params.case === 'low' ? 'low' : 'high',
      ...(fits ? { eigenvalues: [...settings.spectrum!], teacher: settings.teacherDirection ?? 0 } : {}),
      snr: params.snr ?? 1,
      seed: params.seed,
      width: clamp(settings.width, 1, 4096),
      lr: settings.lr,
      steps,
      preconditioner: settings.preconditioner,
    },
    differences,
  };
}
