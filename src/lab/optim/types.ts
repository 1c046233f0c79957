// What every optimizer is and reports. What it optimizes (an objective of flat float32 parameters) is declared
// with the models, in ../models/objective.ts.

/** Seeded randomness. The lab's numpy-compatible MT19937 (src/lab/rng.ts) satisfies it. */
export interface Rng {
  /** Uniform in [0, 1). */
  random(): number;
  /** Standard normal. */
  normal(): number;
  /** Optional fast path: z[i] = random() < 0.5 ? -1 : 1, drawing exactly what that loop would draw. */
  fillSigns?(z: Float32Array): void;
}

/** Hutchinson probe distribution: random signs, standard normals, or the constant vector -1 (see hvp.ts). */
export type ProbeKind = 'rademacher' | 'gaussian' | 'constant';

/** What one optimizer step reports. Losses and norms are at the parameters before the step. */
export interface StepInfo {
  /** Objective value at the start of the step (as the objective defines it; see each optimizer for penalties). */
  loss: number;
  /** ||g||_2 of the objective's gradient at the start of the step. */
  gradNorm: number;
  /** ||theta_after - theta_before||_2. */
  updateNorm: number;
  /** Objective evaluations this step used (SAM 2, L-BFGS up to maxIter). */
  evals: number;
  /**
   * Optimizer-specific statistics, e.g. AdaHessian's denominator spread (denomMin, denomMedian, denomMax). May be
   * computed on first read (stepStats.ts): read them before the next step().
   */
  stats: Record<string, number>;
}

export interface Optimizer {
  readonly name: string;
  /** Steps taken so far. */
  readonly steps: number;
  /** One update of theta, in place. */
  step(theta: Float32Array): StepInfo;
}
