// Experiment configs, split by role: types.ts (shapes and vocabularies), fields.ts (every field's spec),
// defaults.ts, validate.ts (checks and the text reader), expand.ts (runs), overrides.ts (the one override
// resolver) and schema.ts (the JSON schema generated from the specs at build time). Import from here.
export * from './types';
export { DEFAULT_OOD_SETTINGS, DEFAULT_SETTINGS } from './defaults';
export { ConfigError, countRuns, maxRunsOf, parseConfig, validateConfig, type ValidateOptions } from './validate';
export { expandRuns, oodUsesPower, runId } from './expand';
export { resolveConfig, type ConfigOverrides, type ResolveOptions } from './overrides';
