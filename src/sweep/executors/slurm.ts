// The `slurm` executor: a sweep becomes one `sbatch` job array (`--array=0-N%K`), each task running
// `precond-lab worker --slice FILE` on its slice of whole jobs (the runs that share data, planned as locally, so
// the numbers are the same), writing run folders straight into the results store on the cluster's shared
// filesystem. The lab keeps its own record of what it submitted (<experiment>/slurm/<id>.submission.json: job id,
// array size, task -> runs), because a task cancelled while pending leaves no trace in squeue. Status comes from
// `squeue --json` and the store's files (run.json, metrics.jsonl tailed for live records); accounting (`sacct`) is
// not needed. Cancel is `scancel`. Tasks are submitted with `--requeue`: a task on a failed node runs again, and a
// run it already finished is skipped (the worker is a run manager over its slice, under the store's locks).
// The array is submitted held (`--hold`) and released once every run's lock names its task, so a worker never
// finds its runs locked by this process. With `ssh` set, every command runs as `ssh HOST <command>`; the store is
// then read from the shared path given as --out (the same path on both sides).
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sliceJobs } from '../planning';
import { writeJsonAtomic, writeTextAtomic } from '../files';
import { ExperimentStore } from '../store';
import type { MetricRecord, RunStatus } from '../../shared/records';
import type { EngineState, ExecutionContext, Executor, JobSink, LiveSubmission, PlannedJob } from './types';

export interface SlurmOptions {
  partition?: string;
  account?: string;
  /** --time, as Slurm takes it: '30', '2:00:00', '1-00:00:00' */
  time?: string;
  /** CPUs per task: the worker's thread budget (SLURM_CPUS_PER_TASK), jobs trained at once per task */
  cpusPerTask?: number;
  /** K in --array=0-N%K: tasks running at once; default all */
  concurrency?: number;
  /** array tasks (each a slice of whole jobs); default one task per job */
  tasks?: number;
  /** extra #SBATCH lines, without the prefix: ['--mem=4G', '--qos=short'] */
  extraSbatch?: string[];
  /** a shell line run before the worker: 'module load nodejs/20' */
  setup?: string;
  /** run every Slurm command as `ssh HOST ...` (the editor is not on the login node) */
  ssh?: string;
  /** the command that starts precond-lab on the cluster; default: this node and this cli.js (shared filesystem) */
  workerCommand: string;
  /** squeue polling period, ms (default 1000) */
  pollMs?: number;
  /** seconds between asking a running task's worker to stop and cancelling the task outright (default 10) */
  graceSeconds?: number;
}

/** Slurm job states after which a task runs no more (a NODE_FAIL with --requeue comes back as PENDING). */
const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'NODE_FAIL',
  'PREEMPTED',
  'SPECIAL_EXIT',
]);

const FINAL: RunStatus[] = ['done', 'failed', 'cancelled'];

/** The file through which single runs are cancelled inside running tasks: next to the slice file, written by the
 *  submitting side ({ version: 1, runs: [ids] }), polled by each task's worker (`precond-lab worker --slice`). */
export const cancelFileOf = (sliceFile: string): string => sliceFile.replace(/\.slice\.json$/, '') + '.cancel.json';

/** POSIX shell quoting, for the batch script and ssh command lines. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Task ids in an array_task_string: '0-3%2', '2,4-5', '7' (a '%K' suffix is the concurrency limit). */
export function parseTaskString(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = a; i <= b && out.length < 100000; i += step) out.push(i);
  }
  return out;
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number'
    ? v
    : v && typeof v === 'object' && 'number' in v && (v as { set?: boolean }).set !== false
      ? Number((v as { number: unknown }).number)
      : undefined;
const stateOf = (v: unknown): string =>
  Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : String(v ?? '');

/** Task index -> Slurm state for array job `jobId`, from `squeue --json` output (Slurm 22.05 and later). */
export function tasksFromSqueue(json: string, jobId: string): Map<number, string> {
  const out = new Map<number, string>();
  const data = JSON.parse(json) as { jobs?: Record<string, unknown>[] };
  for (const j of data.jobs ?? []) {
    const arrayJob = num(j.array_job_id);
    if (String(arrayJob) !== jobId && String(num(j.job_id)) !== jobId) continue;
    const state = stateOf(j.job_state);
    const taskId = num(j.array_task_id);
    const taskString = typeof j.array_task_string === 'string' ? j.array_task_string : '';
    if (taskString) for (const t of parseTaskString(taskString)) out.set(t, state);
    else if (taskId !== undefined && Number.isFinite(taskId)) out.set(taskId, state);
  }
  return out;
}

export interface Submission {
  version: 1;
  jobId: string;
  submittedAt: string;
  arraySize: number;
  concurrency: number;
  script: string;
  /** task index -> the runs of its slice */
  tasks: string[][];
  ssh?: string;
}

interface Slice {
  index: number;
  jobs: PlannedJob[];
  sinks: JobSink[];
  runIds: string[];
  ended: boolean;
  state?: string;
  wasRunning: boolean;
}

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  private jobId: string | undefined;
  private slices: Slice[] = [];
  private cancelled = false;
  private readonly cancelledRuns = new Set<string>();
  private wake: (() => void) | undefined;
  private cancelFile: string | undefined;

  constructor(private readonly opts: SlurmOptions) {}

  describe(): string {
    const parts = [
      this.opts.partition && `partition ${this.opts.partition}`,
      this.opts.concurrency && `${this.opts.concurrency} tasks at once`,
      this.opts.ssh && `over ssh ${this.opts.ssh}`,
    ].filter(Boolean);
    return `Slurm${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }

  /** Runs a Slurm command (over ssh when set); resolves with stdout, rejects with a one-line message. */
  private command(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
    const [file, argv] = this.opts.ssh
      ? ['ssh', ['-o', 'BatchMode=yes', this.opts.ssh, [cmd, ...args].map(shellQuote).join(' ')]]
      : [cmd, args];
    return new Promise((resolve, reject) =>
      execFile(file, argv, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        const why = missing
          ? `${file} was not found on this machine${this.opts.ssh ? '' : ' (is this a Slurm login node? set --ssh HOST otherwise)'}`
          : (stderr.trim().split('\n').pop() ?? err.message);
        reject(new Error(`${[cmd, ...args].join(' ')}: ${why}`));
      }),
    );
  }

  private script(sub: string, sliceFile: string, outDir: string, n: number): string {
    const o = this.opts;
    const k = Math.max(1, Math.min(o.concurrency ?? n, n));
    const lines = [
      '#!/bin/bash',
      `#SBATCH --job-name=precond-lab`,
      `#SBATCH --array=0-${n - 1}%${k}`,
      '#SBATCH --requeue',
      // a requeued task appends to its log, so the log keeps every attempt
      '#SBATCH --open-mode=append',
      `#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`,
      `#SBATCH --output=${path.join(outDir, `${sub}-%a.out`)}`,
      ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
      ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
      ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
      ...(o.extraSbatch ?? []).map((l) => `#SBATCH ${l.replace(/^#SBATCH\s+/, '')}`),
      ...(o.setup ? [o.setup] : []),
      `exec ${o.workerCommand} worker --slice ${shellQuote(sliceFile)}`,
      '',
    ];
    return lines.join('\n');
  }

  async execute(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void> {
    if (!jobs.length || ctx.isCancelled()) return;
    const groups = sliceJobs(jobs, this.opts.tasks ?? jobs.length);
    const outDir = path.join(ctx.storeDir, 'slurm');
    fs.mkdirSync(outDir, { recursive: true });
    const sub = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '') + `-${process.pid}`;
    const sliceFile = path.join(outDir, `${sub}.slice.json`);
    this.cancelFile = cancelFileOf(sliceFile);
    const first = jobs[0].job;
    const init = first.kind !== 'ood' ? first.runs[0]?.init : undefined;
    writeJsonAtomic(sliceFile, {
      version: 1,
      root: ctx.root,
      experiment: ctx.experiment,
      backend: first.backend,
      ...(init ? { init } : {}),
      tasks: groups.map((g) => g.flatMap((j) => j.files.map((f) => f.id))),
    });
    const scriptFile = path.join(outDir, `${sub}.sbatch`);
    const script = this.script(sub, sliceFile, outDir, groups.length);
    writeTextAtomic(scriptFile, script);
    const out = await this.command('sbatch', ['--hold', '--parsable', scriptFile]);
    const jobId = (this.jobId = out.trim().split(';')[0]);
    if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed no job id: '${out.trim().slice(0, 200)}'`);
    this.slices = groups.map((g, index) => ({
      index,
      jobs: g,
      sinks: [],
      runIds: g.flatMap((j) => j.files.map((f) => f.id)),
      ended: false,
      wasRunning: false,
    }));
    for (const s of this.slices)
      for (const id of s.runIds) ctx.handOver(id, `slurm:${jobId}_${s.index}`, 'Slurm job array');
    const submission: Submission = {
      version: 1,
      jobId,
      submittedAt: new Date().toISOString(),
      arraySize: groups.length,
      concurrency: Math.max(1, Math.min(this.opts.concurrency ?? groups.length, groups.length)),
      script: scriptFile,
      tasks: this.slices.map((s) => s.runIds),
      ...(this.opts.ssh ? { ssh: this.opts.ssh } : {}),
    };
    writeJsonAtomic(path.join(outDir, `${sub}.submission.json`), submission);
    for (const s of this.slices) s.sinks = s.jobs.map((j) => ctx.open(j));
    for (const s of this.slices) for (const sink of s.sinks) for (const id of sink.runIds) sink.engine(id, 'pending');
    ctx.log(
      `submitted Slurm job array ${jobId} (${groups.length} task${groups.length > 1 ? 's' : ''}, ` +
        `${submission.concurrency} at once); its record: ${path.join(outDir, `${sub}.submission.json`)}`,
    );
    if (this.cancelled || ctx.isCancelled()) await this.scancel([jobId]);
    else {
      const early = this.slices.flatMap((s) => s.runIds).filter((id) => ctx.isRunCancelled(id));
      early.forEach((id) => this.cancelledRuns.add(id));
      this.writeCancels();
      await this.command('scontrol', ['release', jobId]);
    }
    await this.watch(ctx, jobId);
  }

  /** The newest submission record of the experiment whose array `squeue` still lists with a task not ended. */
  async liveSubmission(storeDir: string): Promise<LiveSubmission | undefined> {
    const dir = path.join(storeDir, 'slurm');
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.submission.json'));
    } catch {
      return undefined;
    }
    const subs: (Submission & { file: string })[] = [];
    for (const n of names) {
      try {
        const sub = JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as Submission;
        if (sub?.version === 1 && /^\d+$/.test(sub.jobId) && Array.isArray(sub.tasks))
          subs.push({ ...sub, file: path.join(dir, n) });
      } catch {
        /* unreadable: not ours to reattach to */
      }
    }
    subs.sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : -1));
    for (const sub of subs) {
      let tasks: Map<number, string>;
      try {
        tasks = tasksFromSqueue(await this.command('squeue', ['--json', '--jobs', sub.jobId]), sub.jobId);
      } catch {
        continue; // 'Invalid job id': long gone
      }
      if (![...tasks.values()].some((state) => !ENDED.has(state))) continue;
      this.attach = sub;
      return { job: `slurm:${sub.jobId}`, runIds: sub.tasks.flat() };
    }
    return undefined;
  }

  private attach: (Submission & { file: string }) | undefined;

  /** Watches the array found by `liveSubmission` to its end, through the sinks of its runs still due. */
  async resume(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void> {
    const sub = this.attach;
    if (!sub) return;
    this.attach = undefined;
    const jobId = (this.jobId = sub.jobId);
    this.cancelFile = cancelFileOf(sub.file.replace(/\.submission\.json$/, '.slice.json'));
    const taskOf = new Map<string, number>();
    sub.tasks.forEach((runs, i) => runs.forEach((id) => taskOf.set(id, i)));
    this.slices = sub.tasks.map((_, index) => ({
      index,
      jobs: jobs.filter((j) => taskOf.get(j.files[0]?.id) === index),
      sinks: [],
      runIds: [],
      ended: false,
      wasRunning: false,
    }));
    for (const sl of this.slices) {
      sl.runIds = sl.jobs.flatMap((j) => j.files.map((f) => f.id));
      // a task whose runs are all stored already has nothing to watch
      if (!sl.runIds.length) sl.ended = true;
      sl.sinks = sl.jobs.map((j) => ctx.open(j));
    }
    ctx.log(
      `reattached to Slurm job array ${jobId} (submitted ${sub.submittedAt}, still in squeue; its record: ` +
        `${sub.file}): ${jobs.reduce((n, j) => n + j.files.length, 0)} runs watched, not submitted again`,
    );
    if (this.cancelled || ctx.isCancelled()) await this.scancel([jobId]);
    await this.watch(ctx, jobId);
    this.jobId = undefined;
  }

  private async scancel(args: string[]): Promise<void> {
    try {
      await this.command('scancel', args);
    } catch {
      /* already gone: nothing to cancel */
    }
  }

  /** Pending tasks are removed at once; a running task's worker gets SIGTERM alone (--batch), so it stops its
   *  runs gracefully and marks them cancelled; whatever is left after the grace is cancelled outright. */
  private async cancelTasks(targets: string[]): Promise<void> {
    await this.scancel(['--state=PENDING', ...targets]);
    await this.scancel(['--batch', '--signal=TERM', ...targets]);
    setTimeout(
      () => void this.scancel(targets).then(() => this.wake?.()),
      (this.opts.graceSeconds ?? 10) * 1000,
    ).unref();
    this.wake?.();
  }

  private async watch(ctx: ExecutionContext, jobId: string): Promise<void> {
    const store = new ExperimentStore(ctx.root, ctx.experiment);
    const offsets = new Map<string, number>();
    const engineSeen = new Map<string, EngineState>();
    let squeueFailures = 0;
    while (this.slices.some((s) => !s.ended)) {
      let tasks: Map<number, string> | undefined;
      try {
        tasks = tasksFromSqueue(await this.command('squeue', ['--json', '--jobs', jobId]), jobId);
        squeueFailures = 0;
      } catch (e) {
        // slurmctld restarting, or the job too old for squeue to know: say so once, then look again
        if (squeueFailures++ === 0) ctx.log(`squeue failed (${(e as Error).message}); retrying`);
        if (/Invalid job id/i.test((e as Error).message)) tasks = new Map();
      }
      for (const s of this.slices) {
        if (s.ended) continue;
        const state = tasks?.get(s.index);
        for (const [j, job] of s.jobs.entries()) this.scanStore(store, job, s.sinks[j], offsets, false);
        if (tasks === undefined) continue;
        if (state && !ENDED.has(state)) {
          const engine: EngineState =
            state === 'RUNNING' || state === 'COMPLETING' || state === 'CONFIGURING'
              ? 'running'
              : s.wasRunning
                ? 'requeued'
                : 'pending';
          if (engine === 'running') s.wasRunning = true;
          for (const sink of s.sinks)
            for (const id of sink.runIds) {
              if (engineSeen.get(id) === engine) continue;
              engineSeen.set(id, engine);
              sink.engine(id, engine, `Slurm ${jobId}_${s.index} ${state.toLowerCase()}`);
            }
          continue;
        }
        // ended, or gone from squeue (cancelled while pending, or finished long ago): the store has the rest
        s.ended = true;
        const why = state
          ? `the Slurm task ${jobId}_${s.index} ended (${state.toLowerCase()}) before the run finished`
          : `the Slurm task ${jobId}_${s.index} left the queue before the run finished`;
        for (const [j, job] of s.jobs.entries()) {
          this.scanStore(store, job, s.sinks[j], offsets, true);
          s.sinks[j].end(`${why} (its log: ${path.join(ctx.storeDir, 'slurm', `*-${s.index}.out`)})`);
          ctx.jobEnded();
        }
      }
      if (this.slices.some((s) => !s.ended))
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.opts.pollMs ?? 1000);
          this.wake = () => (clearTimeout(t), r());
        });
    }
  }

  /** Reports what the workers wrote: new records (tailed from metrics.jsonl) and runs that reached an end. */
  private scanStore(
    store: ExperimentStore,
    job: PlannedJob,
    sink: JobSink,
    offsets: Map<string, number>,
    taskEnded: boolean,
  ): void {
    for (const f of job.files) {
      const run = store.readRun(f.id);
      if (!run || run.key !== f.key) continue;
      if (run.status === 'running' || run.status === 'done') this.tail(store, f.id, sink, offsets);
      // 'done' is final at once, and so is a run cancelled by the user (its task skips it, also after a requeue);
      // failed or cancelled otherwise only once the task ended (a requeued task may still train it)
      const byUser = run.status === 'cancelled' && this.cancelledRuns.has(f.id);
      if (run.status === 'done' || byUser || (taskEnded && FINAL.includes(run.status))) sink.stored(f.id);
    }
  }

  private tail(store: ExperimentStore, id: string, sink: JobSink, offsets: Map<string, number>): void {
    const file = path.join(store.runDir(id), 'metrics.jsonl');
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return;
    }
    let from = offsets.get(id) ?? 0;
    if (size < from) from = 0; // a requeued task started the run again
    if (size === from) return;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      const text = buf.toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      const records: MetricRecord[] = [];
      for (const line of text.slice(0, end).split('\n'))
        if (line.trim())
          try {
            records.push(JSON.parse(line) as MetricRecord);
          } catch {
            /* a torn line is read whole next time */
          }
      offsets.set(id, from + Buffer.byteLength(text.slice(0, end)));
      if (records.length) sink.tailed(id, records);
    } finally {
      fs.closeSync(fd);
    }
  }

  cancel(runIds?: string[]): void {
    if (!runIds) this.cancelled = true;
    else runIds.forEach((id) => this.cancelledRuns.add(id));
    if (!this.jobId) return;
    // single runs: the tasks' workers poll the cancel file and stop those runs while the rest of their slice goes on
    if (runIds) this.writeCancels();
    // a task whose every run is cancelled stops as a whole: scancel (the worker's SIGTERM handler marks its runs
    // cancelled)
    const targets = this.cancelled
      ? [this.jobId]
      : this.slices
          .filter((s) => !s.ended && s.runIds.every((id) => this.cancelledRuns.has(id)))
          .map((s) => `${this.jobId}_${s.index}`);
    if (targets.length) void this.cancelTasks(targets);
  }

  private writeCancels(): void {
    if (!this.cancelFile || !this.cancelledRuns.size) return;
    try {
      writeJsonAtomic(this.cancelFile, { version: 1, runs: [...this.cancelledRuns].sort() });
    } catch {
      /* the store is gone or full: the task-level scancel still applies */
    }
  }

  abandon(): void {
    this.cancelled = true;
    if (!this.jobId) return;
    const [file, argv] = this.opts.ssh
      ? ['ssh', ['-o', 'BatchMode=yes', this.opts.ssh, `scancel ${this.jobId}`]]
      : ['scancel', [this.jobId]];
    spawnSync(file, argv, { timeout: 10_000, stdio: 'ignore' });
  }
}
