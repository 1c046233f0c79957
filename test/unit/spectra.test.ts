import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureEnergy, gramEigenvalues, staticSpectra, teacherAlignment } from '../../src/lab/spectra';
import { generateTeacher, gather } from '../../src/lab/data/teacher';
import { symEig } from '../../src/lab/dense/symmetric';

const data = generateTeacher({ case: 'low', snr: 1, seed: 3, n: 2000, dx: 10, trainFraction: 0.02, scale: 10 });
const { x } = gather(data, data.trainIdx);
const n = data.trainIdx.length;

for (const p of [-2, -1, 0, 1.5]) {
  test(`G_P = X P X^T eigenvalues for p = ${p} match the N x N matrix decomposed directly`, () => {
    const pd = Array.from(data.lambda, (l) => l ** p);
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < 10; k++) s += x[i * 10 + k] * pd[k] * x[j * 10 + k];
        g[i * n + j] = s;
      }
    const direct = Array.from(symEig(g, n).values);
    const ours = gramEigenvalues(x, n, 10, pd);
    assert.equal(ours.length, 10);
    for (let i = 0; i < 10; i++)
      assert.ok(Math.abs(ours[i] - direct[i]) <= 1e-8 * direct[0], `eigenvalue ${i}: ${ours[i]} vs ${direct[i]}`);
    for (let i = 10; i < n; i++) assert.ok(Math.abs(direct[i]) <= 1e-8 * direct[0], 'rank is at most dx');
    // the trace of G_P is sum_i sum_k P_k x_ik^2
    let trace = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < 10; k++) trace += pd[k] * x[i * 10 + k] ** 2;
    assert.ok(Math.abs(ours.reduce((a, b) => a + b, 0) - trace) <= 1e-9 * trace);
  });
}

test('Sigma^p and the direction weights lambda^(p+1)', () => {
  const s = staticSpectra(data.lambda, -2, x, n, data.teacherIndex);
  assert.deepEqual(s.sigma, [10, 10, 10, 10, 10, 10, 10, 10, 10, 0.1]);
  for (let i = 0; i < 10; i++) {
    assert.ok(Math.abs(s.precond[i] - s.sigma[i] ** -2) < 1e-12 * s.precond[i]);
    assert.ok(Math.abs(s.weights[i] - 1 / s.sigma[i]) < 1e-12 * s.weights[i]);
  }
  assert.equal(s.teacherIndex, 9);
});

test('feature energy is the squared norm of each W1 column; alignment its teacher share', () => {
  // W1 (3 x 2): columns (1, 2, 2) and (0, 3, 4)
  const W1 = Float32Array.from([1, 0, 2, 3, 2, 4]);
  const e = featureEnergy(W1, 3, 2);
  assert.deepEqual(e, [9, 25]);
  assert.equal(teacherAlignment(e, 1), 25 / 34);
});
