import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headMSE, ridgeHead } from '../../src/lab/ridge';
import { RandomState } from '../../src/lab/rng';

/** Solves A w = b by Gauss-Jordan with partial pivoting: independent of the code under test. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

for (const [n, width] of [
  [8, 5],
  [8, 13],
]) {
  test(`centred ridge head (n ${n}, width ${width}) solves the primal normal equations`, () => {
    const rng = new RandomState(11);
    const h = Float64Array.from({ length: n * width }, () => Math.max(0, rng.normal()));
    const y = Array.from({ length: n }, () => rng.normal());
    const lambda = 1e-2;
    const head = ridgeHead(h, y, n, width, lambda);
    const hm = Array.from(
      { length: width },
      (_, j) => Array.from({ length: n }, (_, i) => h[i * width + j]).reduce((a, b) => a + b) / n,
    );
    const ym = y.reduce((a, b) => a + b) / n;
    const hc = Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, j) => h[i * width + j] - hm[j]));
    // (Hc^T Hc + lambda n I) w = Hc^T yc
    const A = Array.from({ length: width }, (_, a) =>
      Array.from(
        { length: width },
        (_, b) => hc.reduce((s, row) => s + row[a] * row[b], 0) + (a === b ? lambda * n : 0),
      ),
    );
    const rhs = Array.from({ length: width }, (_, a) => hc.reduce((s, row, i) => s + row[a] * (y[i] - ym), 0));
    const w = solve(A, rhs);
    for (let j = 0; j < width; j++) assert.ok(Math.abs(head.W2[j] - w[j]) < 1e-9, `W2[${j}]`);
    const b2 = ym - hm.reduce((s, m, j) => s + m * w[j], 0);
    assert.ok(Math.abs(head.b2 - b2) < 1e-9);
    const mse =
      y.reduce((s, yi, i) => s + (b2 + w.reduce((t, wj, j) => t + wj * h[i * width + j], 0) - yi) ** 2, 0) / n;
    assert.ok(Math.abs(headMSE(h, y, n, width, head) - mse) < 1e-12);
  });
}
