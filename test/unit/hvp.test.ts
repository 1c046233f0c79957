import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp2, initMlp2, mlp2Layout } from '../../src/lab/models/mlp2';
import type { Mlp2Shape, Mlp2Targets } from '../../src/lab/models/mlp2';
import { fillProbe, hutchinsonDiagonal } from '../../src/lab/optim/hvp';
import { RandomState } from '../../src/lab/rng';

interface Problem {
  shape: Mlp2Shape;
  n: number;
  x: Float32Array;
  targets: Mlp2Targets;
  theta: Float32Array;
}

/** Random data with exact zeros in x (so the sparse forward path is exercised) and torch-default init. */
function problem(shape: Mlp2Shape, n: number, seed: number): Problem {
  const rng = new RandomState(seed);
  const x = new Float32Array(n * shape.inDim).map(() => (rng.random() < 0.3 ? 0 : rng.normal()));
  const targets: Mlp2Targets =
    shape.loss === 'mse'
      ? { y: new Float32Array(n * shape.outDim).map(() => rng.normal()) }
      : { labels: Array.from({ length: n }, () => Math.floor(rng.random() * shape.outDim)) };
  const theta = new Float32Array(mlp2Layout(shape).size);
  initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
  // Larger output weights make the curvature of the second layer's inputs visible in the checks.
  for (let i = 0; i < theta.length; i++) theta[i] *= 2;
  return { shape, n, x, targets, theta };
}

/** Straightforward float64 loss and gradient with the same parameter layout; returns the ReLU mask too. */
function naive(p: Problem, theta: Float64Array): { loss: number; grad: Float64Array; mask: boolean[] } {
  const { inDim: d, hidden: h, outDim: c, loss: kind } = p.shape;
  const n = p.n;
  const oB1 = h * d,
    oW2 = oB1 + h,
    oB2 = oW2 + c * h;
  const grad = new Float64Array(theta.length);
  const mask: boolean[] = [];
  let loss = 0;
  for (let b = 0; b < n; b++) {
    const a: number[] = [];
    for (let j = 0; j < h; j++) {
      let z = theta[oB1 + j];
      for (let k = 0; k < d; k++) z += theta[j * d + k] * p.x[b * d + k];
      mask.push(z > 0);
      a.push(Math.max(z, 0));
    }
    const o: number[] = [];
    for (let q = 0; q < c; q++) {
      let s = theta[oB2 + q];
      for (let j = 0; j < h; j++) s += theta[oW2 + q * h + j] * a[j];
      o.push(s);
    }
    const dO: number[] = [];
    if (kind === 'mse') {
      const y = (p.targets as { y: Float32Array }).y;
      for (let q = 0; q < c; q++) {
        const r = o[q] - y[b * c + q];
        loss += (r * r) / (n * c);
        dO.push((2 * r) / (n * c));
      }
    } else {
      const label = (p.targets as { labels: number[] }).labels[b];
      const lse = Math.log(o.reduce((s, v) => s + Math.exp(v), 0));
      loss += (lse - o[label]) / n;
      for (let q = 0; q < c; q++) dO.push((Math.exp(o[q] - lse) - (q === label ? 1 : 0)) / n);
    }
    for (let q = 0; q < c; q++) {
      grad[oB2 + q] += dO[q];
      for (let j = 0; j < h; j++) grad[oW2 + q * h + j] += dO[q] * a[j];
    }
    for (let j = 0; j < h; j++) {
      if (!mask[b * h + j]) continue;
      let dz = 0;
      for (let q = 0; q < c; q++) dz += dO[q] * theta[oW2 + q * h + j];
      grad[oB1 + j] += dz;
      for (let k = 0; k < d; k++) grad[j * d + k] += dz * p.x[b * d + k];
    }
  }
  return { loss, grad, mask };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const shapes: Mlp2Shape[] = [
  { inDim: 5, hidden: 7, outDim: 1, loss: 'mse' },
  { inDim: 5, hidden: 7, outDim: 3, loss: 'mse' },
  { inDim: 6, hidden: 9, outDim: 4, loss: 'ce' },
  // Rows with more than eight nonzeros exercise the unrolled sparse forward.
  { inDim: 20, hidden: 6, outDim: 3, loss: 'ce' },
];

for (const [shape, mode] of shapes.flatMap((s) => (['sparse', 'dense'] as const).map((m) => [s, m] as const))) {
  const tag = `${shape.loss} ${shape.inDim}-${shape.hidden}-${shape.outDim} (${mode})`;

  if (mode === 'sparse')
    test(`${tag}: naive gradient matches central differences of the naive loss`, () => {
      const p = problem(shape, 13, 1);
      const th = Float64Array.from(p.theta);
      const { grad } = naive(p, th);
      const eps = 1e-6;
      const fd = new Float64Array(th.length);
      for (let i = 0; i < th.length; i++) {
        const save = th[i];
        th[i] = save + eps;
        const up = naive(p, th).loss;
        th[i] = save - eps;
        const dn = naive(p, th).loss;
        th[i] = save;
        fd[i] = (up - dn) / (2 * eps);
      }
      assert.ok(relErr(grad, fd) < 1e-7, `naive grad vs FD ${relErr(grad, fd)}`);
    });

  test(`${tag}: Mlp2 loss and gradient match the naive float64 reference`, () => {
    const p = problem(shape, 13, 2);
    const net = new Mlp2(shape, p.x, p.n, p.targets, { firstLayer: mode });
    const g = new Float32Array(p.theta.length);
    const loss = net.lossGrad(p.theta, g);
    const ref = naive(p, Float64Array.from(p.theta));
    assert.ok(Math.abs(loss - ref.loss) < 1e-12 * Math.max(1, ref.loss), `loss ${loss} vs ${ref.loss}`);
    assert.ok(relErr(g, ref.grad) < 1e-6, `grad rel err ${relErr(g, ref.grad)}`);
    assert.equal(net.loss(p.theta), loss);
  });

  test(`${tag}: Hessian-vector product matches differences of the gradient (masks frozen)`, () => {
    // a seed whose pre-activations all stay clear of the ReLU kink within the difference step (checked below)
    const p = problem(shape, 13, 5);
    const rng = new RandomState(33);
    const v = new Float32Array(p.theta.length).map(() => rng.normal());
    const net = new Mlp2(shape, p.x, p.n, p.targets, { firstLayer: mode });
    assert.equal(net.firstLayerMode, mode);
    const g = new Float32Array(p.theta.length);
    const hv = new Float32Array(p.theta.length);
    const loss = net.lossGradHvp(p.theta, v, g, hv);
    const g2 = new Float32Array(p.theta.length);
    assert.equal(loss, net.lossGrad(p.theta, g2));
    assert.deepEqual(g, g2, 'lossGradHvp and lossGrad gradients differ');

    // float64 central differences of the independent naive gradient.
    const eps = 1e-5;
    const th = Float64Array.from(p.theta);
    const up = Float64Array.from(th, (t, i) => t + eps * v[i]);
    const dn = Float64Array.from(th, (t, i) => t - eps * v[i]);
    const base = naive(p, th);
    const gu = naive(p, up);
    const gd = naive(p, dn);
    assert.deepEqual(gu.mask, base.mask, 'a ReLU kink lies within the difference step');
    assert.deepEqual(gd.mask, base.mask, 'a ReLU kink lies within the difference step');
    const fd = gu.grad.map((u, i) => (u - gd.grad[i]) / (2 * eps));
    assert.ok(relErr(hv, fd) < 1e-6, `HVP vs FD(naive grad) rel err ${relErr(hv, fd)}`);

    // float32 end to end: differences of Mlp2's own gradient.
    const e32 = 1e-3;
    const tu = Float32Array.from(p.theta, (t, i) => t + e32 * v[i]);
    const td = Float32Array.from(p.theta, (t, i) => t - e32 * v[i]);
    assert.deepEqual(naive(p, Float64Array.from(tu)).mask, base.mask);
    assert.deepEqual(naive(p, Float64Array.from(td)).mask, base.mask);
    const gA = new Float32Array(p.theta.length);
    const gB = new Float32Array(p.theta.length);
    net.lossGrad(tu, gA);
    net.lossGrad(td, gB);
    const fd32 = gA.map((a, i) => (a - gB[i]) / (2 * e32));
    // Float32 rounding of theta +- e32 v and of the gradients bounds this check at ~1e-4.
    assert.ok(relErr(hv, fd32) < 2e-4, `HVP vs FD(Mlp2 grad) rel err ${relErr(hv, fd32)}`);
    console.log(
      `${tag}: HVP rel err vs float64 FD ${relErr(hv, fd).toExponential(1)}, vs float32 FD ` +
        `${relErr(hv, fd32).toExponential(1)}`,
    );
  });

  test(`${tag}: the Hessian is symmetric (u^T H v = v^T H u)`, () => {
    const p = problem(shape, 11, 4);
    const rng = new RandomState(44);
    const u = new Float32Array(p.theta.length).map(() => rng.normal());
    const v = new Float32Array(p.theta.length).map(() => rng.normal());
    const net = new Mlp2(shape, p.x, p.n, p.targets, { firstLayer: mode });
    const g = new Float32Array(p.theta.length);
    const hu = new Float32Array(p.theta.length);
    const hv = new Float32Array(p.theta.length);
    net.lossGradHvp(p.theta, u, g, hu);
    net.lossGradHvp(p.theta, v, g, hv);
    let a = 0,
      b = 0,
      s = 0;
    for (let i = 0; i < u.length; i++) {
      a += v[i] * hu[i];
      b += u[i] * hv[i];
      s += Math.abs(v[i] * hu[i]);
    }
    assert.ok(Math.abs(a - b) < 1e-6 * s, `${a} vs ${b}`);
  });
}

/** Dense Hessian from HVPs with unit vectors. */
function denseHessian(net: Mlp2, theta: Float32Array): Float64Array[] {
  const n = theta.length;
  const e = new Float32Array(n);
  const g = new Float32Array(n);
  const col = new Float32Array(n);
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    e.fill(0);
    e[i] = 1;
    net.lossGradHvp(theta, e, g, col);
    rows.push(Float64Array.from(col));
  }
  return rows;
}

for (const shape of [shapes[0], shapes[2]]) {
  test(`${shape.loss}: Hutchinson means converge to the exact diagonal; 'constant' gives row sums`, () => {
    const small: Mlp2Shape = { ...shape, inDim: 3, hidden: 4 };
    const p = problem(small, 9, 5);
    const net = new Mlp2(small, p.x, p.n, p.targets);
    const H = denseHessian(net, p.theta);
    const n = p.theta.length;
    const probes = 20000;
    for (const kind of ['rademacher', 'gaussian'] as const) {
      const { diagonal } = hutchinsonDiagonal(net, p.theta, kind, new RandomState(kind === 'gaussian' ? 6 : 7), probes);
      for (let i = 0; i < n; i++) {
        let offDiag = 0;
        for (let j = 0; j < n; j++) if (j !== i) offDiag += H[i][j] ** 2;
        const variance = offDiag + (kind === 'gaussian' ? 2 * H[i][i] ** 2 : 0);
        const sigma = Math.sqrt(variance / probes);
        assert.ok(
          Math.abs(diagonal[i] - H[i][i]) <= 5 * sigma + 1e-6,
          `${kind} entry ${i}: ${diagonal[i]} vs ${H[i][i]} (sigma ${sigma})`,
        );
      }
    }
    const { diagonal } = hutchinsonDiagonal(net, p.theta, 'constant', new RandomState(8), 1);
    for (let i = 0; i < n; i++) {
      const rowSum = H[i].reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(diagonal[i] - rowSum) < 1e-5 * (1 + Math.abs(rowSum)), `row ${i}`);
    }
  });
}

test('fillProbe draws +-1, normals, or the constant -1', () => {
  const z = new Float32Array(1000);
  fillProbe(z, 'rademacher', new RandomState(1));
  assert.ok(z.every((v) => v === 1 || v === -1));
  const mean = z.reduce((s, v) => s + v, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.15);
  fillProbe(z, 'gaussian', new RandomState(2));
  const m2 = z.reduce((s, v) => s + v * v, 0) / z.length;
  assert.ok(Math.abs(m2 - 1) < 0.15);
  fillProbe(z, 'constant', new RandomState(3));
  assert.ok(z.every((v) => v === -1));
});

test("Mlp2 'auto' picks sparse kernels for wide inputs with many zeros, dense otherwise", () => {
  const wide: Mlp2Shape = { inDim: 40, hidden: 3, outDim: 2, loss: 'ce' };
  const zeros = new Float32Array(2 * 40).map((_, i) => (i % 2 ? 1 : 0));
  assert.equal(new Mlp2(wide, zeros, 2, { labels: [0, 1] }).firstLayerMode, 'sparse');
  assert.equal(
    new Mlp2(
      wide,
      zeros.map(() => 1),
      2,
      { labels: [0, 1] },
    ).firstLayerMode,
    'dense',
  );
  const narrow: Mlp2Shape = { ...wide, inDim: 10 };
  assert.equal(new Mlp2(narrow, new Float32Array(20), 2, { labels: [0, 1] }).firstLayerMode, 'dense');
});

test('Mlp2 rejects mismatched data and reports accuracy', () => {
  const shape: Mlp2Shape = { inDim: 2, hidden: 3, outDim: 2, loss: 'ce' };
  assert.throws(() => new Mlp2(shape, new Float32Array(3), 2, { labels: [0, 1] }), /entries/);
  assert.throws(() => new Mlp2(shape, new Float32Array(4), 2, { labels: [0, 2] }), /outside/);
  assert.throws(() => new Mlp2(shape, new Float32Array(4), 2, { y: new Float32Array(4) }), /labels/);
  // Logits = b2 when all weights are 0: class 1 wins for every sample.
  const net = new Mlp2(shape, new Float32Array([1, 2, 3, 4]), 2, { labels: [1, 0] });
  const theta = new Float32Array(mlp2Layout(shape).size);
  theta[theta.length - 1] = 1;
  assert.equal(net.accuracy(theta), 0.5);
  assert.deepEqual(Array.from(net.outputs(theta)), [0, 1, 0, 1]);
});

for (const mode of ['sparse', 'dense'] as const)
  test(`Mlp2 K-FAC moments match sums over the batch of the last evaluation (${mode})`, () => {
    const shape: Mlp2Shape = { inDim: 12, hidden: 5, outDim: 3, loss: 'ce' };
    const p = problem(shape, 10, 9);
    const net = new Mlp2(shape, p.x, p.n, p.targets, { firstLayer: mode });
    const g = new Float32Array(p.theta.length);
    net.lossGrad(p.theta, g);
    const { inDim: d, hidden: h, outDim: c } = shape;
    const oB1 = h * d,
      oW2 = oB1 + h,
      oB2 = oW2 + c * h;
    // Independent per-sample activations and output gradients.
    const acts: number[][] = [];
    const dOs: number[][] = [];
    const dZs: number[][] = [];
    const labels = (p.targets as { labels: number[] }).labels;
    for (let b = 0; b < p.n; b++) {
      const a: number[] = [];
      for (let j = 0; j < h; j++) {
        let z = p.theta[oB1 + j];
        for (let k = 0; k < d; k++) z += p.theta[j * d + k] * p.x[b * d + k];
        a.push(Math.max(z, 0));
      }
      const o = Array.from({ length: c }, (_, q) =>
        a.reduce((s, v, j) => s + v * p.theta[oW2 + q * h + j], p.theta[oB2 + q]),
      );
      const lse = Math.log(o.reduce((s, v) => s + Math.exp(v), 0));
      const dO = o.map((v, q) => (Math.exp(v - lse) - (q === labels[b] ? 1 : 0)) / p.n);
      acts.push(a);
      dOs.push(dO);
      dZs.push(a.map((v, j) => (v > 0 ? dO.reduce((s, e, q) => s + e * p.theta[oW2 + q * h + j], 0) : 0)));
    }
    const check = (got: Float64Array, rows: number[][], withBias: boolean): void => {
      const m = rows[0].length + (withBias ? 1 : 0);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (const r of rows) s += (i < r.length ? r[i] : 1) * (j < r.length ? r[j] : 1);
          assert.ok(Math.abs(got[i * m + j] - s) < 1e-9 * (1 + Math.abs(s)), `(${i}, ${j}): ${got[i * m + j]} vs ${s}`);
        }
    };
    const xs = Array.from({ length: p.n }, (_, b) => Array.from(p.x.subarray(b * d, (b + 1) * d)));
    const a0 = new Float64Array((d + 1) ** 2);
    net.inputMoment(0, a0);
    check(a0, xs, true);
    const a1 = new Float64Array((h + 1) ** 2);
    net.inputMoment(1, a1);
    check(a1, acts, true);
    const g0 = new Float64Array(h * h);
    net.outputGradMoment(0, g0);
    check(g0, dZs, false);
    const g1 = new Float64Array(c * c);
    net.outputGradMoment(1, g1);
    check(g1, dOs, false);
  });
