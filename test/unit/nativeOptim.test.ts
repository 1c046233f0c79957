// The optimizers' native loops (native/src/optim.c): the Rademacher probe's signs drawn from the lab's MT19937
// stream, and AdaHessian's update. Both are checked against loops written here (the probe against random() < 0.5,
// the definition the paper's code uses; the update against AdaHessian's formulas in float64), and AdaHessian on the
// native OOD network against the same optimizer on the TypeScript network. Also: step statistics computed when
// read (stepStats.ts) equal eagerly computed ones, and a read after the next step throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon, skip } from './nativeSupport';
import { RandomState } from '../../src/lab/rng';
import { fillProbe } from '../../src/lab/optim/hvp';
import { AdaHessian } from '../../src/lab/optim/adahessian';
import { Mlp2, initMlp2, mlp2Layout, type Mlp2Shape } from '../../src/lab/models/mlp2';
import { spread } from '../../src/lab/optim/vec';

test(
  'mtSigns draws what random() < 0.5 draws, from any stream position, and leaves the stream in the same place',
  { skip },
  () => {
    const a = addon();
    // offsets around the 624-word reload (a sign takes two words), lengths odd, even, zero and past several reloads
    for (const offset of [0, 1, 2, 311, 622, 623, 624, 625, 1247]) {
      for (const len of [0, 1, 2, 5, 311, 312, 313, 1000, 5003]) {
        const ref = new RandomState(7);
        const nat = new RandomState(7);
        for (let i = 0; i < offset; i++) {
          ref.uint32();
          nat.uint32();
        }
        const want = Float32Array.from({ length: len }, () => (ref.random() < 0.5 ? -1 : 1));
        const got = new Float32Array(len);
        nat.fillSignsBy(got, (mt, mti, z) => a.mtSigns(mt, mti, z));
        assert.deepEqual(got, want, `offset ${offset}, length ${len}`);
        assert.equal(nat.random(), ref.random(), `stream position after offset ${offset}, length ${len}`);
        assert.equal(nat.normal(), ref.normal());
      }
    }
    // fillProbe takes the native path with a RandomState and the module
    const z1 = new Float32Array(777);
    const z2 = new Float32Array(777);
    fillProbe(z1, 'rademacher', new RandomState(3), a);
    const r = new RandomState(3);
    for (let i = 0; i < z2.length; i++) z2[i] = r.random() < 0.5 ? -1 : 1;
    assert.deepEqual(z1, z2);
  },
);

test('mtSigns rejects a short state and an out-of-range position', { skip }, () => {
  const a = addon();
  assert.throws(() => a.mtSigns(new Uint32Array(10), 0, new Float32Array(4)), /mt has 10 entries/);
  assert.throws(() => a.mtSigns(new Uint32Array(624), 625, new Float32Array(4)), /mti must be an integer/);
  assert.throws(() => a.mtSigns(new Int32Array(624) as never, 0, new Float32Array(4)), /mt must be a Uint32Array/);
});

/** AdaHessian's update written out from its definition (adahessian.ts header), in float64, theta rounded to float32. */
function referenceUpdate(
  theta: Float32Array,
  g: Float32Array,
  z: Float32Array,
  hz: Float32Array,
  m: Float64Array,
  v: Float64Array,
  denom: Float64Array,
  p: { stepSize: number; bc2: number; beta1: number; beta2: number; e: number; eps: number; decay: number },
): number {
  let moved = 0;
  for (let i = 0; i < theta.length; i++) {
    const old = theta[i];
    const dHat = z[i] * hz[i];
    m[i] = p.beta1 * m[i] + (1 - p.beta1) * g[i];
    v[i] = p.beta2 * v[i] + (1 - p.beta2) * dHat * dHat;
    const x = v[i] / p.bc2;
    const power = p.e === 0 ? 1 : p.e === 0.5 ? Math.sqrt(x) : p.e === -0.5 ? 1 / Math.sqrt(x) : x ** p.e;
    denom[i] = power + p.eps;
    theta[i] = old * p.decay - (p.stepSize * m[i]) / denom[i];
    moved += (theta[i] - old) ** 2;
  }
  return moved;
}

test(
  'adahessianUpdate gives the bits of the update written from its formulas, for each denominator power',
  { skip },
  () => {
    const a = addon();
    const n = 4099;
    const rng = new RandomState(11);
    for (const e of [0, 0.5, 1, -0.5, -1, 0.25, -1.5]) {
      const theta = Float32Array.from({ length: n }, () => rng.normal());
      const g = Float32Array.from({ length: n }, () => rng.normal() * 0.1);
      const z = Float32Array.from({ length: n }, () => (rng.random() < 0.5 ? -1 : 1));
      const hz = Float32Array.from({ length: n }, () => rng.normal());
      const m = Float64Array.from({ length: n }, () => rng.normal() * 0.01);
      const v = Float64Array.from({ length: n }, () => rng.random() * 0.01);
      const p = {
        stepSize: 0.01 / (1 - 0.9 ** 3),
        bc2: 1 - 0.999 ** 3,
        beta1: 0.9,
        beta2: 0.999,
        e,
        eps: 1e-16,
        decay: 1 - 1e-6,
      };
      const [t1, m1, v1, d1] = [theta.slice(), m.slice(), v.slice(), new Float64Array(n)];
      const want = referenceUpdate(t1, g, z, hz, m1, v1, d1, p);
      const [t2, m2, v2, d2] = [theta.slice(), m.slice(), v.slice(), new Float64Array(n)];
      const got = a.adahessianUpdate(t2, g, z, hz, m2, v2, d2, p.stepSize, p.bc2, p.beta1, p.beta2, e, p.eps, p.decay);
      assert.deepEqual(m2, m1, `m, e = ${e}`);
      assert.deepEqual(v2, v1, `v, e = ${e}`);
      if (e === 0.25 || e === -1.5) {
        // a general power goes through the C library's pow and V8's Math.pow: equal to within an ulp or two
        for (let i = 0; i < n; i++)
          assert.ok(Math.abs(d2[i] - d1[i]) <= 4e-16 * Math.abs(d1[i]), `denom ${i}, e = ${e}`);
        for (let i = 0; i < n; i++)
          assert.ok(Math.abs(t2[i] - t1[i]) <= 2 ** -22 * Math.abs(t1[i]), `theta ${i}, e = ${e}`);
      } else {
        assert.deepEqual(d2, d1, `denom, e = ${e}`);
        assert.deepEqual(t2, t1, `theta, e = ${e}`);
      }
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `sum of squared moves ${got} vs ${want}`);
    }
    assert.throws(
      () =>
        a.adahessianUpdate(
          new Float32Array(4),
          new Float32Array(3),
          new Float32Array(4),
          new Float32Array(4),
          new Float64Array(4),
          new Float64Array(4),
          new Float64Array(4),
          1,
          1,
          0.9,
          0.999,
          0.5,
          1e-16,
          1,
        ),
      /g has 3 entries/,
    );
  },
);

function smallNet(firstLayer: 'native' | 'dense'): { net: Mlp2; theta: Float32Array } {
  const shape: Mlp2Shape = { inDim: 40, hidden: 24, outDim: 5, loss: 'ce' };
  const n = 90;
  const rng = new RandomState(5);
  const x = Float32Array.from({ length: n * shape.inDim }, () => rng.random());
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.random() * shape.outDim));
  const theta = new Float32Array(mlp2Layout(shape).size);
  initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
  return { net: new Mlp2(shape, x, n, { labels }, { firstLayer }), theta };
}

test(
  'AdaHessian on the native network follows the TypeScript network; its statistics are read lazily',
  { skip },
  () => {
    addon();
    const nat = smallNet('native');
    const js = smallNet('dense');
    assert.equal(nat.net.kernel, 'native');
    assert.notEqual(js.net.kernel, 'native');
    const options = { hessianPower: 1, probe: 'rademacher' as const, lr: 0.01 };
    const optN = new AdaHessian(nat.net, new RandomState(9), options);
    const optJ = new AdaHessian(js.net, new RandomState(9), options);
    for (let s = 0; s < 20; s++) {
      const iN = optN.step(nat.theta);
      const iJ = optJ.step(js.theta);
      assert.ok(Math.abs(iN.loss - iJ.loss) <= 1e-5 * Math.abs(iJ.loss), `loss at step ${s}`);
      if (s % 7 === 0) {
        // statistics read on the evaluation schedule only, as the experiments do; both lazily
        assert.ok(Number.isFinite(iN.stats.denomMedian));
        assert.ok(Math.abs(iN.stats.denomMedian - iJ.stats.denomMedian) <= 1e-3 * iJ.stats.denomMedian);
      }
    }
    let dd = 0;
    let ss = 0;
    for (let i = 0; i < nat.theta.length; i++) {
      dd += (nat.theta[i] - js.theta[i]) ** 2;
      ss += js.theta[i] ** 2;
    }
    assert.ok(Math.sqrt(dd / ss) < 1e-5, `relative distance ${Math.sqrt(dd / ss)}`);
    // statistics: computed on read from this step's denominators, and refused after the next step
    const info = optJ.step(js.theta);
    const denom = (optJ as unknown as { denom: Float64Array }).denom.slice();
    const s = spread(denom);
    assert.equal(info.stats.denomMedian, s.median);
    assert.equal(info.stats.denomMin, s.min);
    assert.equal(info.stats.denomMax, s.max);
    optJ.step(js.theta);
    assert.equal(info.stats.denomMedian, s.median, 'statistics read once stay readable');
    const stale = optJ.step(js.theta);
    optJ.step(js.theta);
    assert.throws(() => stale.stats, /read after the next step/);
  },
);

test('gdUpdate gives the bits of theta - lr (g + wd theta), and Gd uses it on the native network', { skip }, () => {
  const a = addon();
  const rng = new RandomState(4);
  const n = 1031;
  const theta = Float32Array.from({ length: n }, () => rng.normal());
  const g = Float32Array.from({ length: n }, () => rng.normal());
  const want = theta.slice();
  let moved = 0;
  for (let i = 0; i < n; i++) {
    const old = want[i];
    want[i] = old - 0.05 * (g[i] + 1e-4 * old);
    moved += (want[i] - old) ** 2;
  }
  const got = theta.slice();
  const m = a.gdUpdate(got, g, 0.05, 1e-4);
  assert.deepEqual(got, want);
  assert.ok(Math.abs(m - moved) <= 1e-12 * moved);
  assert.throws(() => a.gdUpdate(new Float32Array(5), new Float32Array(4), 0.1, 0), /g has 4 entries/);
  assert.throws(() => a.gdUpdate(new Float32Array(5), new Float32Array(5), NaN, 0), /lr must be a finite number/);
});

test('spread (radix select) gives min, lower median and max as the TypeScript quickselect', { skip }, () => {
  const a = addon();
  const rng = new RandomState(21);
  const out = new Float64Array(3);
  const cases: Float64Array[] = [
    Float64Array.from({ length: 1001 }, () => rng.normal()),
    Float64Array.from({ length: 1000 }, () => Math.exp(rng.normal() * 30)), // many magnitudes: many buckets
    Float64Array.from({ length: 5000 }, () => 1 + rng.random() * 1e-12), // one bucket holds them all
    Float64Array.from({ length: 77 }, (_, i) => (i % 3) - 1), // ties, zeros, negatives
    Float64Array.from([Infinity, 2, -0, 0, -Infinity, 5e-324, -5e-324]),
    Float64Array.from([3]),
  ];
  for (const values of cases) {
    for (const [offset, length] of [
      [0, values.length],
      [1, values.length - 1],
      [0, 1],
      [Math.floor(values.length / 3), Math.ceil(values.length / 2) - Math.floor(values.length / 3)],
    ]) {
      if (length <= 0) continue;
      const copy = values.slice(offset, offset + length);
      const want = spread(copy, length);
      const before = values.slice();
      a.spread(values, offset, length, out);
      assert.deepEqual(values, before, 'left unchanged');
      // equal as numbers (-0 and 0 are one value to a median: the quickselect returns either)
      const w = [want.min, want.median, want.max];
      assert.ok(
        w.every((x, i) => x === out[i]),
        `length ${length} offset ${offset}: ${[...out]} vs ${w}`,
      );
    }
  }
  a.spread(new Float64Array(4), 2, 0, out);
  assert.ok(out.every(Number.isNaN));
  assert.throws(() => a.spread(new Float64Array(4), 2, 3, out), /length must be an integer in \[0, 2\]/);
});

test('sumSquares is the float64 sum of squares', { skip }, () => {
  const a = addon();
  const rng = new RandomState(8);
  for (const n of [0, 1, 7, 1000, 203530]) {
    const x = Float32Array.from({ length: n }, () => rng.normal());
    let s = 0;
    for (const v of x) s += v * v;
    assert.ok(Math.abs(a.sumSquares(x) - s) <= 1e-12 * Math.max(1, s), `n = ${n}`);
  }
});
