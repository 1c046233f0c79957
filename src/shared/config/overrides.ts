// The one override resolver: a base config (a preset, its quick variant, or a file) with changes to its name, grid
// axes and settings, validated as a whole so a bad override is reported like a bad config field. The CLI turns its
// flags into ConfigOverrides (src/cli/load.ts); the editor's commands build them from their arguments
// (src/host/configs.ts).
import { assignOwn, defineOwn, isObject, own } from '../guards';
import type { ExperimentConfig, Grid } from './types';
import { validateConfig, type ValidateOptions } from './validate';

export interface ConfigOverrides {
  name?: string;
  /** axes given replace the base's axes whole */
  grid?: Partial<Record<keyof Grid, unknown>>;
  /**
   * settings given replace the base's one by one, except `optim`, which is merged option by option (overriding
   * lbfgs.lr keeps the base's lbfgs.maxIter); `width` names an OOD experiment's hidden units too
   */
  settings?: Record<string, unknown>;
}

export interface ResolveOptions extends ValidateOptions {
  /** steps between evaluations unless the overrides set evalEvery (the editor's precondLab.evalEvery; 0: keep) */
  evalEvery?: number;
}

/** `optim` overrides merged into a copy of the base's, option by option, own keys only. */
function mergeOptim(base: unknown, over: unknown): unknown {
  if (!isObject(over) || !isObject(base)) return over;
  const out = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const [name, options] of Object.entries(over)) {
    const slot = own(out, name);
    if (isObject(options) && isObject(slot)) assignOwn(slot, options);
    else if (isObject(options)) assignOwn(defineOwn(out, name, {}), options);
    else defineOwn(out, name, options); // not an object: left for validation to refuse, naming it
  }
  return out;
}

/** Applies overrides to a config and validates the result; throws ConfigError naming every bad field. */
export function resolveConfig(
  base: ExperimentConfig,
  overrides: ConfigOverrides,
  options: ResolveOptions = {},
): ExperimentConfig {
  const raw = JSON.parse(JSON.stringify(base)) as ExperimentConfig;
  if (overrides.name !== undefined) raw.name = overrides.name;
  // own keys copied as keys (Object.assign would treat `__proto__` as the prototype): validation refuses them
  assignOwn(raw.grid, overrides.grid);
  const settings = raw.settings as object;
  const over = overrides.settings ?? {};
  if (options.evalEvery && own(over, 'evalEvery') === undefined) defineOwn(settings, 'evalEvery', options.evalEvery);
  for (const key of Object.keys(over)) {
    const v = over[key];
    if (key === 'optim') defineOwn(settings, key, mergeOptim(own(settings, 'optim'), v));
    else if (key === 'width' && raw.kind === 'ood') defineOwn(settings, 'hidden', v);
    else defineOwn(settings, key, v);
  }
  return validateConfig(raw, { maxRuns: options.maxRuns });
}
