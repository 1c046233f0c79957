// The BullMQ worker's thread budget (`precond-lab worker --redis URL --threads N [--jobs J]`): N threads, else the
// engine's SLURM_CPUS_PER_TASK, split over the worker's J concurrent jobs; more jobs than threads is refused, so
// workers whose budgets add up to the cores never oversubscribe a machine. That the budget reaches the runner
// (the run record's kernel line names the thread count) is checked against a real Redis in test/services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisWorkerBudget } from '../../src/cli/bullmqCli';

test('redisWorkerBudget: --threads, else SLURM_CPUS_PER_TASK, split over --jobs; none: one thread per job', () => {
  assert.equal(redisWorkerBudget(undefined, 1, {}), undefined);
  assert.deepEqual({ ...redisWorkerBudget('4', 1, {}), text: undefined }, { threads: 4, perJob: 4, text: undefined });
  assert.equal(redisWorkerBudget('4', 2, {})?.perJob, 2);
  assert.equal(redisWorkerBudget('5', 2, {})?.perJob, 2, 'floor: 2 + 2 of 5, never 3 + 3');
  assert.equal(redisWorkerBudget(undefined, 3, { SLURM_CPUS_PER_TASK: '6' })?.perJob, 2);
  assert.equal(redisWorkerBudget('1', 1, { SLURM_CPUS_PER_TASK: '6' })?.perJob, 1, 'the flag wins');
  assert.match(redisWorkerBudget('4', 2, {})!.text, /4 threads \(--threads\), 2 per job/);
});

test('redisWorkerBudget: bad values and more jobs than threads are refused with a clear message', () => {
  assert.throws(() => redisWorkerBudget('0', 1, {}), /--threads must be a positive integer, got '0'/);
  assert.throws(() => redisWorkerBudget('two', 1, {}), /--threads must be a positive integer/);
  assert.throws(() => redisWorkerBudget(undefined, 1, { SLURM_CPUS_PER_TASK: '1.5' }), /SLURM_CPUS_PER_TASK/);
  assert.throws(() => redisWorkerBudget('2', 3, {}), /--jobs 3 is more than the 2 threads of --threads/);
});
