// Messages between a run manager and its runner child process (one job = runs that share data).
import type { CaseName, ExperimentKind, Settings } from './config';
import type { MetricRecord, RunOutcome } from '../lab/experiments/records';
import type { ParamsJson } from '../lab/model';

export type BackendChoice = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';

export interface JobRun {
  id: string;
  p: number;
  init?: ParamsJson;
  task1?: { params: ParamsJson; from: string; final: Record<string, number> };
}

export interface Job {
  kind: ExperimentKind;
  settings: Settings;
  common: { case: CaseName; snr: number; seed: number };
  runs: JobRun[];
  backend: BackendChoice;
}

export type ToRunner = { type: 'start'; job: Job } | { type: 'cancel' };

export type FromRunner =
  | { type: 'started'; backend: string; kernel: string; note: string }
  | { type: 'progress'; runId: string; step: number; steps: number }
  | { type: 'records'; runId: string; records: MetricRecord[] }
  | { type: 'outcome'; outcome: RunOutcome; seconds: number }
  | { type: 'failed'; reason: string }
  | { type: 'finished' };
