// What the regression training loop drives: M models on shared data, one step at a time.
import type { BatchedRegressor } from '../kernels/types';

export interface Stepper {
  /** One update of every live model; returns each model's train MSE (data term) before the update. */
  step(live: readonly boolean[]): Float64Array;
  testMSE(): Float64Array;
  trainMSE(): Float64Array;
  params: BatchedRegressor['params'];
  /** optimizer diagnostics of the last step, when the optimizer has any */
  diag?(model: number): Record<string, number>;
  dispose(): void;
}

/** Exact-covariance preconditioning is the kernel's own update. */
export function kernelStepper(batch: BatchedRegressor): Stepper {
  return {
    step: () => batch.step(),
    testMSE: () => batch.testMSE(),
    trainMSE: () => batch.trainMSE(),
    params: (m) => batch.params(m),
    dispose: () => batch.dispose(),
  };
}
