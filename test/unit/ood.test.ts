// Experiment 2 (src/lab/experiments/ood.ts): optimizer options from the config, the presets, the feature view, the
// wasm first layer against the JS kernels, a short run in process (records, divergence, cancel), and the quick
// preset end to end through the run manager and real runner processes (dist/runner.js, built by `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_OOD_SETTINGS,
  expandRuns,
  OOD_OPTIMIZERS,
  validateConfig,
  type OodConfig,
  type OodSettings,
} from '../../src/shared/config';
import { findPreset } from '../../src/shared/presets';
import { OPTIMIZER_CATALOGUE, OPTIMIZER_NAMES, optimizerDefaults } from '../../src/shared/optimizers';
import type { NumberSpec } from '../../src/shared/valueSpec';
import {
  ADAHESSIAN_DEFAULTS,
  ADAM_DEFAULTS,
  GD_DEFAULTS,
  KFAC_DEFAULTS,
  LBFGS_DEFAULTS,
  SAM_DEFAULTS,
  SOPHIA_DEFAULTS,
  createOptimizer,
} from '../../src/lab/optim/index';
import { Mlp2, initMlp2, mlp2Layout } from '../../src/lab/models/mlp2';
import { initBackend } from '../../src/lab/backend';
import { wasmLayerScope } from '../../src/lab/models/wasmFirstLayer';
import { RandomState } from '../../src/lab/rng';
import { loadNative } from '../../src/lab/native/addon';
import { oodOptimizerConfig } from '../../src/lab/experiments/ood/optimizer';
import {
  classSignals,
  columnShare,
  featureBases,
  orthonormalRows,
  response,
  subspaceEnergy,
} from '../../src/lab/experiments/ood/features';
import { oodContext, trainOodRun } from '../../src/lab/experiments/ood';
import type { ExperimentEvents, MetricRecord } from '../../src/lab/experiments/records';
import { RunManager } from '../../src/sweep/runManager';
import { ExperimentStore } from '../../src/sweep/store';

const runnerPath = path.resolve(__dirname, '../../runner.js');

const problems = (raw: unknown): string[] => {
  try {
    validateConfig(raw);
    return [];
  } catch (e) {
    return (e as { problems?: string[] }).problems ?? [String(e)];
  }
};
const oodRaw = (settings: Record<string, unknown>, grid: Record<string, unknown> = { optimizer: ['gd'] }): unknown => ({
  version: 1,
  name: 'o',
  kind: 'ood',
  grid,
  settings,
});

test("the optimizer catalogue holds the reference defaults the optimizers' headers state, and the lab uses them", () => {
  // written out independently of src/shared/optimizers.ts: each optimizer file's header states these
  const stated: Record<string, object> = {
    gd: { lr: 1e-2, weightDecay: 1e-4 },
    sam: { lr: 1e-2, rho: 0.05, normEps: 1e-8, momentum: 0.9, weightDecay: 1e-4 },
    adam: { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, spreadStats: true },
    'sophia-h': {
      lr: 1e-2,
      beta1: 0.96,
      beta2: 0.99,
      rho: 0.05,
      eps: 1e-12,
      weightDecay: 1e-4,
      refreshEvery: 10,
      probe: 'gaussian',
      schedule: 'library',
      spreadStats: true,
    },
    adahessian: {
      lr: 1e-2,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-16,
      weightDecay: 1e-4,
      hessianPower: 1,
      probe: 'rademacher',
      spreadStats: true,
    },
    kfac: {
      lr: 1e-2,
      momentum: 0.9,
      statDecay: 0.95,
      damping: 1e-3,
      klClip: 1e-3,
      weightDecay: 1e-4,
      statsEvery: 10,
      eigEvery: 100,
      weightDecayAfter: 200,
      factorDamping: true,
      eigFloor: 1e-10,
    },
    lbfgs: {
      lr: 1e-2,
      maxIter: 20,
      historySize: 100,
      tolGrad: 1e-7,
      tolChange: 1e-9,
      weightDecay: 1e-4,
      historyPrecision: 'float32',
    },
  };
  assert.deepEqual([...OPTIMIZER_NAMES], ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs']);
  assert.deepEqual(OOD_OPTIMIZERS, OPTIMIZER_NAMES);
  for (const name of OPTIMIZER_NAMES) assert.deepEqual(optimizerDefaults(name), stated[name], name);
  const lab: Record<string, object> = {
    gd: GD_DEFAULTS,
    sam: SAM_DEFAULTS,
    adam: ADAM_DEFAULTS,
    'sophia-h': SOPHIA_DEFAULTS,
    adahessian: ADAHESSIAN_DEFAULTS,
    kfac: KFAC_DEFAULTS,
    lbfgs: LBFGS_DEFAULTS,
  };
  for (const name of OPTIMIZER_NAMES) assert.deepEqual(lab[name], stated[name], name);
  // L-BFGS's maxEval has no default of its own: it follows maxIter (floor(maxIter * 5 / 4))
  assert.equal('default' in OPTIMIZER_CATALOGUE.lbfgs.options.maxEval, false);
});

test("each option range of the catalogue is its constructor's, and the config validator applies it", () => {
  const shape = { inDim: 6, hidden: 4, outDim: 3, loss: 'ce' as const };
  const net = new Mlp2(shape, new Float32Array(30).fill(0.5), 5, { labels: [0, 1, 2, 0, 1] });
  const builds = (name: string, k: string, v: number): boolean => {
    try {
      createOptimizer({ kind: name, [k]: v } as Parameters<typeof createOptimizer>[0], net, new RandomState(1));
      return true;
    } catch {
      return false;
    }
  };
  const configAccepts = (name: string, k: string, v: number): boolean =>
    problems(oodRaw({ optim: { [name]: { [k]: v } } })).length === 0;
  let ranged = 0;
  for (const name of OPTIMIZER_NAMES) {
    for (const [k, s] of Object.entries<{ kind: string }>(OPTIMIZER_CATALOGUE[name].options)) {
      if (s.kind !== 'number' || k === 'hessianPower') continue;
      const spec = s as NumberSpec;
      const inside: number[] = [];
      const outside: number[] = [];
      if (spec.min !== undefined) {
        inside.push(spec.min);
        outside.push(spec.min - (spec.integer ? 1 : 1e-3));
      }
      if (spec.max !== undefined) {
        inside.push(spec.max);
        outside.push(spec.max + (spec.integer ? 2 : 1e-3));
      }
      if (spec.integer) outside.push((spec.min ?? 0) + 0.5);
      if (!inside.length && !spec.integer) {
        // no range: the constructor takes any finite number, so the catalogue must not refuse one
        inside.push(-1e6, 1e6);
      } else ranged++;
      for (const v of inside)
        assert.ok(builds(name, k, v) && configAccepts(name, k, v), `${name}.${k} = ${v} is accepted`);
      for (const v of outside) {
        // L-BFGS's history length is a count of pairs; its typed arrays throw only below 0 (0.5 allocates 0)
        const lenient = name === 'lbfgs' && k === 'historySize' && v > -1;
        assert.equal(builds(name, k, v), lenient, `the ${name} constructor refuses ${k} = ${v}`);
        assert.equal(configAccepts(name, k, v), false, `the config refuses ${name}.${k} = ${v}`);
      }
    }
  }
  // adam, adahessian: beta1, beta2; sophia-h: refreshEvery; kfac: statDecay, statsEvery, eigEvery; lbfgs: historySize
  assert.equal(ranged, 9);
});

test('optimizer configs: reference defaults, momentum where used, AdaHessian k = -p, overrides last', () => {
  const s: OodSettings = { ...DEFAULT_OOD_SETTINGS, optim: { kfac: { damping: 0.01 }, gd: { lr: 0.1 } } };
  assert.deepEqual(oodOptimizerConfig(s, 'gd', undefined), { kind: 'gd', lr: 0.1, weightDecay: 1e-4 });
  assert.deepEqual(oodOptimizerConfig(s, 'sam', undefined), {
    kind: 'sam',
    lr: 0.01,
    weightDecay: 1e-4,
    momentum: 0.9,
  });
  assert.deepEqual(oodOptimizerConfig(s, 'kfac', undefined), {
    kind: 'kfac',
    lr: 0.01,
    weightDecay: 1e-4,
    momentum: 0.9,
    damping: 0.01,
  });
  assert.deepEqual(oodOptimizerConfig(s, 'adam', undefined), { kind: 'adam', lr: 0.01, weightDecay: 1e-4 });
  assert.deepEqual(oodOptimizerConfig(s, 'adahessian', 2), {
    kind: 'adahessian',
    lr: 0.01,
    weightDecay: 1e-4,
    probe: 'rademacher',
    hessianPower: -2,
  });
  assert.equal((oodOptimizerConfig(s, 'adahessian', undefined) as { hessianPower: number }).hessianPower, 1);
  assert.ok(Object.is((oodOptimizerConfig(s, 'adahessian', 0) as { hessianPower: number }).hessianPower, 0));
  // every optimizer of the suite accepts what the experiment builds
  const shape = { inDim: 6, hidden: 4, outDim: 3, loss: 'ce' as const };
  const net = new Mlp2(shape, new Float32Array(30).fill(0.5), 5, { labels: [0, 1, 2, 0, 1] });
  for (const o of OOD_OPTIMIZERS)
    assert.equal(createOptimizer(oodOptimizerConfig(DEFAULT_OOD_SETTINGS, o, -1), net, new RandomState(1)).name, o);
});

test('OOD settings are validated, naming the field', () => {
  assert.deepEqual(
    problems(oodRaw({ optim: { lbfgs: { lr: 0.5, historyPrecision: 'float64' }, adam: { spreadStats: false } } })),
    [],
  );
  assert.match(
    problems(oodRaw({ optim: { kfac: { dampng: 1 } } }))[0],
    /^settings\.optim: \.kfac\.dampng is not an option of kfac \(allowed: lr, momentum/,
  );
  assert.match(
    problems(oodRaw({ optim: { adahessian: { hessianPower: 2 } } }))[0],
    /hessianPower is not an option of adahessian \(the power is k = -p from grid\.p\)/,
  );
  assert.match(
    problems(oodRaw({ optim: { sam: { rho: 'big' } } }))[0],
    /^settings\.optim: \.sam\.rho must be a finite number/,
  );
  assert.match(
    problems(oodRaw({ optim: { 'sophia-h': { schedule: 'later' } } }))[0],
    /\.sophia-h\.schedule must be one of "library", "immediate"/,
  );
  assert.match(problems(oodRaw({ optim: { newton: {} } }))[0], /unknown optimizer "newton"/);
  assert.match(
    problems(oodRaw({ nTrain: 5000, nVal: 5000 }))[0],
    /^settings\.nTrain: nTrain \+ nVal = 10000 leaves no OOD pool/,
  );
  assert.match(problems(oodRaw({ pool: 8000 }))[0], /^settings\.pool: 8000 exceeds the 7600 digits/);
  assert.match(problems(oodRaw({ width: 10 }))[0], /^settings\.width: unknown setting/);
});

test('the Figure 2 presets: seven optimizers at p = -1, the AdaHessian power sweep, quick variants smaller', () => {
  const a = findPreset('fig2-optimizers')!;
  const b = findPreset('fig2-adahessian-power')!;
  const full = a.config as OodConfig;
  assert.equal(full.kind, 'ood');
  assert.deepEqual(full.grid.optimizer, ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs']);
  assert.deepEqual(
    expandRuns(full).map((r) => r.id),
    ['gd_s42', 'sam_s42', 'adam_s42', 'sophia-h_s42', 'adahessian_p-1_s42', 'kfac_s42', 'lbfgs_s42'],
  );
  assert.deepEqual(
    [
      full.settings.steps,
      full.settings.nTrain,
      full.settings.nVal,
      full.settings.pool,
      full.settings.lr,
      full.settings.weightDecay,
    ],
    [500, 1200, 1200, 0, 0.01, 1e-4],
  );
  assert.deepEqual(
    expandRuns(b.config).map((r) => r.id),
    [-2, -1, 0, 1, 2].map((p) => `adahessian_p${p}_s42`),
  );
  for (const { config, quick } of [a, b]) {
    const q = quick as OodConfig;
    const f = config as OodConfig;
    assert.equal(findPreset(`${f.name}-quick`)!.config, quick);
    assert.ok(
      q.settings.steps < f.settings.steps && q.settings.pool > 0 && q.settings.evalEvery >= f.settings.evalEvery,
    );
    assert.deepEqual(q.grid, f.grid);
  }
});

test('feature view: orthonormal bases, energy 1 inside the span, ~k/d for random weights', () => {
  const d = 50;
  const rng = new RandomState(3);
  const raw = Float64Array.from({ length: 4 * d }, () => rng.normal());
  raw.set(raw.subarray(0, d), 3 * d); // a dependent row is dropped
  const { q, k } = orthonormalRows(raw, 4, d);
  assert.equal(k, 3);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += q[i * d + t] * q[j * d + t];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12);
    }
  }
  const inside = new Float32Array(5 * d);
  for (let j = 0; j < 5; j++)
    for (let t = 0; t < d; t++) inside[j * d + t] = (j + 1) * raw[(j % 3) * d + t] - 0.5 * raw[((j + 1) % 3) * d + t];
  assert.ok(Math.abs(subspaceEnergy(inside, 5, d, q, k) - 1) < 1e-6);
  assert.ok(subspaceEnergy(inside, 5, d, q, k, inside) === 0);
  const big = Float32Array.from({ length: 400 * d }, () => rng.normal());
  assert.ok(Math.abs(subspaceEnergy(big, 400, d, q, k) - k / d) < 0.015);
  // principal directions of data spread along two axes are those axes
  const n = 400;
  const x = new Float32Array(n * d);
  for (let b = 0; b < n; b++) {
    x[b * d + 7] = 3 * rng.normal();
    x[b * d + 11] = 1.5 * rng.normal();
    for (let t = 0; t < d; t++) x[b * d + t] += 0.01 * rng.normal();
  }
  const bases = featureBases(
    Float32Array.from(raw.subarray(0, 3 * d)),
    3,
    x,
    Int32Array.from({ length: n }, (_, b) => b % 3),
    n,
    d,
    2,
  );
  assert.ok(Math.abs(Math.abs(bases.digits[7]) - 1) < 1e-3 && Math.abs(Math.abs(bases.digits[d + 11]) - 1) < 1e-3);
  assert.ok(bases.digitVariances[0] > 7 && bases.digitVariances[1] > 1.8);
});

test('class signals: clamped templates and class-mean digits, centred over classes', () => {
  const d = 4;
  // two "digits" of class 0 and 1; templates push pixel 0 up or down
  const clean = Float32Array.from([0, 0.5, 1, 0, /* */ 1, 0.5, 0, 0]);
  const templates = Float32Array.from([0.2, 0, 0, 0, /* */ -0.2, 0, 0, 0.1]);
  const { template, digit } = classSignals(templates, 2, clean, [0, 1], 2, d);
  // t_0 = mean(clamp(x + T_0) - x) = [(0.2 + 0) / 2, 0, 0, 0]; t_1 = [(0 - 0.2) / 2, 0, 0, 0.1]; centred
  const t0 = [0.1, 0, 0, 0];
  const t1 = [-0.1, 0, 0, 0.1];
  for (let k = 0; k < d; k++) {
    assert.ok(
      Math.abs(template[k] - (t0[k] - t1[k]) / 2) < 1e-7 && Math.abs(template[d + k] - (t1[k] - t0[k]) / 2) < 1e-7,
    );
    assert.ok(Math.abs(digit[k] - (clean[k] - clean[d + k]) / 2) < 1e-7);
  }
  assert.ok(Math.abs(response(Float32Array.from([1, 0, 0, 0]), 1, d, template, 2) - 2 * 0.1 ** 2) < 1e-8);
  // the blank-pixel share counts the masked columns of W - W_0
  const w = Float32Array.from([3, 0, 0, 4, /* */ 0, 0, 0, 0]);
  assert.ok(Math.abs(columnShare(w, 2, d, Uint8Array.from([0, 0, 0, 1]), new Float32Array(8)) - 16 / 25) < 1e-12);
});

/** The data of the in-process tests: one spec, so the process builds the data and the PCA once. */
const SMALL: OodSettings = { ...DEFAULT_OOD_SETTINGS, nTrain: 200, nVal: 200, pool: 300 };

test('the wasm first layer agrees with the JS kernels: loss, gradient and Hessian-vector product', async () => {
  await initBackend('wasm');
  const release = wasmLayerScope();
  try {
    const ctx = oodContext(SMALL, 11, 'sparse');
    const shape = ctx.nets.shape;
    const { x, n, labels } = ctx.data.train;
    const js = new Mlp2(shape, x, n, { labels }, { firstLayer: 'sparse' });
    const wasm = new Mlp2(shape, x, n, { labels }, { firstLayer: 'wasm' });
    const theta = new Float32Array(mlp2Layout(shape).size);
    const rng = new RandomState(1);
    initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
    const v = Float32Array.from(theta, () => (rng.random() < 0.5 ? -1 : 1));
    const [g1, h1, g2, h2] = [0, 0, 0, 0].map(() => new Float32Array(theta.length));
    const l1 = js.lossGradHvp(theta, v, g1, h1);
    const l2 = wasm.lossGradHvp(theta, v, g2, h2);
    assert.ok(Math.abs(l1 - l2) < 1e-5 * l1);
    const relErr = (a: Float32Array, b: Float32Array): number => {
      let d = 0;
      let s = 0;
      for (let i = 0; i < a.length; i++) {
        d += (a[i] - b[i]) ** 2;
        s += a[i] ** 2;
      }
      return Math.sqrt(d / s);
    };
    assert.ok(relErr(g1, g2) < 1e-4, `gradient ${relErr(g1, g2)}`);
    assert.ok(relErr(h1, h2) < 1e-4, `hvp ${relErr(h1, h2)}`);
    const m1 = new Float64Array(785 * 785);
    const m2 = new Float64Array(785 * 785);
    js.inputMoment(0, m1);
    wasm.inputMoment(0, m2);
    assert.deepEqual(m1, m2);
    assert.equal(js.accuracy(theta), wasm.accuracy(theta));
  } finally {
    release();
  }
});

/** Events that keep what arrives; shouldStop turns true once `stopAfter` records have come. */
function collect(stopAfter = Infinity): { ev: ExperimentEvents; records: MetricRecord[]; progress: number[] } {
  const records: MetricRecord[] = [];
  const progress: number[] = [];
  return {
    records,
    progress,
    ev: {
      record: (_id, r) => records.push(r),
      progress: (_id, s) => progress.push(s),
      shouldStop: () => records.length >= stopAfter,
    },
  };
}

const hasNaN = (r: MetricRecord): boolean =>
  JSON.stringify(r).includes('null') || Object.values(r).some((v) => typeof v === 'number' && !Number.isFinite(v));

test('a short run in process: records on the schedule, finite, with diagnostics and the feature view', async () => {
  const ctx = oodContext({ ...SMALL, steps: 6, evalEvery: 4 }, 11, 'auto');
  const { ev, records } = collect();
  const out = await trainOodRun(ctx, { id: 'adahessian_p-1', optimizer: 'adahessian', p: -1 }, ev);
  assert.equal(out.status, 'done');
  assert.deepEqual(
    records.map((r) => r.step),
    [0, 4, 6],
  );
  assert.ok(!records.some(hasNaN));
  const last = records.at(-1)!;
  for (const k of ['trainLoss', 'trainAcc', 'valAcc', 'oodLeftAcc', 'oodRightAcc'] as const)
    assert.equal(out.final[k], last[k]);
  assert.ok(last.trainLoss! < records[0].trainLoss!);
  for (const k of [
    'updateNorm',
    'gradNorm',
    'stepLoss',
    'denomMedian',
    'templateEnergy',
    'digitEnergy',
    'templateEnergyDelta',
  ])
    assert.ok(Number.isFinite(last.diag![k]), k);
  assert.equal(records[0].diag!.templateEnergyDelta, 0);
  assert.deepEqual(
    [records[0].diag!.templateGain, records[0].diag!.digitGain, records[0].diag!.blankEnergyDelta],
    [1, 1, 0],
  );
  assert.ok(out.final.blankFraction > 0.05 && out.final.blankFraction < 0.5, `blank pixels ${out.final.blankFraction}`);
  for (const k of [
    'templateEnergy',
    'digitEnergy',
    'templateEnergy0',
    'digitEnergy0',
    'templateEnergyDelta',
    'digitEnergyDelta',
    'templateGain',
    'digitGain',
    'blankEnergyDelta',
    'blankFraction',
    'subspaceOverlap',
    'trainSeconds',
  ]) {
    assert.ok(Number.isFinite(out.final[k]), k);
  }
  // at initialisation W1 has no preference: both shares are about k / d = 10 / 784
  assert.ok(
    Math.abs(out.final.templateEnergy0 - 10 / 784) < 0.006 && Math.abs(out.final.digitEnergy0 - 10 / 784) < 0.006,
  );
  // the same seed starts every optimizer from the same network and gives the same step-0 record
  const again = collect();
  await trainOodRun(ctx, { id: 'gd', optimizer: 'gd' }, { ...again.ev, shouldStop: () => again.records.length >= 1 });
  assert.deepEqual(again.records[0], records[0]);
});

test('divergence ends a run with the step and reason, and no NaN reaches the records; cancel stops between steps', async () => {
  const ctx = oodContext({ ...SMALL, steps: 20, evalEvery: 1, optim: { gd: { lr: 1e30 } } }, 11, 'auto');
  const { ev, records } = collect();
  const out = await trainOodRun(ctx, { id: 'gd', optimizer: 'gd' }, ev);
  assert.equal(out.status, 'diverged');
  assert.match(out.reason!, /^diverged at step \d+: /);
  assert.ok(out.final.divergedAt >= 1 && out.final.divergedAt <= 20);
  assert.ok(!records.some(hasNaN));
  const stop = collect(3); // records at steps 0, 1, 2 (evalEvery 1), then the check before step 3 stops
  const cancelled = await trainOodRun(ctx, { id: 'sam', optimizer: 'sam' }, stop.ev);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.final.stoppedAt, 2);
  assert.deepEqual(
    stop.records.map((r) => r.step),
    [0, 1, 2],
  );
});

test('a quick preset through the run manager: runner processes finish with finite accuracies and the feature view', async () => {
  const quick = findPreset('fig2-optimizers-quick')!.config as OodConfig;
  const config = validateConfig({
    ...quick,
    name: 'ood-quick-test',
    grid: { ...quick.grid, optimizer: ['adahessian', 'lbfgs'] },
    settings: { ...quick.settings, steps: 10, evalEvery: 5, pool: 500 },
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-ood-'));
  const summary = await new RunManager({ runnerPath, workers: 2 }).runSweep(config, root);
  assert.deepEqual(
    summary.runs.map((r) => [r.id, r.status]),
    [
      ['adahessian_p-1_s42', 'done'],
      ['lbfgs_s42', 'done'],
    ],
  );
  const store = new ExperimentStore(root, 'ood-quick-test');
  for (const r of summary.runs) {
    for (const k of [
      'trainLoss',
      'valAcc',
      'oodLeftAcc',
      'oodRightAcc',
      'templateEnergy',
      'digitEnergy',
      'templateGain',
      'digitGain',
    ])
      assert.ok(Number.isFinite(r.final[k]), `${r.id} ${k}`);
    for (const k of ['valAcc', 'oodLeftAcc', 'oodRightAcc']) assert.ok(r.final[k] >= 0 && r.final[k] <= 1);
    // auto: the native module where it is built, else wasm
    assert.equal(r.backend, loadNative().addon ? 'native' : 'wasm');
    const recs = store.readMetrics(r.id);
    assert.deepEqual(
      recs.map((x) => x.step),
      [0, 5, 10],
    );
    assert.equal(recs.at(-1)!.valAcc, r.final.valAcc);
  }
});
