// The native module's OOD-network kernels (native/src/gemm.c and ood_head.c: fused first-layer activation, output layer
// forward/backward on dgemm, softmax cross-entropy with its gradient and R-operator) and K-FAC's float64 algebra
// (dgemm, dsyrk Gram, LAPACK dsyevd), each against float64 loops written here; then the pieces wired in: K-FAC on
// the native Mlp2 against K-FAC on the TypeScript one, and the dgemm feature view against the loops. Skips with the
// reason where the module is not built, except in CI (PRECOND_LAB_CI=1), which builds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, skip } from './nativeSupport';
import { Mlp2, initMlp2, mlp2Layout } from '../../src/lab/models/mlp2';
import { oodContext } from '../../src/lab/experiments/ood';
import { featureView, productFeatureView } from '../../src/lab/experiments/ood/features';
import { Kfac } from '../../src/lab/optim/kfac';
import { kfacLinalg } from '../../src/lab/optim/kfacLinalg';
import { gemmABt } from '../../src/lab/dense/products';
import { symEig } from '../../src/lab/dense/symmetric';
import { DEFAULT_OOD_SETTINGS, type OodSettings } from '../../src/shared/config';
import { RandomState } from '../../src/lab/rng';

/** sqrt(sum (a - b)^2 / sum b^2) */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  return Math.sqrt(d / s);
}

const rng = new RandomState(29);
const f32 = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const f64 = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

test('fused first layer: bias + ReLU, and the R-pass mask, against loops', { skip }, () => {
  const [h, d, n] = [9, 6, 21];
  const W = f32(h * d);
  const b = f32(h);
  const xT = f32(d * n);
  const mask = f64(h * n); // about half positive
  const want = (j: number, i: number) => {
    let s = b[j];
    for (let k = 0; k < d; k++) s += W[j * d + k] * xT[k * n + i];
    return s;
  };
  const relu = new Float64Array(h * n);
  const masked = new Float64Array(h * n);
  addon().firstForwardAct(W, b, xT, relu, new Float32Array(h * n), h, d, n, null);
  addon().firstForwardAct(W, b, xT, masked, new Float32Array(h * n), h, d, n, mask);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < n; i++) {
      const z = want(j, i);
      assert.ok(Math.abs(relu[j * n + i] - Math.max(0, z)) < 1e-5, `relu ${j},${i}`);
      assert.ok(Math.abs(masked[j * n + i] - (mask[j * n + i] > 0 ? z : 0)) < 1e-5, `masked ${j},${i}`);
    }
  }
});

test('output layer forward and backward (with the R-pass terms) against loops', { skip }, () => {
  const [c, h, n] = [4, 7, 13];
  const [W2, V2, b2] = [f32(c * h), f32(c * h), f32(c)];
  const [aT, a2T, dOT, dO2T] = [f64(h * n), f64(h * n), f64(c * n), f64(c * n)];
  for (let i = 0; i < h * n; i++) aT[i] = Math.max(0, aT[i]); // activations: the mask is aT > 0
  for (const extra of [false, true]) {
    const oT = new Float64Array(c * n);
    addon().headForward(W2, b2, aT, oT, c, h, n, extra ? V2 : null, extra ? a2T : null);
    for (let q = 0; q < c; q++) {
      for (let i = 0; i < n; i++) {
        let s = b2[q];
        for (let j = 0; j < h; j++) s += W2[q * h + j] * aT[j * n + i] + (extra ? V2[q * h + j] * a2T[j * n + i] : 0);
        assert.ok(Math.abs(oT[q * n + i] - s) < 1e-12 * (1 + Math.abs(s)), `forward ${q},${i}`);
      }
    }
    const [gW2, gb2, gb1] = [new Float32Array(c * h), new Float32Array(c), new Float32Array(h)];
    const dZT = new Float64Array(h * n);
    addon().headBackward(
      W2,
      dOT,
      aT,
      c,
      h,
      n,
      gW2,
      gb2,
      dZT,
      gb1,
      extra ? V2 : null,
      extra ? dO2T : null,
      extra ? a2T : null,
    );
    for (let q = 0; q < c; q++) {
      let sb = 0;
      for (let i = 0; i < n; i++) sb += dOT[q * n + i];
      assert.ok(Math.abs(gb2[q] - sb) < 1e-5 * (1 + Math.abs(sb)));
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let i = 0; i < n; i++)
          s += dOT[q * n + i] * aT[j * n + i] + (extra ? dO2T[q * n + i] * a2T[j * n + i] : 0);
        assert.ok(Math.abs(gW2[q * h + j] - s) < 1e-5 * (1 + Math.abs(s)), `gW2 ${q},${j}`);
      }
    }
    for (let j = 0; j < h; j++) {
      let sb = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let q = 0; q < c; q++) s += W2[q * h + j] * dOT[q * n + i] + (extra ? V2[q * h + j] * dO2T[q * n + i] : 0);
        if (!(aT[j * n + i] > 0)) s = 0;
        sb += s;
        assert.ok(Math.abs(dZT[j * n + i] - s) < 1e-12 * (1 + Math.abs(s)), `dZ ${j},${i}`);
      }
      assert.ok(Math.abs(gb1[j] - sb) < 1e-5 * (1 + Math.abs(sb)));
    }
  }
  // the backward holds one unit block's output weights in registers: more than 64 outputs is refused up front
  const c65 = 65;
  assert.throws(
    () =>
      addon().headBackward(
        f32(c65 * h),
        f64(c65 * n),
        aT,
        c65,
        h,
        n,
        new Float32Array(c65 * h),
        new Float32Array(c65),
        f64(h * n),
        new Float32Array(h),
        null,
        null,
        null,
      ),
    /c must be an integer in \[1, 64\]/,
  );
});

test('softmax cross-entropy, its gradient and its R-operator against loops (and finite differences)', { skip }, () => {
  const [c, n] = [5, 11];
  const oT = f64(c * n).map((v) => 3 * v);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % c);
  const lossAt = (o: Float64Array) => {
    let t = 0;
    for (let b = 0; b < n; b++) {
      let se = 0;
      for (let q = 0; q < c; q++) se += Math.exp(o[q * n + b]);
      t += Math.log(se) - o[labels[b] * n + b];
    }
    return t / n;
  };
  const [dOT, softT] = [new Float64Array(c * n), new Float64Array(c * n)];
  const loss = addon().softmaxXent(oT, labels, c, n, dOT, softT);
  assert.ok(Math.abs(loss - lossAt(oT)) < 1e-12);
  assert.equal(addon().softmaxXent(oT, labels, c, n, null, null), loss);
  for (let k = 0; k < c * n; k++) {
    const e = 1e-6;
    const up = oT.slice();
    const dn = oT.slice();
    up[k] += e;
    dn[k] -= e;
    assert.ok(Math.abs(dOT[k] - (lossAt(up) - lossAt(dn)) / (2 * e)) < 1e-7, `gradient ${k}`);
  }
  // R-operator: the directional derivative of dOT along r, by central differences of the gradient
  const r = f64(c * n);
  const rd = new Float64Array(c * n);
  addon().softmaxXentR(softT, r, c, n, rd);
  const gradAt = (o: Float64Array) => {
    const g = new Float64Array(c * n);
    addon().softmaxXent(o, labels, c, n, g, null);
    return g;
  };
  const e = 1e-5;
  const gp = gradAt(oT.map((v, k) => v + e * r[k]));
  const gm = gradAt(oT.map((v, k) => v - e * r[k]));
  assert.ok(
    relErr(
      rd,
      gp.map((v, k) => (v - gm[k]) / (2 * e)),
    ) < 1e-6,
  );
  assert.throws(
    () =>
      addon().softmaxXent(
        oT,
        Int32Array.from(labels, () => c),
        c,
        n,
        null,
        null,
      ),
    /label is outside/,
  );
  assert.throws(() => addon().softmaxXent(oT, Float64Array.from(labels) as never, c, n, null, null), {
    name: 'TypeError',
    message: /labels must be a Int32Array/,
  });
  assert.throws(
    () => addon().headForward(f32(c * 2), f32(c), f64(2 * n), new Float64Array(c * n), c, 2, n, f32(c * 2), null),
    /given together/,
  );
});

test('dgemm with every transpose, the dsyrk Gram, and LAPACK dsyevd against loops and symEig', { skip }, () => {
  const [m, n, k] = [17, 9, 23];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const [a, b, c] = [f64(m * k), f64(k * n), f64(m * n)];
      const want = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += (ta ? a[q * m + i] : a[i * k + q]) * (tb ? b[j * k + q] : b[q * n + j]);
          want[i * n + j] = 2 * s + 0.5 * c[i * n + j];
        }
      }
      addon().dgemm(ta, tb, m, n, k, 2, a, ta ? m : k, b, tb ? k : n, 0.5, c, n);
      assert.ok(relErr(c, want) < 1e-14, `transA ${ta} transB ${tb}`);
    }
  }
  const rows = f64(m * k);
  const stride = m + 3;
  const gram = new Float64Array(m * stride).fill(7);
  addon().gram(rows, m, k, gram, stride);
  for (let i = 0; i < m; i++) {
    assert.equal(gram[i * stride + m], 7, 'padding untouched');
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += rows[i * k + q] * rows[j * k + q];
      assert.ok(Math.abs(gram[i * stride + j] - s) < 1e-12 * (1 + Math.abs(s)));
    }
  }
  // a K-FAC-like factor: a Gram plus damping, with a spread spectrum
  const d = 60;
  const x = f64(d * 200).map((v, i) => v * 2 ** (-(i % d) / 8));
  const f = new Float64Array(d * d);
  addon().gram(x, d, 200, f, d);
  for (let i = 0; i < d; i++) f[i * d + i] += 1e-3;
  const before = f.slice();
  const [values, vectors] = [new Float64Array(d), new Float64Array(d * d)];
  assert.equal(addon().symEig(f, d, values, vectors), true);
  assert.deepEqual(f, before, 'input unchanged');
  const ref = symEig(f, d);
  assert.ok(relErr(values, ref.values) < 1e-12, 'eigenvalues as the TypeScript solver');
  for (let j = 1; j < d; j++) assert.ok(values[j] <= values[j - 1], 'descending');
  // Q diag(values) Q^T reconstructs the factor; Q^T Q = I; the sign convention matches symEig's
  const rec = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      let o = 0;
      for (let q = 0; q < d; q++) {
        s += vectors[i * d + q] * values[q] * vectors[j * d + q];
        o += vectors[q * d + i] * vectors[q * d + j];
      }
      rec[i * d + j] = s;
      assert.ok(Math.abs(o - (i === j ? 1 : 0)) < 1e-12, `orthonormal ${i},${j}`);
    }
  assert.ok(relErr(rec, f) < 1e-13, `reconstruction ${relErr(rec, f)}`);
  assert.ok(relErr(vectors, ref.vectors) < 1e-8, `vectors as symEig's ${relErr(vectors, ref.vectors)}`);
  const bad = f.slice();
  bad[5] = NaN;
  assert.throws(() => addon().symEig(bad, d, values, vectors), /symEig: non-finite entry at \(5, 0\)|\(0, 5\)/);
});

const SMALL: OodSettings = { ...DEFAULT_OOD_SETTINGS, nTrain: 200, nVal: 200, pool: 300 };

test('K-FAC on the native passes (dgemm, dsyevd) follows K-FAC on the TypeScript passes', { skip }, () => {
  const ctx = oodContext(SMALL, 13, 'sparse');
  const shape = ctx.nets.shape;
  const { x, n, labels } = ctx.data.train;
  const theta0 = new Float32Array(mlp2Layout(shape).size);
  const r = new RandomState(4);
  initMlp2(shape, theta0, () => r.random(), { scheme: 'torch-default' });
  const run = (mode: 'native' | 'sparse') => {
    const net = new Mlp2(shape, x, n, { labels }, { firstLayer: mode });
    const opt = new Kfac(net, { eigEvery: 2, statsEvery: 1, lr: 0.05 });
    const theta = theta0.slice();
    const losses = [0, 1, 2, 3].map(() => opt.step(theta).loss);
    return { losses, theta, linalg: opt.linalg.name };
  };
  const nat = run('native');
  const js = run('sparse');
  assert.equal(nat.linalg, 'native');
  assert.equal(js.linalg, 'js');
  assert.ok(nat.losses[3] < nat.losses[0], 'K-FAC lowers the loss');
  // float32 first-layer products (native) against float64 (JS); eigenvectors of near-equal eigenvalues may rotate
  // within their span, which changes the preconditioned step only to rounding: 1e-4 as native.test.ts's bounds.
  assert.ok(relErr(nat.losses, js.losses) < 1e-5, `losses ${nat.losses} vs ${js.losses}`);
  assert.ok(relErr(nat.theta, js.theta) < 1e-4, `weights ${relErr(nat.theta, js.theta)}`);
});

test('feature view through dgemm equals the loops', { skip }, () => {
  const ctx = oodContext(SMALL, 13, 'sparse');
  const h = ctx.nets.shape.hidden;
  const d = 784;
  const w0 = f32(h * d).map((v) => v / 28);
  const w = w0.map((v, i) => v + (i % 3 === 0 ? 0.01 * Math.sin(i) : 0));
  const want = featureView(ctx.bases, w, h, w0);
  for (const product of [kfacLinalg('native').gemmABt, gemmABt]) {
    const got = productFeatureView(ctx.bases, h, w0, product)(w);
    for (const key of Object.keys(want) as (keyof typeof want)[])
      assert.ok(
        Math.abs(got[key] - want[key]) <= 1e-10 * Math.abs(want[key]) + 1e-15,
        `${key}: ${got[key]} vs ${want[key]}`,
      );
  }
});

test('native Mlp2 passes on the regression loss (mse) match the float64 TypeScript passes', { skip }, () => {
  const [d, h, n] = [10, 64, 150];
  const shape = { inDim: d, hidden: h, outDim: 1, loss: 'mse' as const };
  const x = f32(n * d);
  const y = Float32Array.from({ length: n }, (_, i) => Math.max(0, x[i * d]) + 0.1 * rng.normal());
  const theta = new Float32Array(mlp2Layout(shape).size);
  initMlp2(shape, theta, () => rng.random(), { scheme: 'kaiming-uniform', scale: 1 });
  const v = f32(theta.length);
  const js = new Mlp2(shape, x, n, { y }, { firstLayer: 'dense' });
  const nat = new Mlp2(shape, x, n, { y }, { firstLayer: 'native' });
  assert.equal(nat.kernel, 'native');
  const [g1, h1, g2, h2] = [0, 0, 0, 0].map(() => new Float32Array(theta.length));
  const l1 = js.lossGradHvp(theta, v, g1, h1);
  const l2 = nat.lossGradHvp(theta, v, g2, h2);
  assert.ok(Math.abs(l1 - l2) < 1e-5 * l1, `loss ${l2} vs ${l1}`);
  assert.ok(relErr(g2, g1) < 1e-4 && relErr(h2, h1) < 1e-4, `gradient ${relErr(g2, g1)}, hvp ${relErr(h2, h1)}`);
  // K-FAC's moments: the hidden layer's input moment (dsyrk + bias border) and the output-gradient moments
  const size = (h + 1) ** 2;
  const [a, b] = [new Float64Array(size), new Float64Array(size)];
  js.inputMoment(1, a);
  nat.inputMoment(1, b);
  assert.ok(relErr(b, a) < 1e-5, 'input moment');
  assert.equal(b[size - 1], n, 'bias corner: the sample count');
  for (const [layer, m] of [
    [0, h * h],
    [1, 1],
  ]) {
    js.outputGradMoment(layer, a);
    nat.outputGradMoment(layer, b);
    assert.ok(relErr(b.subarray(0, m), a.subarray(0, m)) < 1e-4, `output-gradient moment ${layer}`);
  }
});

test(
  'native accuracy (float32 end to end) classifies as float64 logits computed here, up to near ties',
  { skip },
  () => {
    addon();
    const shape = { inDim: 30, hidden: 20, outDim: 6, loss: 'ce' as const };
    const n = 501; // not a multiple of any vector width
    const x = Float32Array.from({ length: n * shape.inDim }, () => Math.max(0, rng.normal()));
    const labels = Int32Array.from({ length: n }, () => Math.floor(rng.random() * shape.outDim));
    const theta = new Float32Array(mlp2Layout(shape).size);
    initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
    const net = new Mlp2(shape, x, n, { labels }, { firstLayer: 'native' });
    const got = net.accuracy(theta);
    // float64 logits written out here: o = W2 relu(W1 x + b1) + b2
    const { inDim: d, hidden: h, outDim: c } = shape;
    let hits = 0;
    let nearTies = 0;
    for (let i = 0; i < n; i++) {
      const a = new Float64Array(h);
      for (let j = 0; j < h; j++) {
        let z = theta[h * d + j];
        for (let k = 0; k < d; k++) z += theta[j * d + k] * x[i * d + k];
        a[j] = Math.max(0, z);
      }
      const o = Array.from({ length: c }, (_, q) => {
        let s = theta[h * d + h + c * h + q];
        for (let j = 0; j < h; j++) s += theta[h * d + h + q * h + j] * a[j];
        return s;
      });
      const best = o.indexOf(Math.max(...o));
      const sorted = [...o].sort((p, q) => q - p);
      if (sorted[0] - sorted[1] < 1e-4) nearTies++;
      if (best === labels[i]) hits++;
    }
    assert.ok(Math.abs(got * n - hits) <= nearTies, `native ${got * n} hits, float64 ${hits}, near ties ${nearTies}`);
    assert.ok(hits > 0 && hits < n);
  },
);

test('native Mlp2 skips a forward at unchanged parameters and redoes it when they change', { skip }, () => {
  addon();
  const shape = { inDim: 12, hidden: 8, outDim: 3, loss: 'ce' as const };
  const n = 40;
  const x = Float32Array.from({ length: n * shape.inDim }, () => rng.random());
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.random() * shape.outDim));
  const theta = new Float32Array(mlp2Layout(shape).size);
  initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
  const nat = new Mlp2(shape, x, n, { labels }, { firstLayer: 'native' });
  const js = new Mlp2(shape, x, n, { labels }, { firstLayer: 'dense' });
  const [gN, gJ] = [new Float32Array(theta.length), new Float32Array(theta.length)];
  for (let s = 0; s < 4; s++) {
    // an evaluation (outputs) then a gradient at the same parameters, then a change in place
    const oN = Float64Array.from(nat.outputs(theta));
    const oJ = js.outputs(theta);
    assert.ok(relErr(oN, oJ) < 1e-5, `outputs at step ${s}`);
    const lN = nat.lossGrad(theta, gN);
    const lJ = js.lossGrad(theta, gJ);
    assert.ok(Math.abs(lN - lJ) < 1e-5 * Math.abs(lJ), `loss at step ${s}`);
    assert.ok(relErr(gN, gJ) < 1e-4, `gradient at step ${s}`);
    for (let i = 0; i < theta.length; i++) theta[i] -= 0.5 * gJ[i]; // in place, as the optimizers do
    theta[0] += 1e-3; // and a change in the first entry only
  }
});
