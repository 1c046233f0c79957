// The CLI's side of the bullmq executor: `run ... --executor bullmq --redis URL [--queue NAME]` and
// `precond-lab worker --redis URL [--queue NAME] [--jobs N] [--threads N]`. The URL may instead come from PRECOND_LAB_REDIS_URL, and
// a password from PRECOND_LAB_REDIS_PASSWORD, so it need not appear on a command line (where `ps` shows it); the
// password is never printed either way.
import * as path from 'node:path';
import { BullmqExecutor } from '../sweep/executors/bullmqExecutor';
import { runRedisWorker } from '../sweep/executors/bullmqWorker';
import { parseRedisUrl } from '../sweep/executors/bullmqShared';
import { threadsPerJob } from '../shared/threadBudget';

interface Flags {
  flags: Map<string, string>;
  switches: Set<string>;
}

/** The Redis URL from --redis or PRECOND_LAB_REDIS_URL, with PRECOND_LAB_REDIS_PASSWORD filled in when it has none. */
export function redisUrl(args: Flags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = args.flags.get('redis') ?? env.PRECOND_LAB_REDIS_URL;
  if (!raw) return undefined;
  const password = env.PRECOND_LAB_REDIS_PASSWORD;
  parseRedisUrl(raw); // a clear message for a bad URL, before anything else
  if (!password) return raw;
  const u = new URL(raw);
  if (u.password) return raw;
  u.password = encodeURIComponent(password);
  return u.href;
}

export function bullmqExecutor(args: Flags, owner: string): BullmqExecutor {
  const url = redisUrl(args);
  if (!url) throw new Error('--executor bullmq needs --redis redis://[:password@]host:port (or PRECOND_LAB_REDIS_URL)');
  return new BullmqExecutor({ url, queue: args.flags.get('queue'), force: args.switches.has('force'), owner });
}

/** `precond-lab worker --redis URL`: trains jobs from the queue until Ctrl-C. */
export async function redisWorkerCommand(args: Flags, cliDir: string): Promise<number> {
  const url = redisUrl(args);
  if (!url) throw new Error('worker --redis needs a URL: redis://[:password@]host:port (or PRECOND_LAB_REDIS_URL)');
  const jobs = args.flags.has('jobs') ? Number(args.flags.get('jobs')) : 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error('--jobs must be a positive integer');
  const maxJobs = args.flags.has('max-jobs') ? Number(args.flags.get('max-jobs')) : undefined;
  const budget = redisWorkerBudget(args.flags.get('threads'), jobs);
  await runRedisWorker({
    url,
    runnerPath: path.join(cliDir, 'runner.js'),
    queue: args.flags.get('queue'),
    concurrency: jobs,
    threadsPerJob: budget?.perJob,
    budget: budget?.text,
    maxJobs,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  return 0;
}

/** The worker's thread budget: `--threads N`, else the engine's (`SLURM_CPUS_PER_TASK`), shared by its `jobs`
 *  concurrent jobs (each job's runner gets floor(N / jobs) BLAS threads), so workers started side by side with
 *  budgets that add up to the cores never oversubscribe the machine. Without either, each job's runner keeps one
 *  thread (undefined here). More jobs at once than threads is refused: it would oversubscribe. */
export function redisWorkerBudget(
  flag: string | undefined,
  jobs: number,
  env: NodeJS.ProcessEnv = process.env,
): { threads: number; perJob: number; text: string } | undefined {
  const text = flag ?? env.SLURM_CPUS_PER_TASK;
  if (text === undefined) return undefined;
  const from = flag !== undefined ? '--threads' : 'SLURM_CPUS_PER_TASK';
  const threads = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(threads) || threads < 1)
    throw new Error(`${from} must be a positive integer, got '${text}'`);
  if (jobs > threads)
    throw new Error(
      `--jobs ${jobs} is more than the ${threads} thread${threads > 1 ? 's' : ''} of ${from}: the jobs would ` +
        `oversubscribe them (give --threads at least ${jobs}, or fewer --jobs)`,
    );
  const perJob = threadsPerJob(threads, jobs);
  return { threads, perJob, text: `${threads} threads (${from}), ${perJob} per job` };
}
