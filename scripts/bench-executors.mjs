// @ts-check
// Measures the executors on this machine and prints the figures (never asserted anywhere): the wall time of the quick
// Figure 1 sweep (`run fig1-cov --quick`) on 1 and 2 BullMQ workers and their ratio; submit-to-first-record latency on
// each executor (CLI start to the first metrics line in the store); and recovery times: a BullMQ worker killed with
// SIGKILL mid-job (kill to the job's first record on the other worker), Redis stopped and started mid-sweep (Redis
// back to the next record stored), slurmd and its tasks killed mid-run (kill to the requeued task's start, with the
// node marked down and slurmd started again in between). Services come from scripts/services/ (loopback, free port,
// stopped by PID at the end, also on failure); an executor whose service is missing is reported and skipped.
// Usage: npm run build && node scripts/bench-executors.mjs [bullmq] [slurm] [local]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, startCli, waitFor } from '../test/faults/lib.mjs';
import { redisServerPath, startRedis } from './services/redis.mjs';
import { slurmProblem, startSlurm } from './services/slurm.mjs';

const only = process.argv.slice(2);
const want = (/** @type {string} */ name) => !only.length || only.includes(name);
const EXP = 'fig1-cov-quick';
// a small sweep for latency: 2 runs, one job
const SMALL = ['run', 'fig1-cov', '--quick', '--p', '-2,0', '--snr', '1', '--case', 'high', '--steps', '1000'];
// long runs for the fault cases, so a kill lands mid-run: 2 jobs of 2 runs, 21 records each
const LONG = ['run', 'fig1-cov', '--quick', '--p', '-2,0', '--snr', '1,2', '--case', 'high', '--steps', '20000'];
const LONG_EVAL = ['--eval-every', '1000'];

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-bench-exec-'));
/** @type {(() => void)[]} */
const cleanups = [];
const figures = /** @type {string[]} */ ([]);
const say = (/** @type {string} */ line) => {
  figures.push(line);
  console.log(line);
};
const s = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;

const metricsSize = (/** @type {string} */ out, /** @type {string} */ id) => {
  try {
    return fs.statSync(path.join(out, EXP, 'runs', id, 'metrics.jsonl')).size;
  } catch {
    return 0;
  }
};
const runIds = (/** @type {string} */ out) => {
  try {
    return fs.readdirSync(path.join(out, EXP, 'runs'));
  } catch {
    return [];
  }
};
const anyRecord = (/** @type {string} */ out) => runIds(out).some((id) => metricsSize(out, id) > 0);
const status = (/** @type {string} */ out, /** @type {string} */ id) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(out, EXP, 'runs', id, 'run.json'), 'utf8')).status;
  } catch {
    return undefined;
  }
};

/** Runs a sweep to its end; resolves with its wall time and submit-to-first-record latency. */
async function sweep(/** @type {string[]} */ args, /** @type {NodeJS.ProcessEnv} */ env, /** @type {string} */ out) {
  const run = startCli([...args, '--out', out], { env, children });
  let first = 0;
  const watch = setInterval(() => (first ||= anyRecord(out) ? Date.now() : 0), 20);
  const { code } = await run.done;
  clearInterval(watch);
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}:\n${run.out.slice(-2000)}`);
  return { wall: Date.now() - run.t0, latency: first ? first - run.t0 : NaN };
}

async function local() {
  const r = await sweep(SMALL, process.env, path.join(tmp, 'local'));
  say(`local: submit to first record ${r.latency} ms (2 runs, one runner process)`);
}

async function bullmq() {
  if (!redisServerPath()) return say('bullmq: skipped, redis-server is not installed');
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const env = { ...process.env, PRECOND_LAB_REDIS_URL: redis.url };
  const workers = (/** @type {number} */ n, /** @type {string} */ queue, /** @type {string[]} */ extra = []) =>
    Array.from({ length: n }, () => startCli(['worker', '--queue', queue, ...extra], { env, children }));
  const stop = async (/** @type {ReturnType<typeof workers>} */ ws) => {
    for (const w of ws) w.child.kill('SIGTERM');
    await Promise.all(ws.map((w) => w.done));
  };
  const bull = ['--executor', 'bullmq'];

  // the quick Figure 1 sweep on 1, then 2 workers (each on a fresh store and queue, workers started first)
  const walls = /** @type {Record<number, number>} */ ({});
  for (const n of [1, 2]) {
    const ws = workers(n, `fig1-${n}`);
    await new Promise((r) => setTimeout(r, 1500)); // the workers connect
    const r = await sweep(
      ['run', 'fig1-cov', '--quick', ...bull, '--queue', `fig1-${n}`],
      env,
      path.join(tmp, `bull-fig1-${n}`),
    );
    walls[n] = r.wall;
    say(`bullmq: quick Figure 1 sweep (6 runs, 2 jobs) on ${n} worker${n > 1 ? 's' : ''}: ${s(r.wall)}`);
    if (n === 1) say(`bullmq: submit to first record ${r.latency} ms (a worker already waiting)`);
    await stop(ws);
  }
  say(`bullmq: wall time 1 worker / 2 workers = ${(walls[1] / walls[2]).toFixed(2)}`);

  // a worker killed with SIGKILL mid-job: its job runs again on the other worker
  {
    const out = path.join(tmp, 'bull-kill');
    const ws = workers(1, 'kill');
    const run = startCli([...LONG, ...LONG_EVAL, ...bull, '--queue', 'kill', '--out', out], { env, children });
    await waitFor(() => anyRecord(out), 120_000, 'records');
    const victim = /** @type {string} */ (runIds(out).find((id) => metricsSize(out, id) > 0));
    // the survivor takes two jobs at once, so the lost job need not wait for the survivor's own job to end
    const [second] = workers(1, 'kill', ['--jobs', '2']);
    await new Promise((r) => setTimeout(r, 1000));
    ws[0].child.kill('SIGKILL');
    const killed = Date.now();
    // the submitter empties the run's metrics when the new attempt starts, then its first record comes
    await waitFor(() => metricsSize(out, victim) === 0 || status(out, victim) !== 'running', 120_000, 'the reset');
    await waitFor(() => metricsSize(out, victim) > 0, 120_000, 'the new attempt');
    say(`bullmq: worker killed mid-job -> its job's first record on the other worker ${s(Date.now() - killed)} later`);
    await run.done;
    await stop([second]);
  }

  // Redis stopped and started mid-sweep: the sweep carries on
  {
    const out = path.join(tmp, 'bull-restart');
    const ws = workers(2, 'restart');
    const run = startCli([...LONG, ...LONG_EVAL, ...bull, '--queue', 'restart', '--out', out], { env, children });
    await waitFor(() => anyRecord(out), 120_000, 'records');
    const total = () => runIds(out).reduce((a, id) => a + metricsSize(out, id), 0);
    await redis.restart(2000);
    const back = Date.now();
    const at = total();
    await waitFor(() => total() > at || !runIds(out).some((id) => status(out, id) === 'running'), 120_000, 'records');
    say(`bullmq: Redis down 2 s and back -> next record stored ${s(Date.now() - back)} after it was back`);
    const { code } = await run.done;
    const done = runIds(out).filter((id) => status(out, id) === 'done').length;
    say(`bullmq: the sweep across the Redis restart ended with code ${code}, ${done}/4 runs done`);
    await stop(ws);
  }
}

async function slurm() {
  const problem = slurmProblem();
  if (problem) return say(`slurm: skipped, ${problem}`);
  const t0 = Date.now();
  const cluster = await startSlurm();
  cleanups.push(() => {
    spawnSync('scancel', ['--user', 'root'], { env: cluster.env });
    cluster.stop();
  });
  say(`slurm: single-node cluster up in ${s(Date.now() - t0)}`);
  const r = await sweep([...SMALL, '--executor', 'slurm'], cluster.env, path.join(tmp, 'slurm-small'));
  say(`slurm: submit to first record ${r.latency} ms (sbatch, a task starts, the worker's first record)`);

  const out = path.join(tmp, 'slurm-node');
  const run = startCli(
    [...LONG, ...LONG_EVAL, '--executor', 'slurm', '--tasks', '2', '--concurrency', '1', '--out', out],
    { env: cluster.env, children },
  );
  await waitFor(() => anyRecord(out), 120_000, 'records');
  const logs = () =>
    fs
      .readdirSync(path.join(out, EXP, 'slurm'))
      .filter((f) => f.endsWith('.out'))
      .map((f) => fs.readFileSync(path.join(out, EXP, 'slurm', f), 'utf8'))
      .join('\n');
  const starts = () => (logs().match(/worker: task \d+ \(/g) ?? []).length;
  const before = starts();
  cluster.killNode();
  const killed = Date.now();
  await waitFor(() => /down/.test(cluster.nodeState()), 120_000, 'the node marked down');
  const down = Date.now() - killed;
  await cluster.startNode();
  const back = Date.now() - killed;
  await waitFor(() => starts() > before, 300_000, 'the requeued task to start');
  const again = Date.now() - killed;
  const { code } = await run.done;
  say(
    `slurm: slurmd and its tasks killed -> node down after ${s(down)} (SlurmdTimeout=10), slurmd started again at ` +
      `${s(back)}, requeued task started ${s(again)} after the kill; sweep ended with code ${code} ` +
      `${s(Date.now() - killed)} after the kill`,
  );
}

try {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  console.log(`executor figures on ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)} (${tmp})`);
  if (want('local')) await local();
  if (want('bullmq')) await bullmq();
  if (want('slurm')) await slurm();
} catch (e) {
  console.error(`bench-executors: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.reverse()) c();
  fs.rmSync(tmp, { recursive: true, force: true });
}
