// The CLI's side of the bullmq executor: `run ... --executor bullmq --redis URL [--queue NAME]` and
// `precond-lab worker --redis URL [--queue NAME] [--jobs N]`. The URL may instead come from PRECOND_LAB_REDIS_URL, and
// a password from PRECOND_LAB_REDIS_PASSWORD, so it need not appear on a command line (where `ps` shows it); the
// password is never printed either way.
import * as path from 'node:path';
import { BullmqExecutor } from '../sweep/executors/bullmqExecutor';
import { runRedisWorker } from '../sweep/executors/bullmqWorker';
import { parseRedisUrl } from '../sweep/executors/bullmqShared';

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
  await runRedisWorker({
    url,
    runnerPath: path.join(cliDir, 'runner.js'),
    queue: args.flags.get('queue'),
    concurrency: jobs,
    maxJobs,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  return 0;
}
