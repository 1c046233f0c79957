// The `local` executor, the default: each job in a runner child process on this machine, at most `workers` at
// once, every message handed to the job's sink (which writes the store). Cancel is graceful first, then a kill.
import type { ChildJob } from './childJob';
import { forkJob } from './childJob';
import { withoutCancelled } from '../planning';
import { threadsPerJob } from '../../shared/threadBudget';
import * as os from 'node:os';
import type { ExecutionContext, Executor, JobSink, PlannedJob } from './types';

export interface LocalExecutorOptions {
  runnerPath: string;
  workers: number;
  /** seconds between a cancel request and a kill */
  graceSeconds?: number;
  /** told each child's pid and runs as it starts (the run manager's 'job' event) */
  onChild?: (pid: number, runIds: string[]) => void;
  /** the cores this executor may use (a worker's thread budget); default this machine's */
  cores?: number;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly active = new Set<{ child: ChildJob; sink: JobSink }>();
  private cancelled = false;
  private readonly cancelledRuns = new Set<string>();
  private threads = 1;

  constructor(private readonly opts: LocalExecutorOptions) {}

  describe(): string {
    return `${this.opts.workers} local worker${this.opts.workers > 1 ? 's' : ''}`;
  }

  async execute(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void> {
    const workers = Math.max(1, Math.min(this.opts.workers, jobs.length || 1));
    // BLAS threads: all cores for a job that runs alone, one per job when the workers fill the cores
    this.threads = threadsPerJob(this.opts.cores ?? os.availableParallelism?.() ?? os.cpus().length, workers);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !ctx.isCancelled() && !this.cancelled) {
        const job = withoutCancelled(jobs[next++], (id) => ctx.isRunCancelled(id) || this.cancelledRuns.has(id));
        if (!job) continue;
        await this.runJob(job, ctx);
        ctx.jobEnded();
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  private async runJob(job: PlannedJob, ctx: ExecutionContext): Promise<void> {
    const sink = ctx.open(job);
    if (!sink.start()) return;
    const child = forkJob(
      this.opts.runnerPath,
      { ...job.job, threads: this.threads },
      (msg) => sink.message(msg),
      this.opts.graceSeconds,
    );
    const entry = { child, sink };
    this.active.add(entry);
    this.opts.onChild?.(child.pid, sink.runIds);
    if (this.cancelled || ctx.isCancelled()) child.cancel();
    else {
      const mine = sink.runIds.filter((id) => this.cancelledRuns.has(id) || ctx.isRunCancelled(id));
      if (mine.length) child.cancel(mine.length === sink.runIds.length ? undefined : mine);
    }
    const detail = await child.done;
    this.active.delete(entry);
    sink.end(detail);
  }

  cancel(runIds?: string[]): void {
    if (!runIds) this.cancelled = true;
    else runIds.forEach((id) => this.cancelledRuns.add(id));
    for (const { child, sink } of this.active) {
      if (!runIds) {
        child.cancel();
        continue;
      }
      const mine = sink.runIds.filter((id) => this.cancelledRuns.has(id));
      if (mine.length) child.cancel(mine.length === sink.runIds.length ? undefined : mine);
    }
  }

  abandon(): void {
    this.cancelled = true;
    for (const { child } of this.active) child.kill();
  }
}
