// What a run produces, as it crosses process and panel boundaries: the metric records it streams, the outcome it
// ends with, its static spectra and its weights. Declared here, below the engine, so the engine, the runner, the
// store, the host and the webview all name one type (types only: nothing here runs).

/** One evaluation of a run. Regression runs fill the MSEs, OOD runs the loss and accuracies. */
export interface MetricRecord {
  step: number;
  trainMSE?: number;
  testMSE?: number;
  /** on the spectra schedule: ||W1 u_i||^2 per eigen-direction and the teacher's share of it */
  energy?: number[];
  alignment?: number;
  trainLoss?: number;
  trainAcc?: number;
  valAcc?: number;
  oodLeftAcc?: number;
  oodRightAcc?: number;
  /** optimizer diagnostics at this step (update norm, preconditioner statistics, ...) */
  diag?: Record<string, number>;
}

export type FinalMetrics = Record<string, number>;

/** A run's state in the store and in the panels. 'interrupted': the run was queued or running when the process that
 *  owned it died (found when the store is next opened, see src/sweep/recovery.ts); a rerun trains it again. */
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'diverged' | 'cancelled' | 'interrupted';

export type OutcomeStatus = 'done' | 'diverged' | 'cancelled';

/** The spectra of a regression run that do not change while it trains. */
export interface StaticSpectra {
  /** per direction i (input coordinate order): lambda_i, lambda_i^p, lambda_i^(p+1) */
  sigma: number[];
  precond: number[];
  weights: number[];
  /** nonzero eigenvalues of the train Gram matrix G_P = X P X^T, descending (its rank is at most dx) */
  gram: number[];
  teacherIndex: number;
}

/** A two-layer network's parameters, the interchange format of `--init` and weights.json: nested arrays in
 *  PyTorch's shapes (W1 width x dx, b1 width, W2 1 x width, b2 1). */
export interface ParamsJson {
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
}

export interface RunOutcome {
  id: string;
  status: OutcomeStatus;
  final: FinalMetrics;
  reason?: string;
  spectra?: StaticSpectra;
  /** final parameters of the first network trained (Task 1 for transfer), for reuse and inspection */
  weights?: ParamsJson;
  /** for transfer: where Task 1 came from when it was reused */
  reusedTask1?: string;
}
