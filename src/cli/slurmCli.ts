// The CLI's side of the slurm executor: `run ... --executor slurm [--partition P] [--account A] [--time T]
// [--cpus-per-task N] [--concurrency K] [--tasks N] [--sbatch '--mem=4G;--qos=short'] [--setup 'module load node']
// [--ssh HOST] [--worker-command CMD]`, and `precond-lab worker --slice FILE [--task N] [--threads N]`, which an
// array task runs (the task index from SLURM_ARRAY_TASK_ID).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlurmExecutor, cancelFileOf, shellQuote } from '../sweep/executors/slurm';
import { trainSliceIntoStore, workerThreads } from '../sweep/worker';
import { ExperimentStore } from '../sweep/store';
import type { BackendChoice } from '../shared/protocol';
import type { ParamsJson } from '../shared/records';

interface Flags {
  flags: Map<string, string>;
  switches: Set<string>;
}

const positive = (args: Flags, name: string): number | undefined => {
  const text = args.flags.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return n;
};

/** Characters a value written into the batch script may not hold (it would start another line or command). */
const checkLine = (name: string, text: string | undefined): string | undefined => {
  if (text !== undefined && /[\n\r\0]/.test(text)) throw new Error(`--${name} must be one line`);
  return text;
};

export function slurmExecutor(args: Flags, cliDir: string): SlurmExecutor {
  const word = (name: string): string | undefined => {
    const v = checkLine(name, args.flags.get(name));
    if (v !== undefined && !/^[\w.,:+@%-]+$/.test(v))
      throw new Error(`--${name} '${v.slice(0, 40)}' holds characters Slurm does not take there`);
    return v;
  };
  const ssh = word('ssh');
  return new SlurmExecutor({
    partition: word('partition'),
    account: word('account'),
    time: word('time'),
    cpusPerTask: positive(args, 'cpus-per-task'),
    concurrency: positive(args, 'concurrency'),
    tasks: positive(args, 'tasks'),
    extraSbatch: checkLine('sbatch', args.flags.get('sbatch'))
      ?.split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    setup: checkLine('setup', args.flags.get('setup')),
    ssh,
    workerCommand:
      checkLine('worker-command', args.flags.get('worker-command')) ??
      `${shellQuote(process.execPath)} ${shellQuote(path.join(cliDir, 'cli.js'))}`,
  });
}

interface SliceFile {
  version: 1;
  root: string;
  experiment: string;
  backend: BackendChoice;
  init?: ParamsJson;
  tasks: string[][];
}

/** `precond-lab worker --slice FILE`: trains task N's slice into the store the file names. */
export async function sliceWorkerCommand(args: Flags, cliDir: string): Promise<number> {
  const file = args.flags.get('slice')!;
  let slice: SliceFile;
  try {
    slice = JSON.parse(fs.readFileSync(file, 'utf8')) as SliceFile;
  } catch (e) {
    throw new Error(`--slice ${file}: ${(e as Error).message}`);
  }
  if (slice?.version !== 1 || !Array.isArray(slice.tasks) || typeof slice.root !== 'string')
    throw new Error(`--slice ${file}: not a slice file written by precond-lab`);
  const taskText = args.flags.get('task') ?? process.env.SLURM_ARRAY_TASK_ID;
  const task = Number(taskText);
  if (taskText === undefined || !Number.isInteger(task) || task < 0 || task >= slice.tasks.length)
    throw new Error(`worker --slice needs --task 0..${slice.tasks.length - 1} (or SLURM_ARRAY_TASK_ID)`);
  const threads = workerThreads(args.flags.get('threads'));
  const store = new ExperimentStore(slice.root, slice.experiment);
  const problems: string[] = [];
  const config = store.readConfig(problems);
  if (!config) throw new Error(`${store.dir}: the experiment's config cannot be read: ${problems.join('; ')}`);
  const arrayJob = process.env.SLURM_ARRAY_JOB_ID;
  const job = arrayJob ? `slurm:${arrayJob}_${task}` : undefined;
  const say = (line: string): boolean => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  say(`worker: task ${task}${job ? ` (${job})` : ''}, ${slice.tasks[task].length} runs, ${threads} thread(s)`);
  let cancelled = false;
  const mine = new Set(slice.tasks[task]);
  /** runs of this task cancelled by the submitting side */
  const seen = new Set<string>();
  const summary = await trainSliceIntoStore(
    { config, root: slice.root, runIds: slice.tasks[task], backend: slice.backend, init: slice.init },
    {
      runnerPath: path.join(cliDir, 'runner.js'),
      threads,
      job,
      label: 'precond-lab worker',
      attach: (m) => {
        m.on('state', (id, status, detail) => say(`${status.padEnd(9)} ${id}${detail ? `  (${detail})` : ''}`));
        m.on('log', (line) => say(line));
        // scancel sends SIGTERM: stop gracefully, so the runs are marked cancelled before the kill
        const stop = (signal: NodeJS.Signals): void => {
          say(`worker: ${signal}, cancelling`);
          cancelled = true;
          m.cancel();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        // single runs cancelled from the submitting side (Cancel on a run in the editor): the cancel file next to
        // the slice file, read now (a requeued task skips them) and every second
        const check = (): void => {
          let runs: unknown;
          try {
            runs = (JSON.parse(fs.readFileSync(cancelFileOf(file), 'utf8')) as { runs?: unknown }).runs;
          } catch {
            return; // none yet, or mid-replace: read again next time
          }
          if (!Array.isArray(runs)) return;
          const fresh = runs.filter((id): id is string => typeof id === 'string' && mine.has(id) && !seen.has(id));
          if (!fresh.length) return;
          fresh.forEach((id) => seen.add(id));
          say(`worker: cancelling ${fresh.join(', ')} (cancelled by the submitting side)`);
          m.cancelRuns(fresh);
        };
        check();
        setInterval(check, 1000).unref();
      },
    },
  );
  // a run the user cancelled is no failure of the task
  const bad = summary.runs.filter(
    (r) => mine.has(r.id) && r.status !== 'done' && !(r.status === 'cancelled' && seen.has(r.id)),
  );
  const done = summary.runs.filter((r) => mine.has(r.id) && r.status === 'done').length;
  const byUser = summary.runs.filter((r) => mine.has(r.id) && r.status === 'cancelled' && seen.has(r.id)).length;
  say(
    `worker: task ${task} ended, ${done} of ${mine.size} runs done` +
      (byUser ? `, ${byUser} cancelled by the submitting side` : ''),
  );
  return bad.length ? (cancelled ? 130 : 1) : 0;
}
