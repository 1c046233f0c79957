// Experiment configs: the versioned JSON a user writes (or a command builds), its validation with messages
// that name the field and the allowed values, and its expansion into runs. Imported by host, runner and CLI.

export const CONFIG_VERSION = 1;
export const CASES = ['high', 'low'] as const;
export const KINDS = ['noise', 'transfer'] as const;
export const PRECONDITIONERS = ['exact-cov'] as const;
export const P_RANGE: readonly [number, number] = [-3, 3];

export type CaseName = (typeof CASES)[number];
export type ExperimentKind = (typeof KINDS)[number];
export type Preconditioner = (typeof PRECONDITIONERS)[number];

export interface Grid {
  case: CaseName[];
  p: number[];
  /** For transfer: the SNR of Task 1 (the paper uses 1). */
  snr: number[];
  seed: number[];
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
}

export interface ExperimentConfig {
  $schema?: string;
  version: number;
  name: string;
  kind: ExperimentKind;
  description?: string;
  /** provenance: which figure of the paper this reproduces */
  figure?: string;
  grid: Grid;
  settings: Settings;
}

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
};

const GRID_CHECKS: Record<keyof Grid, Check> = {
  case: oneOf(CASES),
  p: num(P_RANGE[0], P_RANGE[1]),
  snr: positive(1e6),
  seed: num(0, 2 ** 32 - 1, true),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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

  const grid: Partial<Grid> = {};
  if (!isObject(raw.grid)) problems.push('grid: must be an object with arrays case, p, snr, seed');
  else {
    for (const key of Object.keys(raw.grid)) {
      if (!(key in GRID_CHECKS)) problems.push(`grid.${key}: unknown grid axis (allowed: ${Object.keys(GRID_CHECKS).join(', ')})`);
    }
    for (const key of Object.keys(GRID_CHECKS) as (keyof Grid)[]) {
      const values = raw.grid[key] ?? (key === 'snr' ? [1] : key === 'seed' ? [42] : undefined);
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

  const settings: Settings = { ...DEFAULT_SETTINGS };
  if (raw.settings !== undefined && !isObject(raw.settings)) problems.push('settings: must be an object');
  else if (raw.settings) {
    for (const [key, v] of Object.entries(raw.settings)) {
      if (!(key in SETTING_CHECKS)) {
        problems.push(`settings.${key}: unknown setting (allowed: ${Object.keys(SETTING_CHECKS).join(', ')})`);
        continue;
      }
      const p = SETTING_CHECKS[key as keyof Settings](v);
      if (p) problems.push(`settings.${key}: ${p}`);
      else (settings as unknown as Record<string, unknown>)[key] = v;
    }
  }
  const nTrain = Math.round(settings.n * settings.trainFraction);
  if (nTrain < 2 || nTrain >= settings.n) problems.push(`settings.trainFraction: gives ${nTrain} train samples of ${settings.n}; need at least 2 and at least one test sample`);
  if (problems.length) throw new ConfigError(problems);
  return { ...(raw as object), grid: grid as Grid, settings } as ExperimentConfig;
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

export interface RunParams {
  case: CaseName;
  p: number;
  snr: number;
  seed: number;
}

export interface RunSpec {
  id: string;
  params: RunParams;
}

export function runId(p: RunParams): string {
  return `${p.case}_p${p.p}_snr${p.snr}_s${p.seed}`;
}

/** Every combination of the grid, in a stable order (case, snr, seed, p) so runs sharing data are adjacent. */
export function expandRuns(config: ExperimentConfig): RunSpec[] {
  const out: RunSpec[] = [];
  for (const c of config.grid.case)
    for (const snr of config.grid.snr)
      for (const seed of config.grid.seed)
        for (const p of config.grid.p) {
          const params = { case: c, p, snr, seed };
          out.push({ id: runId(params), params });
        }
  return out;
}
