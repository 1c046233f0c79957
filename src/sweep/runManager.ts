// Runs a sweep: expands the config, skips runs already done with the same key, groups the rest into jobs of
// runs that share data, executes each job in a runner child process (at most `workers` at once), writes every
// record and outcome to the store as it arrives, and reports progress to listeners. A child that dies marks its
// unfinished runs failed and the sweep goes on; cancel is graceful first, then a kill.
import { EventEmitter } from 'node:events';
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { expandRuns, type ExperimentConfig, type RegressionParams, type RunSpec } from '../shared/config';
import type { BackendChoice, FromRunner, Job, JobRun } from '../shared/protocol';
import type { MetricRecord } from '../lab/experiments/records';
import type { ParamsJson } from '../lab/model';
import { ExperimentStore, ENGINE_VERSION, findWeights, type RunFile, type RunStatus, type Summary } from './store';
import { hashOf, runKey, weightsKey } from './keys';

export interface RunManagerOptions {
  runnerPath: string;
  workers?: number;
  backend?: BackendChoice;
  /** start every run from these weights instead of drawing them */
  init?: ParamsJson;
  /** re-run even runs already done */
  force?: boolean;
  /** seconds between a cancel request and a kill */
  graceSeconds?: number;
}

export interface RunManagerEvents {
  state: [runId: string, status: RunStatus | 'skipped', detail?: string];
  progress: [runId: string, step: number, steps: number];
  records: [runId: string, records: MetricRecord[]];
  job: [pid: number, runIds: string[]];
  log: [line: string];
}

export const defaultWorkers = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** The most telling line of a dead child's stderr: the first error message, else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines.filter((l) => !/^Node\.js v/.test(l)).pop();
  return line ? `: ${line}` : '';
}

interface Active {
  child: ChildProcess;
  runIds: string[];
  killTimer?: NodeJS.Timeout;
}

const CANCEL_REASON = 'cancelled by the user';

export class RunManager extends EventEmitter<RunManagerEvents> {
  private cancelled = false;
  private readonly active = new Set<Active>();
  /** runs cancelled one by one: queued ones never start, running ones stop while their job goes on */
  private readonly cancelledRuns = new Set<string>();

  constructor(private readonly opts: RunManagerOptions) {
    super();
  }

  /** Stops the sweep: queued jobs never start, running children get a cancel message, then a kill. */
  cancel(): void {
    this.cancelled = true;
    for (const a of this.active) this.stop(a);
  }

  /** Cancels single runs. A job whose every run is cancelled stops (gracefully, then a kill) like a sweep. */
  cancelRuns(runIds: string[]): void {
    runIds.forEach((id) => this.cancelledRuns.add(id));
    for (const a of this.active) {
      const mine = a.runIds.filter((id) => this.cancelledRuns.has(id));
      if (!mine.length) continue;
      this.stop(a, mine.length === a.runIds.length ? undefined : mine);
    }
  }

  /** Asks a child to stop its job (or only `runIds`); a whole job is killed if it has not exited after the grace. */
  private stop(a: Active, runIds?: string[]): void {
    a.child.send?.({ type: 'cancel', runIds }, () => undefined);
    if (!runIds) a.killTimer ??= setTimeout(() => a.child.kill('SIGKILL'), (this.opts.graceSeconds ?? 3) * 1000);
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  async runSweep(config: ExperimentConfig, root: string): Promise<Summary> {
    const store = new ExperimentStore(root, config.name);
    store.writeConfig(config);
    const specs = expandRuns(config);
    const initHash = this.opts.init ? hashOf(this.opts.init) : undefined;
    const todo: { spec: RunSpec; file: RunFile }[] = [];
    for (const spec of specs) {
      const key = runKey(config, spec.params, initHash);
      const old = store.readRun(spec.id);
      if (!this.opts.force && old?.status === 'done' && old.key === key) {
        this.emit('state', spec.id, 'skipped', 'already done');
        continue;
      }
      const file: RunFile = {
        id: spec.id,
        experiment: config.name,
        kind: config.kind,
        params: spec.params,
        settings: config.settings,
        key,
        weightsKey: weightsKey(config, spec.params, initHash),
        status: 'queued',
        engineVersion: ENGINE_VERSION,
        final: {},
      };
      store.writeRun(file);
      this.emit('state', spec.id, 'queued');
      todo.push({ spec, file });
    }
    const ids = specs.map((s) => s.id);
    store.writeSummary(config, ids);

    const jobs = this.groupJobs(config, root, todo);
    const workers = Math.max(1, Math.min(this.opts.workers ?? defaultWorkers(), jobs.length || 1));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !this.cancelled) {
        const job = jobs[next++];
        const files = job.files.filter((f) => !this.cancelledRuns.has(f.id));
        if (!files.length) continue;
        await this.runJob(store, { ...job.job, runs: job.job.runs.filter((r) => !this.cancelledRuns.has(r.id)) } as Job, files);
        store.writeSummary(config, ids);
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    for (const { file } of todo) {
      const run = store.readRun(file.id);
      if (run && (run.status === 'queued' || run.status === 'running')) {
        store.writeRun({ ...run, status: 'cancelled', reason: this.cancelledRuns.has(run.id) ? CANCEL_REASON : 'sweep cancelled before the run finished' });
        this.emit('state', run.id, 'cancelled');
      }
    }
    return store.writeSummary(config, ids);
  }

  private groupJobs(config: ExperimentConfig, root: string, todo: { spec: RunSpec; file: RunFile }[]): { job: Job; files: RunFile[] }[] {
    const backend = this.opts.backend ?? 'auto';
    if (config.kind === 'ood') {
      // one run per child: OOD runs are long and share nothing worth batching
      return todo.map(({ spec, file }) => ({
        job: { kind: 'ood', settings: config.settings, common: { seed: spec.params.seed }, runs: [{ id: spec.id, p: spec.params.p, optimizer: spec.params.optimizer }], backend },
        files: [file],
      }));
    }
    const groups = new Map<string, { job: Job; files: RunFile[] }>();
    for (const { spec, file } of todo) {
      const { case: c, snr, seed } = spec.params as RegressionParams;
      const gk = `${c}|${snr}|${seed}`;
      let g = groups.get(gk);
      if (!g) {
        g = { job: { kind: config.kind, settings: config.settings, common: { case: c, snr, seed }, runs: [], backend }, files: [] };
        groups.set(gk, g);
      }
      const run: JobRun = { id: spec.id, p: spec.params.p, init: this.opts.init };
      if (config.kind === 'transfer') {
        const found = findWeights(root, file.weightsKey);
        if (found) run.task1 = { params: found.weights, from: found.from, final: found.final };
      }
      g.job.runs.push(run);
      g.files.push(file);
    }
    return [...groups.values()];
  }

  private runJob(store: ExperimentStore, job: Job, files: RunFile[]): Promise<void> {
    return new Promise((resolve) => {
      const byId = new Map(files.map((f) => [f.id, f]));
      const finished = new Set<string>();
      const started = new Date().toISOString();
      let meta = { backend: '', kernel: '' };
      let failure: string | undefined;
      let stderr = '';
      const child = fork(this.opts.runnerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      const active: Active = { child, runIds: files.map((f) => f.id) };
      this.active.add(active);
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      for (const f of files) {
        store.resetMetrics(f.id);
        store.writeRun({ ...f, status: 'running', startedAt: started });
        this.emit('state', f.id, 'running');
      }
      this.emit('job', child.pid ?? -1, active.runIds);
      child.on('message', (msg: FromRunner) => {
        switch (msg.type) {
          case 'started':
            meta = { backend: msg.backend, kernel: msg.kernel };
            this.emit('log', `job ${files.map((f) => f.id).join(', ')}: backend ${msg.backend} (${msg.note}), kernel ${msg.kernel}`);
            break;
          case 'progress':
            this.emit('progress', msg.runId, msg.step, msg.steps);
            break;
          case 'records':
            if (!byId.has(msg.runId)) break;
            store.appendMetrics(msg.runId, msg.records);
            this.emit('records', msg.runId, msg.records);
            break;
          case 'outcome': {
            const f = byId.get(msg.outcome.id);
            if (!f) break;
            const o = msg.outcome;
            finished.add(o.id);
            if (o.weights) store.writeWeights(o.id, o.weights);
            store.writeRun({
              ...f,
              ...meta,
              status: o.status,
              reason: o.status === 'cancelled' ? CANCEL_REASON : o.reason,
              startedAt: started,
              finishedAt: new Date().toISOString(),
              seconds: msg.seconds,
              final: o.final,
              spectra: o.spectra,
              reusedTask1: o.reusedTask1,
            });
            this.emit('state', o.id, o.status, o.reason);
            break;
          }
          case 'failed':
            failure = msg.reason;
            break;
        }
      });
      // 'close', not 'exit': 'exit' can fire while the child's last IPC messages (its outcomes) are still in flight
      child.on('close', (code, signal) => {
        if (active.killTimer) clearTimeout(active.killTimer);
        this.active.delete(active);
        for (const f of files) {
          if (finished.has(f.id)) continue;
          const byUser = this.cancelled || this.cancelledRuns.has(f.id);
          const status: RunStatus = byUser ? 'cancelled' : 'failed';
          const reason = byUser
            ? CANCEL_REASON
            : failure
              ? `the runner failed: ${failure.split('\n')[0]}`
              : `the runner process exited (${signal ? `signal ${signal}` : `code ${code}`}) before the run finished${errorLine(stderr)}`;
          store.writeRun({ ...f, ...meta, status, reason, startedAt: started, finishedAt: new Date().toISOString() });
          this.emit('state', f.id, status, reason);
        }
        resolve();
      });
      child.send({ type: 'start', job });
      if (this.cancelled) this.cancel();
      else if (files.some((f) => this.cancelledRuns.has(f.id))) this.cancelRuns([]);
    });
  }
}
