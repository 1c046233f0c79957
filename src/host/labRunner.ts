// The extension host's run manager: a queue of sweeps, each executed by the engine's RunManager (child processes,
// store writes, crash handling stay there). It adds what a window needs: the live state of every queued and
// running run, cancelling one sweep or one run, and events for the tree, the status bar and the panels.
// It imports neither vscode nor the DOM, so its state machine is unit-tested with real runner processes.
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { expandRuns, type ExperimentConfig } from '../shared/config';
import type { BackendChoice } from '../shared/protocol';
import type { MetricRecord } from '../shared/records';
import { RunManager, type RunEvent } from '../sweep/runManager';
import type { EngineState, Executor, ExecutorName } from '../sweep/executors/types';
import { ExperimentStore, summaryRunOf, type Summary } from '../sweep/store';
import type { LiveRun } from './runView';

export interface SweepRequest {
  config: ExperimentConfig;
  root: string;
  /** re-run runs already done */
  force?: boolean;
  /** when `config` re-runs part of an experiment: the whole experiment's config, written back so the store keeps
   *  describing all of it (the engine records the config it is given) */
  whole?: ExperimentConfig;
  /** where the sweep trains (executorSettings.ts: slurm, bullmq); default the local pool of runner processes */
  executor?: Executor;
}

/** Where a sweep trains: the executor's name and, in words, where ('BullMQ workers on redis://:***@host:6379'). */
export interface SweepPlace {
  name: ExecutorName;
  text: string;
}

export interface SweepHandle {
  id: number;
  experiment: string;
  total: number;
  where: SweepPlace;
  /** resolves with the sweep's summary when it finishes, is cancelled, or is dropped from the queue */
  done: Promise<Summary>;
}

export interface LabRunnerEvents {
  /** anything in the live state changed (frequent while runs progress: debounce before redrawing) */
  changed: [];
  state: [experiment: string, runId: string, state: RunEvent, detail?: string];
  progress: [experiment: string, runId: string, step: number, steps: number];
  records: [experiment: string, runId: string, records: MetricRecord[]];
  sweep: [handle: SweepHandle, phase: 'queued' | 'started' | 'finished', summary?: Summary];
  backend: [backend: string, kernel: string | undefined];
  /** a run's state on a remote engine (pending, running, requeued), with the engine's words */
  engine: [experiment: string, runId: string, state: EngineState, detail?: string];
  log: [line: string];
}

export interface LabRunnerOptions {
  runnerPath: string;
  /** read when each sweep starts, so a changed setting applies to the next sweep */
  workers: () => number;
  backend: () => BackendChoice;
  graceSeconds?: number;
}

interface Sweep {
  handle: SweepHandle;
  req: SweepRequest;
  resolve: (s: Summary) => void;
  reject: (e: unknown) => void;
  manager?: RunManager;
  runs: Map<string, LiveRun>;
  /** runs cancelled before the sweep's engine run manager existed */
  cancelled: Set<string>;
}

export class LabRunner extends EventEmitter<LabRunnerEvents> {
  private readonly queue: Sweep[] = [];
  private current: Sweep | undefined;
  private nextId = 1;
  lastBackend: { backend: string; kernel?: string } | undefined;

  constructor(private readonly opts: LabRunnerOptions) {
    super();
  }

  enqueue(req: SweepRequest): SweepHandle {
    const specs = expandRuns(req.config);
    let resolve!: (s: Summary) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<Summary>((res, rej) => ((resolve = res), (reject = rej)));
    const workers = this.opts.workers();
    const where: SweepPlace = req.executor
      ? { name: req.executor.name, text: req.executor.describe() }
      : { name: 'local', text: `${workers} local runner process${workers === 1 ? '' : 'es'}` };
    const handle: SweepHandle = { id: this.nextId++, experiment: req.config.name, total: specs.length, where, done };
    const runs = new Map<string, LiveRun>(specs.map((s) => [s.id, { state: 'queued', params: s.params }]));
    this.queue.push({ handle, req, resolve, reject, runs, cancelled: new Set() });
    this.emit('sweep', handle, 'queued');
    this.changed();
    this.pump();
    return handle;
  }

  /** Cancels sweeps by handle id or experiment name: a queued one is dropped, the running one stops. */
  cancelSweep(target: number | string): number {
    const match = (s: Sweep): boolean => s.handle.id === target || s.handle.experiment === target;
    let n = 0;
    for (const s of this.queue.filter(match)) {
      this.queue.splice(this.queue.indexOf(s), 1);
      this.finish(s, this.droppedSummary(s));
      n++;
    }
    if (this.current && match(this.current) && !this.current.manager?.isCancelled) {
      this.current.manager?.cancel();
      n++;
    }
    return n;
  }

  cancelAll(): number {
    let n = 0;
    for (const s of [...this.queue]) n += this.cancelSweep(s.handle.id);
    if (this.current) n += this.cancelSweep(this.current.handle.id);
    return n;
  }

  /** Cancels one queued or running run; returns false when no live sweep owns it. */
  cancelRun(experiment: string, runId: string): boolean {
    const s = [this.current, ...this.queue].find((x) => x?.handle.experiment === experiment && x.runs.has(runId));
    if (!s) return false;
    s.cancelled.add(runId);
    s.manager?.cancelRuns([runId]);
    return true;
  }

  /** experiment -> run id -> live state, for sweeps writing under `root` (default: all); the running sweep's view
   *  wins over a queued sweep of the same experiment. */
  live(root?: string): Map<string, Map<string, LiveRun>> {
    const out = new Map<string, Map<string, LiveRun>>();
    for (const s of [...this.queue].reverse().concat(this.current ? [this.current] : [])) {
      if (root !== undefined && path.resolve(s.req.root) !== path.resolve(root)) continue;
      const m = out.get(s.handle.experiment) ?? new Map<string, LiveRun>();
      for (const [id, r] of s.runs) m.set(id, { ...r });
      if (m.size) out.set(s.handle.experiment, m);
    }
    return out;
  }

  /** How far a sweep is: runs ended (done, skipped, failed...), runs running; undefined once it has finished. */
  progressOf(id: number): { total: number; ended: number; running: number; started: boolean } | undefined {
    const s = [this.current, ...this.queue].find((x) => x?.handle.id === id);
    if (!s) return undefined;
    const running = [...s.runs.values()].filter((r) => r.state === 'running').length;
    return { total: s.handle.total, ended: s.handle.total - s.runs.size, running, started: s === this.current };
  }

  /** The runs a sweep was asked for and the steps its config gives each (runs report their own once started). */
  sweepConfig(id: number): { runIds: string[]; steps: number } | undefined {
    const s = [this.current, ...this.queue].find((x) => x?.handle.id === id);
    if (!s) return undefined;
    const steps = (s.req.config.settings as { steps?: unknown }).steps;
    return { runIds: expandRuns(s.req.config).map((r) => r.id), steps: typeof steps === 'number' ? steps : 0 };
  }

  runningCount(): number {
    return [...(this.current?.runs.values() ?? [])].filter((r) => r.state === 'running').length;
  }

  sweeps(): { handle: SweepHandle; running: boolean }[] {
    return [
      ...(this.current ? [{ handle: this.current.handle, running: true }] : []),
      ...this.queue.map((s) => ({ handle: s.handle, running: false })),
    ];
  }

  /** Resolves when no sweep is running or queued. */
  async idle(): Promise<void> {
    while (this.current || this.queue.length) await (this.current ?? this.queue[0]).handle.done.catch(() => undefined);
  }

  private changed(): void {
    this.emit('changed');
  }

  private pump(): void {
    if (this.current || !this.queue.length) return;
    const s = (this.current = this.queue.shift()!);
    void this.execute(s);
  }

  private async execute(s: Sweep): Promise<void> {
    const { config, root, force, whole } = s.req;
    const m = (s.manager = new RunManager({
      runnerPath: this.opts.runnerPath,
      workers: this.opts.workers(),
      backend: this.opts.backend(),
      force,
      graceSeconds: this.opts.graceSeconds,
      owner: 'VS Code',
      executor: s.req.executor,
    }));
    const store = new ExperimentStore(root, config.name);
    const exp = config.name;
    m.cancelRuns([...s.cancelled]);
    m.on('progress', (id, step, steps) => {
      const r = s.runs.get(id);
      if (r) Object.assign(r, { state: 'running', step, steps }, r.engine ? { engine: 'running' } : {});
      this.emit('progress', exp, id, step, steps);
      this.changed();
    });
    m.on('records', (id, records) => {
      const r = s.runs.get(id);
      // an engine whose workers write the store (slurm) reports records, not progress: the last step is the progress
      const last = records[records.length - 1] as { step?: unknown } | undefined;
      if (r && typeof last?.step === 'number' && (r.step === undefined || last.step >= r.step)) {
        r.step = last.step;
        const steps = (s.req.config.settings as { steps?: unknown }).steps;
        if (r.steps === undefined && typeof steps === 'number') r.steps = steps;
      }
      if (r?.engine === 'requeued' && records.length) r.engine = 'running';
      this.emit('records', exp, id, records);
    });
    // where a run stands on its engine: pending (submitted, not started), running, requeued (its task or worker was
    // lost and the engine runs it again; shown until the new attempt reports progress)
    m.on('engine', (id, state, detail) => {
      const r = s.runs.get(id);
      if (!r) return;
      if (!(r.engine === 'requeued' && state === 'running')) r.engine = state;
      // a Slurm task's workers write the store themselves: the engine is the first to say a run trains
      if (state === 'running') r.state = 'running';
      if (detail) r.engineDetail = detail;
      this.emit('engine', exp, id, state, detail);
      this.changed();
    });
    m.on('log', (line) => this.emit('log', line));
    m.on('state', (id, status, detail) => {
      if (status === 'queued' || status === 'running')
        s.runs.set(id, { ...(s.runs.get(id) ?? { params: {} }), state: status });
      else s.runs.delete(id);
      if (status === 'done' || status === 'diverged') this.noteBackend(store, id);
      this.emit('state', exp, id, status, detail);
      this.changed();
    });
    this.emit('sweep', s.handle, 'started');
    try {
      const running = m.runSweep(config, root);
      // runSweep records its config synchronously before its first await; put the whole experiment's back.
      if (whole) store.writeConfig(whole);
      let summary = await running;
      if (whole)
        summary = store.writeSummary(
          whole,
          expandRuns(whole).map((r) => r.id),
        );
      this.finish(s, summary);
    } catch (e) {
      this.finish(s, undefined, e);
    }
  }

  private noteBackend(store: ExperimentStore, id: string): void {
    const run = store.readRun(id);
    if (!run?.backend || (run.backend === this.lastBackend?.backend && run.kernel === this.lastBackend?.kernel)) return;
    this.lastBackend = { backend: run.backend, kernel: run.kernel };
    this.emit('backend', run.backend, run.kernel);
  }

  /** What a sweep dropped from the queue leaves: runs already in the store as they are, the rest cancelled. */
  private droppedSummary(s: Sweep): Summary {
    const store = new ExperimentStore(s.req.root, s.req.config.name);
    const runs = expandRuns(s.req.config).map((spec) => {
      const r = store.readRun(spec.id);
      return r
        ? summaryRunOf(r)
        : {
            id: spec.id,
            params: spec.params,
            status: 'cancelled' as const,
            final: {},
            reason: 'the sweep was cancelled before it started',
          };
    });
    return { experiment: s.req.config, runs, updatedAt: new Date().toISOString() };
  }

  private finish(s: Sweep, summary: Summary | undefined, error?: unknown): void {
    s.runs.clear();
    if (this.current === s) this.current = undefined;
    if (summary) s.resolve(summary);
    else s.reject(error);
    this.emit('sweep', s.handle, 'finished', summary);
    this.changed();
    this.pump();
  }
}
