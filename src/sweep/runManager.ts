// Runs a sweep: expands the config, skips runs already done with the same key, groups the rest into jobs of
// runs that share data, executes each job in a runner child process (at most `workers` at once), writes every
// record and outcome to the store as it arrives, and reports progress to listeners. A child that dies marks its
// unfinished runs failed and the sweep goes on; cancel is graceful first, then a kill.
//
// Two sweeps may share a store (two terminals, the editor and a terminal): each run is trained under its lock
// (lock.ts), taken before the run is queued and released once its final run.json is written, so a run held by
// a live sweep is skipped here (a 'locked' event naming the holder) and the rest is trained. A run recorded as
// done is skipped only when its files match the manifest in its run.json (integrity.ts); a damaged one is
// reported and trained again. A store that cannot be written (a full disk) stops the whole sweep: children are
// killed, unfinished runs are marked failed with the reason, locks are released, and runSweep rejects with a
// message naming the path and the free space.
import { EventEmitter } from 'node:events';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, type ExperimentConfig, type RegressionParams, type RunSpec } from '../shared/config';
import type { BackendChoice, FromRunner, Job, JobRun } from '../shared/protocol';
import type { MetricRecord, ParamsJson } from '../shared/records';
import { ExperimentStore, ENGINE_VERSION, findWeights, type RunFile, type RunStatus, type Summary } from './store';
import { hashOf, runKey, weightsKey } from './keys';
import { describeOwner, selfOwner, takeLock, type Lock, type LockOwner } from './lock';
import { MetricsTally } from './integrity';
import { recoverExperiment } from './recovery';
import { faultPoint } from './faultHook';

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
  /** who this sweep is, in the lock files other sweeps read: 'precond-lab run', 'VS Code' */
  owner?: string;
}

/** What a sweep reports about a run: its stored status, or 'skipped' (done and verified), 'locked' (another live
 *  sweep holds it; detail names the holder), 'damaged' (recorded done but its files do not match; it is trained
 *  again, detail says what is wrong). */
export type RunEvent = RunStatus | 'skipped' | 'locked' | 'damaged';

/** A run this sweep left to another live sweep, and the holder at the time. */
export interface HeldRun {
  id: string;
  holder: LockOwner;
}

export interface RunManagerEvents {
  state: [runId: string, status: RunEvent, detail?: string];
  progress: [runId: string, step: number, steps: number];
  records: [runId: string, records: MetricRecord[]];
  job: [pid: number, runIds: string[]];
  log: [line: string];
}

export const defaultWorkers = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** The most telling line of a dead child's stderr: the first error message, else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
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
  /** locks held by this sweep, by run id: from queued until the run's final run.json is written */
  private readonly locks = new Map<string, Lock>();
  private store: ExperimentStore | undefined;
  /** the first store write failure (or a bug in a message handler); it stops the sweep and runSweep rejects */
  private failure: Error | undefined;
  /** runs skipped because another live sweep holds them */
  readonly held: HeldRun[] = [];

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

  /** Stops at once (a second Ctrl-C): kills the children and records every run still owned as cancelled, so
   *  none is left 'running'. Synchronous, for a process about to exit. */
  abandon(reason = 'the sweep was stopped at once, before the run finished'): void {
    this.cancelled = true;
    for (const a of this.active) a.child.kill('SIGKILL');
    for (const id of [...this.locks.keys()]) {
      const run = this.store?.readRun(id);
      if (run && (run.status === 'queued' || run.status === 'running'))
        this.finalize(run.id, { ...run, status: 'cancelled', reason });
      else this.release(id);
    }
  }

  /** Writes a run's final run.json and releases its lock. A write failure stops the sweep; as a last resort the
   *  small run.json is rewritten in place (a full disk gives back the old file's space first), so the status
   *  on disk does not stay 'running'. */
  private finalize(id: string, run: RunFile): void {
    try {
      this.store!.writeRun(run);
    } catch (e) {
      this.fail(e);
      this.store!.writeRunInPlace(run);
    } finally {
      this.release(id);
    }
  }

  private release(id: string): void {
    this.locks.get(id)?.release();
    this.locks.delete(id);
  }

  /** A store write failed (or a bug threw in a handler): stop everything; runSweep rejects with it. */
  private fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    this.cancelled = true;
    for (const a of this.active) a.child.kill('SIGKILL');
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
    const store = (this.store = new ExperimentStore(root, config.name));
    store.writeConfig(config);
    const recovered = recoverExperiment(store);
    if (recovered.temporaries)
      this.emit(
        'log',
        `removed ${recovered.temporaries} temporary file${recovered.temporaries > 1 ? 's' : ''} left by a process ` +
          'that ended mid-write',
      );
    if (recovered.interrupted.length)
      this.emit(
        'log',
        `${recovered.interrupted.length} run${recovered.interrupted.length > 1 ? 's were' : ' was'} left ` +
          `unfinished by a process that ended (marked interrupted): ${recovered.interrupted.join(', ')}`,
      );
    const specs = expandRuns(config);
    const ids = specs.map((s) => s.id);
    const todo: { spec: RunSpec; file: RunFile }[] = [];
    const owner = selfOwner(this.opts.owner ?? 'precond-lab run');
    try {
      this.queueRuns(config, store, specs, owner, todo);
      store.writeSummary(config, ids);
      const jobs = this.groupJobs(config, root, todo);
      const workers = Math.max(1, Math.min(this.opts.workers ?? defaultWorkers(), jobs.length || 1));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length && !this.cancelled) {
          const job = jobs[next++];
          const files = job.files.filter((f) => !this.cancelledRuns.has(f.id));
          if (!files.length) continue;
          await this.runJob(
            store,
            { ...job.job, runs: job.job.runs.filter((r) => !this.cancelledRuns.has(r.id)) } as Job,
            files,
          );
          if (!this.failure) store.writeSummary(config, ids);
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
    } catch (e) {
      this.fail(e);
    }
    // runs this sweep still owns never finished: cancelled by the user, or stopped by a store failure
    for (const id of [...this.locks.keys()]) {
      const run = store.readRun(id);
      if (run && (run.status === 'queued' || run.status === 'running')) {
        const reason = this.failure
          ? `the sweep stopped before the run finished: ${this.failure.message}`
          : this.cancelledRuns.has(run.id)
            ? CANCEL_REASON
            : 'sweep cancelled before the run finished';
        const status: RunStatus = this.failure ? 'failed' : 'cancelled';
        this.finalize(id, { ...run, status, reason });
        this.emit('state', run.id, status, this.failure ? reason : undefined);
      } else this.release(id);
    }
    if (this.failure) {
      try {
        store.writeSummary(config, ids);
      } catch {
        /* derived: `report` and the next sweep rebuild it from the run.json files */
      }
      const failure = this.failure;
      const kept = ids.filter((id) => store.readRun(id)?.status === 'done').length;
      throw Object.assign(
        new Error(
          `${failure.message}. The sweep stopped; ${kept} of ${ids.length} runs are done and kept. Free some space ` +
            '(or fix the store) and run the same sweep again to finish the rest.',
        ),
        { cause: failure },
      );
    }
    return store.writeSummary(config, ids);
  }

  /** Takes each run's lock and decides: skip (done and verified), leave (held by a live sweep), or queue. */
  private queueRuns(
    config: ExperimentConfig,
    store: ExperimentStore,
    specs: RunSpec[],
    owner: LockOwner,
    todo: { spec: RunSpec; file: RunFile }[],
  ): void {
    const initHash = this.opts.init ? hashOf(this.opts.init) : undefined;
    for (const spec of specs) {
      const key = runKey(config, spec.params, initHash);
      // the lock first, then the status: a run finished by another sweep after we looked would be trained twice
      const taken = takeLock(store.lockPath(spec.id), { ...owner });
      if (!taken.ok) {
        this.held.push({ id: spec.id, holder: taken.holder });
        this.emit('state', spec.id, 'locked', `held by ${describeOwner(taken.holder)}`);
        continue;
      }
      this.locks.set(spec.id, taken.lock);
      const problems: string[] = [];
      const old = store.readRun(spec.id, problems);
      // a run.json that exists but cannot be used (cut short, edited) is damage too: say so, then train it again
      if (!old && problems.length && !this.opts.force && fs.existsSync(path.join(store.runDir(spec.id), 'run.json')))
        this.emit('state', spec.id, 'damaged', `${problems.join('; ')}; training it again`);
      if (!this.opts.force && old?.status === 'done' && old.key === key) {
        const damage = store.damageOf(old);
        if (!damage) {
          this.release(spec.id);
          this.emit(
            'state',
            spec.id,
            'skipped',
            old.manifest
              ? 'already done'
              : 'already done (recorded before run.json kept a manifest: its files parse, their content cannot ' +
                  'be checked)',
          );
          continue;
        }
        this.emit('state', spec.id, 'damaged', `${damage}; training it again`);
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
  }

  private groupJobs(
    config: ExperimentConfig,
    root: string,
    todo: { spec: RunSpec; file: RunFile }[],
  ): { job: Job; files: RunFile[] }[] {
    const backend = this.opts.backend ?? 'auto';
    if (config.kind === 'ood') {
      // one run per child: OOD runs are long and share nothing worth batching
      return todo.map(({ spec, file }) => ({
        job: {
          kind: 'ood',
          settings: config.settings,
          common: { seed: spec.params.seed },
          runs: [{ id: spec.id, p: spec.params.p, optimizer: spec.params.optimizer }],
          backend,
        },
        files: [file],
      }));
    }
    const groups = new Map<string, { job: Job; files: RunFile[] }>();
    for (const { spec, file } of todo) {
      const { case: c, snr, seed } = spec.params as RegressionParams;
      const gk = `${c}|${snr}|${seed}`;
      let g = groups.get(gk);
      if (!g) {
        g = {
          job: { kind: config.kind, settings: config.settings, common: { case: c, snr, seed }, runs: [], backend },
          files: [],
        };
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
      const tallies = new Map(files.map((f) => [f.id, new MetricsTally()]));
      const started = new Date().toISOString();
      let meta = { backend: '', kernel: '' };
      let failure: string | undefined;
      let stderr = '';
      try {
        for (const f of files) {
          store.resetMetrics(f.id);
          store.writeRun({ ...f, status: 'running', startedAt: started });
          this.emit('state', f.id, 'running');
        }
      } catch (e) {
        this.fail(e);
        return resolve();
      }
      const child = fork(this.opts.runnerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      const active: Active = { child, runIds: files.map((f) => f.id) };
      this.active.add(active);
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      this.emit('job', child.pid ?? -1, active.runIds);
      const onMessage = (msg: FromRunner): void => {
        switch (msg.type) {
          case 'started':
            meta = { backend: msg.backend, kernel: msg.kernel };
            this.emit(
              'log',
              `job ${files.map((f) => f.id).join(', ')}: backend ${msg.backend} (${msg.note}), kernel ${msg.kernel}`,
            );
            break;
          case 'progress':
            this.emit('progress', msg.runId, msg.step, msg.steps);
            break;
          case 'records': {
            if (!byId.has(msg.runId) || finished.has(msg.runId)) break;
            tallies.get(msg.runId)!.add(store.appendMetrics(msg.runId, msg.records), msg.records.length);
            faultPoint('cli-records');
            this.emit('records', msg.runId, msg.records);
            break;
          }
          case 'outcome': {
            const f = byId.get(msg.outcome.id);
            if (!f || finished.has(f.id)) break;
            const o = msg.outcome;
            finished.add(o.id);
            const weights = o.weights ? store.writeWeights(o.id, o.weights) : undefined;
            faultPoint('cli-weights');
            this.finalize(o.id, {
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
              manifest: { metrics: tallies.get(o.id)!.digest(), ...(weights ? { weights } : {}) },
            });
            this.emit('state', o.id, o.status, o.reason);
            break;
          }
          case 'failed':
            failure = msg.reason;
            break;
        }
      };
      // a write that fails here (a full disk) must not throw out of the handler: it stops the sweep instead
      child.on('message', (msg: FromRunner) => {
        if (this.failure) return;
        try {
          onMessage(msg);
        } catch (e) {
          this.fail(e);
        }
      });
      // 'close', not 'exit': 'exit' can fire while the child's last IPC messages (its outcomes) are still in flight
      child.on('close', (code, signal) => {
        if (active.killTimer) clearTimeout(active.killTimer);
        this.active.delete(active);
        for (const f of files) {
          if (finished.has(f.id)) continue;
          const byUser = !this.failure && (this.cancelled || this.cancelledRuns.has(f.id));
          const status: RunStatus = byUser ? 'cancelled' : 'failed';
          const reason = this.failure
            ? `the sweep stopped before the run finished: ${this.failure.message}`
            : byUser
              ? CANCEL_REASON
              : failure
                ? `the runner failed: ${failure.split('\n')[0]}`
                : `the runner process exited (${signal ? `signal ${signal}` : `code ${code}`}) before the run ` +
                  `finished${errorLine(stderr)}`;
          this.finalize(f.id, {
            ...f,
            ...meta,
            status,
            reason,
            startedAt: started,
            finishedAt: new Date().toISOString(),
          });
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
