import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossprod, gram, matMul, transpose } from '../../src/lab/dense/products';
import { cholesky, eigPow, solveSPD, symEig, symPow } from '../../src/lab/dense/symmetric';

// Deterministic uniform(-1, 1) generator (mulberry32) so failures reproduce.
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = uniform(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = r();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

function randomSPD(n: number, seed: number): Float64Array {
  const r = uniform(seed);
  const x = new Float64Array(n * (n + 3));
  for (let i = 0; i < x.length; i++) x[i] = r();
  const g = gram(x, n, n + 3);
  for (let i = 0; i < n; i++) g[i * n + i] += 0.1;
  return g;
}

function frob(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** ||A - V diag V^T||_F / ||A||_F and ||V^T V - I||_max, computed without the library's own helpers. */
function eigErrors(a: Float64Array, n: number): { recon: number; orth: number; values: Float64Array } {
  const { values, vectors: v } = symEig(a, n);
  let rs = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += v[i * n + j] * values[j] * v[k * n + j];
      rs += (a[i * n + k] - s) ** 2;
    }
  }
  let orth = 0;
  for (let j = 0; j < n; j++) {
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i * n + j] * v[i * n + l];
      orth = Math.max(orth, Math.abs(s - (j === l ? 1 : 0)));
    }
  }
  return { recon: Math.sqrt(rs) / Math.max(frob(a), 1e-300), orth, values };
}

function assertDescending(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] >= values[i], `values not descending at ${i}`);
}

for (const n of [1, 2, 7, 50, 300]) {
  test(`symEig reconstructs a random symmetric ${n} x ${n} matrix with orthonormal vectors`, () => {
    const a = randomSymmetric(n, 1000 + n);
    const { recon, orth, values } = eigErrors(a, n);
    assert.ok(recon < 1e-12, `reconstruction error ${recon}`);
    assert.ok(orth < 1e-12, `orthogonality error ${orth}`);
    assertDescending(values);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    const sum = values.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(trace - sum) < 1e-10 * Math.max(1, Math.abs(trace)), 'trace != sum of eigenvalues');
  });
}

test('symEig handles repeated eigenvalues (Q diag(3,3,3,1,1,-2) Q^T)', () => {
  const n = 6;
  const lam = [3, 3, 3, 1, 1, -2];
  // A random orthogonal Q from the eigenvectors of a random symmetric matrix.
  const q = symEig(randomSymmetric(n, 7), n).vectors;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j] * lam[j] * q[k * n + j];
      a[i * n + k] = s;
    }
  const { recon, orth, values } = eigErrors(a, n);
  assert.ok(recon < 1e-13, `reconstruction error ${recon}`);
  assert.ok(orth < 1e-13, `orthogonality error ${orth}`);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(values[j] - lam[j]) < 1e-13, `value ${j}: ${values[j]}`);
});

test('symEig of a diagonal matrix returns its sorted diagonal and signed unit vectors', () => {
  const diag = [0.1, 10, -4, 0.1, 0, 2.5];
  const n = diag.length;
  const a = new Float64Array(n * n);
  diag.forEach((v, i) => (a[i * n + i] = v));
  const { values, vectors } = symEig(a, n);
  assert.deepEqual(Array.from(values), [10, 2.5, 0.1, 0.1, 0, -4]);
  const { recon, orth } = eigErrors(a, n);
  assert.ok(recon < 1e-15 && orth < 1e-15);
  // Column of 10 is e_1 with a positive sign.
  assert.equal(vectors[1 * n + 0], 1);
});

test('symEig of the zero matrix and of the identity', () => {
  for (const fill of [0, 1]) {
    const n = 5;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = fill;
    const { recon, orth, values } = eigErrors(a, n);
    assert.ok(orth < 1e-15);
    if (fill === 1) assert.ok(recon < 1e-15);
    for (const v of values) assert.equal(v, fill);
  }
});

test('symEig matches the 2 x 2 closed form', () => {
  const [p, q, r] = [2, 1.5, -1];
  const a = new Float64Array([p, q, q, r]);
  const { values, vectors } = symEig(a, 2);
  const mid = (p + r) / 2;
  const rad = Math.hypot((p - r) / 2, q);
  assert.ok(Math.abs(values[0] - (mid + rad)) < 1e-15);
  assert.ok(Math.abs(values[1] - (mid - rad)) < 1e-15);
  // Eigenvector of lambda1: (q, lambda1 - p) normalised, up to sign.
  const l1 = mid + rad;
  const nrm = Math.hypot(q, l1 - p);
  const dot = Math.abs((vectors[0] * q + vectors[2] * (l1 - p)) / nrm);
  assert.ok(Math.abs(dot - 1) < 1e-15, `eigenvector alignment ${dot}`);
});

test('symEig uses the symmetric part and rejects non-finite input', () => {
  const a = new Float64Array([1, 2, 0, 1]);
  const { values } = symEig(a, 2);
  assert.ok(Math.abs(values[0] - 2) < 1e-15 && Math.abs(values[1]) < 1e-15);
  assert.throws(() => symEig(new Float64Array([1, NaN, NaN, 1]), 2), /non-finite/);
  assert.throws(() => symEig(new Float64Array(3), 2), /entries/);
  assert.deepEqual(symEig(new Float64Array(0), 0).values.length, 0);
});

test('symEig handles widely spread magnitudes (1e-8 .. 1e8)', () => {
  const n = 20;
  const q = symEig(randomSymmetric(n, 11), n).vectors;
  const lam = Array.from({ length: n }, (_, j) => 10 ** (8 - (16 * j) / (n - 1)));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j] * lam[j] * q[k * n + j];
      a[i * n + k] = s;
    }
  const { recon, orth, values } = eigErrors(a, n);
  assert.ok(recon < 1e-14 && orth < 1e-12, `recon ${recon} orth ${orth}`);
  assert.ok(Math.abs(values[0] - 1e8) < 1e-6);
});

test('symPow: A^1 = A, A^-1 A = I, A^0.5 A^0.5 = A, A^0 = I for SPD A', () => {
  const n = 30;
  const a = randomSPD(n, 3);
  const scale = frob(a);
  assert.ok(maxAbsDiff(symPow(a, n, 1), a) < 1e-12 * scale);
  const inv = symPow(a, n, -1);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  assert.ok(maxAbsDiff(matMul(inv, a, n, n, n), eye) < 1e-10);
  const half = symPow(a, n, 0.5);
  assert.ok(maxAbsDiff(matMul(half, half, n, n, n), a) < 1e-12 * scale);
  assert.ok(maxAbsDiff(symPow(a, n, 0), eye) < 1e-12);
  const eig = symEig(a, n);
  assert.ok(maxAbsDiff(eigPow(eig, n, -2), matMul(inv, inv, n, n, n)) < 1e-8);
});

test('symPow floors eigenvalues: a PSD rank-deficient matrix stays finite for every p', () => {
  const n = 8;
  const r = uniform(5);
  const x = new Float64Array(n * 3);
  for (let i = 0; i < x.length; i++) x[i] = r();
  const a = gram(x, n, 3); // rank 3: five eigenvalues are rounding noise around 0
  for (const p of [-2, -1, -0.5, 0.5, 1, 2]) {
    const ap = symPow(a, n, p);
    assert.ok(ap.every(Number.isFinite), `p = ${p} not finite`);
  }
  // With an explicit floor the small eigenvalues are lifted to it exactly.
  const lifted = symPow(a, n, 1, 1);
  const vals = symEig(lifted, n).values;
  assert.ok(Math.abs(vals[n - 1] - 1) < 1e-12);
  assert.throws(() => symPow(new Float64Array([-1, 0, 0, -2]), 2, -1), /positive eigenvalues/);
});

test('cholesky and solveSPD agree with a multiplication check', () => {
  const n = 40;
  const nrhs = 3;
  const a = randomSPD(n, 9);
  const l = cholesky(a, n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
  assert.ok(maxAbsDiff(matMul(l, transpose(l, n, n), n, n, n), a) < 1e-12 * frob(a));
  const r = uniform(10);
  const b = new Float64Array(n * nrhs).map(() => r());
  const x = solveSPD(a, n, b, nrhs);
  assert.ok(maxAbsDiff(matMul(a, x, n, n, nrhs), b) < 1e-11);
  assert.throws(() => cholesky(new Float64Array([1, 2, 2, 1]), 2), /not positive definite/);
  assert.throws(() => solveSPD(new Float64Array([1, 0, 0, 0]), 2, new Float64Array(2), 1), /not positive definite/);
});

test('matMul, transpose, gram and crossprod against explicit sums', () => {
  const a = new Float64Array([1, 2, 3, 4, 5, 6]); // 2 x 3
  const b = new Float32Array([1, 0, -1, 2, 0.5, 1]); // 3 x 2
  assert.deepEqual(Array.from(matMul(a, b, 2, 3, 2)), [1 * 1 + 2 * -1 + 3 * 0.5, 0 + 4 + 3, 4 - 5 + 3, 0 + 10 + 6]);
  assert.deepEqual(Array.from(transpose(a, 2, 3)), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(gram(a, 2, 3)), [14, 32, 32, 77]);
  assert.deepEqual(Array.from(crossprod(a, 2, 3)), [17, 22, 27, 22, 29, 36, 27, 36, 45]);
});

// Correctness at a size with real rounding (the timing at the K-FAC factor's n = 785 is in `npm run bench`,
// scripts/benchHost.ts): every eigenpair satisfies A v = lambda v, eigenvalues descend, vectors are orthonormal.
test('symEig of a random 160 x 160 SPD matrix: A v = lambda v for every column, orthonormal vectors', () => {
  const n = 160;
  const a = randomSPD(n, 785);
  const { values, vectors } = symEig(a, n);
  for (let j = 0; j < n; j++) {
    let err = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * vectors[k * n + j];
      err = Math.max(err, Math.abs(s - values[j] * vectors[i * n + j]));
    }
    assert.ok(err < 1e-10 * values[0], `residual ${err} for column ${j}`);
    if (j > 0) assert.ok(values[j] <= values[j - 1], 'eigenvalues in descending order');
  }
  for (const [p, q] of [
    [0, 0],
    [0, 1],
    [17, 159],
    [80, 80],
  ]) {
    let dot = 0;
    for (let k = 0; k < n; k++) dot += vectors[k * n + p] * vectors[k * n + q];
    assert.ok(Math.abs(dot - (p === q ? 1 : 0)) < 1e-10, `v${p} . v${q} = ${dot}`);
  }
});
