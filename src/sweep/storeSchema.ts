// Checks of what is read back from the results store (experiment.json, summary.json, run.json, metrics.jsonl
// lines, weights.json), as strict as the checks of a config: a file edited by hand, cut short or written by
// something else must give a message naming the file's field, never a TypeError later in whoever reads it.
// The experiment config (experiment.json and summary.experiment) goes through the config validator itself; the
// rest is checked here by hand. Only own keys count (Object.hasOwn, never `key in obj`, so "__proto__" or
// "toString" in a file are plain unknown keys). Fields a newer engine may add to run.json and summary.json are
// kept unchecked; every field this engine reads is checked. null where a number belongs is what JSON.stringify
// wrote for a NaN or an Infinity: it is read as "no value" (the field is dropped), a string such as "NaN" is not.
import {
  CASES,
  ConfigError,
  KINDS,
  OOD_OPTIMIZERS,
  P_RANGE,
  CONFIG_VERSION,
  validateConfig,
  type ExperimentConfig,
  type RunParams,
} from '../shared/config';
import { isObject, own, verifiedAs } from '../shared/guards';
import { MAX_RUNS_CEILING, keyName, show } from '../shared/inputLimits';
import type { FinalMetrics, MetricRecord, ParamsJson } from '../shared/records';
import type { RunStatus } from '../shared/records';
import type { RunFile, Summary, SummaryRun } from './storeTypes';
import { RUN_SETTINGS } from '../shared/runSetting';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The states a run.json may hold; a Record so that a state added to RunStatus must be added here too. */
const STATUSES: Record<RunStatus, true> = {
  queued: true,
  running: true,
  done: true,
  failed: true,
  diverged: true,
  cancelled: true,
  interrupted: true,
};
const isStatus = (v: unknown): v is RunStatus => typeof v === 'string' && Object.hasOwn(STATUSES, v);

type Obj = Record<string, unknown>;
const has = (o: Obj, k: string): boolean => Object.hasOwn(o, k) && o[k] !== undefined;

/** The end of a message about value `v`: what it was, or that it is missing. */
const got = (v: unknown): string => (v === undefined ? 'missing' : `got ${show(v)}`);
const objectProblem = (at: string, v: unknown): string => `${at}: must be an object, ${got(v)}`;

/** The experiment config stored with an experiment, through the config validator (any grid size it once allowed). */
export function checkExperimentConfig(raw: unknown, at = 'experiment.json'): Checked<ExperimentConfig> {
  try {
    return { ok: true, value: validateConfig(raw, { maxRuns: MAX_RUNS_CEILING }) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.problems.map((p) => `${at}: ${p}`) };
    throw e;
  }
}

function checkString(o: Obj, key: string, at: string, problems: string[], optional: boolean): void {
  const v = own(o, key);
  if (v === undefined && optional) return;
  if (typeof v !== 'string') problems.push(`${at}.${key}: must be a string, ${got(v)}`);
}

function checkSeconds(o: Obj, at: string, problems: string[]): void {
  const v = own(o, 'seconds');
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0))
    problems.push(`${at}.seconds: must be a number >= 0, ${got(v)}`);
}

/** A run's parameters: the grid axes of its kind, each a value the config validator would take. */
export function checkParams(
  raw: unknown,
  kind: ExperimentConfig['kind'] | undefined,
  at: string,
  problems: string[],
): RunParams | undefined {
  if (!isObject(raw)) {
    problems.push(objectProblem(at, raw));
    return undefined;
  }
  const before = problems.length;
  const allowed =
    kind === 'ood'
      ? ['optimizer', 'p', 'seed']
      : kind === undefined
        ? ['case', 'p', 'snr', 'seed', 'optimizer']
        : ['case', 'p', 'snr', 'seed'];
  for (const k of Object.keys(raw))
    if (!allowed.includes(k))
      problems.push(
        `${at}.${keyName(k)}: not a parameter of ${kind ? `a ${kind} run` : 'a run'} (allowed: ${allowed.join(', ')})`,
      );
  const seed = own(raw, 'seed');
  if (!(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1))
    problems.push(`${at}.seed: must be an integer in [0, ${2 ** 32 - 1}], ${got(seed)}`);
  const regression = kind === 'noise' || kind === 'transfer';
  const c = own(raw, 'case');
  if ((c !== undefined || regression) && !(typeof c === 'string' && (CASES as readonly string[]).includes(c)))
    problems.push(`${at}.case: must be one of ${CASES.join(', ')}, ${got(c)}`);
  const p = own(raw, 'p');
  if (
    (p !== undefined || regression) &&
    !(typeof p === 'number' && Number.isFinite(p) && p >= P_RANGE[0] && p <= P_RANGE[1])
  )
    problems.push(`${at}.p: must be a number in [${P_RANGE[0]}, ${P_RANGE[1]}], ${got(p)}`);
  const snr = own(raw, 'snr');
  if ((snr !== undefined || regression) && !(typeof snr === 'number' && Number.isFinite(snr) && snr > 0))
    problems.push(`${at}.snr: must be a number > 0, ${got(snr)}`);
  const opt = own(raw, 'optimizer');
  if (
    (opt !== undefined || kind === 'ood') &&
    !(typeof opt === 'string' && (OOD_OPTIMIZERS as readonly string[]).includes(opt))
  )
    problems.push(`${at}.optimizer: must be one of ${OOD_OPTIMIZERS.join(', ')}, ${got(opt)}`);
  return problems.length === before ? verifiedAs<RunParams>(raw) : undefined;
}

/** Final metrics: numbers by name; null (a NaN or Infinity as JSON wrote it) is dropped. */
export function checkFinal(raw: unknown, at: string, problems: string[]): FinalMetrics | undefined {
  if (!isObject(raw)) {
    problems.push(objectProblem(at, raw));
    return undefined;
  }
  const out: FinalMetrics = {};
  let ok = true;
  for (const k of Object.keys(raw)) {
    const v = raw[k];
    if (v === null) continue;
    if (typeof v !== 'number') {
      problems.push(`${at}.${keyName(k)}: must be a number, ${got(v)}`);
      ok = false;
    } else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return ok ? out : undefined;
}

/** The stored settings of a run, through the config validator with a grid known to be valid. */
function checkSettings(raw: unknown, kind: ExperimentConfig['kind'], at: string, problems: string[]): void {
  if (!isObject(raw)) return void problems.push(objectProblem(`${at}.settings`, raw));
  const grid = kind === 'ood' ? { optimizer: ['gd'] } : { case: ['high'], p: [0] };
  const r = checkExperimentConfig({ version: CONFIG_VERSION, name: 'run', kind, grid, settings: raw }, at);
  if (!r.ok)
    for (const p of r.problems)
      problems.push(p.replace(`${at}: settings`, `${at}.settings`).replace(`${at}: `, `${at}.`));
}

const SPECTRA_ARRAYS = ['sigma', 'precond', 'weights', 'gram'] as const;

function checkSpectra(raw: unknown, at: string, problems: string[]): void {
  if (!isObject(raw)) return void problems.push(objectProblem(at, raw));
  for (const k of SPECTRA_ARRAYS) {
    const v = own(raw, k);
    if (!Array.isArray(v) || !v.every((x) => x === null || typeof x === 'number'))
      problems.push(`${at}.${k}: must be an array of numbers, ${got(v)}`);
  }
  const t = own(raw, 'teacherIndex');
  if (!(typeof t === 'number' && Number.isInteger(t) && t >= 0))
    problems.push(`${at}.teacherIndex: must be an integer >= 0, ${got(t)}`);
}

/**
 * A run.json. `id` is the name of its folder: a run.json naming another run is refused (it was copied or
 * moved by hand, and results would be filed under the wrong run).
 */
export function checkRunFile(raw: unknown, id?: string, at = 'run.json'): Checked<RunFile> {
  if (!isObject(raw)) return { ok: false, problems: [`${at}: must be a JSON object, ${got(raw)}`] };
  const problems: string[] = [];
  const rid = own(raw, 'id');
  if (typeof rid !== 'string') problems.push(`${at}.id: must be a string, ${got(rid)}`);
  else if (id !== undefined && rid !== id)
    problems.push(`${at}.id: ${show(rid)} is not the name of its folder (${show(id)})`);
  for (const k of ['experiment', 'key', 'weightsKey', 'engineVersion']) checkString(raw, k, at, problems, false);
  for (const k of ['reason', 'backend', 'kernel', 'startedAt', 'finishedAt', 'reusedTask1'])
    checkString(raw, k, at, problems, true);
  const setting = own(raw, 'setting');
  if (setting !== undefined && !(RUN_SETTINGS as readonly unknown[]).includes(setting))
    problems.push(`${at}.setting: must be one of ${RUN_SETTINGS.join(', ')}, ${got(setting)}`);
  const kind = own(raw, 'kind');
  const kindOk = typeof kind === 'string' && (KINDS as readonly string[]).includes(kind);
  if (!kindOk) problems.push(`${at}.kind: must be one of ${KINDS.join(', ')}, ${got(kind)}`);
  const k = kindOk ? (kind as ExperimentConfig['kind']) : undefined;
  const status = own(raw, 'status');
  if (!isStatus(status))
    problems.push(`${at}.status: must be one of ${Object.keys(STATUSES).join(', ')}, ${got(status)}`);
  checkParams(own(raw, 'params'), k, `${at}.params`, problems);
  if (k) checkSettings(own(raw, 'settings'), k, at, problems);
  const final = checkFinal(own(raw, 'final'), `${at}.final`, problems);
  checkSeconds(raw, at, problems);
  if (has(raw, 'spectra')) checkSpectra(raw.spectra, `${at}.spectra`, problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { ...verifiedAs<RunFile>(raw), final: final! } };
}

function checkSummaryRun(
  raw: unknown,
  kind: ExperimentConfig['kind'],
  at: string,
  problems: string[],
): SummaryRun | undefined {
  if (!isObject(raw)) return void problems.push(objectProblem(at, raw));
  const before = problems.length;
  checkString(raw, 'id', at, problems, false);
  for (const k of ['backend', 'reason']) checkString(raw, k, at, problems, true);
  const status = own(raw, 'status');
  if (!isStatus(status))
    problems.push(`${at}.status: must be one of ${Object.keys(STATUSES).join(', ')}, ${got(status)}`);
  checkParams(own(raw, 'params'), kind, `${at}.params`, problems);
  const final = checkFinal(own(raw, 'final'), `${at}.final`, problems);
  checkSeconds(raw, at, problems);
  return problems.length === before ? { ...verifiedAs<SummaryRun>(raw), final: final! } : undefined;
}

/** A summary.json: the experiment's config and one entry per run. */
export function checkSummary(raw: unknown, at = 'summary.json'): Checked<Summary> {
  if (!isObject(raw)) return { ok: false, problems: [`${at}: must be a JSON object, ${got(raw)}`] };
  const cfg = checkExperimentConfig(own(raw, 'experiment'), `${at}.experiment`);
  if (!cfg.ok) return cfg;
  const problems: string[] = [];
  const runs = own(raw, 'runs');
  const out: SummaryRun[] = [];
  if (!Array.isArray(runs)) problems.push(`${at}.runs: must be an array, ${got(runs)}`);
  else {
    const seen = new Set<string>();
    runs.forEach((r, i) => {
      const run = checkSummaryRun(r, cfg.value.kind, `${at}.runs[${i}]`, problems);
      if (!run) return;
      if (seen.has(run.id)) problems.push(`${at}.runs[${i}].id: ${show(run.id)} is listed twice`);
      seen.add(run.id);
      out.push(run);
    });
  }
  checkString(raw, 'updatedAt', at, problems, false);
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { ...verifiedAs<Summary>(raw), experiment: cfg.value, runs: out } };
}

const RECORD_NUMBERS = [
  'trainMSE',
  'testMSE',
  'alignment',
  'trainLoss',
  'trainAcc',
  'valAcc',
  'oodLeftAcc',
  'oodRightAcc',
] as const;
const RECORD_KEYS = new Set<string>(['step', 'energy', 'diag', ...RECORD_NUMBERS]);

/** One line of metrics.jsonl. Non-finite values are left out when records are written (divergence.ts); older
 *  stores wrote null for them, which is read as a missing value. */
export function checkRecord(raw: unknown, at = 'record'): Checked<MetricRecord> {
  if (!isObject(raw)) return { ok: false, problems: [`${at}: must be an object, ${got(raw)}`] };
  const problems: string[] = [];
  for (const k of Object.keys(raw))
    if (!RECORD_KEYS.has(k)) problems.push(`${at}.${keyName(k)}: not a field of a record`);
  const step = own(raw, 'step');
  if (!(typeof step === 'number' && Number.isInteger(step) && step >= 0))
    problems.push(`${at}.step: must be an integer >= 0, ${got(step)}`);
  const out: MetricRecord = { step: step as number };
  for (const k of RECORD_NUMBERS) {
    const v = own(raw, k);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') problems.push(`${at}.${k}: must be a number, ${got(v)}`);
    else out[k] = v;
  }
  const energy = own(raw, 'energy');
  if (energy !== undefined) {
    if (!Array.isArray(energy) || !energy.every((x) => typeof x === 'number' || x === null))
      problems.push(`${at}.energy: must be an array of numbers, ${got(energy)}`);
    else out.energy = energy.map((x) => (x === null ? NaN : (x as number)));
  }
  if (has(raw, 'diag')) {
    const d = checkFinal(raw.diag, `${at}.diag`, problems);
    if (d) out.diag = d;
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: out };
}

/** weights.json (and --init): W1 width x dx, b1 width, W2 1 x width, b2 1, all finite; `dims` when they are known. */
export function checkWeights(
  raw: unknown,
  dims?: { dx: number; width: number },
  at = 'weights.json',
): Checked<ParamsJson> {
  if (!isObject(raw)) return { ok: false, problems: [`${at}: must be a JSON object with W1, b1, W2, b2, ${got(raw)}`] };
  const problems: string[] = [];
  for (const k of Object.keys(raw))
    if (!['W1', 'b1', 'W2', 'b2'].includes(k))
      problems.push(`${at}.${keyName(k)}: not a weight (allowed: W1, b1, W2, b2)`);
  const b1 = own(raw, 'b1');
  const width = dims?.width ?? (Array.isArray(b1) ? b1.length : NaN);
  const W1 = own(raw, 'W1');
  const dx = dims?.dx ?? (Array.isArray(W1) && Array.isArray(W1[0]) ? (W1[0] as unknown[]).length : NaN);
  const finiteRow = (v: unknown, name: string, n: number): boolean => {
    if (!Array.isArray(v) || v.length !== n) {
      problems.push(`${at}.${name}: must be an array of ${n} numbers, ${got(v)}`);
      return false;
    }
    const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) problems.push(`${at}.${name}[${bad}]: must be a finite number, ${got(v[bad])}`);
    return bad < 0;
  };
  const matrix = (v: unknown, name: string, rows: number, cols: number): void => {
    if (!Array.isArray(v) || v.length !== rows)
      return void problems.push(`${at}.${name}: must be ${rows} rows of ${cols} numbers, ${got(v)}`);
    for (let i = 0; i < rows; i++) if (!finiteRow(v[i], `${name}[${i}]`, cols)) return; // one bad row is enough to say
  };
  if (!(Number.isInteger(width) && width >= 1))
    problems.push(`${at}.b1: must be a non-empty array of numbers, ${got(b1)}`);
  else if (!(Number.isInteger(dx) && dx >= 1)) problems.push(`${at}.W1: must be ${width} rows of numbers, ${got(W1)}`);
  else {
    matrix(W1, 'W1', width, dx);
    finiteRow(b1, 'b1', width);
    matrix(own(raw, 'W2'), 'W2', 1, width);
    finiteRow(own(raw, 'b2'), 'b2', 1);
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: verifiedAs<ParamsJson>(raw) };
}
