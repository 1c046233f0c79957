// Messages between a run manager and its runner child process (one job = runs that share data).
import type { CaseName, OodOptimizer, OodSettings, Settings } from './config';
import type { MetricRecord, ParamsJson, RunOutcome } from './records';

export type BackendName = 'native' | 'tfjs-node' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'native', 'tfjs-node', 'wasm', 'cpu'];

export interface JobRun {
  id: string;
  /** regression: the p of P = Sigma^p; OOD: AdaHessian's power is k = -p */
  p?: number;
  optimizer?: OodOptimizer;
  init?: ParamsJson;
  task1?: { params: ParamsJson; from: string; final: Record<string, number> };
}

export type Job =
  | {
      kind: 'noise' | 'transfer';
      settings: Settings;
      common: { case: CaseName; snr: number; seed: number };
      runs: JobRun[];
      backend: BackendChoice;
      /** BLAS threads for this job (native backend), from the executor's budget (shared/threadBudget.ts) */
      threads?: number;
    }
  | {
      kind: 'ood';
      settings: OodSettings;
      common: { seed: number };
      runs: JobRun[];
      backend: BackendChoice;
      threads?: number;
    };

/** cancel without runIds stops the whole job; with runIds only those runs (the others train on). */
export type ToRunner = { type: 'start'; job: Job } | { type: 'cancel'; runIds?: string[] };

export type FromRunner =
  | { type: 'started'; backend: string; kernel: string; note: string }
  | { type: 'progress'; runId: string; step: number; steps: number }
  | { type: 'records'; runId: string; records: MetricRecord[] }
  | { type: 'outcome'; outcome: RunOutcome; seconds: number }
  | { type: 'failed'; reason: string }
  | { type: 'finished' };
