// What experiments stream out while they train, and what they leave behind.
import type { StaticSpectra } from '../spectra';
import type { ParamsJson } from '../model';

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

export interface RegressionRecord extends MetricRecord {
  trainMSE: number;
  testMSE: number;
}

export type FinalMetrics = Record<string, number>;

export type OutcomeStatus = 'done' | 'diverged' | 'cancelled';

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

export interface ExperimentEvents {
  record(runId: string, rec: MetricRecord): void;
  progress(runId: string, step: number, steps: number): void;
  shouldStop(): boolean;
  /** one run of a job cancelled while the others go on (checked a few times a second) */
  runCancelled?(runId: string): boolean;
}
