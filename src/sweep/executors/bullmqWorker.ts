// `precond-lab worker --redis URL`: pulls jobs from the BullMQ queue and trains each in a runner child process
// (the same runner and batching as the local executor, so the numbers are the same), appending every message the
// runner sends to the job's record stream (bullmqShared.ts). It writes nothing to disk: the submitter stores. The
// worker's own event loop stays free for BullMQ's lock renewal (every LOCK_MS / 2), so a job is never taken from a
// live worker, while a killed worker's job is back on the queue within about LOCK_MS + STALLED_MS. Cancel: the
// submitter adds '*' or run ids to the job's cancel set, polled twice a second. A Redis outage prints one line,
// and one more when Redis is back; the worker waits and carries on. Ctrl-C (SIGINT/SIGTERM) closes the worker: the
// job in hand is cancelled, its runs reported cancelled, and BullMQ gets it back only if the close times out.
import * as os from 'node:os';
import type { Job as BullJob } from 'bullmq';
import type { FromRunner } from '../../shared/protocol';
import { forkJob } from './childJob';
import {
  bullConnection,
  cancelKey,
  DEFAULT_QUEUE,
  errorText,
  LOCK_MS,
  MAX_STALLED,
  parseRedisUrl,
  redact,
  STALLED_MS,
  STREAM_TTL_S,
  streamKey,
  workerName,
  type BullJobData,
  type BullJobResult,
  type StreamMessage,
} from './bullmqShared';

export interface RedisWorkerOptions {
  url: string;
  runnerPath: string;
  queue?: string;
  /** jobs trained at once by this worker (each in its own child); 1 by default */
  concurrency?: number;
  /** environment for the runner children */
  env?: NodeJS.ProcessEnv;
  /** BLAS threads of each job's runner (the job's `threads`): the worker's budget (--threads) over its jobs */
  threadsPerJob?: number;
  /** the budget in words, for the worker's first line */
  budget?: string;
  log: (line: string) => void;
  /** stop after this many jobs (tests, benchmarks); forever by default */
  maxJobs?: number;
}

/** Runs the worker until SIGINT/SIGTERM (or maxJobs). Resolves with the number of jobs it finished. */
export async function runRedisWorker(opts: RedisWorkerOptions): Promise<number> {
  const target = parseRedisUrl(opts.url);
  const say = (line: string): void => opts.log(redact(line, target.secrets));
  const { Worker } = await import('bullmq');
  const { default: Redis } = await import('ioredis');
  const queue = opts.queue ?? DEFAULT_QUEUE;
  const me = workerName(os.hostname(), process.pid);
  // one connection for the streams and cancel sets (the Worker keeps its own, blocking ones)
  const redis = new Redis({ ...target.options, lazyConnect: false });
  let down = false;
  const onError = (e: unknown): void => {
    if (down) return;
    down = true;
    say(`worker ${me}: Redis at ${target.safeUrl} unreachable (${errorText(e, target.secrets)}); waiting for it`);
  };
  const onReady = (): void => {
    if (!down) return;
    down = false;
    say(`worker ${me}: Redis at ${target.safeUrl} is back`);
  };
  redis.on('error', onError);
  redis.on('ready', onReady);

  let finished = 0;
  let closing = false;
  const inHand = new Set<() => void>();

  const processor = async (job: BullJob<BullJobData, BullJobResult>, token?: string): Promise<BullJobResult> => {
    const data = job.data;
    const jobId = job.id!;
    const sKey = streamKey(queue, jobId);
    const cKey = cancelKey(queue, jobId);
    const attempt = `${me}:${token ?? Date.now()}`;
    let n = 0;
    let chain: Promise<unknown> = Promise.resolve();
    // entries leave in order on one connection; ioredis queues them through an outage and sends them after
    const append = (m: StreamMessage): void => {
      const entry = ['a', attempt, 'n', String(n++), 'm', JSON.stringify(m)];
      chain = chain.then(() =>
        redis
          .multi()
          .xadd(sKey, '*', ...entry)
          .expire(sKey, STREAM_TTL_S)
          .exec()
          .catch((e: unknown) => onError(e)),
      );
    };
    append({ type: 'attempt', worker: me, attemptsMade: job.attemptsMade });
    const runs = data.job.runs.map((r) => r.id);
    say(`worker ${me}: job ${jobId} (${data.experiment}: ${runs.join(', ')}) from ${data.submitter}`);
    const cancelledAtStart = await redis.smembers(cKey).catch(() => [] as string[]);
    if (cancelledAtStart.includes('*') || closing) {
      append({ type: 'cancelled' });
      await chain;
      return { attempt, entries: n, cancelled: true };
    }
    const sent = new Map<string, number>();
    let lastProgress = 0;
    const child = forkJob(
      opts.runnerPath,
      {
        ...data.job,
        runs: data.job.runs.filter((r) => !cancelledAtStart.includes(r.id)),
        // this worker's share of the machine, never the submitter's
        threads: opts.threadsPerJob,
      },
      (msg: FromRunner) => {
        if (msg.type === 'progress') {
          // lossy by design: at most 4 a second, through BullMQ's events
          const now = Date.now();
          if (now - lastProgress < 250 && msg.step < msg.steps) return;
          lastProgress = now;
          job.updateProgress({ runId: msg.runId, step: msg.step, steps: msg.steps }).catch(() => undefined);
          return;
        }
        if (msg.type === 'records') sent.set(msg.runId, (sent.get(msg.runId) ?? 0) + 1);
        if (msg.type === 'outcome') append({ ...msg, sentRecords: sent.get(msg.outcome.id) ?? 0 });
        else append(msg);
      },
      3,
      opts.env,
    );
    let cancelled = false;
    const stopAll = (): void => {
      cancelled = true;
      child.cancel();
    };
    inHand.add(stopAll);
    const asked = new Set<string>(cancelledAtStart);
    const poll = setInterval(() => {
      redis
        .smembers(cKey)
        .then((ids) => {
          if (ids.includes('*')) {
            if (!cancelled) say(`worker ${me}: job ${jobId} cancelled by its submitter`);
            stopAll();
            return;
          }
          const fresh = ids.filter((id) => !asked.has(id));
          if (!fresh.length) return;
          fresh.forEach((id) => asked.add(id));
          child.cancel(fresh);
        })
        .catch(() => undefined);
    }, 500);
    const detail = await child.done;
    clearInterval(poll);
    inHand.delete(stopAll);
    await chain;
    if (!cancelled && /^the runner failed|exited \((?!code 0)/.test(detail)) {
      // a crash in the runner: BullMQ retries the job (attempts with backoff) and then fails it with this reason
      append({ type: 'failed', reason: detail });
      await chain;
      throw new Error(detail);
    }
    return { attempt, entries: n, cancelled };
  };

  const worker = new Worker<BullJobData, BullJobResult>(queue, processor, {
    connection: bullConnection(target),
    concurrency: Math.max(1, opts.concurrency ?? 1),
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_MS,
    maxStalledCount: MAX_STALLED,
    autorun: false,
  });
  worker.on('error', onError);
  worker.on('ready', onReady);
  worker.on('failed', (job, err) => {
    if (job) say(`worker ${me}: job ${job.id} failed: ${errorText(err, target.secrets)}`);
  });

  return new Promise<number>((resolve) => {
    const close = async (why: string): Promise<void> => {
      if (closing) return;
      closing = true;
      say(`worker ${me}: ${why}; stopping`);
      for (const stop of inHand) stop();
      await worker.close().catch(() => undefined);
      redis.disconnect();
      resolve(finished);
    };
    worker.on('completed', () => {
      finished++;
      if (opts.maxJobs && finished >= opts.maxJobs) void close(`${finished} jobs done`);
    });
    process.once('SIGINT', () => void close('interrupted'));
    process.once('SIGTERM', () => void close('terminated'));
    say(
      `worker ${me}: waiting for jobs on queue "${queue}" at ${target.safeUrl}` +
        (opts.budget ? `; ${opts.budget}` : ''),
    );
    void worker.run().catch((e: unknown) => {
      say(`worker ${me}: ${errorText(e, target.secrets)}`);
      void close('the worker stopped');
    });
  });
}
