// Cancelling one run of a running sweep. The engine's RunManager cancels whole sweeps only, and a job (the runs
// that share data: same case, SNR and seed) trains in one runner process, so a run is stopped by ending its
// process, which stops the runs training with it. The engine then reports those runs failed ("the runner process
// exited"); they are recorded as cancelled instead. A process is ended only after it has reported progress: by
// then it holds its job, so the kill cannot race the engine's start message.
import type { ExperimentStore, RunStatus } from '../sweep/store';

export const CANCEL_REASON = 'cancelled by the user (runs that train in the same process stop with it)';

export class RunCanceller {
  /** runner pid -> the runs it trains */
  private readonly jobs = new Map<number, string[]>();
  private readonly reporting = new Set<number>();
  private readonly wanted = new Set<string>();
  private readonly killed = new Set<string>();

  constructor(private readonly store: ExperimentStore) {}

  onJob(pid: number, runIds: string[]): void {
    this.jobs.set(pid, runIds);
  }

  /** Call on every progress report; true when it ended the reporting process (drop the report then). */
  onProgress(runId: string): boolean {
    const pid = this.pidOf(runId);
    if (pid === undefined || this.reporting.has(pid)) return false;
    this.reporting.add(pid);
    if (!this.jobs.get(pid)!.some((r) => this.wanted.has(r))) return false;
    this.kill(pid);
    return true;
  }

  /** Cancels a queued or running run: now if its process is reporting, else when it first reports. */
  request(runId: string): void {
    this.wanted.add(runId);
    const pid = this.pidOf(runId);
    if (pid !== undefined && this.reporting.has(pid)) this.kill(pid);
  }

  /** Translates the engine's report of a run in an ended process, rewriting its run.json as cancelled. */
  onState(runId: string, status: RunStatus | 'skipped', detail?: string): [RunStatus | 'skipped', string | undefined] {
    if (status !== 'failed' || !this.killed.has(runId)) return [status, detail];
    const run = this.store.readRun(runId);
    if (run) this.store.writeRun({ ...run, status: 'cancelled', reason: CANCEL_REASON });
    return ['cancelled', CANCEL_REASON];
  }

  private pidOf(runId: string): number | undefined {
    for (const [pid, ids] of this.jobs) if (ids.includes(runId)) return pid;
    return undefined;
  }

  private kill(pid: number): void {
    for (const id of this.jobs.get(pid) ?? []) this.killed.add(id);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* it already exited */
    }
  }
}
