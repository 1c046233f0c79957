// The shapes of the results store's files (run.json, summary.json), apart from the store's code so that the
// checkers of storeSchema.ts and the store itself can both name them without importing each other.
import type { ExperimentConfig, RunParams } from '../shared/config';
import type { FinalMetrics, RunStatus, StaticSpectra } from '../shared/records';
import type { RunSetting } from '../shared/runSetting';
import type { Manifest } from './integrity';

export interface RunFile {
  id: string;
  experiment: string;
  kind: ExperimentConfig['kind'];
  params: RunParams;
  settings: ExperimentConfig['settings'];
  /** identifies the full run (skip on resume); weightsKey identifies what determines the trained weights */
  key: string;
  weightsKey: string;
  status: RunStatus;
  reason?: string;
  engineVersion: string;
  backend?: string;
  kernel?: string;
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  final: FinalMetrics;
  spectra?: StaticSpectra;
  reusedTask1?: string;
  /** the paper/corrected setting this run belongs to (src/shared/runSetting.ts), derived from settings and params */
  setting?: RunSetting;
  /** what the finished run's files hold, checked before the run is skipped as done (integrity.ts) */
  manifest?: Manifest;
}

export interface SummaryRun {
  id: string;
  params: RunParams;
  status: RunStatus;
  final: FinalMetrics;
  backend?: string;
  seconds?: number;
  reason?: string;
}

export interface Summary {
  experiment: ExperimentConfig;
  runs: SummaryRun[];
  updatedAt: string;
}
