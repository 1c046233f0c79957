// What experiments stream out while they train, and what they leave behind.
// The record and outcome types travel between processes and to the panels, so they are declared in src/shared.
import type { MetricRecord } from '../../shared/records';
export type { FinalMetrics, MetricRecord, OutcomeStatus, RunOutcome } from '../../shared/records';

export interface RegressionRecord extends MetricRecord {
  trainMSE: number;
  testMSE: number;
}

export interface ExperimentEvents {
  record(runId: string, rec: MetricRecord): void;
  progress(runId: string, step: number, steps: number): void;
  shouldStop(): boolean;
  /** one run of a job cancelled while the others go on (checked a few times a second) */
  runCancelled?(runId: string): boolean;
  /** milliseconds between yields to the event loop (progress, cancel checks); default 200 (the playground: less) */
  yieldEveryMs?: number;
}
