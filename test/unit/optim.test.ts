import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdaHessian,
  Adam,
  Gd,
  Kfac,
  Lbfgs,
  LbfgsHistory,
  OPTIMIZER_NAMES,
  Sam,
  SophiaH,
  createOptimizer,
} from '../../src/lab/optim/index';
import type { Rng } from '../../src/lab/optim/index';
import { Mlp2, initMlp2, type Mlp2Shape } from '../../src/lab/models/mlp2';
import {
  makeLayout,
  type HvpObjective,
  type LayeredObjective,
  type LinearLayer,
  type ParamLayout,
} from '../../src/lab/models/objective';
import { solveSPD, symEig } from '../../src/lab/dense/symmetric';
import { selectKth, spread } from '../../src/lab/optim/vec';
import { RandomState } from '../../src/lab/rng';

/** L = 1/2 theta^T Q theta - b^T theta: gradient Q theta - b, Hessian Q. */
class Quadratic implements HvpObjective {
  readonly layout: ParamLayout;
  evals = 0;
  constructor(
    readonly q: number[][],
    readonly b: number[],
  ) {
    this.layout = makeLayout([{ name: 'theta', shape: [b.length] }]);
  }
  grad(theta: ArrayLike<number>): number[] {
    return this.b.map((bi, i) => this.q[i].reduce((s, qij, j) => s + qij * theta[j], 0) - bi);
  }
  value(theta: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < this.b.length; i++) {
      s -= this.b[i] * theta[i];
      for (let j = 0; j < this.b.length; j++) s += 0.5 * theta[i] * this.q[i][j] * theta[j];
    }
    return s;
  }
  lossGrad(theta: Float32Array, grad: Float32Array): number {
    this.evals++;
    grad.set(this.grad(theta));
    return this.value(theta);
  }
  lossGradHvp(theta: Float32Array, v: Float32Array, grad: Float32Array, hv: Float32Array): number {
    hv.set(this.q.map((row) => row.reduce((s, qij, j) => s + qij * v[j], 0)));
    return this.lossGrad(theta, grad);
  }
}

const Q3 = [
  [3, 0.5, 0],
  [0.5, 1, -0.2],
  [0, -0.2, 0.05],
];
const B3 = [1, -2, 0.5];
const THETA3 = [0.3, -0.1, 2];

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const TOL = 2e-6; // float32 parameters

test('GD: theta <- theta - lr (g + wd theta), two steps', () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const opt = new Gd(obj, { lr: 0.1, weightDecay: 0.01 });
  for (let s = 0; s < 2; s++) {
    const before = Array.from(theta);
    const g = obj.grad(before);
    const info = opt.step(theta);
    assertClose(
      theta,
      before.map((t, i) => t - 0.1 * (g[i] + 0.01 * t)),
      TOL,
      `step ${s}`,
    );
    assert.ok(Math.abs(info.loss - obj.value(before)) < 1e-9);
    assert.ok(Math.abs(info.gradNorm - Math.hypot(...g)) < 1e-6);
  }
  assert.equal(opt.steps, 2);
});

test('Adam: first step is lr * g / (|g| + eps); later steps follow the bias-corrected moments', () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const [lr, b1, b2, eps, wd] = [0.05, 0.9, 0.999, 1e-8, 0.1];
  const opt = new Adam(obj, { lr, beta1: b1, beta2: b2, eps, weightDecay: wd });
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const before = Array.from(theta);
    const g = obj.grad(before).map((gi, i) => gi + wd * before[i]);
    const info = opt.step(theta);
    const expected = before.map((th, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
      return th - (lr / (1 - b1 ** t)) * (m[i] / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps));
    });
    if (t === 1)
      assertClose(
        expected,
        before.map((th, i) => th - (lr * g[i]) / (Math.abs(g[i]) + eps)),
        1e-12,
        'closed form',
      );
    assertClose(theta, expected, TOL, `step ${t}`);
    assert.ok(info.stats.denomMin <= info.stats.denomMedian && info.stats.denomMedian <= info.stats.denomMax);
  }
});

test('SAM: gradient at theta + rho g/||g||, then SGD with momentum and coupled decay', () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const [lr, rho, mu, wd] = [0.1, 0.05, 0.9, 0.01];
  const opt = new Sam(obj, { lr, rho, momentum: mu, weightDecay: wd });
  let buf: number[] | null = null;
  for (let s = 0; s < 3; s++) {
    const before = Array.from(theta);
    const g = obj.grad(before);
    const norm = Math.hypot(...g);
    const g2 = obj.grad(before.map((t, i) => t + (rho * g[i]) / (norm + 1e-8)));
    const d = g2.map((gi, i) => gi + wd * before[i]);
    const nb: number[] = buf === null ? d : buf.map((bi, i) => mu * bi + d[i]);
    buf = nb;
    const evals = obj.evals;
    const info = opt.step(theta);
    assert.equal(obj.evals - evals, 2);
    assert.equal(info.evals, 2);
    assertClose(
      theta,
      before.map((t, i) => t - lr * nb[i]),
      TOL,
      `step ${s}`,
    );
    assert.ok(Math.abs(info.loss - obj.value(before)) < 1e-9, 'loss is reported at theta, not theta + e');
  }
});

/** Replays a test rng's probe stream the way fillProbe draws it. */
function probes(seed: number, n: number, kind: 'rademacher' | 'constant'): () => number[] {
  const rng = new RandomState(seed);
  return () => Array.from({ length: n }, () => (kind === 'constant' ? -1 : rng.random() < 0.5 ? -1 : 1));
}

for (const k of [1, 2, -1, 0.5]) {
  test(`AdaHessian k = ${k}: m, v of z * (H z), bias correction, decoupled decay`, () => {
    const obj = new Quadratic(Q3, B3);
    const theta = Float32Array.from(THETA3);
    const [lr, b1, b2, eps, wd] = [0.02, 0.9, 0.999, 1e-16, 0.01];
    const opt = new AdaHessian(obj, new RandomState(99), { lr, weightDecay: wd, hessianPower: k });
    const nextProbe = probes(99, 3, 'rademacher');
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= 4; t++) {
      const before = Array.from(theta);
      const g = obj.grad(before);
      const z = nextProbe();
      const hz = Q3.map((row) => row.reduce((s, q, j) => s + q * z[j], 0));
      const denoms: number[] = [];
      const expected = before.map((th, i) => {
        const D = z[i] * hz[i];
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * D * D;
        const den = (v[i] / (1 - b2 ** t)) ** (k / 2) + eps;
        denoms.push(den);
        return th * (1 - lr * wd) - (lr / (1 - b1 ** t)) * (m[i] / den);
      });
      const info = opt.step(theta);
      assertClose(theta, expected, TOL, `step ${t}`);
      const sorted = [...denoms].sort((a, b) => a - b);
      assertClose(
        [info.stats.denomMin, info.stats.denomMedian, info.stats.denomMax],
        [sorted[0], sorted[1], sorted[2]],
        1e-6,
        'spread',
      );
      assert.ok(Math.abs(info.stats['theta.denomMedian'] - sorted[1]) < 1e-6 * sorted[1]);
    }
  });
}

test('AdaHessian k = 0 is bias-corrected momentum GD with decoupled decay, whatever the curvature', () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const [lr, b1, wd] = [0.05, 0.9, 0.01];
  const opt = new AdaHessian(obj, new RandomState(5), { lr, weightDecay: wd, hessianPower: 0 });
  const m = [0, 0, 0];
  for (let t = 1; t <= 6; t++) {
    const before = Array.from(theta);
    const g = obj.grad(before);
    const expected = before.map((th, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      return th * (1 - lr * wd) - ((lr / (1 - b1 ** t)) * m[i]) / (1 + 1e-16);
    });
    const info = opt.step(theta);
    assertClose(theta, expected, TOL, `step ${t}`);
    assert.equal(info.stats.denomMedian, 1);
  }
});

test("AdaHessian with probe 'constant' uses D = H 1 (row sums)", () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const lr = 0.02;
  const opt = new AdaHessian(obj, new RandomState(1), { lr, weightDecay: 0, probe: 'constant' });
  const before = Array.from(theta);
  const g = obj.grad(before);
  opt.step(theta);
  // t = 1: m_hat = g, v_hat = D^2, so the step is lr * g / (|D| + eps).
  const rowSums = Q3.map((row) => row.reduce((s, q) => s + q, 0));
  assertClose(
    theta,
    before.map((th, i) => th - (lr * g[i]) / (Math.abs(rowSums[i]) + 1e-16)),
    TOL,
    'step',
  );
});

test("Sophia-H 'library' schedule: probes at 11, 21, folds at 20, 30; sign steps of lr * rho before", () => {
  const obj = new Quadratic(Q3, B3);
  const theta = Float32Array.from(THETA3);
  const [lr, rho, wd] = [0.01, 0.05, 0.1];
  const opt = new SophiaH(obj, new RandomState(3), { lr, rho, weightDecay: wd });
  const probed: number[] = [];
  const folded: number[] = [];
  for (let t = 1; t <= 31; t++) {
    const before = Array.from(theta);
    const info = opt.step(theta);
    if (info.stats.probed) probed.push(t);
    if (info.stats.refreshed) folded.push(t);
    if (t <= 19) {
      // h = 0 is floored to eps, so every nonzero momentum entry clips to +-rho.
      assert.equal(info.stats.clippedFraction, 1);
      const g = obj.grad(before);
      if (t === 1)
        assertClose(
          theta,
          before.map((th, i) => th * (1 - lr * wd) - lr * rho * Math.sign(g[i])),
          TOL,
          'step 1',
        );
    }
  }
  assert.deepEqual(probed, [11, 21, 31]);
  assert.deepEqual(folded, [20, 30]);
});

test("Sophia-H 'immediate' schedule probes and folds at 1, 11, 21", () => {
  const opt = new SophiaH(new Quadratic(Q3, B3), new RandomState(3), { schedule: 'immediate' });
  const theta = Float32Array.from(THETA3);
  const folded: number[] = [];
  for (let t = 1; t <= 25; t++) if (opt.step(theta).stats.refreshed) folded.push(t);
  assert.deepEqual(folded, [1, 11, 21]);
});

test('Sophia-H clipping: m / max(h, eps) clamped to +-rho, per coordinate', () => {
  // Diagonal curvature (40, 1, 0.001) and a constant probe: z * (H z) = diag, so h is known exactly.
  const q = [
    [40, 0, 0],
    [0, 1, 0],
    [0, 0, 0.001],
  ];
  const obj = new Quadratic(q, [19.9, 0.49, 0]); // gradient (0.1, 0.01, 0.0005) at theta = 0.5
  const theta = Float32Array.from([0.5, 0.5, 0.5]);
  const [lr, b1, b2, rho] = [0.1, 0.96, 0.99, 0.05];
  const opt = new SophiaH(obj, new RandomState(1), { lr, rho, weightDecay: 0, probe: 'constant', refreshEvery: 1 });
  const m = [0, 0, 0];
  const h = [0, 0, 0];
  let sawBoth = false;
  for (let t = 1; t <= 5; t++) {
    const before = Array.from(theta);
    const g = obj.grad(before);
    const ratios = before.map((_, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      h[i] = b2 * h[i] + (1 - b2) * q[i][i];
      return m[i] / Math.max(h[i], 1e-12);
    });
    const clipped = ratios.filter((r) => Math.abs(r) >= rho).length;
    if (clipped > 0 && clipped < 3) sawBoth = true;
    const info = opt.step(theta);
    assertClose(
      theta,
      before.map((th, i) => th - lr * Math.min(Math.max(ratios[i], -rho), rho)),
      TOL,
      `step ${t}`,
    );
    assert.ok(Math.abs(info.stats.clippedFraction - clipped / 3) < 1e-12);
  }
  assert.ok(sawBoth, 'the check should see clipped and unclipped coordinates');
});

/** One linear layer y = W a + b with loss mean over batch and outputs of (y - t)^2. */
class LinearRegression implements LayeredObjective {
  readonly layout: ParamLayout;
  readonly layers: LinearLayer[];
  private last: Float64Array | null = null;
  constructor(
    readonly x: number[][],
    readonly y: number[][],
  ) {
    const [i, o] = [x[0].length, y[0].length];
    this.layout = makeLayout([
      { name: 'W', shape: [o, i] },
      { name: 'b', shape: [o] },
    ]);
    this.layers = [{ inDim: i, outDim: o, weightOffset: 0, biasOffset: o * i }];
  }
  get batch(): number {
    return this.x.length;
  }
  /** d(mean loss)/d(output) per sample, row-major batch x o. */
  delta(theta: ArrayLike<number>): Float64Array {
    const [i, o, n] = [this.x[0].length, this.y[0].length, this.x.length];
    const d = new Float64Array(n * o);
    for (let s = 0; s < n; s++)
      for (let r = 0; r < o; r++) {
        let out = theta[o * i + r];
        for (let k = 0; k < i; k++) out += theta[r * i + k] * this.x[s][k];
        d[s * o + r] = (2 * (out - this.y[s][r])) / (n * o);
      }
    return d;
  }
  /** Gradient as the (o x (i + 1)) matrix [dW | db]. */
  gradMatrix(theta: ArrayLike<number>): number[][] {
    const [i, o, n] = [this.x[0].length, this.y[0].length, this.x.length];
    const d = this.delta(theta);
    return Array.from({ length: o }, (_, r) =>
      Array.from({ length: i + 1 }, (_, k) => {
        let s = 0;
        for (let b = 0; b < n; b++) s += d[b * o + r] * (k < i ? this.x[b][k] : 1);
        return s;
      }),
    );
  }
  lossGrad(theta: Float32Array, grad: Float32Array): number {
    const [i, o, n] = [this.x[0].length, this.y[0].length, this.x.length];
    this.last = this.delta(theta);
    const gm = this.gradMatrix(theta);
    for (let r = 0; r < o; r++) {
      for (let k = 0; k < i; k++) grad[r * i + k] = gm[r][k];
      grad[o * i + r] = gm[r][i];
    }
    let loss = 0;
    for (const v of this.last) loss += ((v * n * o) / 2) ** 2;
    return loss / (n * o);
  }
  inputMoment(_layer: number, out: Float64Array): void {
    const m = this.x[0].length + 1;
    out.fill(0, 0, m * m);
    for (const row of this.x) {
      const a = [...row, 1];
      for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) out[p * m + q] += a[p] * a[q];
    }
  }
  outputGradMoment(_layer: number, out: Float64Array): void {
    const o = this.y[0].length;
    const d = this.last as Float64Array;
    out.fill(0, 0, o * o);
    for (let s = 0; s < this.x.length; s++)
      for (let p = 0; p < o; p++) for (let q = 0; q < o; q++) out[p * o + q] += d[s * o + p] * d[s * o + q];
  }
}

function linearProblem(): { obj: LinearRegression; theta: Float32Array } {
  const rng = new RandomState(17);
  const x = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.normal()));
  const y = Array.from({ length: 6 }, () => Array.from({ length: 2 }, () => rng.normal()));
  const theta = Float32Array.from({ length: 2 * 3 + 2 }, () => 0.3 * rng.normal());
  return { obj: new LinearRegression(x, y), theta };
}

/** Kronecker closed form: V solves G V A + damping V = G^, i.e. (A (x) G + damping I) vec(V) = vec(G^). */
function kfacClosedForm(A: number[][], G: number[][], gHat: number[][], damping: number): number[][] {
  const o = G.length;
  const i = A.length;
  const n = o * i;
  const M = new Float64Array(n * n);
  // Row-major vec: index r * i + k. (G V A)[r][k] = sum_{p,q} G[r][p] V[p][q] A[q][k].
  for (let r = 0; r < o; r++)
    for (let k = 0; k < i; k++)
      for (let p = 0; p < o; p++)
        for (let q = 0; q < i; q++)
          M[(r * i + k) * n + p * i + q] = G[r][p] * A[q][k] + (r === p && k === q ? damping : 0);
  const v = solveSPD(M, n, Float64Array.from(gHat.flat()), 1);
  return Array.from({ length: o }, (_, r) => Array.from(v.subarray(r * i, (r + 1) * i)));
}

for (const lr of [0.01, 5]) {
  test(`K-FAC on one linear layer matches the Kronecker closed form (lr ${lr}: nu ${lr > 1 ? '< 1' : '= 1'})`, () => {
    const { obj, theta } = linearProblem();
    const [decay, damping, klClip, mu] = [0.95, 1e-3, 1e-3, 0.9];
    const opt = new Kfac(obj, { lr, weightDecay: 0.1, weightDecayAfter: 1 });
    const [i, o, n] = [4, 2, obj.batch];
    // Factors after step 0: decay * I + (1 - decay) * moment, plus damping * I before the decomposition.
    const before = Array.from(theta);
    const d0 = obj.delta(before);
    const A = Array.from({ length: i }, (_, p) =>
      Array.from({ length: i }, (_, q) => {
        let s = 0;
        for (const row of obj.x) s += [...row, 1][p] * [...row, 1][q];
        return decay * (p === q ? 1 : 0) + ((1 - decay) * s) / n + (p === q ? damping : 0);
      }),
    );
    const G = Array.from({ length: o }, (_, p) =>
      Array.from({ length: o }, (_, q) => {
        let s = 0;
        for (let b = 0; b < n; b++) s += d0[b * o + p] * d0[b * o + q];
        return decay * (p === q ? 1 : 0) + (1 - decay) * s * n + (p === q ? damping : 0);
      }),
    );
    const flat = (m: number[][]): number[] => [...m.flatMap((r) => r.slice(0, i - 1)), ...m.map((r) => r[i - 1])];
    const nuOf = (V: number[][], gHat: number[][]): number => {
      let vg = 0;
      V.forEach((row, r) => row.forEach((x, k) => (vg += x * gHat[r][k] * lr * lr)));
      return Math.min(1, Math.sqrt(klClip / (vg + 1e-8)));
    };
    const g0 = obj.gradMatrix(before);
    const V0 = kfacClosedForm(A, G, g0, damping);
    const nu0 = nuOf(V0, g0);
    const buf0 = flat(V0).map((x) => nu0 * x);
    const info0 = opt.step(theta);
    assertClose(
      theta,
      before.map((t, k) => t - lr * buf0[k]),
      1e-5,
      'step 0',
    );
    assert.ok(Math.abs(info0.stats.nu - nu0) < 1e-6 * nu0, `nu ${info0.stats.nu} vs ${nu0}`);
    assert.ok(lr > 1 ? nu0 < 1 : nu0 === 1, `nu ${nu0}`);
    // Step 1: same factors (no statistics at step 1), momentum, and weight decay from step 1 on.
    const mid = Array.from(theta);
    const g1 = obj.gradMatrix(mid);
    const V1 = kfacClosedForm(A, G, g1, damping);
    const nu1 = nuOf(V1, g1);
    const d1 = flat(V1).map((x, k) => nu1 * x + 0.1 * mid[k]);
    opt.step(theta);
    assertClose(
      theta,
      mid.map((t, k) => t - lr * (mu * buf0[k] + d1[k])),
      1e-5,
      'step 1',
    );
  });
}

test('K-FAC refreshes statistics every statsEvery steps and eigenvectors every eigEvery steps', () => {
  const { obj, theta } = linearProblem();
  const opt = new Kfac(obj, { statsEvery: 2, eigEvery: 4 });
  const refreshed: number[] = [];
  for (let t = 0; t < 9; t++) if (opt.step(theta).stats.eigRefreshed) refreshed.push(t);
  assert.deepEqual(refreshed, [0, 4, 8]);
  assert.ok(theta.every(Number.isFinite));
});

test('L-BFGS two-loop with exact line search minimises an n-dim quadratic in at most n iterations', () => {
  const n = 8;
  const rng = new RandomState(21);
  // SPD Q with spread eigenvalues (1 .. 100) in a random basis.
  const basis = symEig(
    Float64Array.from({ length: n * n }, () => rng.normal()).map(
      (v, k, a) => (v + a[(k % n) * n + Math.floor(k / n)]) / 2,
    ),
    n,
  ).vectors;
  const lam = Array.from({ length: n }, (_, j) => 100 ** (j / (n - 1)));
  const Q = Array.from({ length: n }, (_, r) =>
    Array.from({ length: n }, (_, c) => lam.reduce((s, l, j) => s + basis[r * n + j] * l * basis[c * n + j], 0)),
  );
  const b = Array.from({ length: n }, () => rng.normal());
  const obj = new Quadratic(Q, b);
  const hist = new LbfgsHistory(n, 100);
  let x = Array.from({ length: n }, () => rng.normal());
  let g = obj.grad(x);
  const g0 = Math.hypot(...g);
  const d = new Float64Array(n);
  let iters = 0;
  while (Math.hypot(...g) > 1e-10 * g0 && iters < 2 * n) {
    hist.direction(Float64Array.from(g), d);
    const Qd = Q.map((row) => row.reduce((s, q, j) => s + q * d[j], 0));
    const alpha = -g.reduce((s, gi, j) => s + gi * d[j], 0) / Qd.reduce((s, v, j) => s + v * d[j], 0);
    const xn = x.map((xi, j) => xi + alpha * d[j]);
    const gn = obj.grad(xn);
    const s = Float64Array.from(xn, (v, j) => v - x[j]);
    const y = Float64Array.from(gn, (v, j) => v - g[j]);
    hist.push(
      s,
      y,
      s.reduce((acc, v, j) => acc + v * y[j], 0),
    );
    x = xn;
    g = gn;
    iters++;
  }
  assert.ok(iters <= n, `took ${iters} iterations`);
  assert.ok(Math.hypot(...g) <= 1e-10 * g0);
});

/** Dense inverse-BFGS from H0 = gamma I over the pairs: what the two-loop recursion must equal. */
function denseDirection(pairs: { s: number[]; y: number[] }[], gamma: number, g: number[]): number[] {
  const n = g.length;
  let H = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (r === c ? gamma : 0)));
  for (const { s, y } of pairs) {
    const rho = 1 / s.reduce((a, v, j) => a + v * y[j], 0);
    const E = Array.from({ length: n }, (_, r) =>
      Array.from({ length: n }, (_, c) => (r === c ? 1 : 0) - rho * s[r] * y[c]),
    );
    const EH = E.map((row) => H[0].map((_, c) => row.reduce((a, e, k) => a + e * H[k][c], 0)));
    H = EH.map((row, r) => row.map((_, c) => row.reduce((a, v, k) => a + v * E[c][k], 0) + rho * s[r] * s[c]));
  }
  return H.map((row) => -row.reduce((a, h, j) => a + h * g[j], 0));
}

for (const historySize of [100, 2]) {
  test(`L-BFGS steps (history ${historySize}) match a dense BFGS replay with torch's step rules`, () => {
    const obj = new Quadratic(Q3, B3);
    const theta = Float32Array.from(THETA3);
    const [lr, wd, maxIter] = [0.3, 0.05, 4];
    const opt = new Lbfgs(obj, { lr, weightDecay: wd, maxIter, historySize, historyPrecision: 'float64' });
    // Replay: f = L + wd ||x||^2.
    const grad = (x: number[]): number[] => obj.grad(x).map((gi, j) => gi + 2 * wd * x[j]);
    let x = Array.from(THETA3);
    let pairs: { s: number[]; y: number[] }[] = [];
    let gamma = 1;
    let d: number[] = [];
    let t = 0;
    let prevG: number[] = [];
    let total = 0;
    for (let step = 0; step < 3; step++) {
      let g = grad(x);
      for (let it = 1; it <= maxIter; it++) {
        total++;
        if (total === 1) d = g.map((v) => -v);
        else {
          const y = g.map((v, j) => v - prevG[j]);
          const s = d.map((v) => v * t);
          const ys = s.reduce((a, v, j) => a + v * y[j], 0);
          if (ys > 1e-10) {
            pairs = [...pairs, { s, y }].slice(-historySize);
            gamma = ys / y.reduce((a, v) => a + v * v, 0);
          }
          d = denseDirection(pairs, gamma, g);
        }
        prevG = g;
        t = total === 1 ? Math.min(1, 1 / g.reduce((a, v) => a + Math.abs(v), 0)) * lr : lr;
        x = x.map((v, j) => v + t * d[j]);
        if (it !== maxIter) g = grad(x);
      }
      const info = opt.step(theta);
      assert.equal(info.stats.iterations, maxIter);
      assert.equal(info.evals, maxIter);
      assertClose(theta, x, 1e-5, `step ${step}`);
      x = Array.from(theta); // continue from the optimizer's float32 point
    }
  });
}

test('L-BFGS rejects pairs with y^T s <= 1e-10: on a linear objective it is fixed-step GD', () => {
  const obj = new Quadratic(
    [
      [0, 0],
      [0, 0],
    ],
    [1, -3],
  ); // gradient (-1, 3) everywhere
  const theta = Float32Array.from([0, 0]);
  const lr = 0.1;
  const opt = new Lbfgs(obj, { lr, weightDecay: 0, maxIter: 5 });
  const info = opt.step(theta);
  // First iteration t = min(1, 1/||g||_1) lr = 0.025, then four of lr = 0.1, all along -g.
  const total = 0.025 + 4 * lr;
  assertClose(theta, [total * 1, total * -3], 1e-6, 'theta');
  assert.equal(info.stats.historyLength, 0);
});

test('L-BFGS returns at once when max|g| <= tolGrad', () => {
  const obj = new Quadratic(
    [
      [1, 0],
      [0, 1],
    ],
    [0, 0],
  );
  const theta = Float32Array.from([0, 0]);
  const info = new Lbfgs(obj, { weightDecay: 0 }).step(theta);
  assert.deepEqual(Array.from(theta), [0, 0]);
  assert.equal(info.evals, 1);
  assert.equal(info.updateNorm, 0);
});

test('every optimizer of the suite lowers the loss of a small classifier', () => {
  const shape: Mlp2Shape = { inDim: 12, hidden: 16, outDim: 3, loss: 'ce' };
  const rng: Rng = new RandomState(4);
  const n = 40;
  const x = Float32Array.from({ length: n * shape.inDim }, () => (rng.random() < 0.4 ? 0 : rng.normal()));
  const labels = Array.from({ length: n }, (_, b) => (x[b * shape.inDim] > 0 ? 0 : x[b * shape.inDim + 1] > 0 ? 1 : 2));
  const net = new Mlp2(shape, x, n, { labels });
  const theta0 = new Float32Array(net.layout.size);
  initMlp2(shape, theta0, () => rng.random(), { scheme: 'torch-default' });
  const initial = net.loss(theta0);
  for (const kind of OPTIMIZER_NAMES) {
    const theta = Float32Array.from(theta0);
    const opt = createOptimizer({ kind, lr: 0.05 }, net, new RandomState(8));
    for (let s = 0; s < 30; s++) {
      const info = opt.step(theta);
      assert.ok(Number.isFinite(info.loss) && Number.isFinite(info.updateNorm), `${kind} step ${s}`);
    }
    const final = net.loss(theta);
    assert.ok(final < initial, `${kind}: ${final} >= ${initial}`);
    assert.equal(opt.steps, 30);
  }
});

test('selectKth and spread agree with sorting (ties, sorted and constant inputs included)', () => {
  const rng = new RandomState(12);
  const cases = [
    Array.from({ length: 101 }, () => rng.normal()),
    Array.from({ length: 64 }, () => Math.floor(rng.random() * 5)),
    Array.from({ length: 50 }, (_, i) => i),
    Array.from({ length: 50 }, (_, i) => 50 - i),
    Array.from({ length: 7 }, () => 3),
    [2],
  ];
  for (const values of cases) {
    const sorted = [...values].sort((a, b) => a - b);
    for (const k of [0, values.length >> 1, values.length - 1])
      assert.equal(selectKth(Float64Array.from(values), k), sorted[k]);
    const s = spread(Float64Array.from(values));
    assert.deepEqual(
      [s.min, s.median, s.max],
      [sorted[0], sorted[(values.length - 1) >> 1], sorted[values.length - 1]],
    );
  }
});
