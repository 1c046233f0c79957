// The executor interface: where a sweep's jobs train. The run manager plans (planning.ts: which runs are due, how
// they batch into jobs), takes each run's lock and writes it queued; an executor then only runs the planned jobs
// and reports back through a JobSink per job. `local` (child processes on this machine, the default) hands every
// message to the sink, which writes the store; `slurm` submits one job array whose workers write run folders
// straight into the shared store and reports what it sees (squeue, the store's files); `bullmq` hands records and
// outcomes back from remote workers to the sink like `local`. A job is the same on every executor (the runs that
// share data, trained as one batch), so a run's numbers never depend on where it ran.
import type { FromRunner, Job } from '../../shared/protocol';
import type { MetricRecord } from '../../shared/records';
import type { RunFile } from '../store';

export const EXECUTOR_NAMES = ['local', 'slurm', 'bullmq'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

/** A job as planned: what the runner trains, and each of its runs' queued run.json. */
export interface PlannedJob {
  job: Job;
  files: RunFile[];
}

/** Where a run stands on an engine before or while it trains, for the tree and the CLI: 'pending' (submitted, the
 *  engine has not started it), 'running' (the engine says its task runs), 'requeued' (its task failed on the
 *  engine, which will run it again). The store's own statuses (queued, running, done ...) come separately. */
export type EngineState = 'pending' | 'running' | 'requeued';

/**
 * How an executor reports one job to the run manager. Two ways to deliver results:
 * - `message`: a runner's messages (started, progress, records, outcome, failed), exactly as a local runner child
 *   sends them; the sink writes records and the final run.json into the store and releases the run's lock
 *   (local, bullmq);
 * - `stored`: a worker wrote the run's folder itself (slurm, on a shared filesystem); the sink reads its run.json,
 *   reports the state and releases this side's lock. `tailed` reports records a worker already wrote (read from
 *   its metrics.jsonl) to listeners, without writing them again.
 * `start` is called when the job begins training (it writes the runs 'running'; false: the store failed and the
 * job must not start); `end` once the job is over: runs with no outcome yet are marked failed with `detail`
 * (or cancelled, when the user cancelled them).
 */
export interface JobSink {
  readonly runIds: string[];
  start(): boolean;
  message(msg: FromRunner): void;
  engine(runId: string, state: EngineState, detail?: string): void;
  tailed(runId: string, records: MetricRecord[]): void;
  stored(runId: string): void;
  end(detail: string): void;
}

/** What the run manager gives an executor for one sweep. */
export interface ExecutionContext {
  /** the experiment's folder in the store (for the submission record of engines that need one) */
  storeDir: string;
  /** the store's root (the --out folder) */
  root: string;
  experiment: string;
  /** opens the sink for a job; the executor calls it once per job, when it hands the job to its engine */
  open(job: PlannedJob): JobSink;
  /** the sweep was cancelled (or stopped by a store failure): start nothing more */
  isCancelled(): boolean;
  isRunCancelled(runId: string): boolean;
  /** Hands a run's lock from this process to the engine's job record that now owns it (`job`: 'slurm:1234_5'),
   *  before the engine may start it; the worker there adopts it (lock.ts). */
  handOver(runId: string, job: string, label: string): void;
  /** called after each job ends (the run manager rewrites summary.json) */
  jobEnded(): void;
  log(line: string): void;
}

export interface Executor {
  readonly name: ExecutorName;
  /** Where the sweep runs, in words, for the status bar and the CLI's first line: '2 local workers',
   *  'Slurm (partition gpu, 4 tasks at once)'. */
  describe(): string;
  /** Runs every planned job; resolves when each has ended (done, failed or cancelled) and its sink's `end` was
   *  called. Rejects only on a failure to reach the engine (sbatch missing, Redis unreachable), with a clear
   *  message; runs not started are then marked failed by the run manager. */
  execute(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void>;
  /** Cancels the whole sweep (no runIds) or single runs: queued work never starts, running work is asked to stop,
   *  then killed after the grace. */
  cancel(runIds?: string[]): void;
  /** Stops at once (a process about to exit); synchronous, best effort. */
  abandon(): void;
  /** Re-attaches to a sweep this executor submitted earlier and that may still run on its engine (an editor
   *  restarted while a Slurm array runs): watches it to its end through the same sinks. Absent where the engine
   *  keeps nothing once the submitter is gone (local). */
  resume?(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void>;
  /** An earlier submission of this experiment (`storeDir`) that still runs on the engine, from the executor's own
   *  record of what it submitted: the run manager leaves its runs to it and hands them to `resume` instead of
   *  submitting them again. Undefined: nothing to reattach to. */
  liveSubmission?(storeDir: string): Promise<LiveSubmission | undefined>;
}

/** A submission still on its engine: its name in messages and lock files ('slurm:1234'; the runs' job locks
 *  name 'slurm:1234_<task>') and the runs it trains. */
export interface LiveSubmission {
  job: string;
  runIds: string[];
}
