// The `bullmq` executor: each planned job (the runs that share data) becomes one BullMQ job on a Redis queue, which
// `precond-lab worker --redis URL` processes pull from, on any number of machines. Nothing is shared but Redis: the
// workers append every runner message to the job's record stream (bullmqShared.ts), and this side hands them to
// the job's sink, which writes the local store exactly as for a local runner child, and trims the stream only after
// that. Run states for the tree come from BullMQ's job states (polled once a second, so a Redis restart loses
// none): waiting -> 'pending', active -> 'running', delayed (a retry's backoff) or a new attempt after a worker
// died -> 'requeued'. Progress comes through BullMQ's progress events (lossy). A record stream with a gap (Redis
// lost entries) or an outcome whose record count differs from what arrived fails that run with the reason; it is
// never stored incomplete. Cancel adds '*' (or run ids) to the job's cancel set, which workers poll, and removes
// jobs not yet started. The Redis password never appears in a message.
//
// Reattach (the interface's resume, done at submit time): the lab writes `<experiment>/bullmq/submission.json` (the
// queue, the Redis URL without its password, each job's id and runs) when it submits. A submitter that ended while
// its jobs were still on the queue (an editor reload, a killed terminal) leaves them there, and streams are kept
// whole until their job has ended and been stored: running the same sweep again finds each due run's job (by its
// id, or in the record when some of the job's runs were stored already), reattaches to it instead of submitting
// it again, and replays its stream from the start into the store, so every run is trained and stored once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Queue as BullQueue, QueueEvents as BullQueueEvents } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import type { FromRunner } from '../../shared/protocol';
import { writeJsonAtomic } from '../files';
import {
  ATTEMPTS,
  BACKOFF_MS,
  bullConnection,
  bullJobId,
  cancelKey,
  DEFAULT_QUEUE,
  errorText,
  parseRedisUrl,
  redact,
  streamKey,
  type BullJobData,
  type RedisTarget,
  type StreamMessage,
} from './bullmqShared';
import type { EngineState, ExecutionContext, Executor, JobSink, PlannedJob } from './types';

export interface BullmqExecutorOptions {
  url: string;
  queue?: string;
  /** a new generation of job ids, so jobs that finished before run again */
  force?: boolean;
  /** who submits, for the workers' logs */
  owner?: string;
  /** seconds after a cancel before runs still out are recorded cancelled without waiting for their worker */
  graceSeconds?: number;
}

/** What the lab records of a bullmq submission (`<experiment>/bullmq/submission.json`), to reattach later. */
export interface BullSubmission {
  version: 1;
  queue: string;
  /** the Redis URL without its password */
  redis: string;
  submittedAt: string;
  jobs: { id: string; runs: { id: string; key: string }[] }[];
}

export const bullSubmissionPath = (storeDir: string): string => path.join(storeDir, 'bullmq', 'submission.json');

/** The submission record of an experiment, or undefined (none, or unreadable: nothing to reattach to then). */
export function readBullSubmission(storeDir: string): BullSubmission | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(bullSubmissionPath(storeDir), 'utf8')) as BullSubmission;
    return s?.version === 1 && Array.isArray(s.jobs) && typeof s.queue === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Job states a reattaching submitter can still watch to their end. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The jobs of an experiment's submission record that a submitter can still reattach to (queued, training, or
 * finished with their stream still to store), asked of Redis at `url`: what the editor checks on activation before
 * it reattaches, so a record whose jobs are all gone starts nothing. Rejects when Redis cannot be reached (10 s).
 */
export async function liveBullJobs(url: string, storeDir: string): Promise<string[]> {
  const record = readBullSubmission(storeDir);
  if (!record?.jobs.length) return [];
  const target = parseRedisUrl(url);
  const { Queue } = await import('bullmq');
  const { default: Redis } = await import('ioredis');
  const redis = new Redis({ ...target.options, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  const queue = new Queue(record.queue, { connection: bullConnection(target) });
  queue.on('error', () => undefined);
  try {
    const check = async (): Promise<string[]> => {
      const live: string[] = [];
      for (const j of record.jobs) {
        const job = await queue.getJob(j.id);
        if (!job) continue;
        const state = await job.getState();
        if (LIVE_STATES.has(state) || (await redis.exists(streamKey(record.queue, j.id)))) live.push(j.id);
      }
      return live;
    };
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref(),
    );
    return await Promise.race([check(), timeout]);
  } catch (e) {
    throw new Error(`cannot reach Redis at ${target.safeUrl}: ${errorText(e, target.secrets)}`);
  } finally {
    await Promise.race([queue.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    redis.disconnect();
  }
}

interface Tracked {
  id: string;
  planned: PlannedJob;
  sink: JobSink;
  stream: string;
  cancelSet: string;
  /** the last stream entry handled */
  lastId: string;
  attempt?: string;
  next: number;
  /** record batches handed to the sink in this attempt, per run */
  got: Map<string, number>;
  started: boolean;
  /** why this attempt's records cannot be trusted (a gap in the stream) */
  broken?: string;
  /** runs whose outcome was refused (its records incomplete), with why */
  refused: Map<string, string>;
  failedReason?: string;
  engine?: EngineState;
  done: boolean;
  ended: boolean;
}

export class BullmqExecutor implements Executor {
  readonly name = 'bullmq';
  private readonly target: RedisTarget;
  private readonly queueName: string;
  private readonly tracked = new Map<string, Tracked>();
  private cancelled = false;
  private cancelledAt = 0;
  private readonly cancelledRuns = new Set<string>();
  private redis: RedisClient | undefined;
  private queue: BullQueue | undefined;
  private log: (line: string) => void = () => undefined;
  private down = false;

  constructor(private readonly opts: BullmqExecutorOptions) {
    this.target = parseRedisUrl(opts.url);
    this.queueName = opts.queue ?? DEFAULT_QUEUE;
  }

  describe(): string {
    return `BullMQ workers on ${this.target.safeUrl} (queue ${this.queueName})`;
  }

  private say(line: string): void {
    this.log(redact(line, this.target.secrets));
  }

  private readonly onError = (e: unknown): void => {
    if (this.down) return;
    this.down = true;
    this.say(`Redis at ${this.target.safeUrl} unreachable (${errorText(e, this.target.secrets)}); waiting for it`);
  };
  private readonly onReady = (): void => {
    if (!this.down) return;
    this.down = false;
    this.say(`Redis at ${this.target.safeUrl} is back`);
  };

  async execute(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void> {
    this.log = ctx.log;
    const { Queue, QueueEvents } = await import('bullmq');
    const { default: Redis } = await import('ioredis');
    const redis = (this.redis = new Redis(this.target.options));
    // XREAD BLOCK holds its connection: the reader has its own
    const reader = new Redis(this.target.options);
    const queue = (this.queue = new Queue<BullJobData>(this.queueName, { connection: bullConnection(this.target) }));
    const events: BullQueueEvents = new QueueEvents(this.queueName, { connection: bullConnection(this.target) });
    redis.on('error', this.onError);
    reader.on('error', this.onError);
    queue.on('error', this.onError);
    events.on('error', this.onError);
    redis.on('ready', this.onReady);
    try {
      await this.reachable(redis);
      events.on('progress', ({ jobId, data }) => {
        const t = this.tracked.get(jobId);
        const p = data as { runId?: unknown; step?: unknown; steps?: unknown };
        if (!t || t.ended || typeof p?.runId !== 'string') return;
        if (typeof p.step === 'number' && typeof p.steps === 'number')
          t.sink.message({ type: 'progress', runId: p.runId, step: p.step, steps: p.steps });
      });
      await this.submit(jobs, ctx, queue, redis);
      if (this.cancelled) void this.cancelRemote();
      let lastPoll = 0;
      while ([...this.tracked.values()].some((t) => !t.ended)) {
        await this.readStreams(reader);
        if (Date.now() - lastPoll >= 1000) {
          lastPoll = Date.now();
          await this.pollStates(queue, redis, ctx);
        }
        if (this.cancelled && Date.now() - this.cancelledAt > (this.opts.graceSeconds ?? 20) * 1000)
          for (const t of this.tracked.values()) if (!t.ended) this.endJob(t, ctx, 'cancelled');
      }
      // every job ended and is stored: nothing left to reattach to
      if (this.tracked.size) fs.rmSync(bullSubmissionPath(ctx.storeDir), { force: true });
    } finally {
      // close() waits for a connection: with Redis gone it would wait for ever, so it gets 2 s, then a disconnect
      const closed = Promise.allSettled([queue.close(), events.close()]);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
      void queue.disconnect().catch(() => undefined);
      void events.disconnect().catch(() => undefined);
      redis.disconnect();
      reader.disconnect();
      this.redis = undefined;
      this.queue = undefined;
    }
  }

  /** Fails fast, with one clear line, when Redis cannot be reached at the start (later outages are waited out). */
  private async reachable(redis: RedisClient): Promise<void> {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref(),
    );
    try {
      await Promise.race([redis.ping(), timeout]);
    } catch (e) {
      throw new Error(
        `cannot reach Redis at ${this.target.safeUrl}: ${errorText(e, this.target.secrets)}. Start Redis (and ` +
          '`precond-lab worker --redis URL` on the machines that should train), or check the URL and password.',
      );
    }
  }

  private async submit(jobs: PlannedJob[], ctx: ExecutionContext, queue: BullQueue, redis: RedisClient): Promise<void> {
    const identity = `${os.hostname()}:${path.resolve(ctx.root)}`;
    const generation = this.opts.force ? Date.now().toString(36) : '';
    const submitter = `${this.opts.owner ?? 'precond-lab run'} on ${os.hostname()}`;
    const record = this.opts.force ? undefined : readBullSubmission(ctx.storeDir);
    const recorded = record?.queue === this.queueName ? record.jobs : [];
    let reattached = 0;
    for (const planned of jobs) {
      if (this.cancelled || ctx.isCancelled()) break;
      const runs = planned.files.map((f) => ({ id: f.id, key: f.key }));
      let id = bullJobId(identity, runs, generation);
      // a job an earlier submitter of this sweep left on the queue: by its id, or (some of its runs stored
      // already, so the plan is smaller) the recorded job holding every run due here
      const candidates = [
        id,
        ...recorded
          .filter((j) => j.id !== id && runs.every((r) => j.runs.some((x) => x.id === r.id && x.key === r.key)))
          .map((j) => j.id),
      ];
      let attach: string | undefined;
      for (const c of this.opts.force ? [] : candidates) {
        const old = await queue.getJob(c);
        if (!old) continue;
        const state = await old.getState();
        // still queued or training, or finished with its stream (every message) still there to replay
        if (LIVE_STATES.has(state) || (await redis.exists(streamKey(this.queueName, c)))) {
          attach = c;
          break;
        }
        if (c === id) await old.remove().catch(() => undefined); // finished and stored: submitted again below
      }
      if (!attach) {
        const old = await queue.getJob(id);
        if (old) {
          // left by a submitter that ended (--force, or a job no longer watchable): a job still in a worker's
          // hands is told to stop and replaced by a new generation; any other is removed with its stream
          const state = await old.getState();
          if (state === 'active') {
            await redis.sadd(cancelKey(this.queueName, id), '*');
            id = `${id}-r${Date.now().toString(36)}`;
          } else await old.remove().catch(() => undefined);
        }
      }
      const t: Tracked = {
        id,
        planned,
        sink: ctx.open(planned),
        stream: streamKey(this.queueName, id),
        cancelSet: cancelKey(this.queueName, id),
        lastId: '0',
        next: 0,
        got: new Map(),
        started: false,
        refused: new Map(),
        done: false,
        ended: false,
      };
      if (attach) {
        // replayed from the start: the sink stores every message of the current attempt, as if live
        t.id = attach;
        t.stream = streamKey(this.queueName, attach);
        t.cancelSet = cancelKey(this.queueName, attach);
        this.tracked.set(attach, t);
        reattached++;
        this.setEngine(t, 'pending', 'reattached');
        continue;
      }
      await redis.del(t.stream, t.cancelSet);
      this.tracked.set(id, t);
      await queue.add(
        'train',
        { v: 1, experiment: ctx.experiment, job: planned.job, submitter } satisfies BullJobData,
        {
          jobId: id,
          attempts: ATTEMPTS,
          backoff: { type: 'exponential', delay: BACKOFF_MS },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 24 * 3600 },
        },
      );
      this.setEngine(t, 'pending');
      const cancelled = t.sink.runIds.filter((r) => this.cancelledRuns.has(r) || ctx.isRunCancelled(r));
      if (cancelled.length) await redis.sadd(t.cancelSet, ...cancelled);
    }
    const submitted = this.tracked.size - reattached;
    const plural = (n: number): string => `${n} job${n === 1 ? '' : 's'}`;
    if (reattached)
      this.say(
        `reattached to ${plural(reattached)} an earlier submission left on queue "${this.queueName}" (still ` +
          `queued, training or finished on the workers; not submitted again)`,
      );
    this.say(`submitted ${plural(submitted)} to queue "${this.queueName}" on ${this.target.safeUrl}`);
    // the lab's own record, for a later submitter to reattach: the jobs of this sweep and those of the last one
    // still watched here
    if (!this.tracked.size) return;
    const jobsNow = [...this.tracked.values()].map((t) => ({
      id: t.id,
      runs: [
        ...new Map(
          [
            ...(recorded.find((j) => j.id === t.id)?.runs ?? []),
            ...t.planned.files.map((f) => ({ id: f.id, key: f.key })),
          ].map((r) => [r.id, r]),
        ).values(),
      ],
    }));
    try {
      fs.mkdirSync(path.dirname(bullSubmissionPath(ctx.storeDir)), { recursive: true });
      writeJsonAtomic(bullSubmissionPath(ctx.storeDir), {
        version: 1,
        queue: this.queueName,
        redis: this.target.safeUrl,
        submittedAt: new Date().toISOString(),
        jobs: jobsNow,
      } satisfies BullSubmission);
    } catch (e) {
      this.say(`could not write the submission record (a later run cannot reattach): ${(e as Error).message}`);
    }
  }

  private setEngine(t: Tracked, state: EngineState, detail?: string): void {
    if (t.engine === state && !detail) return;
    t.engine = state;
    for (const id of t.sink.runIds) t.sink.engine(id, state, detail);
  }

  private async readStreams(reader: RedisClient): Promise<void> {
    const open = [...this.tracked.values()].filter((t) => !t.ended);
    if (!open.length) return;
    let res: [string, [string, string[]][]][] | null;
    try {
      res = (await reader.xread(
        'COUNT',
        500,
        'BLOCK',
        500,
        'STREAMS',
        ...open.map((t) => t.stream),
        ...open.map((t) => t.lastId),
      )) as [string, [string, string[]][]][] | null;
    } catch (e) {
      this.onError(e);
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    const byStream = new Map(open.map((t) => [t.stream, t]));
    for (const [key, entries] of res ?? []) {
      const t = byStream.get(key);
      if (!t) continue;
      // kept until the job has ended and everything is stored (endJob deletes the stream): a submitter that
      // reattaches after this one ended replays it from the start
      this.handleEntries(t, entries);
    }
  }

  private handleEntries(t: Tracked, entries: [string, string[]][]): void {
    for (const [entryId, fields] of entries) {
      t.lastId = entryId;
      if (t.ended) continue;
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
      let m: StreamMessage;
      try {
        m = JSON.parse(f.get('m') ?? '') as StreamMessage;
      } catch {
        continue;
      }
      const a = f.get('a');
      const n = Number(f.get('n'));
      if (m.type === 'attempt') {
        if (t.attempt !== undefined) this.setEngine(t, 'requeued', `worker lost; again on ${m.worker}`);
        t.attempt = a;
        t.next = 1;
        t.got.clear();
        t.broken = undefined;
        t.refused.clear();
        t.failedReason = undefined;
        // start (again): the runs not finished yet go 'running' with their records reset
        if (!t.sink.start()) {
          t.done = true;
          continue;
        }
        t.started = true;
        this.setEngine(t, 'running', `on worker ${m.worker}`);
        continue;
      }
      if (a !== t.attempt) continue; // a lost worker still writing after its job went to another
      if (n !== t.next) t.broken ??= `records lost in Redis (stream entry ${t.next} of this attempt missing)`;
      t.next = n + 1;
      if (m.type === 'cancelled' || m.type === 'finished') {
        t.done = true;
        continue;
      }
      if (m.type === 'failed') {
        t.failedReason = m.reason;
        continue;
      }
      if (t.broken) continue;
      if (m.type === 'records') t.got.set(m.runId, (t.got.get(m.runId) ?? 0) + 1);
      if (m.type === 'outcome') {
        const { sentRecords, ...msg } = m;
        const got = t.got.get(msg.outcome.id) ?? 0;
        if (sentRecords !== undefined && sentRecords !== got) {
          t.refused.set(msg.outcome.id, `records lost on the way (${got} of ${sentRecords} batches arrived)`);
          continue;
        }
        t.sink.message(msg as FromRunner);
        continue;
      }
      t.sink.message(m as FromRunner);
    }
  }

  /** Job states, once a second: the engine column of the tree, and the end of jobs BullMQ finished or failed. */
  private async pollStates(queue: BullQueue, redis: RedisClient, ctx: ExecutionContext): Promise<void> {
    for (const t of this.tracked.values()) {
      if (t.ended) continue;
      try {
        if (t.done) {
          await this.drain(t, redis);
          this.endJob(t, ctx);
          continue;
        }
        const job = await queue.getJob(t.id);
        if (!job) {
          // removed (a cancel took it off the queue before a worker did)
          await this.drain(t, redis);
          this.endJob(t, ctx, this.cancelled ? 'cancelled' : 'the job was removed from the queue');
          continue;
        }
        const state = await job.getState();
        if (state === 'waiting' || state === 'prioritized' || state === 'waiting-children') {
          if (t.engine !== 'requeued') this.setEngine(t, 'pending');
        } else if (state === 'delayed') this.setEngine(t, 'requeued', 'retrying after a failure');
        else if (state === 'completed' || state === 'failed') {
          await this.drain(t, redis);
          if (state === 'failed') t.failedReason ??= job.failedReason;
          this.endJob(t, ctx);
        }
      } catch (e) {
        this.onError(e);
      }
    }
  }

  /** Reads what is left in a job's stream (the worker appends everything before its job changes state). */
  private async drain(t: Tracked, redis: RedisClient): Promise<void> {
    const start = t.lastId === '0' ? '-' : `(${t.lastId}`;
    const entries = (await redis.xrange(t.stream, start, '+')) as [string, string[]][];
    this.handleEntries(t, entries);
  }

  private endJob(t: Tracked, ctx: ExecutionContext, why?: string): void {
    if (t.ended) return;
    t.ended = true;
    for (const [runId, reason] of t.refused) t.sink.engine(runId, 'running', reason);
    const detail = redact(
      why ??
        t.broken ??
        (t.refused.size ? [...t.refused.values()][0] : undefined) ??
        (t.failedReason
          ? `the job failed on its worker: ${t.failedReason.split('\n')[0]}`
          : 'the worker ended the job without an outcome for this run'),
      this.target.secrets,
    );
    t.sink.end(detail);
    ctx.jobEnded();
    const redis = this.redis;
    if (redis) {
      // everything is stored: the stream, the cancel set and the finished job go
      void redis.del(t.stream, t.cancelSet).catch(() => undefined);
      void this.queue
        ?.getJob(t.id)
        .then((j) => j?.remove())
        .catch(() => undefined);
    }
  }

  cancel(runIds?: string[]): void {
    if (!runIds) {
      if (!this.cancelled) this.cancelledAt = Date.now();
      this.cancelled = true;
    } else runIds.forEach((id) => this.cancelledRuns.add(id));
    void this.cancelRemote(runIds);
  }

  /** Tells workers (the cancel sets) and takes jobs no worker has started off the queue. */
  private async cancelRemote(runIds?: string[]): Promise<void> {
    const redis = this.redis;
    const queue = this.queue;
    if (!redis || !queue) return;
    for (const t of this.tracked.values()) {
      if (t.ended) continue;
      const mine = runIds ? t.sink.runIds.filter((id) => this.cancelledRuns.has(id)) : t.sink.runIds;
      if (!mine.length) continue;
      const whole = mine.length === t.sink.runIds.length;
      try {
        await redis.sadd(t.cancelSet, ...(whole ? ['*'] : mine));
        if (whole) {
          const job = await queue.getJob(t.id);
          // remove() refuses a job a worker holds (its lock): that one stops through the cancel set
          if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
        }
      } catch (e) {
        this.onError(e);
      }
    }
  }

  abandon(): void {
    this.cancelled = true;
    const redis = this.redis;
    if (!redis) return;
    for (const t of this.tracked.values()) if (!t.ended) void redis.sadd(t.cancelSet, '*').catch(() => undefined);
  }
}
