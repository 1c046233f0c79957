// What the bullmq executor (the submitting side) and `precond-lab worker --redis` share: the Redis URL parsed into
// ioredis options (password and TLS), redaction of the password from every message, the queue's and streams' key
// names, the job data, the entries of a job's record stream, and the lock/stall settings.
//
// The wire: a BullMQ job per planned job (the runs that share data). Its id comes from the store it will be written
// to and the run keys, so submitting the same job twice (a retry, a second submit) never queues it twice; `--force`
// adds a generation so a finished job can run again. Records never travel through BullMQ's events (a capped
// stream): the worker appends every runner message to the job's own Redis stream, in order, each entry numbered;
// the submitter writes them into its store and only then trims them. A new attempt (a retry after a worker died)
// opens with an 'attempt' entry, and the submitter follows only the latest attempt. Progress travels through
// BullMQ's progress events (lossy is fine). Cancel is a Redis set the worker polls: '*' for the whole job, or run ids.
import * as crypto from 'node:crypto';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { FromRunner, Job } from '../../shared/protocol';

export const DEFAULT_QUEUE = 'precond-lab';

/** A killed worker's job is back on the queue within about lockDuration + stalledInterval (BullMQ's defaults of 30 s
 *  each take a minute or more). The lock is renewed every lockDuration / 2 by the worker's event loop, which stays
 *  free: training happens in a runner child process. */
export const LOCK_MS = 5000;
export const STALLED_MS = 5000;
/** a job whose worker died this many times is failed rather than retried forever */
export const MAX_STALLED = 5;
/** attempts after a runner failure (a crash inside training), with exponential backoff from BACKOFF_MS */
export const ATTEMPTS = 3;
export const BACKOFF_MS = 1000;
/** a stream nobody reads (its submitter gone for good) expires */
export const STREAM_TTL_S = 7 * 24 * 3600;

export interface RedisTarget {
  options: RedisOptions;
  /** the URL with the password replaced by ***, for messages */
  safeUrl: string;
  /** strings never to print (the password, raw and URL-encoded) */
  secrets: string[];
}

/** Parses redis://[user:password@]host[:port][/db] or rediss:// (TLS). Throws a clear, password-free message. */
export function parseRedisUrl(raw: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // not echoed: a string that does not parse as a URL cannot be trusted to show where its password is
    throw new Error('the Redis URL does not parse (expected redis://[:password@]host[:port][/db] or rediss://...)');
  }
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const secrets = password ? [...new Set([password, u.password, encodeURIComponent(password)])] : [];
  const safe = new URL(u.href);
  if (safe.password) safe.password = '***';
  const safeUrl = safe.href.replace(/\/$/, '');
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`not a Redis URL: ${safeUrl} (the scheme must be redis:// or rediss:// for TLS)`);
  if (!u.hostname) throw new Error(`the Redis URL ${safeUrl} names no host`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`the Redis URL ${safeUrl} names database "${u.pathname}"`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const options: RedisOptions = {
    host,
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    // BullMQ's blocking commands need this; it also makes commands wait out a Redis restart instead of failing
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
  return { options, safeUrl, secrets };
}

/** The same connection as BullMQ's options type describes it (BullMQ makes its own ioredis clients from it). */
export function bullConnection(t: RedisTarget): BullRedisOptions {
  const o = t.options;
  return {
    host: o.host,
    port: o.port,
    db: o.db,
    username: o.username,
    password: o.password,
    tls: o.tls,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** A URL-looking string with any password masked (for a URL that did not even parse). */
function redactUrlText(s: string): string {
  return s.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@');
}

/** Removes every secret (and any user:password@ in a URL) from a message. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = redactUrlText(text);
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** Redis's and BullMQ's errors as one line: the code or message, without a stack. */
export function errorText(e: unknown, secrets: readonly string[]): string {
  const err = e as { code?: string; message?: string; errors?: { message?: string }[] };
  const base =
    err?.errors?.length && err.errors[0]?.message ? err.errors[0].message : (err?.message ?? String(e)).split('\n')[0];
  return redact(base, secrets);
}

const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** The job id: the store's identity, the runs' ids and keys, and the generation (BullMQ ids may not hold ':'). */
export function bullJobId(storeIdentity: string, runs: { id: string; key: string }[], generation: string): string {
  const runsHash = sha(runs.map((r) => `${r.id}=${r.key}`).join('\n')).slice(0, 24);
  return `pl-${sha(storeIdentity).slice(0, 12)}-${runsHash}${generation ? `-g${generation}` : ''}`;
}

export const streamKey = (queue: string, jobId: string): string => `${queue}:records:${jobId}`;
export const cancelKey = (queue: string, jobId: string): string => `${queue}:cancel:${jobId}`;

/** The data of a BullMQ job. */
export interface BullJobData {
  v: 1;
  experiment: string;
  job: Job;
  /** who submitted it, for the worker's log: 'precond-lab run on host' */
  submitter: string;
}

/** The result a worker returns for a job. */
export interface BullJobResult {
  attempt: string;
  entries: number;
  cancelled: boolean;
}

/**
 * One entry of a job's stream: `a` the attempt's token, `n` its number within the attempt (from 0, no gaps), `m` the
 * message as JSON: the runner's messages, an 'attempt' opening each attempt, and on each outcome the count of
 * record entries sent for that run (the submitter checks it got them all).
 */
export type StreamMessage =
  | { type: 'attempt'; worker: string; attemptsMade: number }
  | { type: 'cancelled' }
  | (FromRunner & { sentRecords?: number });

/** The worker's name in messages: host and pid. */
export const workerName = (host: string, pid: number): string => `${host}:${pid}`;
