// Messages between the playground's host side and its warm runner (src/runner/playgroundMain.ts): one child process
// kept alive while the panel is open, training one playground run at a time. A new `train` supersedes the one in
// flight: the runner stops it between two steps, reports it `cancelled` and starts the new one.
import type { BackendChoice } from '../protocol';
import type { MetricRecord, RunOutcome, StaticSpectra } from '../records';
import type { PlaygroundTraining } from './controls';

export type ToPlayground =
  | { type: 'train'; id: number; training: PlaygroundTraining }
  | { type: 'cancel'; id: number }
  | { type: 'exit' };

export type FromPlayground =
  /** the backend is up (sent once, before any run) */
  | { type: 'ready'; backend: string; kernel: string; note: string }
  /** the data are drawn: the static spectra of the run (lambda, lambda^(p+1), G_P's eigenvalues) */
  | { type: 'started'; id: number; spectra: StaticSpectra; steps: number }
  | { type: 'records'; id: number; records: MetricRecord[] }
  | { type: 'progress'; id: number; step: number; steps: number }
  | { type: 'outcome'; id: number; outcome: RunOutcome; seconds: number }
  /** a superseded or cancelled run stopped: `stopMs` from the cancel (or the superseding request) to the stop */
  | { type: 'cancelled'; id: number; step: number; stopMs: number }
  | { type: 'failed'; id: number; reason: string };

export interface PlaygroundRunnerOptions {
  backend: BackendChoice;
  /** BLAS threads (native backend) */
  threads?: number;
}
