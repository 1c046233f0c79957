// Where a sweep started from the editor trains: the precondLab.executor setting (local, slurm, bullmq) and the
// settings each executor needs, checked and turned into an Executor. No vscode here (settings arrive as plain
// values), so the checks and the messages are unit-tested. Messages name the setting to fix and never hold the
// Redis password: a URL is shown as redis://:***@host:port (bullmqShared.ts).
import { BullmqExecutor } from '../sweep/executors/bullmqExecutor';
import { DEFAULT_QUEUE, parseRedisUrl } from '../sweep/executors/bullmqShared';
import { SlurmExecutor, shellQuote } from '../sweep/executors/slurm';
import { EXECUTOR_NAMES, type ExecutorName } from '../sweep/executors/types';

export interface SlurmSettings {
  partition: string;
  account: string;
  time: string;
  /** 0: Slurm's default */
  cpusPerTask: number;
  /** 0: every task at once */
  concurrency: number;
  /** extra #SBATCH lines, without the prefix */
  sbatchLines: string[];
  setup: string;
  sshHost: string;
  /** '' : node and this extension's dist/cli.js, by absolute path */
  workerCommand: string;
}

export interface BullmqSettings {
  /** redis://host:port or rediss://...; a password here works but settings.json is plain text */
  redisUrl: string;
  queue: string;
}

export interface ExecutorSettings {
  executor: ExecutorName;
  slurm: SlurmSettings;
  bullmq: BullmqSettings;
}

export const DEFAULT_EXECUTOR_SETTINGS: ExecutorSettings = {
  executor: 'local',
  slurm: {
    partition: '',
    account: '',
    time: '',
    cpusPerTask: 0,
    concurrency: 0,
    sbatchLines: [],
    setup: '',
    sshHost: '',
    workerCommand: '',
  },
  bullmq: { redisUrl: '', queue: DEFAULT_QUEUE },
};

/** Reads raw setting values (anything a settings.json may hold) into settings, falling back to the defaults. */
export function executorSettingsOf(get: (key: string) => unknown): ExecutorSettings {
  const d = DEFAULT_EXECUTOR_SETTINGS;
  const str = (key: string, fallback: string): string => {
    const v = get(key);
    return typeof v === 'string' ? v.trim() : fallback;
  };
  const count = (key: string): number => {
    const v = get(key);
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
  };
  const name = get('executor');
  const lines = get('slurm.sbatchLines');
  return {
    executor: (EXECUTOR_NAMES as readonly unknown[]).includes(name) ? (name as ExecutorName) : d.executor,
    slurm: {
      partition: str('slurm.partition', ''),
      account: str('slurm.account', ''),
      time: str('slurm.time', ''),
      cpusPerTask: count('slurm.cpusPerTask'),
      concurrency: count('slurm.concurrency'),
      sbatchLines: Array.isArray(lines)
        ? lines.filter((l): l is string => typeof l === 'string' && l.trim() !== '').map((l) => l.trim())
        : [],
      setup: str('slurm.setup', ''),
      sshHost: str('slurm.sshHost', ''),
      workerCommand: str('slurm.workerCommand', ''),
    },
    bullmq: {
      redisUrl: str('bullmq.redisUrl', ''),
      queue: str('bullmq.queue', d.bullmq.queue) || d.bullmq.queue,
    },
  };
}

const oneLine = (setting: string, text: string): string => {
  if (/[\n\r\0]/.test(text)) throw new Error(`precondLab.${setting} must be one line`);
  return text;
};

/** A value Slurm takes as one word (a partition, an account, a time limit, a host). */
const word = (setting: string, text: string): string | undefined => {
  if (!text) return undefined;
  oneLine(setting, text);
  if (!/^[\w.,:+@%-]+$/.test(text))
    throw new Error(`precondLab.${setting} '${text.slice(0, 40)}' holds characters Slurm does not take there`);
  return text;
};

/** The Redis URL a sweep connects with: the setting's (or PRECOND_LAB_REDIS_URL's), with the password from the
 *  editor's secret storage (or PRECOND_LAB_REDIS_PASSWORD) filled in when the URL has none. Throws a message that
 *  names the setting when there is no URL or it does not parse; the message never holds the password. */
export function redisUrlFor(settings: BullmqSettings, password: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = settings.redisUrl || env.PRECOND_LAB_REDIS_URL?.trim() || '';
  if (!raw)
    throw new Error(
      'the bullmq executor needs a Redis URL: set precondLab.bullmq.redisUrl (redis://host:port, or rediss://... ' +
        'for TLS) and its password with "Preconditioning Lab: Set Redis Password"',
    );
  try {
    parseRedisUrl(raw);
  } catch (e) {
    throw new Error(`precondLab.bullmq.redisUrl: ${(e as Error).message}`);
  }
  const u = new URL(raw);
  const secret = password || env.PRECOND_LAB_REDIS_PASSWORD;
  if (u.password || !secret) return raw;
  u.password = encodeURIComponent(secret);
  return u.href;
}

/** True when the URL setting itself holds a password (kept in plain text in settings.json). */
export function urlHoldsPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

export interface ExecutorContext {
  /** the Redis password from the editor's secret storage */
  redisPassword?: string;
  /** this extension's dist/cli.js (what a Slurm task runs by default) */
  cliPath: string;
  /** the Node a Slurm task runs the CLI with by default */
  nodePath: string;
  /** who submits, in workers' logs and lock files */
  owner: string;
  /** a new generation of BullMQ job ids, so runs already done train again */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The executor a sweep runs on; undefined for `local` (the run manager's own pool of runner processes). Throws a
 *  message naming the setting at fault when the settings do not make a usable executor. */
export function makeExecutor(
  name: ExecutorName,
  s: ExecutorSettings,
  ctx: ExecutorContext,
): SlurmExecutor | BullmqExecutor | undefined {
  if (name === 'local') return undefined;
  if (name === 'bullmq') {
    const url = redisUrlFor(s.bullmq, ctx.redisPassword, ctx.env ?? process.env);
    if (!/^[\w.:-]{1,100}$/.test(s.bullmq.queue))
      throw new Error(`precondLab.bullmq.queue '${s.bullmq.queue.slice(0, 40)}' must be letters, digits, . : _ -`);
    return new BullmqExecutor({ url, queue: s.bullmq.queue, force: ctx.force, owner: ctx.owner });
  }
  const c = s.slurm;
  return new SlurmExecutor({
    partition: word('slurm.partition', c.partition),
    account: word('slurm.account', c.account),
    time: word('slurm.time', c.time),
    cpusPerTask: c.cpusPerTask || undefined,
    concurrency: c.concurrency || undefined,
    extraSbatch: c.sbatchLines.map((l) => oneLine('slurm.sbatchLines', l.replace(/^#SBATCH\s+/, ''))),
    setup: c.setup ? oneLine('slurm.setup', c.setup) : undefined,
    ssh: word('slurm.sshHost', c.sshHost),
    workerCommand: c.workerCommand
      ? oneLine('slurm.workerCommand', c.workerCommand)
      : `${shellQuote(ctx.nodePath)} ${shellQuote(ctx.cliPath)}`,
  });
}

/** One line on where each executor would run a sweep, for the quick pick; never holds the password. */
export function executorDetail(name: ExecutorName, s: ExecutorSettings, workers: number, env = process.env): string {
  if (name === 'local') return `${workers} runner process${workers === 1 ? '' : 'es'} on this machine`;
  try {
    const e = makeExecutor(name, s, { cliPath: 'cli.js', nodePath: 'node', owner: 'VS Code', env });
    return e ? e.describe() : name;
  } catch (e) {
    return `not set up: ${(e as Error).message}`;
  }
}

/** Whether an executor is set up enough to offer in the quick pick: local always, the setting's, bullmq with a
 *  Redis URL, slurm once any precondLab.slurm.* setting is given. With nothing but local set up, no pick is shown. */
export function executorOffered(
  name: ExecutorName,
  s: ExecutorSettings,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (name === 'local' || name === s.executor) return true;
  if (name === 'bullmq') return Boolean(s.bullmq.redisUrl || env.PRECOND_LAB_REDIS_URL);
  const c = s.slurm;
  return Boolean(
    c.partition ||
      c.account ||
      c.time ||
      c.cpusPerTask ||
      c.concurrency ||
      c.sbatchLines.length ||
      c.setup ||
      c.sshHost,
  );
}
