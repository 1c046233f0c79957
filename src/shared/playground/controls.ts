// The playground's controls (one Experiment 1 run at a time, retrained on every change), how typed values are
// checked, and what a set of controls trains: the settings, the data and the p of one regression run. Pure.
import { DEFAULT_SETTINGS } from '../config/defaults';
import type { CaseName, Settings } from '../config/types';
import { isObject, own } from '../guards';

export const PLAYGROUND_PRECONDITIONERS = ['exact-cov', 'adahessian', 'gd'] as const;
export type PlaygroundPreconditioner = (typeof PLAYGROUND_PRECONDITIONERS)[number];
export const PLAYGROUND_SPECTRA = ['high', 'low', 'custom'] as const;
export type PlaygroundSpectrum = (typeof PLAYGROUND_SPECTRA)[number];

export const P_MIN = -3;
export const P_MAX = 3;
/** the slider's step (arrow keys move it by this much; typed values may be finer) */
export const P_STEP = 0.25;
export const MAX_CUSTOM_DIRECTIONS = 64;

export interface PlaygroundControls {
  /** P = Sigma^p (exact covariance), AdaHessian's Hessian power k = -p; unused by plain GD (P = I) */
  p: number;
  spectrum: PlaygroundSpectrum;
  /** custom spectrum: the eigenvalues of Sigma (direction i = input coordinate i) and the teacher's direction */
  eigenvalues: number[];
  teacher: number;
  snr: number;
  width: number;
  lr: number;
  steps: number;
  preconditioner: PlaygroundPreconditioner;
  seed: number;
}

/** Evaluation every 10 steps: 100 points of the curves and of the energy chart at the default 1000 steps. */
export const PLAYGROUND_EVAL_EVERY = 10;

/** The default budget: about a second per retrain on the native backend, less work on wasm (bench-playground). */
export function defaultSteps(backend: string | undefined): number {
  return backend === 'native' || backend === 'tfjs-node' ? 1000 : 600;
}

export function defaultControls(backend?: string): PlaygroundControls {
  return {
    p: -1,
    spectrum: 'high',
    eigenvalues: [10, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
    teacher: 0,
    snr: 1,
    width: DEFAULT_SETTINGS.width,
    lr: DEFAULT_SETTINGS.lr,
    steps: defaultSteps(backend),
    preconditioner: 'exact-cov',
    seed: 42,
  };
}

interface NumberRule {
  label: string;
  min: number;
  max: number;
  int?: boolean;
  /** the lower bound itself is not allowed */
  above?: boolean;
}

const RULES: Record<'p' | 'snr' | 'width' | 'lr' | 'steps' | 'seed', NumberRule> = {
  p: { label: 'p', min: P_MIN, max: P_MAX },
  snr: { label: 'SNR', min: 0, max: 1e6, above: true },
  width: { label: 'Width', min: 1, max: 4096, int: true },
  lr: { label: 'Learning rate', min: 0, max: 100, above: true },
  steps: { label: 'Steps', min: 10, max: 200_000, int: true },
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, int: true },
};

/** Why a typed number cannot be used, in words, or undefined when it can. Accepts numbers and numeric strings. */
export function numberProblem(rule: NumberRule, v: unknown): string | undefined {
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) return `${rule.label} must be a number (got ${JSON.stringify(v)})`;
  if (rule.int && !Number.isInteger(x)) return `${rule.label} must be a whole number (got ${x})`;
  if (x < rule.min || (rule.above && x === rule.min) || x > rule.max)
    return `${rule.label} must be ${rule.above ? 'above' : 'at least'} ${rule.min} and at most ${rule.max} (got ${x})`;
  return undefined;
}

/** Parses "10, 0.1 0.1" (commas or spaces) into eigenvalues, or says why it cannot. */
export function parseEigenvalues(text: string): { ok: true; value: number[] } | { ok: false; problem: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length < 2) return { ok: false, problem: 'A custom spectrum needs at least 2 eigenvalues' };
  if (parts.length > MAX_CUSTOM_DIRECTIONS)
    return { ok: false, problem: `A custom spectrum has at most ${MAX_CUSTOM_DIRECTIONS} eigenvalues` };
  const value = parts.map(Number);
  const bad = parts.findIndex((s, i) => !Number.isFinite(value[i]) || value[i] <= 0 || value[i] > 1e6);
  if (bad >= 0)
    return { ok: false, problem: `Eigenvalue ${bad + 1} ("${parts[bad]}") must be a number above 0, at most 1e6` };
  return { ok: true, value };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Checks controls from the webview or from workspace state: every field, own keys only, clear messages. */
export function checkControls(raw: unknown): Checked<PlaygroundControls> {
  if (!isObject(raw)) return { ok: false, problems: ['The playground controls must be an object'] };
  const problems: string[] = [];
  const num = (k: keyof typeof RULES): number => {
    const v = own(raw, k);
    const why = numberProblem(RULES[k], v);
    if (why) problems.push(why);
    return Number(v);
  };
  const p = num('p');
  const snr = num('snr');
  const width = num('width');
  const lr = num('lr');
  const steps = num('steps');
  const seed = num('seed');
  const spectrum = own(raw, 'spectrum');
  if (!PLAYGROUND_SPECTRA.includes(spectrum as PlaygroundSpectrum))
    problems.push(`Case must be one of ${PLAYGROUND_SPECTRA.join(', ')} (got ${JSON.stringify(spectrum)})`);
  const preconditioner = own(raw, 'preconditioner');
  if (!PLAYGROUND_PRECONDITIONERS.includes(preconditioner as PlaygroundPreconditioner))
    problems.push(
      `Preconditioner must be one of ${PLAYGROUND_PRECONDITIONERS.join(', ')} (got ${JSON.stringify(preconditioner)})`,
    );
  const eigRaw = own(raw, 'eigenvalues');
  let eigenvalues: number[] = [];
  if (!Array.isArray(eigRaw)) problems.push('Eigenvalues must be a list of numbers');
  else {
    const parsed = parseEigenvalues(eigRaw.map((v: unknown) => String(v)).join(' '));
    if (parsed.ok) eigenvalues = parsed.value;
    else if (spectrum === 'custom') problems.push(parsed.problem);
  }
  const teacher = own(raw, 'teacher');
  const dims = eigenvalues.length;
  if (
    spectrum === 'custom' &&
    !(typeof teacher === 'number' && Number.isInteger(teacher) && teacher >= 0 && teacher < dims)
  )
    problems.push(
      `The teacher's direction must be a whole number from 0 to ${Math.max(0, dims - 1)} (got ${JSON.stringify(teacher)})`,
    );
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      p,
      spectrum: spectrum as PlaygroundSpectrum,
      eigenvalues,
      teacher: typeof teacher === 'number' && Number.isInteger(teacher) && teacher >= 0 && teacher < dims ? teacher : 0,
      snr,
      width,
      lr,
      steps,
      preconditioner: preconditioner as PlaygroundPreconditioner,
      seed,
    },
  };
}

/** The p a run trains with: plain GD is P = Sigma^0 = I whatever the slider says. */
export const effectiveP = (c: PlaygroundControls): number => (c.preconditioner === 'gd' ? 0 : c.p);

/**
 * What one playground run trains: an Experiment 1 run (noise kind) with these settings, data and p. A custom
 * spectrum is the config's case custom (settings.spectrum, settings.teacherDirection, dx its length), so a kept run's
 * config names exactly what the playground trained and a sweep of it draws the same data.
 */
export interface PlaygroundTraining {
  settings: Settings;
  common: { case: CaseName; snr: number; seed: number };
  p: number;
}

export function trainingOf(c: PlaygroundControls): PlaygroundTraining {
  const custom = c.spectrum === 'custom';
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    preconditioner: c.preconditioner === 'adahessian' ? 'adahessian' : 'exact-cov',
    dx: custom ? c.eigenvalues.length : DEFAULT_SETTINGS.dx,
    width: c.width,
    lr: c.lr,
    steps: c.steps,
    evalEvery: PLAYGROUND_EVAL_EVERY,
    spectraEvery: PLAYGROUND_EVAL_EVERY,
    ...(custom ? { spectrum: [...c.eigenvalues], teacherDirection: c.teacher } : {}),
  };
  return { settings, common: { case: c.spectrum, snr: c.snr, seed: c.seed }, p: effectiveP(c) };
}

/** The eigenvalues a set of controls trains on (the cases: lambda in {scale, 1/scale}, as the engine draws them). */
export function eigenvaluesOf(c: PlaygroundControls): number[] {
  if (c.spectrum === 'custom') return [...c.eigenvalues];
  const { dx, scale } = DEFAULT_SETTINGS;
  const lam = new Array<number>(dx).fill(c.spectrum === 'high' ? 1 / scale : scale);
  if (c.spectrum === 'high') lam[0] = scale;
  else lam[dx - 1] = 1 / scale;
  return lam;
}

export const teacherOf = (c: PlaygroundControls): number =>
  c.spectrum === 'custom' ? c.teacher : c.spectrum === 'high' ? 0 : DEFAULT_SETTINGS.dx - 1;

/** lambda_i^(p+1): how strongly P = Sigma^p makes direction i count in G_P (paper section 1). */
export const directionWeights = (c: PlaygroundControls): number[] =>
  eigenvaluesOf(c).map((l) => Math.pow(l, effectiveP(c) + 1));
