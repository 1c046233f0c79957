// L-BFGS on the native backend (native/src/lbfgs.c through twoLoop.ts NativeLbfgs): the two-loop recursion over
// float32 pairs against a textbook float64 two-loop written here (m = 0, m = 1, a full history that has wrapped
// around), the fused passes (pair, move, penalty) against loops, the argument checks, and a short L-BFGS run on
// the OOD network with the native store against the same run with the WebAssembly store (both on the same native
// objective, so only the optimizer's arithmetic differs). Skips with the reason where the module is not built,
// except in CI (PRECOND_LAB_CI=1), which builds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, skip } from './nativeSupport';
import { Lbfgs, LbfgsHistory } from '../../src/lab/optim/lbfgs';
import { initMlp2, mlp2Layout } from '../../src/lab/models/mlp2';
import { oodContext } from '../../src/lab/experiments/ood';
import type { Objective } from '../../src/lab/models/objective';
import { DEFAULT_OOD_SETTINGS, type OodSettings } from '../../src/shared/config';
import { RandomState } from '../../src/lab/rng';

const rng = new RandomState(31);
const f64 = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

/** max_k |a_k - b_k| / max_k |b_k| */
function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

interface Pair {
  s: Float64Array;
  y: Float64Array;
  ys: number;
}

/** A pair with y^T s > 0: y = A s + noise for a diagonal SPD A (noise below |s| entrywise, also at n = 1). */
function makePair(n: number): Pair {
  const s = f64(n);
  const y = Float64Array.from(s, (v, k) => (1 + (k % 7)) * v + 0.1 * Math.abs(v) * Math.tanh(rng.normal()));
  let ys = 0;
  for (let k = 0; k < n; k++) ys += y[k] * s[k];
  assert.ok(ys > 0);
  return { s, y, ys };
}

/**
 * The textbook two-loop recursion in float64 over the pairs kept (oldest first), each pair's vectors rounded to
 * float32 when round is set; rho = 1 / ys and H0 = (y^T s / y^T y) of the newest from the unrounded values, as the
 * history computes them.
 */
function twoLoop(pairs: Pair[], g: Float64Array, round: boolean): Float64Array {
  const n = g.length;
  const r = (v: Float64Array) => (round ? Float64Array.from(Float32Array.from(v)) : v);
  const S = pairs.map((p) => r(p.s));
  const Y = pairs.map((p) => r(p.y));
  const rho = pairs.map((p) => 1 / p.ys);
  let hDiag = 1;
  if (pairs.length) {
    const last = pairs[pairs.length - 1];
    let yy = 0;
    for (let k = 0; k < n; k++) yy += last.y[k] * last.y[k];
    hDiag = last.ys / yy;
  }
  const dotv = (a: Float64Array, b: Float64Array) => a.reduce((acc, v, k) => acc + v * b[k], 0);
  const q = Float64Array.from(g, (v) => -v);
  const alpha: number[] = [];
  for (let j = pairs.length - 1; j >= 0; j--) {
    alpha[j] = rho[j] * dotv(S[j], q);
    for (let k = 0; k < n; k++) q[k] -= alpha[j] * Y[j][k];
  }
  for (let k = 0; k < n; k++) q[k] *= hDiag;
  for (let j = 0; j < pairs.length; j++) {
    const beta = rho[j] * dotv(Y[j], q);
    for (let k = 0; k < n; k++) q[k] += (alpha[j] - beta) * S[j][k];
  }
  return q;
}

for (const [n, capacity] of [
  [1, 4],
  [203, 4],
  [1031, 5],
]) {
  test(
    `native two-loop (n ${n}, history ${capacity}) equals the float64 recursion over the float32 pairs: m = 0 to full, wrapped`,
    { skip },
    () => {
      const hist = new LbfgsHistory(n, capacity, 'float32', addon());
      assert.ok(hist.usesNative, 'the native store is in use');
      const ref = new LbfgsHistory(n, capacity, 'float64');
      const kept: Pair[] = [];
      // 0, 1, 2, 3 pairs, full, and three more (wrapped around: the three oldest dropped); the native passes take
      // two pairs at a time, so odd and even m take different last passes
      for (const total of [0, 1, 2, 3, capacity, capacity + 3]) {
        while (kept.length < total) {
          const p = makePair(n);
          hist.push(p.s, p.y, p.ys);
          ref.push(p.s, p.y, p.ys);
          kept.push(p);
        }
        const window = kept.slice(-capacity);
        assert.equal(hist.length, window.length);
        const g = f64(n);
        const out = new Float64Array(n);
        hist.direction(g, out);
        const wantRounded = twoLoop(window, g, true);
        const wantExact = twoLoop(window, g, false);
        // the same arithmetic on the same (rounded) values up to the order of the sums
        assert.ok(relMax(out, wantRounded) < 1e-12, `total ${total}: ${relMax(out, wantRounded)} vs rounded pairs`);
        // and the float64 history (unrounded pairs) to float32 rounding of the pairs
        const out64 = new Float64Array(n);
        ref.direction(g, out64);
        assert.ok(relMax(out64, wantExact) < 1e-10, 'the reference history is the textbook recursion');
        assert.ok(relMax(out, out64) < 1e-6, `total ${total}: ${relMax(out, out64)} vs float64 pairs`);
        // the side results: g . out and max |out|
        const st = hist.native!.stats;
        let gd = 0;
        let mx = 0;
        for (let k = 0; k < n; k++) {
          gd += g[k] * out[k];
          mx = Math.max(mx, Math.abs(out[k]));
        }
        assert.ok(Math.abs(st[0] - gd) <= 1e-12 * Math.abs(gd) + 1e-300, `g . d ${st[0]} vs ${gd}`);
        assert.equal(st[1], mx);
      }
    },
  );
}

test(
  'native pushFrom: the pair of the last move in one pass; a rejected pair leaves the history as it was',
  {
    skip,
  },
  () => {
    const n = 77;
    const capacity = 3;
    const hist = new LbfgsHistory(n, capacity, 'float32', addon());
    let d = f64(n);
    const t = 0.3;
    const kept: Pair[] = [];
    const g = f64(n);
    let prevG = f64(n);
    for (let round = 0; round < 5; round++) {
      d = f64(n);
      const gNew = Float64Array.from(prevG, (v, k) => v + t * (1 + (k % 5)) * d[k]); // y = A s: curvature > 0
      const pg = prevG.slice();
      const s = Float64Array.from(d, (v) => v * t);
      const y = Float64Array.from(gNew, (v, k) => v - prevG[k]);
      let ys = 0;
      let yy = 0;
      for (let k = 0; k < n; k++) {
        ys += y[k] * s[k];
        yy += y[k] * y[k];
      }
      assert.equal(hist.pushFrom(gNew, pg, d, t), true);
      assert.deepEqual(pg, gNew, 'prevG = g');
      kept.push({ s, y, ys });
      assert.ok(Math.abs(hist.hDiag - ys / yy) <= 1e-13 * (ys / yy));
      prevG = gNew;
    }
    assert.equal(hist.length, capacity);
    const before = new Float64Array(n);
    hist.direction(g, before);
    assert.ok(relMax(before, twoLoop(kept.slice(-capacity), g, true)) < 1e-10, 'the recursion over the kept pairs');
    // a pair with y^T s <= 1e-10 (y = -s) is computed into the free slot and dropped
    const hDiag = hist.hDiag;
    const gBad = Float64Array.from(prevG, (v, k) => v - t * d[k]);
    const pg = prevG.slice();
    assert.equal(hist.pushFrom(gBad, pg, d, t), false);
    assert.deepEqual(pg, gBad, 'prevG = g also when the pair is dropped');
    assert.equal(hist.length, capacity);
    assert.equal(hist.hDiag, hDiag);
    const after = new Float64Array(n);
    hist.direction(g, after);
    assert.deepEqual(after, before);
    // the stored values are the pair rounded to float32
    const nat = hist.native!;
    const slot = (nat as unknown as { ring: number[] }).ring[capacity - 1];
    const last = kept[kept.length - 1];
    assert.deepEqual(nat.pairs.subarray(2 * slot * n, (2 * slot + 1) * n), Float32Array.from(last.s));
    assert.deepEqual(nat.pairs.subarray((2 * slot + 1) * n, (2 * slot + 2) * n), Float32Array.from(last.y));
  },
);

test('native move and penalty against loops; max |g| and max |d| are NaN when an entry is', { skip }, () => {
  const n = 45;
  const theta = Float32Array.from(f64(n));
  const d = f64(n);
  const t = 0.01;
  const moved = theta.slice();
  addon().lbfgsMove(moved, d, t, n);
  for (let k = 0; k < n; k++)
    assert.ok(Math.abs(moved[k] - Math.fround(theta[k] + t * d[k])) <= 1e-7 * (1 + Math.abs(moved[k])));
  const grad = Float32Array.from(f64(n));
  const wd = 1e-3;
  const g = new Float64Array(n);
  const stats = new Float64Array(2);
  const sq = addon().lbfgsPenalty(grad, theta, wd, g, n, stats);
  let wantSq = 0;
  let wantMax = 0;
  for (let k = 0; k < n; k++) {
    const want = grad[k] + 2 * wd * theta[k];
    assert.ok(Math.abs(g[k] - want) <= 1e-15 * (1 + Math.abs(want)));
    wantSq += theta[k] * theta[k];
    wantMax = Math.max(wantMax, Math.abs(want));
  }
  assert.ok(Math.abs(sq - wantSq) <= 1e-13 * wantSq);
  assert.ok(Math.abs(stats[0] - wantMax) <= 1e-15 * wantMax);
  for (const at of [3, 40]) {
    // one NaN in the vector part and one in the scalar tail
    const bad = grad.slice();
    bad[at] = NaN;
    addon().lbfgsPenalty(bad, theta, wd, g, n, stats);
    assert.ok(Number.isNaN(stats[0]), `max |g| with a NaN at ${at}`);
  }
  const hist = new LbfgsHistory(n, 3, 'float32', addon());
  const gn = f64(n);
  gn[17] = NaN;
  hist.direction(gn, new Float64Array(n));
  assert.ok(Number.isNaN(hist.native!.stats[1]), 'max |d| with a NaN');
});

test('native L-BFGS kernels reject bad arguments', { skip }, () => {
  const a = addon();
  const n = 10;
  const pairs = new Float32Array(3 * 2 * n); // three slots
  const order = Int32Array.from([0, 2]);
  const rho = new Float64Array(3);
  const cross = new Float64Array(3);
  const g = new Float64Array(n);
  const out = new Float64Array(n);
  const alpha = new Float64Array(3);
  const stats = new Float64Array(3);
  const dir = (over: Record<number, unknown>) => {
    const args: unknown[] = [pairs, n, order, 2, rho, cross, 1, g, out, alpha, stats];
    for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
    return () => (a.lbfgsDirection as (...x: unknown[]) => void)(...args);
  };
  dir({})(); // the good call runs
  assert.throws(dir({ 0: new Float32Array(2 * n - 1) }), RangeError, 'pairs shorter than one slot');
  assert.throws(dir({ 0: new Float64Array(6 * n) }), TypeError, 'pairs of the wrong type');
  assert.throws(dir({ 1: 0 }), RangeError, 'n = 0');
  assert.throws(dir({ 1: 2.5 }), RangeError, 'n not an integer');
  assert.throws(dir({ 3: 4 }), RangeError, 'm above the slots');
  assert.throws(dir({ 2: Int32Array.from([0]) }), RangeError, 'order shorter than m');
  assert.throws(dir({ 2: Int32Array.from([0, 3]) }), RangeError, 'order names a slot past the end');
  assert.throws(dir({ 2: Int32Array.from([-1, 0]) }), RangeError, 'order names a negative slot');
  assert.throws(dir({ 2: [0, 1] }), TypeError, 'order not an Int32Array');
  assert.throws(dir({ 4: new Float64Array(2) }), RangeError, 'rho shorter than the slots');
  assert.throws(dir({ 5: new Float64Array(2) }), RangeError, 'cross shorter than the slots');
  assert.throws(dir({ 6: NaN }), TypeError, 'hDiag not finite');
  assert.throws(dir({ 7: new Float32Array(n) }), TypeError, 'g a Float32Array');
  assert.throws(dir({ 8: new Float64Array(n - 1) }), RangeError, 'out too short');
  assert.throws(dir({ 9: new Float64Array(1) }), RangeError, 'alpha shorter than m');
  assert.throws(dir({ 10: new Float64Array(1) }), RangeError, 'stats too short');
  assert.throws(dir({ 8: g }), RangeError, 'g and out the same array');
  const shared = new Float64Array(n + 1);
  assert.throws(dir({ 7: shared.subarray(0, n), 8: shared.subarray(1) }), RangeError, 'g and out overlapping');
  assert.throws(() => (a.lbfgsDirection as (...x: unknown[]) => void)(pairs, n), TypeError, 'too few arguments');
  const d = new Float64Array(n);
  const pair = (over: Record<number, unknown>) => {
    const args: unknown[] = [g, new Float64Array(n), d, 0.1, pairs, n, 2, 0, stats];
    for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
    return () => (a.lbfgsPair as (...x: unknown[]) => void)(...args);
  };
  pair({})();
  pair({ 7: -1 })();
  assert.throws(pair({ 6: 3 }), RangeError, 'slot past the end');
  assert.throws(pair({ 7: 3 }), RangeError, 'prevSlot past the end');
  assert.throws(pair({ 7: -2 }), RangeError, 'prevSlot below -1');
  assert.throws(pair({ 7: 2 }), RangeError, 'prevSlot the slot written');
  assert.throws(pair({ 1: new Float64Array(n - 1) }), RangeError, 'prevG too short');
  assert.throws(pair({ 3: Infinity }), TypeError, 't not finite');
  assert.throws(pair({ 8: new Float64Array(2) }), RangeError, 'stats too short');
  assert.throws(pair({ 4: new Float32Array(2 * n - 1) }), RangeError, 'pairs shorter than one slot');
  assert.throws(() => a.lbfgsMove(new Float32Array(n - 1), d, 0.1, n), RangeError, 'theta');
  assert.throws(() => a.lbfgsMove(new Float32Array(n), new Float32Array(n) as never, 0.1, n), TypeError, 'd');
  assert.throws(
    () => a.lbfgsPenalty(new Float32Array(n), new Float32Array(n), 1e-4, new Float64Array(n - 1), n, stats),
    RangeError,
    'g',
  );
  assert.throws(
    () => a.lbfgsPenalty(new Float32Array(n), new Float32Array(n), 1e-4, g, n, new Float64Array(0)),
    RangeError,
    'stats',
  );
});

const SMALL: OodSettings = { ...DEFAULT_OOD_SETTINGS, nTrain: 200, nVal: 200, pool: 300 };

for (const historySize of [100, 6]) {
  test(`OOD-shaped L-BFGS (history ${historySize}): the native store follows the WebAssembly store`, { skip }, () => {
    const ctx = oodContext(SMALL, 13, 'native');
    const shape = ctx.nets.shape;
    const theta0 = new Float32Array(mlp2Layout(shape).size);
    const r = new RandomState(5);
    initMlp2(shape, theta0, () => r.random(), { scheme: 'torch-default' });
    const net = ctx.nets.train;
    assert.equal(net.kernel, 'native');
    // the same native objective for both; the wrapper hides its kernel, so the history takes the wasm store
    const plain: Objective = { layout: net.layout, lossGrad: (t, gr) => net.lossGrad(t, gr) };
    const run = (objective: Objective) => {
      const opt = new Lbfgs(objective, { historySize, maxIter: 15 });
      const theta = theta0.slice();
      const infos = [0, 1, 2].map(() => opt.step(theta));
      return { infos, theta, twoLoop: opt.twoLoop };
    };
    const nat = run(net);
    const wasm = run(plain);
    assert.equal(nat.twoLoop, 'native');
    assert.equal(wasm.twoLoop, 'wasm');
    assert.ok(nat.infos[2].loss < nat.infos[0].loss, 'L-BFGS lowers the loss');
    for (let s = 0; s < 3; s++) {
      assert.equal(nat.infos[s].evals, wasm.infos[s].evals, `step ${s} evaluations`);
      assert.equal(nat.infos[s].stats?.iterations, wasm.infos[s].stats?.iterations, `step ${s} iterations`);
      assert.equal(nat.infos[s].stats?.historyLength, wasm.infos[s].stats?.historyLength, `step ${s} history`);
      const [a, b] = [nat.infos[s].loss, wasm.infos[s].loss];
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b), `step ${s} loss ${a} vs ${b}`);
    }
    // float32 weights moved by float64 steps that differ only in the order of sums: float32 rounding, a little grown
    assert.ok(relMax(nat.theta, wasm.theta) < 1e-4, `weights ${relMax(nat.theta, wasm.theta)}`);
  });
}
