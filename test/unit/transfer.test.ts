// Experiment 3 through the run manager: Task 1 reused from a matching Experiment 1 run gives the same result as
// training it, and Task 2 refits only the head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateConfig } from '../../src/shared/config';
import { RunManager } from '../../src/sweep/runManager';
import { ExperimentStore } from '../../src/sweep/store';
import { task2TeacherIndex } from '../../src/lab/experiments/transfer';

const runnerPath = path.resolve(__dirname, '../../runner.js');
const settings = { n: 1000, width: 32, steps: 400, evalEvery: 100 };
const grid = { case: ['high'], p: [-1, 1], snr: [1], seed: [3] };

test('transfer reuses a finished Task 1 with matching settings and gets the same numbers', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-transfer-'));
  const transfer = validateConfig({ version: 1, name: 'tr', kind: 'transfer', grid, settings });
  const fresh = await new RunManager({ runnerPath, workers: 1 }).runSweep(transfer, path.join(root, 'a'));
  const noise = validateConfig({
    version: 1,
    name: 'n',
    kind: 'noise',
    grid,
    settings: { ...settings, evalEvery: 50 },
  });
  const task1 = await new RunManager({ runnerPath, workers: 1 }).runSweep(noise, path.join(root, 'b'));
  const reused = await new RunManager({ runnerPath, workers: 1 }).runSweep(transfer, path.join(root, 'b'));
  const store = new ExperimentStore(path.join(root, 'b'), 'tr');
  for (const [i, r] of reused.runs.entries()) {
    assert.equal(r.status, 'done');
    assert.equal(store.readRun(r.id)!.reusedTask1, `n/${task1.runs[i].id}`);
    assert.ok(store.readRun(r.id)!.spectra, 'spectra are recorded for reused runs too');
    assert.equal(r.final.task1TestMSE, task1.runs[i].final.testMSE);
    assert.equal(r.final.task1TestMSE, fresh.runs[i].final.task1TestMSE);
    assert.equal(r.final.task2TestMSE, fresh.runs[i].final.task2TestMSE);
    assert.ok(Number.isFinite(r.final.task2TestMSE) && r.final.task2TestMSE > 0);
  }
});

test('Task 2 teacher sits at the opposite end of the spectrum', () => {
  assert.equal(task2TeacherIndex('high', 10), 1);
  assert.equal(task2TeacherIndex('low', 10), 8);
});
