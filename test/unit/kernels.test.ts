// The three training kernels against an independent float64 computation written here, against central finite
// differences of the loss, and against each other.
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KERNELS, pickKernel } from '../../src/lab/kernels';
import { enableRelaxedSimd, simdAvailable, simdKernelFor } from '../../src/lab/kernels/simdKernel';
import type { BatchSpec, Kernel, MlpParams, RegressionData } from '../../src/lab/kernels/types';
import { RandomState } from '../../src/lab/rng';
import { loadNative } from '../../src/lab/native/addon';

function problem(
  seed: number,
  dx: number,
  width: number,
  nTrain: number,
  nTest: number,
  precond: number[][],
  lr: number,
  l2: number,
): { data: RegressionData; spec: BatchSpec } {
  const rng = new RandomState(seed);
  const g = () => rng.normal();
  const fill = (n: number, s = 1) => Float32Array.from({ length: n }, () => s * g());
  const init = (): MlpParams => ({
    W1: fill(width * dx, 1 / Math.sqrt(dx)),
    b1: fill(width, 0.3),
    W2: fill(width, 1 / Math.sqrt(width)),
    b2: fill(1, 0.2),
  });
  return {
    data: {
      dx,
      nTrain,
      nTest,
      xTrain: fill(nTrain * dx),
      yTrain: fill(nTrain),
      xTest: fill(nTest * dx),
      yTest: fill(nTest),
    },
    spec: { width, lr, l2, precond: precond.map((p) => Float32Array.from(p)), init: precond.map(init) },
  };
}

/** Float64 model written independently of the kernels: nested arrays, loss and gradient by the chain rule. */
interface P64 {
  W1: number[][];
  b1: number[];
  W2: number[];
  b2: number;
}

function toP64(p: MlpParams, dx: number): P64 {
  const width = p.b1.length;
  return {
    W1: Array.from({ length: width }, (_, j) => Array.from(p.W1.subarray(j * dx, (j + 1) * dx))),
    b1: Array.from(p.b1),
    W2: Array.from(p.W2),
    b2: p.b2[0],
  };
}

const rows = (x: Float32Array, n: number, dx: number) =>
  Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * dx, (i + 1) * dx)));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const preact = (p: P64, x: number[]) => p.W1.map((w, j) => dot(w, x) + p.b1[j]);
const predict = (p: P64, x: number[]) =>
  dot(
    p.W2,
    preact(p, x).map((z) => Math.max(z, 0)),
  ) + p.b2;
const mse = (p: P64, xs: number[][], ys: ArrayLike<number>) =>
  xs.reduce((s, x, i) => s + (predict(p, x) - ys[i]) ** 2, 0) / xs.length;
const penalty = (p: P64, l2: number) => 0.5 * l2 * (p.W1.flat().reduce((s, w) => s + w * w, 0) + dot(p.W2, p.W2));

function gradient(p: P64, xs: number[][], ys: ArrayLike<number>, l2: number): P64 {
  const g: P64 = {
    W1: p.W1.map((w) => w.map((v) => l2 * v)),
    b1: p.b1.map(() => 0),
    W2: p.W2.map((v) => l2 * v),
    b2: 0,
  };
  xs.forEach((x, i) => {
    const z = preact(p, x);
    const e = (2 * (predict(p, x) - ys[i])) / xs.length;
    g.b2 += e;
    z.forEach((zj, j) => {
      if (zj <= 0) return;
      g.W2[j] += e * zj;
      g.b1[j] += e * p.W2[j];
      x.forEach((xk, k) => (g.W1[j][k] += e * p.W2[j] * xk));
    });
  });
  return g;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

enableRelaxedSimd();

/** Every kernel this runtime runs, the SIMD one once per variant. */
const available = (): [string, Kernel][] => [
  ...(['simd', 'relaxed-simd'] as const)
    .filter((v) => simdAvailable(v))
    .map((v): [string, Kernel] => [v, simdKernelFor(v)]),
  ['js', KERNELS.js],
  ['tfjs', KERNELS.tfjs],
  // the native C kernel where the module is built (test/unit/native.test.ts fails in CI when it is not)
  ...(loadNative().addon ? [['native', KERNELS.native] as [string, Kernel]] : []),
];

before(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

describe('kernels on a tiny problem (dx 3, width 4, n 5, two preconditioners)', () => {
  const lr = 0.5;
  const l2 = 0.05;
  const { data, spec } = problem(
    7,
    3,
    4,
    5,
    6,
    [
      [1, 1, 1],
      [4, 0.25, 2],
    ],
    lr,
    l2,
  );
  const xs = rows(data.xTrain, data.nTrain, data.dx);
  const xt = rows(data.xTest, data.nTest, data.dx);
  const p0 = spec.init.map((p) => toP64(p, data.dx));

  it('has no pre-activation near a ReLU kink and some units off', () => {
    const z = p0.flatMap((p) => xs.flatMap((x) => preact(p, x)));
    assert.ok(Math.min(...z.map(Math.abs)) > 1e-3);
    assert.ok(z.some((v) => v < 0) && z.some((v) => v > 0));
  });

  for (const [name, kernel] of available()) {
    it(`${name}: returns its initial parameters`, () => {
      const r = kernel.create(data, spec);
      spec.init.forEach((p, m) => assert.deepEqual(r.params(m), p));
      r.dispose();
    });

    it(`${name}: one step equals theta - lr * (precond-scaled gradient)`, () => {
      const r = kernel.create(data, spec);
      close(
        r.trainMSE(),
        p0.map((p) => mse(p, xs, data.yTrain)),
        1e-5,
        1e-6,
        'trainMSE',
      );
      close(
        r.testMSE(),
        p0.map((p) => mse(p, xt, data.yTest)),
        1e-5,
        1e-6,
        'testMSE',
      );
      close(
        r.step(),
        p0.map((p) => mse(p, xs, data.yTrain)),
        1e-5,
        1e-6,
        'step loss',
      );
      p0.forEach((p, m) => {
        const g = gradient(p, xs, data.yTrain, l2);
        const pre = spec.precond[m];
        const got = r.params(m);
        close(
          got.W1,
          p.W1.flatMap((w, j) => w.map((v, k) => v - lr * pre[k] * g.W1[j][k])),
          1e-5,
          1e-6,
          `W1 of model ${m}`,
        );
        close(
          got.b1,
          p.b1.map((v, j) => v - lr * g.b1[j]),
          1e-5,
          1e-6,
          `b1 of model ${m}`,
        );
        close(
          got.W2,
          p.W2.map((v, j) => v - lr * g.W2[j]),
          1e-5,
          1e-6,
          `W2 of model ${m}`,
        );
        close(got.b2, [p.b2 - lr * g.b2], 1e-5, 1e-6, `b2 of model ${m}`);
      });
      r.dispose();
    });

    it(`${name}: the step's gradient matches central finite differences of the loss`, () => {
      const small = 1e-3; // a tiny step so float32 parameter deltas still resolve the gradient
      const r = kernel.create(data, { ...spec, lr: small });
      r.step();
      p0.forEach((p, m) => {
        const loss = (q: P64) => mse(q, xs, data.yTrain) + penalty(q, l2);
        const fd = (set: (q: P64, v: number) => void, v: number) => {
          const h = 1e-6;
          const up = structuredClone(p);
          const down = structuredClone(p);
          set(up, v + h);
          set(down, v - h);
          return (loss(up) - loss(down)) / (2 * h);
        };
        const got = r.params(m);
        const pre = spec.precond[m];
        const implied = (before: number, after: number, scale = 1) => (before - after) / (small * scale);
        const want: number[] = [];
        const have: number[] = [];
        p.W1.forEach((w, j) =>
          w.forEach((v, k) => {
            want.push(fd((q, x) => (q.W1[j][k] = x), v));
            have.push(implied(v, got.W1[j * data.dx + k], pre[k]));
          }),
        );
        p.b1.forEach((v, j) => (want.push(fd((q, x) => (q.b1[j] = x), v)), have.push(implied(v, got.b1[j]))));
        p.W2.forEach((v, j) => (want.push(fd((q, x) => (q.W2[j] = x), v)), have.push(implied(v, got.W2[j]))));
        want.push(fd((q, x) => (q.b2 = x), p.b2));
        have.push(implied(p.b2, got.b2[0]));
        close(have, want, 1e-3, 2e-4, `gradient of model ${m}`);
      });
      r.dispose();
    });
  }
});

describe('kernels agree with each other (dx 10, width 37, 23 train, 101 test, 3 models, 50 steps)', () => {
  const precond = [
    Array(10).fill(1),
    Array.from({ length: 10 }, (_, k) => 2 ** (k - 5)),
    Array.from({ length: 10 }, (_, k) => 3 - 0.25 * k),
  ];
  const { data, spec } = problem(11, 10, 37, 23, 101, precond, 0.05, 1e-3);
  const run = (kernel: Kernel) => {
    const r = kernel.create(data, spec);
    const losses: number[] = [];
    for (let t = 0; t < 50; t++) losses.push(...r.step());
    const out = {
      losses,
      test: Array.from(r.testMSE()),
      train: Array.from(r.trainMSE()),
      params: spec.init.map((_, m) => r.params(m)),
    };
    r.dispose();
    return out;
  };
  const ref = run(KERNELS.js);

  it('training moves the parameters and lowers the loss', () => {
    assert.ok(
      ref.train.every((v, m) => v < 0.9 * ref.losses[m]),
      `${ref.train} vs ${ref.losses.slice(0, 3)}`,
    );
  });

  for (const [name, kernel] of available().filter(([name]) => name !== 'js')) {
    it(`${name} matches js`, () => {
      const got = run(kernel);
      close(got.losses, ref.losses, 1e-5, 1e-6, 'step losses');
      close(got.test, ref.test, 1e-5, 1e-6, 'testMSE');
      close(got.train, ref.train, 1e-5, 1e-6, 'trainMSE');
      got.params.forEach((p, m) => {
        const q = ref.params[m];
        close(p.W1, q.W1, 1e-5, 1e-6, `W1 of model ${m}`);
        close(p.b1, q.b1, 1e-5, 1e-6, `b1 of model ${m}`);
        close(p.W2, q.W2, 1e-5, 1e-6, `W2 of model ${m}`);
        close(p.b2, q.b2, 1e-5, 1e-6, `b2 of model ${m}`);
      });
    });
  }
});

describe('test MSE with output weights of one sign, or zero', () => {
  const { data, spec } = problem(
    5,
    10,
    37,
    23,
    101,
    [Array(10).fill(1), Array(10).fill(1), Array(10).fill(1)],
    0.05,
    0,
  );
  const signed = (p: MlpParams, f: (w: number, j: number) => number): MlpParams => ({ ...p, W2: p.W2.map(f) });
  const init = [
    signed(spec.init[0], Math.abs),
    signed(spec.init[1], (w) => -Math.abs(w)),
    signed(spec.init[2], (w, j) => (j % 3 ? 0 : w)),
  ];
  const testMSE = (kernel: Kernel) => {
    const r = kernel.create(data, { ...spec, init });
    const mse = r.testMSE();
    r.dispose();
    return mse;
  };
  const want = testMSE(KERNELS.js);
  for (const [name, kernel] of available().filter(([name]) => name !== 'js')) {
    it(`${name} matches js`, () => close(testMSE(kernel), want, 1e-5, 1e-7, 'testMSE'));
  }
});

describe('setParams', () => {
  const { data, spec } = problem(3, 10, 37, 23, 101, [Array(10).fill(1), Array(10).fill(2)], 0.05, 1e-3);
  const other = problem(4, 10, 37, 23, 101, [Array(10).fill(1)], 0.05, 1e-3).spec.init[0];
  const run = (kernel: Kernel) => {
    const r = kernel.create(data, spec);
    r.setParams(1, other);
    const out = { test: r.testMSE(), params: [r.params(0), r.params(1)], after: r.step() };
    r.dispose();
    return out;
  };
  const want = run(KERNELS.js);
  for (const [name, kernel] of available()) {
    it(`${name}: replaces one model's parameters and leaves the other`, () => {
      const got = run(kernel);
      assert.deepEqual(got.params, [spec.init[0], other]);
      close(got.test, want.test, 1e-5, 1e-7, 'testMSE');
      close(got.after, want.after, 1e-5, 1e-7, 'step loss');
    });
  }
});

describe('pickKernel', () => {
  it('maps backends to kernels', () => {
    assert.equal(pickKernel('tfjs-node').name, 'tfjs');
    assert.equal(pickKernel('wasm').name, simdAvailable() ? 'simd' : 'js');
    assert.equal(pickKernel('cpu').name, 'js');
    assert.equal(pickKernel('native').name, 'native');
  });
  it('compiles both SIMD variants on Node 20', () => assert.ok(simdAvailable('simd') && simdAvailable('relaxed-simd')));
});
