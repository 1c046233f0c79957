// --init: a run can start from given weights (nested arrays in PyTorch's shapes) instead of drawing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateConfig } from '../../src/shared/config';
import { RunManager } from '../../src/sweep/runManager';
import { initRegressor, paramsFromJson, paramsToJson } from '../../src/lab/models/regressor';

const runnerPath = path.resolve(__dirname, '../../runner.js');
const config = validateConfig({
  version: 1,
  name: 'init',
  kind: 'noise',
  grid: { case: ['low'], p: [0], snr: [2], seed: [9] },
  settings: { n: 800, width: 16, steps: 200, evalEvery: 20 },
});

test('starting from the weights the run would draw reproduces it; other weights change it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-init-'));
  const drawn = await new RunManager({ runnerPath, workers: 1 }).runSweep(config, path.join(root, 'a'));
  const same = paramsToJson(initRegressor(9, 10, 16, 0.001), 10);
  const given = await new RunManager({ runnerPath, workers: 1, init: same }).runSweep(config, path.join(root, 'b'));
  assert.deepEqual(given.runs[0].final, drawn.runs[0].final);
  const other = paramsToJson(initRegressor(10, 10, 16, 0.001), 10);
  const changed = await new RunManager({ runnerPath, workers: 1, init: other }).runSweep(config, path.join(root, 'c'));
  assert.notEqual(changed.runs[0].final.testMSE, drawn.runs[0].final.testMSE);
});

test('the Kaiming-uniform init respects its bounds and the 0.001 scale', () => {
  const p = initRegressor(1, 10, 500, 0.001);
  const b1 = Math.sqrt(6 / 10) * 0.001;
  const b2 = Math.sqrt(6 / 500) * 0.001;
  assert.ok(p.W1.every((w) => Math.abs(w) <= b1) && p.W2.every((w) => Math.abs(w) <= b2));
  // a uniform variable on (-b, b) has variance b^2 / 3
  const v = p.W1.reduce((a, w) => a + w * w, 0) / p.W1.length;
  assert.ok(Math.abs(v / ((b1 * b1) / 3) - 1) < 0.05);
  assert.ok(p.b1.every((b) => b === 0) && p.b2[0] === 0);
});

test('malformed initial weights are refused with the expected shapes', () => {
  assert.throws(
    () => paramsFromJson({ W1: [[1, 2]], b1: [0], W2: [[1]], b2: [0] }, 10, 1, 'init.json'),
    /init\.json: W1\[0\] must have 10 entries.*expected W1 1x10/,
  );
  assert.throws(() => paramsFromJson({ W1: [], b1: [], W2: [[]], b2: [0] }, 10, 4, 'init.json'), /W1 must have 4 rows/);
  const ok = paramsToJson(initRegressor(1, 3, 2, 1), 3);
  assert.deepEqual(paramsToJson(paramsFromJson(ok, 3, 2), 3), ok);
});
