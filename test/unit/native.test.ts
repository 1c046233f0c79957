// The native backend (native/src/ over OpenBLAS): its products against float64 loops written here,
// its trajectories against the wasm backend's on both experiment shapes, the same bits at 1 and 2 BLAS threads, the
// thread budget, bad input, and the CLI's --backend native (run records name the BLAS; refused up front when the
// module cannot load). Where the module is not built these tests skip with the reason, except in CI
// (PRECOND_LAB_CI=1), which builds it: there a missing module fails.
// OPENBLAS_CORETYPE is left as the environment sets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addon, skip, loaded } from './nativeSupport';
import { initBackend } from '../../src/lab/backend';
import { nativeKernel } from '../../src/lab/kernels/nativeKernel';
import { enableRelaxedSimd, simdKernel } from '../../src/lab/kernels/simdKernel';
import type { BatchSpec, MlpParams, RegressionData } from '../../src/lab/kernels/types';
import { Mlp2, initMlp2, mlp2Layout } from '../../src/lab/models/mlp2';
import { wasmLayerScope } from '../../src/lab/models/wasmFirstLayer';
import { oodContext } from '../../src/lab/experiments/ood';
import { DEFAULT_OOD_SETTINGS, type OodSettings } from '../../src/shared/config';
import { threadsPerJob } from '../../src/shared/threadBudget';
import { RandomState } from '../../src/lab/rng';

const cli = path.resolve(__dirname, '../../cli.js');

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

test('the module loads where it is built (CI builds it)', { skip }, () => {
  const i = addon().info();
  assert.match(i.blasConfig, /OpenBLAS/);
  assert.ok(i.coreType.length > 0 && ['avx512f', 'avx2', 'default'].includes(i.isa), JSON.stringify(i));
});

test('sgemm with every transpose matches a float64 product written here', { skip }, () => {
  const rng = new RandomState(3);
  const [m, n, k] = [37, 23, 51];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: k * n }, () => rng.normal());
      const c = Float32Array.from({ length: m * n }, () => rng.normal());
      const want = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += (ta ? a[q * m + i] : a[i * k + q]) * (tb ? b[j * k + q] : b[q * n + j]);
          want[i * n + j] = 0.5 * s - 2 * c[i * n + j];
        }
      }
      addon().sgemm(ta, tb, m, n, k, 0.5, a, ta ? m : k, b, tb ? k : n, -2, c, n);
      assert.ok(relErr(c, want) < 1e-6, `transA ${ta} transB ${tb}: ${relErr(c, want)}`);
    }
  }
});

test('bad arguments throw a clear error instead of touching memory', { skip }, () => {
  const a = new Float32Array(6);
  assert.throws(
    () => addon().sgemm(false, false, 2, 2, 3, 1, a, 3, new Float32Array(6), 2, 0, new Float32Array(3), 2),
    /C has 3 entries, needs at least 4/,
  );
  assert.throws(() => addon().sgemm(false, false, 2, 2, 3, 1, new Float64Array(6) as never, 3, a, 2, 0, a, 2), {
    name: 'TypeError',
    message: /A must be a Float32Array/,
  });
  assert.throws(() => addon().setThreads(0), /threads must be an integer/);
  assert.throws(() => (addon().regSSE as (...a: unknown[]) => number)(a), /expected 9 arguments/);
});

/** The Experiment 1 shape: 10 inputs, 500 units, 200 train and 2000 test points, three preconditioners. */
function regressionProblem(): { data: RegressionData; spec: BatchSpec } {
  const [dx, width, nTrain, nTest] = [10, 500, 200, 2000];
  const rng = new RandomState(17);
  const fill = (n: number, s = 1) => Float32Array.from({ length: n }, () => s * rng.normal());
  const xTrain = fill(nTrain * dx);
  const xTest = fill(nTest * dx);
  // a teacher on input 0 plus noise, as in Experiment 1
  const yTrain = Float32Array.from({ length: nTrain }, (_, i) => Math.max(0, xTrain[i * dx]) + 0.5 * rng.normal());
  const yTest = Float32Array.from({ length: nTest }, (_, i) => Math.max(0, xTest[i * dx]));
  const lambda = Array.from({ length: dx }, (_, k) => 2 ** (-k / 4));
  const init = (): MlpParams => ({
    W1: fill(width * dx, 1 / Math.sqrt(dx)),
    b1: new Float32Array(width),
    W2: fill(width, 1 / Math.sqrt(width)),
    b2: new Float32Array(1),
  });
  return {
    data: { dx, nTrain, nTest, xTrain, yTrain, xTest, yTest },
    spec: {
      width,
      lr: 0.02,
      l2: 1e-6,
      precond: [-1, 0, 1].map((p) => Float32Array.from(lambda, (l) => l ** p)),
      init: [init(), init(), init()],
    },
  };
}

// Tolerance: both kernels compute in float32 with different summation orders (wasm: 4 or 8 lanes, native: 16
// lanes with per-lane partial sums), so each sum of <= 500 terms differs by a few float32 ulps (~1e-7 relative
// each). 100 GD steps at a stable learning rate do not amplify that beyond ~1e-5; 1e-4 leaves room and still
// catches any wrong term (a dropped sample or unit changes the MSE by >= 1e-3 here). Longer runs at p = 2 are
// chaotic: float32 rounding alone separates any two kernels there (wasm's plain and fused variants too).
test('Experiment 1 shape: native and wasm trajectories agree to float32 rounding', { skip }, () => {
  enableRelaxedSimd();
  const { data, spec } = regressionProblem();
  const run = (kernel: typeof nativeKernel) => {
    const r = kernel.create(data, spec);
    const losses: number[][] = [];
    for (let s = 0; s < 100; s++) losses.push(Array.from(r.step()));
    return { losses, test: Array.from(r.testMSE()), params: [0, 1, 2].map((m) => r.params(m)) };
  };
  const nat = run(nativeKernel);
  const wasm = run(simdKernel);
  assert.ok(nat.losses[99][1] < 0.8 * nat.losses[0][1], 'training lowers the loss');
  for (let s = 0; s < 100; s++) assert.ok(relErr(nat.losses[s], wasm.losses[s]) < 1e-4, `step ${s}`);
  assert.ok(relErr(nat.test, wasm.test) < 1e-4, `test MSE ${nat.test} vs ${wasm.test}`);
  for (let m = 0; m < 3; m++) assert.ok(relErr(nat.params[m].W1, wasm.params[m].W1) < 1e-4, `W1 of model ${m}`);
});

const SMALL: OodSettings = { ...DEFAULT_OOD_SETTINGS, nTrain: 200, nVal: 200, pool: 300 };

// Tolerance as above: float32 products of 784-term (forward) and 200-term (gradient) sums in both, float64 around
// them; ten GD steps keep the relative difference of loss and weights near 1e-6, asserted below 1e-4.
test('OOD shape (784-256-10): native and wasm first layers agree on a GD trajectory', { skip }, async () => {
  await initBackend('wasm');
  const release = wasmLayerScope();
  try {
    const ctx = oodContext(SMALL, 11, 'sparse');
    const shape = ctx.nets.shape;
    const { x, n, labels } = ctx.data.train;
    const theta0 = new Float32Array(mlp2Layout(shape).size);
    const rng = new RandomState(1);
    initMlp2(shape, theta0, () => rng.random(), { scheme: 'torch-default' });
    const trajectory = (mode: 'native' | 'wasm') => {
      const net = new Mlp2(shape, x, n, { labels }, { firstLayer: mode });
      const theta = theta0.slice();
      const g = new Float32Array(theta.length);
      const losses: number[] = [];
      for (let s = 0; s < 10; s++) {
        losses.push(net.lossGrad(theta, g));
        for (let i = 0; i < theta.length; i++) theta[i] -= 0.1 * g[i];
      }
      return { losses, theta, acc: net.accuracy(theta) };
    };
    const nat = trajectory('native');
    const wasm = trajectory('wasm');
    assert.ok(nat.losses[9] < nat.losses[0], 'GD lowers the loss');
    assert.ok(relErr(nat.losses, wasm.losses) < 1e-5, `losses ${nat.losses} vs ${wasm.losses}`);
    assert.ok(relErr(nat.theta, wasm.theta) < 1e-4, `weights ${relErr(nat.theta, wasm.theta)}`);
    // and against the float64 JS kernels: the Hessian-vector product too
    const js = new Mlp2(shape, x, n, { labels }, { firstLayer: 'sparse' });
    const native = new Mlp2(shape, x, n, { labels }, { firstLayer: 'native' });
    const v = Float32Array.from(theta0, () => (rng.random() < 0.5 ? -1 : 1));
    const [g1, h1, g2, h2] = [0, 0, 0, 0].map(() => new Float32Array(theta0.length));
    const l1 = js.lossGradHvp(theta0, v, g1, h1);
    const l2 = native.lossGradHvp(theta0, v, g2, h2);
    assert.ok(Math.abs(l1 - l2) < 1e-5 * l1);
    assert.ok(relErr(g2, g1) < 1e-4 && relErr(h2, h1) < 1e-4, `gradient ${relErr(g2, g1)}, hvp ${relErr(h2, h1)}`);
  } finally {
    release();
  }
});

test('native gives the same bits at 1 and 2 BLAS threads', { skip }, () => {
  const a = addon();
  const before = a.info().threads;
  const ctx = oodContext({ ...SMALL, nTrain: 600 }, 5, 'sparse');
  const shape = ctx.nets.shape;
  const { x, n, labels } = ctx.data.train;
  const theta = new Float32Array(mlp2Layout(shape).size);
  const rng = new RandomState(2);
  initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
  const v = Float32Array.from(theta, () => rng.normal());
  const { data, spec } = regressionProblem();
  const at = (threads: number) => {
    assert.equal(a.setThreads(threads), threads);
    const net = new Mlp2(shape, x, n, { labels }, { firstLayer: 'native' });
    const [g, hv] = [new Float32Array(theta.length), new Float32Array(theta.length)];
    const loss = net.lossGradHvp(theta, v, g, hv);
    const r = nativeKernel.create(data, spec);
    for (let s = 0; s < 5; s++) r.step();
    return { loss, g, hv, test: r.testMSE(), W1: r.params(0).W1 };
  };
  try {
    const one = at(1);
    const two = at(2);
    assert.equal(one.loss, two.loss);
    assert.deepEqual(one.g, two.g);
    assert.deepEqual(one.hv, two.hv);
    assert.deepEqual(one.test, two.test);
    assert.deepEqual(one.W1, two.W1);
  } finally {
    a.setThreads(before);
  }
});

// The thread split must keep the bits under every OpenBLAS kernel set, not only the one this machine picks: each
// core type has its own micro-kernel row unroll (24 on Haswell and Zen), and a block edge off that unroll changes
// sums. Each core type is forced in a child process (OpenBLAS reads it at load); this process's setting is untouched.
test('sgemm gives the same bits at 1 and 2 threads under each OpenBLAS core type', { skip }, () => {
  const script = `
    const m = { exports: {} };
    process.dlopen(m, ${JSON.stringify(loaded.file ?? '')});
    const a = m.exports;
    const out = [];
    for (const [M, N, K] of [[256, 600, 784], [300, 1200, 784], [256, 784, 600]]) {
      for (const ta of [false, true]) for (const tb of [false, true]) {
        const A = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 0.37));
        const B = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.11));
        const c = (t) => { a.setThreads(t); const C = new Float32Array(M * N);
          a.sgemm(ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, C, N); return C; };
        const [c1, c2] = [c(1), c(2)];
        let d = 0;
        for (let i = 0; i < c1.length; i++) if (c1[i] !== c2[i]) d++;
        out.push(d);
      }
    }
    console.log(JSON.stringify({ core: a.info().coreType, differing: out }));`;
  for (const core of ['Haswell', 'Zen', 'SkylakeX', 'Sandybridge']) {
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_CORETYPE: core },
    });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.deepEqual(res.differing, new Array(12).fill(0), `${core} (OpenBLAS chose ${res.core})`);
  }
});

test('thread budget: every core for a job alone, one thread per job when the jobs fill the cores', () => {
  assert.equal(threadsPerJob(2, 1), 2);
  assert.equal(threadsPerJob(2, 2), 1);
  assert.equal(threadsPerJob(2, 7), 1);
  assert.equal(threadsPerJob(16, 4), 4);
  assert.equal(threadsPerJob(16, 3), 5); // 3 x 5 = 15 <= 16: never oversubscribed
  assert.equal(threadsPerJob(0, 0), 1);
});

test(
  '--backend native: run records name backend, kernel and BLAS core type; refused up front without it',
  {
    skip,
  },
  () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-native-'));
    try {
      const args = ['run', 'fig1-cov', '--quick', '--p', '0', '--case', 'high', '--steps', '200', '--out', out];
      const ok = spawnSync(process.execPath, [cli, ...args, '--backend', 'native', '--workers', '1'], {
        encoding: 'utf8',
      });
      assert.equal(ok.status, 0, ok.stderr);
      const runs = path.join(out, 'fig1-cov-quick', 'runs');
      const ids = fs.readdirSync(runs);
      assert.equal(ids.length, 1);
      const run = JSON.parse(fs.readFileSync(path.join(runs, ids[0], 'run.json'), 'utf8'));
      assert.equal(run.backend, 'native');
      const core = addon().info().coreType;
      assert.match(run.kernel, /^native \(OpenBLAS \S+ core /);
      assert.ok(run.kernel.includes(`core ${core}`), run.kernel);
      if (process.env.OPENBLAS_CORETYPE)
        assert.ok(run.kernel.includes(`OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE}`));
      assert.ok(Number.isFinite(run.final.testMSE));

      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-native-off-'));
      try {
        const off = spawnSync(process.execPath, [cli, ...args.slice(0, -1), empty, '--backend', 'native'], {
          encoding: 'utf8',
          env: { ...process.env, PRECOND_LAB_NO_NATIVE: '1' },
        });
        assert.notEqual(off.status, 0);
        assert.match(off.stderr, /--backend native: cannot load: .*PRECOND_LAB_NO_NATIVE=1.*use --backend auto/);
        assert.doesNotMatch(off.stderr, /\n\s+at /, 'no stack trace');
        assert.deepEqual(fs.readdirSync(empty), [], 'nothing written');
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);
