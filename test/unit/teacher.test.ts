import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateTeacher, softplus, caseEigenvalues } from '../../src/lab/data/teacher';

const fx = JSON.parse(readFileSync(path.resolve(__dirname, '../../../test/fixtures/numpy-legacy-rng.json'), 'utf8'));
const base = { snr: 1, seed: 42, n: 10000, dx: 10, trainFraction: 0.02, scale: 10 };

for (const [kind, key] of [
  ['high', 'exp1_high_snr1'],
  ['low', 'exp1_low_snr1'],
] as const) {
  test(`Experiment 1 data, case ${kind}, seed 42: matches the reference (numpy) generator`, () => {
    const d = generateTeacher({ ...base, case: kind });
    const want = fx[key];
    assert.equal(d.c, want.c);
    assert.deepEqual(Array.from(d.x.slice(0, 10)), want.X_row0);
    for (let i = 0; i < 3; i++)
      assert.ok(Math.abs(d.yRaw[i] - want.y_first3[i]) <= 1e-12 * Math.abs(want.y_first3[i]), `y[${i}]`);
    assert.deepEqual(Array.from(d.trainIdx.slice(0, 10)), want.perm_first10);
    assert.ok(Math.abs(d.yMean - want.train_y_mean) < 1e-12 * Math.abs(want.train_y_mean));
    assert.ok(Math.abs(d.yStd - want.train_y_std_unbiased) < 1e-12 * want.train_y_std_unbiased);
    assert.equal(d.trainIdx.length, 200);
    assert.equal(d.testIdx.length, 9800);
  });
}

test('split is a partition of all samples', () => {
  const d = generateTeacher({ ...base, n: 500, case: 'low' });
  const all = [...d.trainIdx, ...d.testIdx].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 500 }, (_, i) => i),
  );
});

test('standardised train labels have mean 0 and unbiased std 1', () => {
  const d = generateTeacher({ ...base, case: 'high', snr: 0.5 });
  const yt = Array.from(d.trainIdx, (i) => d.y[i]);
  const m = yt.reduce((a, b) => a + b, 0) / yt.length;
  const v = yt.reduce((a, b) => a + (b - m) ** 2, 0) / (yt.length - 1);
  assert.ok(Math.abs(m) < 1e-12);
  assert.ok(Math.abs(Math.sqrt(v) - 1) < 1e-7);
});

test('softplus is stable at both ends', () => {
  assert.equal(softplus(1000), 1000);
  assert.ok(Math.abs(softplus(-1000)) < 1e-300);
  assert.ok(Math.abs(softplus(0) - Math.log(2)) < 1e-15);
});

test('case eigenvalues', () => {
  assert.deepEqual(Array.from(caseEigenvalues('high', 4, 10)), [10, 0.1, 0.1, 0.1]);
  assert.deepEqual(Array.from(caseEigenvalues('low', 4, 10)), [10, 10, 10, 0.1]);
});
