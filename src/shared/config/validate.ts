// Validation of a parsed config against the field specs (fields.ts) and the optimizer catalogue, with messages
// that name the field and the allowed values; defaults filled in. Also the text-level reader (parseConfig) the CLI
// and the editor share, and the run count a grid expands to (computed from the axis lengths alone).
import { isObject, own } from '../guards';
import {
  DEFAULT_MAX_RUNS,
  MAX_AXIS_VALUES,
  MAX_CONFIG_BYTES,
  MAX_RUNS_CEILING,
  keyName,
  listProblems,
  scanJson,
  show,
  stripBom,
} from '../inputLimits';
import { OPTIMIZER_CATALOGUE, configurableOptions, fixedOption, type OptimizerName } from '../optimizers';
import { checkValue } from '../valueSpec';
import { DEFAULT_OOD_SETTINGS, DEFAULT_SETTINGS } from './defaults';
import {
  GRID_VALUE_SPECS,
  KIND_AXES,
  KIND_SPEC,
  NAME_PATTERN,
  OOD_SETTING_SPECS,
  SETTING_SPECS,
  STRING_FIELDS,
  type NumberListSpec,
  type SettingSpec,
} from './fields';
import {
  CONFIG_VERSION,
  MNIST_DIGITS,
  OOD_OPTIMIZERS,
  type ExperimentConfig,
  type ExperimentKind,
  type Grid,
  type OodConfig,
  type RegressionConfig,
  type Settings,
} from './types';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // at most MAX_PROBLEMS_SHOWN lines, so 10^4 bad values print a screenful, not megabytes
    super(`Invalid experiment config:\n  - ${listProblems(problems).join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** settings.optim: known optimizers, known options, each value within the catalogue's spec; the first problem. */
function checkOptimizerOptions(v: unknown): string | undefined {
  if (!isObject(v)) return 'must be an object keyed by optimizer name';
  for (const [name, o] of Object.entries(v)) {
    if (!Object.hasOwn(OPTIMIZER_CATALOGUE, name))
      return `has unknown optimizer ${show(name)} (allowed: ${OOD_OPTIMIZERS.join(', ')})`;
    if (!isObject(o)) return `.${name} must be an object of option values, got ${show(o)}`;
    const allowed = new Map(configurableOptions(name as OptimizerName));
    for (const [k, x] of Object.entries(o)) {
      const spec = allowed.get(k);
      if (spec === undefined) {
        const fixed = fixedOption(name as OptimizerName, k);
        return (
          `.${name}.${keyName(k)} is not an option of ${name}${fixed ? ` (${fixed})` : ''} (allowed: ` +
          `${[...allowed.keys()].join(', ')})`
        );
      }
      const p = checkValue(spec, x);
      if (p) return `.${name}.${k} ${p.startsWith('not ') ? `is ${p}` : p}`;
    }
  }
  return undefined;
}

/** settings.spectrum: a list of minItems to maxItems numbers, each within the item spec; the first problem. */
function checkNumberList(spec: NumberListSpec, v: unknown): string | undefined {
  if (!Array.isArray(v)) return `must be a list of ${spec.minItems} to ${spec.maxItems} numbers, got ${show(v)}`;
  if (v.length < spec.minItems || v.length > spec.maxItems)
    return `must have ${spec.minItems} to ${spec.maxItems} numbers, got ${v.length}`;
  for (let i = 0; i < v.length; i++) {
    const p = checkValue(spec.items, v[i]);
    if (p) return `[${i}] ${p.startsWith('not ') ? `is ${p}` : p}`;
  }
  return undefined;
}

const checkSetting = (spec: SettingSpec, v: unknown): string | undefined =>
  spec.kind === 'optimizerOptions'
    ? checkOptimizerOptions(v)
    : spec.kind === 'numberList'
      ? checkNumberList(spec, v)
      : checkValue(spec, v);

/**
 * Grid case "custom": a noise experiment's, with settings.spectrum giving one eigenvalue per input direction and
 * settings.teacherDirection one of them. Each message names "custom" (test/unit/schema.test.ts's CROSS_FIELD).
 */
function checkCustomCase(kind: ExperimentKind, grid: Partial<Grid>, settings: Settings, problems: string[]): void {
  if (!grid.case?.includes('custom')) return;
  if (kind !== 'noise') {
    problems.push(
      `grid.case: "custom" is for noise experiments only (a ${kind} experiment's second teacher is defined for ` +
        'Case High and Low)',
    );
    return;
  }
  // a spectrum or dx refused above is not reported again here
  if (problems.some((p) => p.startsWith('settings.spectrum') || p.startsWith('settings.dx'))) return;
  const { spectrum, dx } = settings;
  if (spectrum === undefined)
    problems.push(
      `settings.spectrum: grid case "custom" needs the eigenvalues, a list of dx = ${dx} positive numbers (one per ` +
        'input direction)',
    );
  else if (spectrum.length !== dx)
    problems.push(
      `settings.spectrum: ${spectrum.length} eigenvalues where settings.dx is ${dx}; case "custom" needs one per ` +
        `input direction (set dx to ${spectrum.length})`,
    );
  const t = settings.teacherDirection ?? 0;
  if (t >= dx)
    problems.push(
      `settings.teacherDirection: ${t} is not an input direction of the custom spectrum (0 to ${dx - 1}, dx = ${dx})`,
    );
}

export interface ValidateOptions {
  /** runs one sweep may have (default DEFAULT_MAX_RUNS; --max-runs and precondLab.maxRuns raise it) */
  maxRuns?: number;
}

/** The runs a grid of these axis lengths expands to, computed from the lengths alone (nothing is expanded). */
export function countRuns(kind: ExperimentKind, grid: Partial<Record<keyof Grid, readonly unknown[]>>): number {
  const len = (k: keyof Grid): number => grid[k]?.length ?? 0;
  if (kind === 'ood') {
    const opts = grid.optimizer ?? [];
    const perSeed = opts.reduce<number>((n, o) => n + (o === 'adahessian' ? len('p') : 1), 0);
    return len('seed') * perSeed;
  }
  return len('case') * len('p') * len('snr') * len('seed');
}

/** The run limit to apply: the option if it is a whole number in [1, MAX_RUNS_CEILING], else the default. */
export function maxRunsOf(options: ValidateOptions = {}): number {
  const m = options.maxRuns;
  return typeof m === 'number' && Number.isInteger(m) && m >= 1 && m <= MAX_RUNS_CEILING ? m : DEFAULT_MAX_RUNS;
}

/** Validates a parsed config and fills in defaults; throws ConfigError naming every bad field. */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ExperimentConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError([`the config must be a JSON object, got ${show(raw)}`]);
  const version = own(raw, 'version');
  if (version !== CONFIG_VERSION) problems.push(`version: must be ${CONFIG_VERSION}, got ${show(version)}`);
  const name = own(raw, 'name');
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    problems.push(
      `name: must be 1-80 characters of letters, digits, '.', '_' or '-' (it names the results folder), got ` +
        `${show(name)}`,
    );
  }
  const kindProblem = checkValue(KIND_SPEC, own(raw, 'kind'));
  if (kindProblem) problems.push(`kind: ${kindProblem}`);
  for (const key of ['description', 'figure', '$schema'] as const) {
    const v = own(raw, key);
    const max = STRING_FIELDS[key].max;
    if (v !== undefined && typeof v !== 'string') problems.push(`${key}: must be a string, got ${show(v)}`);
    else if (typeof v === 'string' && v.length > max)
      problems.push(`${key}: ${v.length} characters, more than the ${max} allowed`);
  }
  const known = new Set(['$schema', 'version', 'name', 'kind', 'description', 'figure', 'grid', 'settings']);
  for (const key of Object.keys(raw))
    if (!known.has(key)) problems.push(`${keyName(key)}: unknown field (allowed: ${[...known].join(', ')})`);

  const kind = (kindProblem ? 'noise' : own(raw, 'kind')) as ExperimentKind;
  const axes = KIND_AXES[kind];
  const axisNames = Object.keys(axes) as (keyof Grid)[];
  const grid: Partial<Grid> = {};
  const rawGrid = own(raw, 'grid');
  let gridOk = isObject(rawGrid);
  if (!isObject(rawGrid))
    problems.push(`grid: must be an object with arrays ${axisNames.join(', ')}, got ${show(rawGrid)}`);
  else {
    for (const key of Object.keys(rawGrid)) {
      if (!Object.hasOwn(axes, key))
        problems.push(`grid.${keyName(key)}: not an axis of a ${kind} experiment (allowed: ${axisNames.join(', ')})`);
    }
    for (const key of axisNames) {
      // an axis given as null is a mistake, not a request for the default: only an absent axis defaults
      const values = Object.hasOwn(rawGrid, key) ? rawGrid[key] : axes[key]?.default;
      if (!Array.isArray(values) || values.length === 0) {
        problems.push(`grid.${key}: must be a non-empty array, got ${show(values)}`);
        gridOk = false;
        continue;
      }
      if (values.length > MAX_AXIS_VALUES) {
        // refused on its length alone: checking (and reporting) 10^6 values one by one is the unbounded work
        problems.push(`grid.${key}: ${values.length} values, more than the ${MAX_AXIS_VALUES} one axis may have`);
      } else {
        values.forEach((v, i) => {
          const p = checkValue(GRID_VALUE_SPECS[key], v);
          if (p) problems.push(`grid.${key}[${i}]: ${p}`);
        });
        if (new Set(values).size !== values.length) problems.push(`grid.${key}: contains duplicates`);
      }
      (grid as Record<string, unknown>)[key] = values;
    }
  }
  if (gridOk) {
    const runs = countRuns(kind, grid);
    const max = maxRunsOf(options);
    if (runs > max) {
      const sizes = axisNames.map((k) => `${k} ${grid[k]?.length ?? 0}`).join(' x ');
      const raise =
        runs <= MAX_RUNS_CEILING
          ? `raise the limit with --max-runs ${runs} (CLI) or the precondLab.maxRuns setting (editor)`
          : `more than ${MAX_RUNS_CEILING} runs cannot be allowed; split the sweep`;
      problems.push(`grid: ${runs} runs (${sizes}) exceed the limit of ${max} runs per sweep; ${raise}`);
    }
  }

  // the cross-field rules below are the ones the JSON schema cannot state (test/unit/schema.test.ts lists them)
  if (kind === 'ood') {
    const settings = checkSettings(own(raw, 'settings'), DEFAULT_OOD_SETTINGS, OOD_SETTING_SPECS, problems);
    const rest = MNIST_DIGITS - settings.nTrain - settings.nVal;
    if (rest < 1)
      problems.push(
        `settings.nTrain: nTrain + nVal = ${settings.nTrain + settings.nVal} leaves no OOD pool of the ` +
          `${MNIST_DIGITS} digits`,
      );
    else if (settings.pool > rest)
      problems.push(
        `settings.pool: ${settings.pool} exceeds the ${rest} digits left after train and validation (0 takes them all)`,
      );
    if (problems.length) throw new ConfigError(problems);
    return { ...(raw as object), grid: grid as Grid, settings } as OodConfig;
  }
  const settings = checkSettings(own(raw, 'settings'), DEFAULT_SETTINGS, SETTING_SPECS, problems);
  checkCustomCase(kind, grid, settings, problems);
  const nTrain = Math.round(settings.n * settings.trainFraction);
  if (nTrain < 2 || nTrain >= settings.n)
    problems.push(
      `settings.trainFraction: gives ${nTrain} train samples of ${settings.n}; need at least 2 and at least one ` +
        'test sample',
    );
  if (problems.length) throw new ConfigError(problems);
  return { ...(raw as object), grid: grid as Grid, settings } as RegressionConfig;
}

function checkSettings<T extends object>(
  raw: unknown,
  defaults: T,
  specs: Record<keyof T, SettingSpec>,
  problems: string[],
): T {
  const settings = { ...defaults };
  if (raw !== undefined && !isObject(raw)) problems.push(`settings: must be an object, got ${show(raw)}`);
  else if (raw) {
    for (const [key, v] of Object.entries(raw)) {
      if (!Object.hasOwn(specs, key)) {
        problems.push(`settings.${keyName(key)}: unknown setting (allowed: ${Object.keys(specs).join(', ')})`);
        continue;
      }
      const p = checkSetting(specs[key as keyof T], v);
      if (p) problems.push(`settings.${key}: ${p}`);
      else (settings as Record<string, unknown>)[key] = v;
    }
  }
  return settings;
}

/**
 * Parses config text as the CLI and the editor both read it: a byte-order mark is dropped, size and nesting are
 * bounded before JSON.parse, and keys given twice are refused (JSON.parse would keep the last one silently).
 */
export function parseConfig(text: string, source = 'config', options: ValidateOptions = {}): ExperimentConfig {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError([
      `${source}: ${text.length} characters, more than the ${MAX_CONFIG_BYTES} (1 MB) a config may have`,
    ]);
  const body = stripBom(text);
  const scanned = scanJson(body);
  if (scanned.some((p) => p.includes('nesting deeper'))) throw new ConfigError(scanned.map((p) => `${source}: ${p}`));
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    throw new ConfigError([`${source} is not valid JSON: ${(e as Error).message}`]);
  }
  try {
    const config = validateConfig(raw, options);
    if (scanned.length) throw new ConfigError(scanned);
    return config;
  } catch (e) {
    if (e instanceof ConfigError && scanned.length && e.problems !== scanned)
      throw new ConfigError([...scanned, ...e.problems]);
    throw e;
  }
}
