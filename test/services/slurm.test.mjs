// @ts-check
// The slurm executor against a real single-node Slurm cluster (scripts/services/slurm.mjs: munged, slurmctld and
// slurmd started by hand on free ports in a temp folder, stopped by PID in `after`), through the built CLI
// (dist/cli.js): `run --executor slurm` submits one job array whose tasks run `precond-lab worker --slice` and write
// the store themselves. Each sweep is compared with the same sweep on the local executor, file by file: the numbers
// must be bit-identical and every run trained and stored exactly once (each worker log says `done <run>` once per
// run in all). Faults: slurmd and its task processes killed mid-run, then slurmd started again (ReturnToService=2:
// the node returns and the requeued task completes the run, once); a sweep cancelled from the CLI. Timings (submit
// to first record, recovery) are printed, never asserted. Without Slurm the tests skip with a reason, except under
// PRECOND_LAB_CI=1, where that is a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, checkRun, hasStackTrace, startCli, tempDir, waitFor } from '../faults/lib.mjs';
import { slurmProblem, startSlurm } from '../../scripts/services/slurm.mjs';

const EXP = 'fig1-cov-quick';
// 8 runs in 4 jobs (one per SNR: the runs that share data), 21 records each
const BASE = ['run', 'fig1-cov', '--quick', '--p', '-2,0', '--snr', '1,2,4,8', '--case', 'high'];
const SWEEP = [...BASE, '--steps', '1000', '--eval-every', '50'];
const RECORDS = 1000 / 50 + 1;
const IDS = [1, 2, 4, 8].flatMap((snr) => [-2, 0].map((p) => `high_p${p}_snr${snr}_s42`));
const SLURM = ['--executor', 'slurm', '--tasks', '2', '--concurrency', '2'];
// the fault tests need runs that last long enough to be hit mid-run: 8x the steps, the same 21 records per run
const LONG_SWEEP = [...BASE, '--steps', '8000', '--eval-every', '400'];

const problem = slurmProblem();
const skip = problem ? `${problem}; set PRECOND_LAB_CI=1 to make this a failure` : false;
if (problem && process.env.PRECOND_LAB_CI === '1')
  test('a Slurm test cluster can start (PRECOND_LAB_CI=1)', () => assert.fail(`Slurm: ${problem}`));

/** @type {Awaited<ReturnType<typeof startSlurm>>} */
let cluster;
const tmp = tempDir('slurm');
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

before(async () => {
  if (problem) return;
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build first`);
  const t0 = Date.now();
  cluster = await startSlurm();
  console.log(`# Slurm cluster up in ${Date.now() - t0} ms`);
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  if (cluster) spawnSync('scancel', ['--user', 'root'], { env: cluster.env });
  cluster?.stop();
  tmp.cleanup();
});

/** @param {string[]} args */
const start = (args) => startCli(args, { env: cluster ? cluster.env : process.env, children });

const runsDir = (/** @type {string} */ out) => path.join(out, EXP, 'runs');
const slurmDir = (/** @type {string} */ out) => path.join(out, EXP, 'slurm');
const runStatus = (/** @type {string} */ out, /** @type {string} */ id) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(runsDir(out), id, 'run.json'), 'utf8')).status;
  } catch {
    return undefined;
  }
};
const anyRecords = (/** @type {string} */ out) =>
  IDS.some((id) => {
    try {
      return fs.statSync(path.join(runsDir(out), id, 'metrics.jsonl')).size > 0;
    } catch {
      return false;
    }
  });
/** Every worker log of the sweep, concatenated. */
const workerLogs = (/** @type {string} */ out) => {
  try {
    return fs
      .readdirSync(slurmDir(out))
      .filter((f) => f.endsWith('.out'))
      .map((f) => fs.readFileSync(path.join(slurmDir(out), f), 'utf8'))
      .join('\n');
  } catch {
    return '';
  }
};
const count = (/** @type {string} */ text, /** @type {RegExp} */ re) => (text.match(re) ?? []).length;
const esc = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Processes still alive that this cluster's jobs started (their environment names its slurm.conf and a job):
 *  workers and their runner children. Other processes on the machine (other tests' runners) are not ours to judge. */
const leftovers = () =>
  fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        // a job's processes have SLURM_JOB_ID; the submitting CLI (same SLURM_CONF) has not
        const env = fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
        return env.includes(`SLURM_CONF=${cluster.conf}`) && env.some((e) => e.startsWith('SLURM_JOB_ID='));
      } catch {
        return false;
      }
    });

/** The reference: the same sweep on the local executor (LONG_SWEEP for the fault tests). */
const references = new Map();
async function localReference(sweep = SWEEP) {
  const key = sweep.join(' ');
  if (references.has(key)) return references.get(key);
  const out = path.join(tmp.dir, `local${references.size}`);
  const r = start([...sweep, '--workers', '2', '--out', out]);
  assert.equal((await r.done).code, 0, r.out);
  references.set(key, out);
  return out;
}

/** Every run done, stored once and complete (checkRun), trained once (one `done` line in all worker logs), and
 *  byte for byte the local executor's metrics and finals. */
function assertSameAsLocal(/** @type {string} */ out, /** @type {string} */ ref) {
  const logs = workerLogs(out);
  for (const id of IDS) {
    const dir = path.join(runsDir(out), id);
    assert.deepEqual(checkRun(dir, RECORDS), [], `${id} stored once and complete`);
    assert.equal(count(logs, new RegExp(`done\\s+${esc(id)}$`, 'gm')), 1, `${id} trained to the end once:\n${logs}`);
    const a = fs.readFileSync(path.join(runsDir(ref), id, 'metrics.jsonl'));
    const b = fs.readFileSync(path.join(dir, 'metrics.jsonl'));
    assert.ok(a.equals(b), `${id}: metrics.jsonl identical to the local executor's`);
    const ra = JSON.parse(fs.readFileSync(path.join(runsDir(ref), id, 'run.json'), 'utf8'));
    const rb = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    assert.deepEqual(rb.final, ra.final, `${id}: final numbers identical`);
    assert.equal(rb.kernel, ra.kernel, `${id}: same kernel`);
    assert.equal(rb.status, 'done');
  }
}

/** The lab's own record of the submission. */
function submission(/** @type {string} */ out) {
  const f = fs.readdirSync(slurmDir(out)).find((n) => n.endsWith('.submission.json'));
  assert.ok(f, 'a submission record');
  return JSON.parse(fs.readFileSync(path.join(slurmDir(out), /** @type {string} */ (f)), 'utf8'));
}

test('8 runs as a 2-task job array: each stored once, bit-identical to local', { skip }, async () => {
  const ref = await localReference();
  const out = path.join(tmp.dir, 'array');
  const run = start([...SWEEP, ...SLURM, '--out', out]);
  let first = 0;
  const watch = setInterval(() => (first ||= anyRecords(out) ? Date.now() : 0), 20);
  const { code } = await run.done;
  clearInterval(watch);
  assert.equal(code, 0, run.out);
  assertSameAsLocal(out, ref);
  assert.ok(!hasStackTrace(run.out), run.out);
  const sub = submission(out);
  assert.equal(sub.arraySize, 2);
  assert.deepEqual([...sub.tasks.flat()].sort(), [...IDS].sort(), 'the record maps every run to one task');
  assert.match(run.out, new RegExp(`submitted Slurm job array ${sub.jobId} \\(2 tasks`));
  console.log(
    `# slurm, 2 tasks: ${((Date.now() - run.t0) / 1000).toFixed(1)} s; submit to first record ` +
      `${first ? first - run.t0 : '?'} ms (CLI start to the first metrics line in the store)`,
  );
  // a second run of the same sweep submits nothing: every run is done and verified
  const again = start([...SWEEP, ...SLURM, '--out', out]);
  assert.equal((await again.done).code, 0, again.out);
  assert.doesNotMatch(again.out, /submitted Slurm job array/);
  assert.equal(fs.readdirSync(slurmDir(out)).filter((n) => n.endsWith('.submission.json')).length, 1);
});

test(
  'slurmd and its tasks killed mid-run, slurmd started again: the requeued task completes the run once',
  {
    skip,
  },
  async () => {
    const ref = await localReference(LONG_SWEEP);
    const out = path.join(tmp.dir, 'node-fail');
    // one task at a time, so the second task is still pending when the node goes
    const run = start([...LONG_SWEEP, '--executor', 'slurm', '--tasks', '2', '--concurrency', '1', '--out', out]);
    await waitFor(() => IDS.some((id) => runStatus(out, id) === 'running') && anyRecords(out), 120_000, 'a run');
    const victim = /** @type {string} */ (IDS.find((id) => runStatus(out, id) === 'running'));
    const task = submission(out).tasks.findIndex((/** @type {string[]} */ ids) => ids.includes(victim));
    const starts = () => count(workerLogs(out), new RegExp(`worker: task ${task} \\(`, 'g'));
    const before = starts();
    cluster.killNode();
    const killedAt = Date.now();
    // the node failed for real: none of its task processes is left to finish the run behind Slurm's back
    await waitFor(() => leftovers().length === 0, 5000, 'the task processes to die with the node');
    // slurmctld notices (SlurmdTimeout=10), marks the node down and requeues the task; then slurmd comes back
    await waitFor(() => /down/.test(cluster.nodeState()), 120_000, 'the node to be marked down');
    const nodeDown = Date.now() - killedAt;
    await cluster.startNode();
    const nodeBack = Date.now() - killedAt;
    await waitFor(() => starts() > before, 300_000, `task ${task} to start again`);
    const rerun = Date.now() - killedAt;
    const { code } = await run.done;
    const done = Date.now() - killedAt;
    assert.equal(code, 0, run.out + cluster.log());
    assertSameAsLocal(out, ref);
    // the run was finished by the requeued task: its one `done` line comes after the task's second start
    const log = workerLogs(out);
    const restart = log.lastIndexOf(`worker: task ${task} (`);
    assert.ok(log.indexOf(`done      ${victim}`) > restart, `${victim} done after the requeue:\n${log}`);
    console.log(
      `# slurm node failure: node down ${nodeDown} ms after the kill, slurmd back at ${nodeBack} ms; task ${task} ` +
        `(running ${victim}) started again ` +
        `${rerun} ms after the kill; sweep done ${done} ms after the kill`,
    );
  },
);

test(
  'the submitting CLI killed mid-sweep and run again: it reattaches to the live array, each run once',
  { skip },
  async () => {
    const ref = await localReference(LONG_SWEEP);
    const out = path.join(tmp.dir, 'reattach');
    // one task at a time: when the submitter dies, task 0 trains and task 1 waits (its runs locked by its job record)
    const sweep = [...LONG_SWEEP, '--executor', 'slurm', '--tasks', '2', '--concurrency', '1', '--out', out];
    const first = start(sweep);
    await waitFor(() => anyRecords(out), 120_000, 'the first records');
    first.child.kill('SIGKILL'); // an editor reload or a killed terminal: nothing reaches scancel
    await first.done;
    assert.match(first.out, /submitted Slurm job array (\d+)/);
    const jobId = /** @type {RegExpExecArray} */ (/submitted Slurm job array (\d+)/.exec(first.out))[1];
    const t0 = Date.now();
    const again = start(sweep);
    const { code } = await again.done;
    assert.equal(code, 0, again.out);
    assert.match(again.out, new RegExp(`reattached to Slurm job array ${jobId} `));
    assert.doesNotMatch(again.out, /submitted Slurm job array/, 'nothing submitted a second time');
    assert.deepEqual(
      fs.readdirSync(slurmDir(out)).filter((f) => f.endsWith('.submission.json')).length,
      1,
      'one submission record: one sbatch',
    );
    assertSameAsLocal(out, ref);
    for (const id of IDS) assert.ok(!fs.existsSync(path.join(runsDir(out), id, 'run.lock')), `${id}: no lock left`);
    assert.ok(!hasStackTrace(again.out), again.out);
    console.log(`# slurm: the re-run reattached and saw the array to its end in ${Date.now() - t0} ms`);
  },
);

test('a sweep cancelled from the CLI: nothing keeps running, cancelled runs marked', { skip }, async () => {
  const out = path.join(tmp.dir, 'cancel');
  const run = start([...LONG_SWEEP, '--executor', 'slurm', '--tasks', '2', '--concurrency', '1', '--out', out]);
  await waitFor(() => anyRecords(out), 120_000, 'the first records');
  run.child.kill('SIGINT');
  const { code } = await run.done;
  assert.equal(code, 130, run.out);
  assert.ok(!hasStackTrace(run.out), run.out);
  const { jobId } = submission(out);
  // Slurm finishes the cancel on its own clock: give it a few seconds, then nothing of the array may be left
  await waitFor(
    () => {
      const q = spawnSync('squeue', ['-h', '-j', String(jobId), '-t', 'PENDING,RUNNING,CONFIGURING,COMPLETING'], {
        env: cluster.env,
        encoding: 'utf8',
      });
      return q.status === 0 && q.stdout.trim() === '' && leftovers().length === 0;
    },
    60_000,
    'the array to leave the queue and its processes to end',
  );
  const statuses = IDS.map((id) => runStatus(out, id));
  assert.ok(
    statuses.every((s) => s === 'done' || s === 'cancelled'),
    `every run done or cancelled: ${statuses}`,
  );
  assert.ok(
    statuses.some((s) => s === 'cancelled'),
    `some run cancelled: ${statuses}`,
  );
  // a second cancel-free run finishes the rest, training only what was cancelled
  const rest = start([...LONG_SWEEP, ...SLURM, '--out', out]);
  assert.equal((await rest.done).code, 0, rest.out);
  assert.ok(IDS.every((id) => runStatus(out, id) === 'done'));
});
