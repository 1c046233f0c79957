// Experiment 1's data (paper section 2): inputs x ~ N(0, diag(lambda)), a single-index teacher
// s = softplus(10 * c * x_idx), label noise scaled to a signal-to-noise ratio of standard deviations, a random
// 2% train split, labels standardised with train statistics. The random-number order is the reference's
// (c, then the 10 x n block of inputs, then n noise normals, then the permutation), so the same seed gives the
// same data.
import { RandomState } from '../rng';

export type CaseName = 'high' | 'low';

export interface TeacherSpec {
  /** custom: `lambda` and `teacherIndex` give the eigenvalues and the teacher's direction (both required) */
  case: CaseName | 'custom';
  snr: number;
  seed: number;
  /** total samples before the split */
  n: number;
  dx: number;
  trainFraction: number;
  /** ratio between the large and the small eigenvalue: lambda in {scale, 1/scale} */
  scale: number;
  /** overrides the case's teacher index (Task 2 of the transfer experiment) */
  teacherIndex?: number;
  /** overrides the case's eigenvalues (a custom spectrum; dx must equal its length) */
  lambda?: ArrayLike<number>;
}

export interface TeacherData {
  dx: number;
  /** eigenvalues of Sigma, one per input coordinate (eigenvectors U = I) */
  lambda: Float64Array;
  teacherIndex: number;
  c: number;
  /** n x dx row-major, in generation order */
  x: Float64Array;
  /** raw labels (signal + noise), generation order */
  yRaw: Float64Array;
  /** indices into x of the train and test samples */
  trainIdx: Int32Array;
  testIdx: Int32Array;
  yMean: number;
  yStd: number;
  /** standardised labels, generation order */
  y: Float64Array;
}

export function caseEigenvalues(kind: CaseName, dx: number, scale: number): Float64Array {
  const lam = new Float64Array(dx).fill(kind === 'high' ? 1 / scale : scale);
  if (kind === 'high') lam[0] = scale;
  else lam[dx - 1] = 1 / scale;
  return lam;
}

function defaultTeacherIndex(kind: CaseName, dx: number): number {
  return kind === 'high' ? 0 : dx - 1;
}

/** log(1 + exp(t)) without overflow. */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function std(a: ArrayLike<number>, ddof: number): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) * (a[i] - m);
  return Math.sqrt(s / (a.length - ddof));
}

export function generateTeacher(spec: TeacherSpec): TeacherData {
  return drawTeacher(new RandomState(spec.seed), spec);
}

/**
 * The authors' Task 2 (both transfer scripts): `np.random.seed(seed)`, Task 1's data, then Task 2's data with the
 * same three draws and permutation straight after, on the same stream (training draws nothing from numpy). The
 * seed is task1's; task2's own seed is not used.
 */
export function continuedTeacher(task1: TeacherSpec, task2: Omit<TeacherSpec, 'seed'>): TeacherData {
  const rng = new RandomState(task1.seed);
  drawTeacher(rng, task1);
  return drawTeacher(rng, { ...task2, seed: task1.seed });
}

/** Draws one data set from `rng` in the reference's order (c, inputs, noise, permutation). */
function drawTeacher(rng: RandomState, spec: TeacherSpec): TeacherData {
  const { n, dx } = spec;
  if (spec.lambda && spec.lambda.length !== dx)
    throw new Error(`a custom spectrum has ${spec.lambda.length} eigenvalues where dx is ${dx}`);
  if (spec.case === 'custom' && (!spec.lambda || spec.teacherIndex === undefined))
    throw new Error('case custom needs its eigenvalues and teacher direction (settings.spectrum, teacherDirection)');
  const lambda = spec.lambda ? Float64Array.from(spec.lambda) : caseEigenvalues(spec.case as CaseName, dx, spec.scale);
  const teacherIndex = spec.teacherIndex ?? defaultTeacherIndex(spec.case as CaseName, dx);
  if (!(Number.isInteger(teacherIndex) && teacherIndex >= 0 && teacherIndex < dx))
    throw new Error(`the teacher direction ${teacherIndex} is not an input direction (0 to ${dx - 1})`);
  const c = rng.normal();
  const z = rng.randn(dx * n);
  const x = new Float64Array(n * dx);
  for (let k = 0; k < dx; k++) {
    const sd = Math.sqrt(lambda[k]);
    for (let i = 0; i < n; i++) x[i * dx + k] = sd * z[k * n + i];
  }
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = softplus(10 * c * x[i * dx + teacherIndex]);
  const sigma = std(s, 0) / spec.snr;
  const yRaw = new Float64Array(n);
  for (let i = 0; i < n; i++) yRaw[i] = s[i] + sigma * rng.normal();
  const perm = rng.permutation(n);
  const nTrain = Math.round(n * spec.trainFraction);
  const trainIdx = perm.slice(0, nTrain);
  const testIdx = perm.slice(nTrain);
  const yTrain = Array.from(trainIdx, (i) => yRaw[i]);
  const yMean = mean(yTrain);
  const yStd = std(yTrain, 1);
  const y = yRaw.map((v) => (v - yMean) / (yStd + 1e-8));
  return { dx, lambda, teacherIndex, c, x, yRaw, trainIdx, testIdx, yMean, yStd, y };
}

/** Gathers rows of x (and labels) by index, as float32 for the training kernels. */
export function gather(data: TeacherData, idx: Int32Array): { x: Float32Array; y: Float32Array } {
  const { dx } = data;
  const x = new Float32Array(idx.length * dx);
  const y = new Float32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    for (let k = 0; k < dx; k++) x[r * dx + k] = data.x[i * dx + k];
    y[r] = data.y[i];
  }
  return { x, y };
}
