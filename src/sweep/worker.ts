// The worker's core, shared by `precond-lab worker` on every engine. Two ways to train:
// - into a store (Slurm, any shared filesystem): `trainSliceIntoStore` trains a slice of an experiment's runs
//   straight into the results store under per-run locks taken on this machine, adopting the lock the engine's job
//   record holds for them (lock.ts), in at most `threads` runner children at once. It is a run manager limited
//   to the slice, so a done run is skipped (a requeued or re-run task never trains a run twice) and every file
//   is written exactly as a local sweep writes it.
// - to a callback (BullMQ: the submitter stores everything): `trainJob` trains one planned job in a runner child
//   and hands each runner message (started, progress, records, outcome, failed) to `onMessage`.
import * as os from 'node:os';
import type { ExperimentConfig } from '../shared/config';
import type { BackendChoice, FromRunner, Job } from '../shared/protocol';
import type { ParamsJson } from '../shared/records';
import { RunManager } from './runManager';
import type { Summary } from './store';
import { forkJob, type ChildJob } from './executors/childJob';

/** A worker's thread budget: `--threads`, else the engine's (`SLURM_CPUS_PER_TASK`), else this machine's cores.
 *  Each runner child trains on one thread, so this is how many jobs run at once. */
export function workerThreads(flag?: string, env: NodeJS.ProcessEnv = process.env): number {
  const text = flag ?? env.SLURM_CPUS_PER_TASK;
  if (text === undefined) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1)
    throw new Error(
      `${flag !== undefined ? '--threads' : 'SLURM_CPUS_PER_TASK'} must be a positive integer, got '${text}'`,
    );
  return n;
}

/** What a store-mode worker trains: an experiment's config and which of its runs. */
export interface WorkerSlice {
  config: ExperimentConfig;
  /** the results store's root on this machine (the shared path) */
  root: string;
  runIds: string[];
  backend: BackendChoice;
  init?: ParamsJson;
}

export interface StoreWorkerOptions {
  runnerPath: string;
  threads: number;
  /** the engine job this worker runs as ('slurm:1234_5'): locks its job record holds are adopted */
  job?: string;
  /** for lock files and messages: 'precond-lab worker' */
  label?: string;
  /** gets the run manager before it starts (progress listeners, cancel on a signal) */
  attach?: (manager: RunManager) => void;
}

/** Trains a slice into the store; resolves with the experiment's summary once the slice has ended. */
export async function trainSliceIntoStore(slice: WorkerSlice, opts: StoreWorkerOptions): Promise<Summary> {
  const job = opts.job;
  const manager = new RunManager({
    runnerPath: opts.runnerPath,
    workers: opts.threads,
    cores: opts.threads,
    backend: slice.backend,
    init: slice.init,
    only: slice.runIds,
    owner: opts.label ?? 'precond-lab worker',
    // never --force here: the submitter re-queued what --force asked for, and a run this task already finished
    // (before a requeue) must be skipped
    adopt: job ? (holder) => holder.job === job : undefined,
  });
  opts.attach?.(manager);
  return manager.runSweep(slice.config, slice.root);
}

/** Trains one job in a runner child, every message to `onMessage`; `done` says how the child ended. */
export function trainJob(
  runnerPath: string,
  job: Job,
  onMessage: (msg: FromRunner) => void,
  graceSeconds = 3,
): ChildJob {
  return forkJob(runnerPath, job, onMessage, graceSeconds);
}
