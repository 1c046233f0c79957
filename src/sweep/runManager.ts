// Runs a sweep: expands the config, skips runs already done with the same key, groups the rest into jobs of
// runs that share data (planning.ts), hands the jobs to an executor (executors/: `local` runs each job in a runner
// child process, at most `workers` at once; `slurm` submits a job array), writes every record and outcome to the
// store as it arrives (or reads what a remote worker wrote), and reports progress to listeners. A job that dies
// marks its unfinished runs failed and the sweep goes on; cancel is graceful first, then a kill.
//
// Two sweeps may share a store (two terminals, the editor and a terminal): each run is trained under its lock
// (lock.ts), taken before the run is queued and released once its final run.json is written, so a run held by
// a live sweep is skipped here (a 'locked' event naming the holder) and the rest is trained. A run recorded as
// done is skipped only when its files match the manifest in its run.json (integrity.ts); a damaged one is
// reported and trained again. A store that cannot be written (a full disk) stops the whole sweep: children are
// killed, unfinished runs are marked failed with the reason, locks are released, and runSweep rejects with a
// message naming the path and the free space.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, type ExperimentConfig, type RunSpec } from '../shared/config';
import type { BackendChoice, FromRunner } from '../shared/protocol';
import type { MetricRecord, ParamsJson } from '../shared/records';
import { ExperimentStore, ENGINE_VERSION, findWeights, type RunFile, type RunStatus, type Summary } from './store';
import { hashOf, runKey, weightsKey } from './keys';
import { describeOwner, handOverLock, Lock, readLock, selfOwner, takeLock, type LockOwner } from './lock';
import { groupJobs, type DueRun } from './planning';
import { LocalExecutor } from './executors/local';
import type { EngineState, ExecutionContext, Executor, JobSink, PlannedJob } from './executors/types';
import { MetricsTally } from './integrity';
import { recoverExperiment } from './recovery';
import { faultPoint } from './faultHook';
import { runSetting } from '../shared/runSetting';
import { StoreWriteError } from './files';

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
  /** the cores the local executor may use (a worker's thread budget); default this machine's */
  cores?: number;
  /** where the jobs train; default: the local executor with `workers` child processes */
  executor?: Executor;
  /** only these runs of the config (a worker's slice); default all */
  only?: string[];
  /** a lock held by this owner is taken over rather than respected: a worker adopting the lock its engine's job
   *  record holds for it (lock.ts) */
  adopt?: (holder: LockOwner) => boolean;
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
  /** where a run stands on a remote engine (pending, running, requeued), before its store status changes */
  engine: [runId: string, state: EngineState, detail?: string];
  job: [pid: number, runIds: string[]];
  log: [line: string];
}

export const defaultWorkers = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

const CANCEL_REASON = 'cancelled by the user';

export class RunManager extends EventEmitter<RunManagerEvents> {
  private cancelled = false;
  readonly executor: Executor;
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
    this.executor =
      opts.executor ??
      new LocalExecutor({
        runnerPath: opts.runnerPath,
        workers: opts.workers ?? defaultWorkers(),
        graceSeconds: opts.graceSeconds,
        cores: opts.cores,
        onChild: (pid, runIds) => this.emit('job', pid, runIds),
      });
  }

  /** Stops the sweep: queued jobs never start, running children get a cancel message, then a kill. */
  cancel(): void {
    this.cancelled = true;
    this.executor.cancel();
  }

  /** Cancels single runs. A job whose every run is cancelled stops (gracefully, then a kill) like a sweep. */
  cancelRuns(runIds: string[]): void {
    runIds.forEach((id) => this.cancelledRuns.add(id));
    this.executor.cancel(runIds);
  }

  /** Stops at once (a second Ctrl-C): kills the children and records every run still owned as cancelled, so
   *  none is left 'running'. Synchronous, for a process about to exit. */
  abandon(reason = 'the sweep was stopped at once, before the run finished'): void {
    this.cancelled = true;
    this.executor.abandon();
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
    this.executor.abandon();
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
    const all = expandRuns(config);
    const only = this.opts.only ? new Set(this.opts.only) : undefined;
    const specs = only ? all.filter((s) => only.has(s.id)) : all;
    const ids = all.map((s) => s.id);
    const todo: DueRun[] = [];
    const owner = selfOwner(this.opts.owner ?? 'precond-lab run');
    try {
      // an earlier submission of this experiment still on the engine (a submitter that ended while a Slurm array
      // runs): its runs are watched again (resume), not submitted again
      const live = this.executor.resume ? await this.executor.liveSubmission?.(store.dir) : undefined;
      const attached = new Set(live?.runIds ?? []);
      const attachedTodo: DueRun[] = [];
      this.queueRuns(
        config,
        store,
        specs.filter((s) => !attached.has(s.id)),
        owner,
        todo,
      );
      if (live)
        this.attachRuns(
          config,
          store,
          specs.filter((s) => attached.has(s.id)),
          live.job,
          attachedTodo,
        );
      store.writeSummary(config, ids);
      const plan = (due: DueRun[]): PlannedJob[] =>
        groupJobs(config, due, this.opts.backend ?? 'auto', this.opts.init, (key) => findWeights(root, key));
      const jobs = plan(todo);
      const ctx: ExecutionContext = {
        storeDir: store.dir,
        root,
        experiment: config.name,
        open: (job) => this.openJob(store, job),
        isCancelled: () => this.cancelled,
        isRunCancelled: (id) => this.cancelledRuns.has(id),
        jobEnded: () => {
          if (!this.failure) store.writeSummary(config, ids);
        },
        log: (line) => this.emit('log', line),
        handOver: (runId, job, label) => {
          const lock = this.locks.get(runId);
          const moved = lock && handOverLock(lock, { ...selfOwner(label), kind: 'job', job });
          if (moved) this.locks.set(runId, moved);
        },
      };
      if (live) await this.executor.resume!(plan(attachedTodo), ctx);
      await this.executor.execute(jobs, ctx);
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
          `${failure.message}. The sweep stopped; ${kept} of ${ids.length} runs are done and kept. ` +
            (failure instanceof StoreWriteError ? 'Free some space (or fix the store)' : 'Fix the cause above') +
            ' and run the same sweep again to finish the rest.',
        ),
        { cause: failure },
      );
    }
    return store.writeSummary(config, ids);
  }

  /** The runs of a submission still on the engine (`job`: 'slurm:1234'): skipped when its workers stored them
   *  done, else watched through a sink like a submitted run. Their locks stay the engine's: a job record lock
   *  (a task not started yet) is released by this sweep when the task ends, as by the submitter that ended. */
  private attachRuns(
    config: ExperimentConfig,
    store: ExperimentStore,
    specs: RunSpec[],
    job: string,
    todo: DueRun[],
  ): void {
    const initHash = this.opts.init ? hashOf(this.opts.init) : undefined;
    for (const spec of specs) {
      const key = runKey(config, spec.params, initHash);
      const old = store.readRun(spec.id);
      if (old?.status === 'done' && old.key === key && !store.damageOf(old)) {
        this.emit('state', spec.id, 'skipped', `already done (by ${job})`);
        continue;
      }
      const file = store.lockPath(spec.id);
      const holder = readLock(file);
      if (holder && holder !== 'unreadable' && holder.kind === 'job' && holder.job?.startsWith(`${job}_`))
        this.locks.set(spec.id, new Lock(file, holder));
      this.emit('state', spec.id, old?.key === key && old.status === 'running' ? 'running' : 'queued');
      todo.push({ spec, file: this.runFileOf(config, spec, key, initHash) });
    }
  }

  private runFileOf(config: ExperimentConfig, spec: RunSpec, key: string, initHash: string | undefined): RunFile {
    return {
      id: spec.id,
      experiment: config.name,
      kind: config.kind,
      params: spec.params,
      settings: config.settings,
      key,
      weightsKey: weightsKey(config, spec.params, initHash),
      setting: runSetting(config.kind, config.settings, spec.params),
      status: 'queued',
      engineVersion: ENGINE_VERSION,
      final: {},
    };
  }

  /** Takes each run's lock and decides: skip (done and verified), leave (held by a live sweep), or queue. */
  private queueRuns(
    config: ExperimentConfig,
    store: ExperimentStore,
    specs: RunSpec[],
    owner: LockOwner,
    todo: DueRun[],
  ): void {
    const initHash = this.opts.init ? hashOf(this.opts.init) : undefined;
    for (const spec of specs) {
      const key = runKey(config, spec.params, initHash);
      // the lock first, then the status: a run finished by another sweep after we looked would be trained twice
      const taken = takeLock(store.lockPath(spec.id), { ...owner }, this.opts.adopt);
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
      const file = this.runFileOf(config, spec, key, initHash);
      store.writeRun(file);
      this.emit('state', spec.id, 'queued');
      todo.push({ spec, file });
    }
  }

  /** The sink for one job: writes its runs running, their records and final run.json, and releases their locks. */
  private openJob(store: ExperimentStore, job: PlannedJob): JobSink {
    const files = job.files;
    const byId = new Map(files.map((f) => [f.id, f]));
    const finished = new Set<string>();
    const tallies = new Map(files.map((f) => [f.id, new MetricsTally()]));
    let started = new Date().toISOString();
    let meta = { backend: '', kernel: '' };
    // a write that fails here (a full disk) must not throw out of the handler: it stops the sweep instead
    const guarded =
      <A extends unknown[]>(f: (...a: A) => void) =>
      (...a: A): void => {
        if (this.failure) return;
        try {
          f(...a);
        } catch (e) {
          this.fail(e);
        }
      };
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
      }
    };
    return {
      runIds: files.map((f) => f.id),
      start: () => {
        started = new Date().toISOString();
        try {
          // called again when an engine starts the job over (a bullmq retry after its worker died): the runs
          // already finished keep their files, the others start from empty metrics
          for (const f of files) {
            if (finished.has(f.id)) continue;
            store.resetMetrics(f.id);
            tallies.set(f.id, new MetricsTally());
            store.writeRun({ ...f, status: 'running', startedAt: started });
            this.emit('state', f.id, 'running');
          }
          return true;
        } catch (e) {
          this.fail(e);
          return false;
        }
      },
      message: guarded(onMessage),
      engine: (runId, state, detail) => {
        if (!finished.has(runId)) this.emit('engine', runId, state, detail);
      },
      tailed: (runId, records) => {
        if (byId.has(runId) && !finished.has(runId)) this.emit('records', runId, records);
      },
      stored: guarded((runId: string) => {
        if (!byId.has(runId) || finished.has(runId)) return;
        const run = store.readRun(runId);
        if (!run || run.status === 'queued' || run.status === 'running') return;
        finished.add(runId);
        this.release(runId);
        this.emit('state', runId, run.status, run.reason);
      }),
      end: (detail) => {
        for (const f of files) {
          if (finished.has(f.id)) continue;
          // a worker elsewhere may have written the run's end just before its task ended
          const now = store.readRun(f.id);
          if (now && now.status !== 'queued' && now.status !== 'running' && now.key === f.key) {
            finished.add(f.id);
            this.release(f.id);
            this.emit('state', f.id, now.status, now.reason);
            continue;
          }
          finished.add(f.id);
          const byUser = !this.failure && (this.cancelled || this.cancelledRuns.has(f.id));
          const status: RunStatus = byUser ? 'cancelled' : 'failed';
          const reason = this.failure
            ? `the sweep stopped before the run finished: ${this.failure.message}`
            : byUser
              ? CANCEL_REASON
              : detail;
          this.finalize(f.id, {
            ...f,
            ...meta,
            status,
            reason,
            startedAt: now?.startedAt ?? started,
            finishedAt: new Date().toISOString(),
          });
          this.emit('state', f.id, status, reason);
        }
      },
    };
  }
}
