// @ts-check
// The bullmq executor against a real Redis (scripts/services/redis.mjs: loopback, free port, requirepass) and real
// `precond-lab worker --redis` processes, all through the built CLI (dist/cli.js). Each sweep is compared with the
// same sweep on the local executor, file by file: the numbers must be bit-identical, every run stored exactly once.
// Faults: a worker killed with SIGKILL mid-job, Redis restarted mid-sweep, a sweep cancelled from the CLI. The
// password must appear in no output and no stored file. Timings (1 vs 2 workers, submit to first record, recovery)
// are printed, never asserted. Without redis-server the tests skip with a reason, except under PRECOND_LAB_CI=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, checkRun, hasStackTrace, startCli, tempDir, waitFor } from '../faults/lib.mjs';
import { redisServerPath, startRedis } from '../../scripts/services/redis.mjs';

const EXP = 'fig1-cov-quick';
// 8 runs in 4 jobs (one per SNR: the runs that share data), 21 records each
const SWEEP = [
  'run',
  'fig1-cov',
  '--quick',
  '--steps',
  '1000',
  '--eval-every',
  '50',
  '--p',
  '-2,0',
  '--snr',
  '1,2,4,8',
  '--case',
  'high',
];
const RECORDS = 1000 / 50 + 1;
const IDS = [1, 2, 4, 8].flatMap((snr) => [-2, 0].map((p) => `high_p${p}_snr${snr}_s42`));

const available = Boolean(redisServerPath());
const skip = available
  ? false
  : 'redis-server is not installed (apt-get install redis-server); set PRECOND_LAB_CI=1 to make this a failure';
if (!available && process.env.PRECOND_LAB_CI === '1')
  test('redis-server is installed (PRECOND_LAB_CI=1)', () => assert.fail('redis-server missing in CI'));

/** @type {Awaited<ReturnType<typeof startRedis>>} */
let redis;
const tmp = tempDir('bullmq');
/** every byte any process printed, checked for the password at the end */
const outputs = /** @type {string[]} */ ([]);
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

before(async () => {
  if (!available) return;
  redis = await startRedis();
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build first`);
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  redis?.stop();
  tmp.cleanup();
});

/** The URL goes through the environment (PRECOND_LAB_REDIS_URL), as the docs advise, except where a test passes it. */
const env = () => ({ ...process.env, PRECOND_LAB_REDIS_URL: redis.url });

/** @param {string[]} args @param {Record<string, string>} [extraEnv] */
const start = (args, extraEnv = {}) => startCli(args, { env: { ...env(), ...extraEnv }, children, outputs });

const worker = (/** @type {string[]} */ extra = []) => start(['worker', ...extra]);
const stopWorker = async (/** @type {ReturnType<typeof start>} */ w) => {
  w.child.kill('SIGTERM');
  await w.done;
};

const runsDir = (/** @type {string} */ out) => path.join(out, EXP, 'runs');
const anyRecords = (/** @type {string} */ out) =>
  IDS.some((id) => {
    try {
      return fs.statSync(path.join(runsDir(out), id, 'metrics.jsonl')).size > 0;
    } catch {
      return false;
    }
  });

/** The sweep with longer runs, for the worker-kill test: a job must still be training when its worker dies. */
const LONG_SWEEP = SWEEP.map((a, i) =>
  SWEEP[i - 1] === '--steps' ? '20000' : SWEEP[i - 1] === '--eval-every' ? '1000' : a,
);
const LONG_RECORDS = 20000 / 1000 + 1;

/** The reference: the same sweep on the local executor (one per sweep, computed once). */
const references = new Map();
async function localReference(/** @type {string[]} */ sweep = SWEEP) {
  const key = sweep.join(' ');
  if (references.has(key)) return references.get(key);
  const out = path.join(tmp.dir, `local-${references.size}`);
  const t0 = Date.now();
  const r = start([...sweep, '--workers', '2', '--out', out]);
  assert.equal((await r.done).code, 0, r.out);
  console.log(`# local executor, 2 workers: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  references.set(key, out);
  return out;
}

/** Every run done, stored exactly once (checkRun), and byte for byte the local executor's metrics and finals. */
function assertSameAsLocal(/** @type {string} */ out, /** @type {string} */ ref, records = RECORDS) {
  for (const id of IDS) {
    const dir = path.join(runsDir(out), id);
    assert.deepEqual(checkRun(dir, records), [], `${id} stored once and complete`);
    const a = fs.readFileSync(path.join(runsDir(ref), id, 'metrics.jsonl'));
    const b = fs.readFileSync(path.join(dir, 'metrics.jsonl'));
    assert.ok(a.equals(b), `${id}: metrics.jsonl identical to the local executor's`);
    const ra = JSON.parse(fs.readFileSync(path.join(runsDir(ref), id, 'run.json'), 'utf8'));
    const rb = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    assert.deepEqual(rb.final, ra.final, `${id}: final numbers identical`);
    assert.equal(rb.kernel, ra.kernel, `${id}: same kernel`);
  }
}

test('8 runs on 2 workers: each stored once, bit-identical to local; 1 vs 2 workers timed', { skip }, async () => {
  const ref = await localReference();
  const timings = /** @type {Record<number, number>} */ ({});
  for (const n of [1, 2]) {
    const workers = Array.from({ length: n }, () => worker());
    const out = path.join(tmp.dir, `bullmq-${n}`);
    // the URL on the command line this time (the others use the environment)
    const run = start([...SWEEP, '--executor', 'bullmq', '--redis', redis.url, '--out', out], {
      PRECOND_LAB_REDIS_URL: '',
    });
    let first = 0;
    const watch = setInterval(() => (first ||= anyRecords(out) ? Date.now() : 0), 20);
    const { code } = await run.done;
    clearInterval(watch);
    timings[n] = Date.now() - run.t0;
    assert.equal(code, 0, run.out);
    assertSameAsLocal(out, ref);
    assert.ok(!hasStackTrace(run.out), run.out);
    console.log(
      `# bullmq, ${n} worker${n > 1 ? 's' : ''}: ${(timings[n] / 1000).toFixed(1)} s; submit to first record ` +
        `${first ? first - run.t0 : '?'} ms`,
    );
    await Promise.all(workers.map(stopWorker));
  }
  console.log(`# wall time 1 worker / 2 workers: ${(timings[1] / timings[2]).toFixed(2)}`);
});

test('a worker killed with SIGKILL mid-job: its job completes on the other worker, once', { skip }, async () => {
  const ref = await localReference(LONG_SWEEP);
  const w1 = worker();
  const w2 = worker();
  const out = path.join(tmp.dir, 'kill');
  const run = start([...LONG_SWEEP, '--executor', 'bullmq', '--out', out]);
  await waitFor(() => /job (pl-\S+)/.test(w1.out), 60_000, 'worker 1 to take a job');
  const jobId = /** @type {RegExpExecArray} */ (/job (pl-\S+)/.exec(w1.out))[1];
  // mid-training: its job has written records (each run has 20000 steps, seconds of work, still to go)
  await waitFor(() => anyRecords(out), 60_000, 'the first records');
  w1.child.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor(() => w2.out.includes(jobId), 120_000, `worker 2 to take job ${jobId} over`);
  const recovery = Date.now() - killedAt;
  const { code } = await run.done;
  assert.equal(code, 0, run.out);
  assertSameAsLocal(out, ref, LONG_RECORDS);
  console.log(`# recovery after kill -9 of a worker: job back on another worker after ${recovery} ms`);
  await stopWorker(w2);
  await w1.done;
});

test('Redis restarted mid-sweep: the sweep completes, nothing lost or doubled', { skip }, async () => {
  // the longer runs: the sweep must still be going when Redis goes away
  const ref = await localReference(LONG_SWEEP);
  const workers = [worker(), worker()];
  const out = path.join(tmp.dir, 'restart');
  const run = start([...LONG_SWEEP, '--executor', 'bullmq', '--out', out]);
  await waitFor(() => anyRecords(out), 60_000, 'the first records');
  const t = Date.now();
  await redis.restart(1000);
  console.log(`# Redis down and back in ${Date.now() - t} ms`);
  const { code } = await run.done;
  assert.equal(code, 0, run.out);
  assertSameAsLocal(out, ref, LONG_RECORDS);
  assert.match(run.out, /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ unreachable/, 'one line says Redis went away');
  assert.ok(!hasStackTrace(run.out + workers.map((w) => w.out).join('')), 'no stack traces');
  await Promise.all(workers.map(stopWorker));
});

test('cancel from the CLI: runs marked cancelled, no runner keeps going, the queue is empty', { skip }, async () => {
  const w = worker();
  const out = path.join(tmp.dir, 'cancel');
  // long runs, so the cancel lands mid-training
  const long = SWEEP.map((a, i) => (SWEEP[i - 1] === '--steps' ? '200000' : a));
  const run = start([...long, '--executor', 'bullmq', '--out', out]);
  await waitFor(() => anyRecords(out), 60_000, 'the first records');
  run.child.kill('SIGINT');
  const { code } = await run.done;
  assert.equal(code, 130, run.out);
  for (const id of IDS) {
    const rj = JSON.parse(fs.readFileSync(path.join(runsDir(out), id, 'run.json'), 'utf8'));
    assert.equal(rj.status, 'cancelled', `${id}: ${rj.status} ${rj.reason ?? ''}`);
    assert.ok(!fs.existsSync(path.join(runsDir(out), id, 'run.lock')), `${id}: no lock left`);
  }
  // the worker's runner child stops (it polls the cancel set twice a second; a kill follows a 3 s grace)
  const runnerChildren = () =>
    spawnSync('pgrep', ['-P', String(w.child.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
  await waitFor(() => runnerChildren().length === 0, 15_000, 'the worker to stop its runner');
  const { Queue } = await import('bullmq');
  const u = new URL(redis.url);
  const q = new Queue('precond-lab', {
    connection: { host: u.hostname, port: Number(u.port), password: redis.password },
  });
  const counts = await q.getJobCounts('active', 'waiting', 'delayed');
  await q.close();
  assert.deepEqual(counts, { active: 0, waiting: 0, delayed: 0 }, 'nothing left on the queue');
  assert.ok(w.child.exitCode === null, 'the worker itself lives on, waiting for jobs');
  await stopWorker(w);
});

test(
  'the submitting CLI killed mid-sweep and run again: it reattaches, each run trained and stored once',
  { skip },
  async () => {
    const ref = await localReference(LONG_SWEEP);
    const workers = [worker(), worker()];
    const out = path.join(tmp.dir, 'reattach');
    const first = start([...LONG_SWEEP, '--executor', 'bullmq', '--out', out]);
    await waitFor(() => anyRecords(out), 60_000, 'the first records');
    // an editor reload or a killed terminal: no cancel reaches the queue
    first.child.kill('SIGKILL');
    await first.done;
    assert.match(first.out, /submitted 4 jobs/);
    const record = JSON.parse(fs.readFileSync(path.join(out, EXP, 'bullmq', 'submission.json'), 'utf8'));
    assert.equal(record.jobs.length, 4, 'the submission record lists the 4 jobs');
    assert.deepEqual(
      record.jobs.flatMap((/** @type {any} */ j) => j.runs.map((/** @type {any} */ r) => r.id)).sort(),
      [...IDS].sort(),
    );
    const again = start([...LONG_SWEEP, '--executor', 'bullmq', '--out', out]);
    const { code } = await again.done;
    assert.equal(code, 0, again.out);
    assert.match(again.out, /reattached to [1-4] jobs? an earlier submission left on queue/);
    assert.match(again.out, /submitted 0 jobs/, 'nothing submitted a second time');
    assertSameAsLocal(out, ref, LONG_RECORDS);
    // every job was taken by a worker once: no job trained twice, none resubmitted under another id
    const taken = workers.flatMap((w) => [...w.out.matchAll(/: job (pl-\S+) \(/g)].map((m) => m[1]));
    assert.deepEqual(
      [...taken].sort(),
      record.jobs.map((/** @type {any} */ j) => j.id).sort(),
      'each recorded job taken once, no other',
    );
    assert.ok(!hasStackTrace(again.out), again.out);
    await Promise.all(workers.map(stopWorker));
  },
);

test(
  '--threads reaches the runner: a worker with 2 threads trains on 2, one with 2 threads for 2 jobs on 1 each',
  { skip },
  async () => {
    // the native backend's run record names its BLAS thread count (set from the job's budget); the bits do not
    // depend on it (native.test.ts), so both stores must hold the same numbers
    const sweep = ['run', 'fig1-cov', '--quick', '--steps', '200', '--eval-every', '50', '--p', '-2,0', '--snr', '1,2'];
    sweep.push('--case', 'high', '--backend', 'native');
    const ids = [1, 2].flatMap((snr) => [-2, 0].map((p) => `high_p${p}_snr${snr}_s42`));
    /** @type {Record<string, any>[]} */
    const runs = [];
    for (const [flags, want] of /** @type {const} */ ([
      [['--threads', '2'], '2 threads'],
      [['--threads', '2', '--jobs', '2'], '1 thread'],
    ])) {
      const w = worker([...flags]);
      await waitFor(() => /waiting for jobs/.test(w.out), 30_000, 'the worker to start');
      assert.match(w.out, new RegExp(`2 threads \\(--threads\\), ${want.split(' ')[0]} per job`));
      const out = path.join(tmp.dir, `threads-${flags.length}`);
      const run = start([...sweep, '--executor', 'bullmq', '--out', out]);
      const { code } = await run.done;
      assert.equal(code, 0, run.out);
      const got = ids.map((id) => JSON.parse(fs.readFileSync(path.join(runsDir(out), id, 'run.json'), 'utf8')));
      for (const r of got) {
        assert.equal(r.status, 'done');
        assert.equal(r.backend, 'native');
        assert.match(r.kernel, new RegExp(`, ${want}, `), `${r.id}: ${r.kernel}`);
      }
      runs.push(Object.fromEntries(got.map((r) => [r.id, r.final])));
      await stopWorker(w);
    }
    assert.deepEqual(runs[1], runs[0], 'the same final numbers at 2 and at 1 thread');
  },
);

test('the password appears in no output and no stored file', { skip }, () => {
  assert.ok(outputs.length > 0);
  const secrets = [redis.password, encodeURIComponent(redis.password)];
  for (const o of outputs) for (const s of secrets) assert.ok(!o.includes(s), 'password printed');
  const walk = (/** @type {string} */ d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else for (const s of secrets) assert.ok(!fs.readFileSync(p, 'utf8').includes(s), `password in ${p}`);
    }
  };
  walk(tmp.dir);
  assert.ok(
    outputs.some((o) => o.includes('redis://:***@127.0.0.1')),
    'the URL is shown, redacted',
  );
});
