// The executors' pure parts: slicing jobs over array tasks (sweep/planning.ts), reading squeue --json and array
// task strings, shell quoting for the batch script (sweep/executors/slurm.ts), the worker's thread budget, and the
// lock handover from a sweep to an engine's job record, adopted by that job's worker (sweep/lock.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sliceJobs } from '../../src/sweep/planning';
import { parseTaskString, shellQuote, tasksFromSqueue } from '../../src/sweep/executors/slurm';
import { workerThreads } from '../../src/sweep/worker';
import { handOverLock, readLock, selfOwner, takeLock } from '../../src/sweep/lock';

test('sliceJobs: whole jobs, every job once, balanced by run count, planned order kept within a slice', () => {
  const jobs = [3, 1, 2, 2, 1].map((n, i) => ({ name: `j${i}`, files: Array.from({ length: n }, () => 0) }));
  const slices = sliceJobs(jobs, 2);
  assert.equal(slices.length, 2);
  assert.deepEqual(
    slices
      .flat()
      .map((j) => j.name)
      .sort(),
    ['j0', 'j1', 'j2', 'j3', 'j4'],
  );
  const loads = slices.map((s) => s.reduce((a, j) => a + j.files.length, 0)).sort();
  assert.deepEqual(loads, [4, 5]); // 9 runs: the best split is 4 + 5
  for (const s of slices) {
    const idx = s.map((j) => Number(j.name.slice(1)));
    assert.deepEqual(
      idx,
      [...idx].sort((a, b) => a - b),
    );
  }
  assert.equal(sliceJobs(jobs, 10).length, 5, 'never more slices than jobs');
  assert.equal(sliceJobs(jobs, 0).length, 1);
  assert.deepEqual(sliceJobs([], 3), []);
});

test('parseTaskString: ranges, lists, steps and the %K limit', () => {
  assert.deepEqual(parseTaskString('0-3%2'), [0, 1, 2, 3]);
  assert.deepEqual(parseTaskString('2,4-5'), [2, 4, 5]);
  assert.deepEqual(parseTaskString('7'), [7]);
  assert.deepEqual(parseTaskString('0-6:3'), [0, 3, 6]);
  assert.deepEqual(parseTaskString(''), []);
});

test('tasksFromSqueue: a pending range collapsed in one entry, running tasks one each (Slurm 22.05 shape)', () => {
  // the shape squeue --json printed on the test cluster: a pending array is one entry with array_task_string
  const json = JSON.stringify({
    jobs: [
      { job_id: 12, array_job_id: 10, array_task_id: 0, array_task_string: '', job_state: 'RUNNING' },
      { job_id: 13, array_job_id: 10, array_task_id: 1, array_task_string: '', job_state: 'COMPLETED' },
      { job_id: 10, array_job_id: 10, array_task_id: null, array_task_string: '2-3%2', job_state: 'PENDING' },
      { job_id: 20, array_job_id: 20, array_task_id: 0, array_task_string: '', job_state: 'RUNNING' },
      // newer Slurm: numbers as { set, number } and states as lists
      {
        job_id: 14,
        array_job_id: { set: true, number: 10 },
        array_task_id: { set: true, number: 4 },
        job_state: ['RUNNING'],
      },
    ],
  });
  const tasks = tasksFromSqueue(json, '10');
  assert.deepEqual(
    [...tasks].sort((a, b) => a[0] - b[0]),
    [
      [0, 'RUNNING'],
      [1, 'COMPLETED'],
      [2, 'PENDING'],
      [3, 'PENDING'],
      [4, 'RUNNING'],
    ],
  );
  assert.equal(tasksFromSqueue('{"jobs": []}', '10').size, 0);
});

test('shellQuote: safe words as they are, anything else single-quoted so sh reads it back unchanged', () => {
  assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
  for (const s of ["it's here", 'a b', '$HOME', 'x;rm -rf /', '`id`', 'tab\there']) {
    const r = spawnSync('sh', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
    assert.equal(r.stdout, s);
  }
});

test('workerThreads: --threads, else SLURM_CPUS_PER_TASK, else the cores; bad values refused clearly', () => {
  assert.equal(workerThreads('3', {}), 3);
  assert.equal(workerThreads(undefined, { SLURM_CPUS_PER_TASK: '4' }), 4);
  assert.equal(workerThreads('2', { SLURM_CPUS_PER_TASK: '4' }), 2);
  assert.equal(workerThreads(undefined, {}), Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  assert.throws(() => workerThreads('0', {}), /--threads must be a positive integer/);
  assert.throws(() => workerThreads(undefined, { SLURM_CPUS_PER_TASK: 'x' }), /SLURM_CPUS_PER_TASK/);
});

test('lock handover: the job record owns the run; only that job adopts it, others see it held', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-'));
  try {
    const file = path.join(dir, 'run.lock');
    const taken = takeLock(file, selfOwner('precond-lab run'));
    assert.ok(taken.ok);
    const moved = handOverLock(taken.lock, { ...selfOwner('Slurm job array'), kind: 'job', job: 'slurm:7_1' });
    assert.ok(moved);
    const held = readLock(file);
    assert.ok(held && held !== 'unreadable' && held.kind === 'job' && held.job === 'slurm:7_1');
    // the old lock object no longer releases it (the token changed)
    taken.lock.release();
    assert.ok(fs.existsSync(file));
    // another sweep, and another task's worker, find it held by the job
    const other = takeLock(file, selfOwner('precond-lab run'));
    assert.ok(!other.ok && other.holder.job === 'slurm:7_1');
    const wrongTask = takeLock(file, selfOwner('precond-lab worker'), (h) => h.job === 'slurm:7_0');
    assert.ok(!wrongTask.ok);
    // the job's own worker adopts it
    const worker = takeLock(
      file,
      { ...selfOwner('precond-lab worker'), job: 'slurm:7_1' },
      (h) => h.job === 'slurm:7_1',
    );
    assert.ok(worker.ok);
    assert.equal(handOverLock(moved, selfOwner('x')), undefined, 'a lock no longer ours is not handed over');
    worker.lock.release();
    assert.ok(!fs.existsSync(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
