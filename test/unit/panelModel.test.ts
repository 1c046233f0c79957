// The host's panel model on a real results store written with the engine's ExperimentStore: the snapshot, the
// incremental read of metrics.jsonl (live appends, torn lines, a re-run that starts over), live and interrupted
// states, decimation of long runs, removed runs, a missing folder, and run colours that match the tree's icons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/shared/records';
import { MAX_POINTS, PanelModel, pointBudget, recordsToCurve } from '../../src/host/panels/panelModel';
import { treeRunColors } from '../../src/host/panels/treeColors';
import type { LiveRun } from '../../src/host/runView';
import { readStore } from '../../src/host/storeReader';
import { buildTree } from '../../src/host/treeModel';
import { RUN_PALETTE, runIconSvg } from '../../src/shared/colors';
import { expandRuns, validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { ENGINE_VERSION, ExperimentStore, type RunFile, type RunStatus } from '../../src/sweep/store';

const repo = path.resolve(__dirname, '../../..');
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-panel-'));

function config(name: string, grid: Partial<ExperimentConfig['grid']>): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind: 'noise',
    figure: 'Figure 1 (test)',
    grid: { case: ['high'], p: [0], ...grid },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
}

const rec = (step: number, testMSE: number, energy?: number[]): MetricRecord => ({
  step,
  trainMSE: testMSE / 2,
  testMSE,
  alignment: 0.5,
  ...(energy ? { energy } : {}),
});

function write(root: string, cfg: ExperimentConfig, status: RunStatus = 'done'): ExperimentStore {
  const store = new ExperimentStore(root, cfg.name);
  store.writeConfig(cfg);
  for (const spec of expandRuns(cfg)) {
    const run: RunFile = {
      id: spec.id,
      experiment: cfg.name,
      kind: cfg.kind,
      params: spec.params,
      settings: cfg.settings,
      key: 'k',
      weightsKey: 'w',
      status,
      engineVersion: ENGINE_VERSION,
      final: { testMSE: 0.5, trainMSE: 0.4 },
      spectra: { sigma: [10, 0.1], precond: [1, 1], weights: [10, 0.1], gram: [5, 1], teacherIndex: 0 },
    };
    store.writeRun(run);
    store.resetMetrics(spec.id);
    store.appendMetrics(spec.id, [rec(0, 1, [1, 1]), rec(50, 0.8), rec(100, 0.6, [3, 1])]);
  }
  store.writeSummary(cfg);
  return store;
}

test('the snapshot: experiment, runs in natural order with their colours, curves as columns with energy rows', () => {
  const root = tmp();
  const cfg = config('exp', { case: ['high', 'low'], p: [2, -2, 0] });
  write(root, cfg);
  const snap = new PanelModel(path.join(root, 'exp')).snapshot([{ name: 'fig1-cov-quick', title: 'Run' }]);
  assert.equal(snap.experiment?.name, 'exp');
  assert.equal(snap.experiment?.kind, 'noise');
  assert.equal(snap.experiment?.figure, 'Figure 1 (test)');
  assert.equal(snap.experiment?.preconditioner, 'exact-cov');
  assert.deepEqual(snap.experiment?.grid.p, [2, -2, 0]);
  assert.deepEqual(
    snap.runs.map((r) => r.id),
    [
      'high_p-2_snr1_s42',
      'high_p0_snr1_s42',
      'high_p2_snr1_s42',
      'low_p-2_snr1_s42',
      'low_p0_snr1_s42',
      'low_p2_snr1_s42',
    ],
  );
  assert.deepEqual(
    snap.runs.map((r) => r.color),
    RUN_PALETTE.slice(0, 6),
  );
  assert.ok(snap.runs.every((r) => r.state === 'done' && r.final.testMSE === 0.5 && r.spectra?.teacherIndex === 0));
  const c = snap.curves['high_p0_snr1_s42'];
  assert.deepEqual(c.step, [0, 50, 100]);
  assert.deepEqual(c.cols.testMSE, [1, 0.8, 0.6]);
  assert.deepEqual(c.cols.trainMSE, [0.5, 0.4, 0.3]);
  assert.deepEqual(c.energyStep, [0, 100]);
  assert.deepEqual(c.energy, [
    [1, 1],
    [3, 1],
  ]);
  assert.deepEqual(snap.presets, [{ name: 'fig1-cov-quick', title: 'Run' }]);
  assert.deepEqual(snap.warnings, []);
});

test('metrics are read incrementally: live appends arrive once, a torn last line waits for its newline', () => {
  const root = tmp();
  const cfg = config('live', { p: [0] });
  const store = write(root, cfg);
  const id = 'high_p0_snr1_s42';
  const model = new PanelModel(path.join(root, 'live'));
  model.snapshot();
  assert.deepEqual(model.sync(), { runs: [], append: [], replace: [], removed: [] }, 'nothing changed');
  store.appendMetrics(id, [rec(150, 0.5), rec(200, 0.45)]);
  const a = model.sync();
  assert.equal(a.append.length, 1);
  assert.deepEqual(a.append[0].curve.step, [150, 200], 'only the new records');
  const file = path.join(store.runDir(id), 'metrics.jsonl');
  fs.appendFileSync(file, JSON.stringify(rec(250, 0.4)).slice(0, 20));
  assert.equal(model.sync().append.length, 0, 'a torn line is not read');
  fs.appendFileSync(file, JSON.stringify(rec(250, 0.4)).slice(20) + '\n');
  assert.deepEqual(model.sync().append[0].curve.step, [250]);
  assert.deepEqual(model.snapshot().curves[id].step, [0, 50, 100, 150, 200, 250]);
  // a re-run truncates the file: the curve starts over and is replaced, not appended to
  store.resetMetrics(id);
  store.appendMetrics(id, [rec(0, 1)]);
  const r = model.sync();
  assert.equal(r.replace.length, 1);
  assert.deepEqual(r.replace[0].curve.step, [0]);
});

test('live runs: queued ones before they have files, progress while running; a run left running is interrupted', () => {
  const root = tmp();
  const cfg = config('lv', { p: [-1, 1] });
  write(root, cfg, 'running');
  const live = new Map<string, LiveRun>([
    [
      'high_p-1_snr1_s42',
      { state: 'running', params: { case: 'high', p: -1, snr: 1, seed: 42 }, step: 150, steps: 300 },
    ],
    ['high_p3_snr1_s42', { state: 'queued', params: { case: 'high', p: 3, snr: 1, seed: 42 } }],
  ]);
  let current: Map<string, LiveRun> | undefined = live;
  const model = new PanelModel(path.join(root, 'lv'), () => current);
  const snap = model.snapshot();
  const by = Object.fromEntries(snap.runs.map((r) => [r.id, r]));
  assert.equal(by['high_p-1_snr1_s42'].state, 'running');
  assert.equal(by['high_p-1_snr1_s42'].progress, 0.5);
  assert.equal(by['high_p1_snr1_s42'].state, 'interrupted', 'running on disk, owned by no live sweep');
  assert.equal(by['high_p3_snr1_s42'].state, 'queued');
  assert.equal(by['high_p3_snr1_s42'].params.p, 3, 'params from the live sweep');
  live.set('high_p-1_snr1_s42', { ...live.get('high_p-1_snr1_s42')!, step: 300 });
  const moved = model.sync();
  assert.deepEqual(
    moved.runs.map((r) => [r.id, r.progress]),
    [['high_p-1_snr1_s42', 1]],
    'only the run that moved',
  );
  current = undefined;
  const gone = model.sync();
  assert.deepEqual(gone.removed, ['high_p3_snr1_s42'], 'a queued run dropped from the queue disappears');
});

test('long runs are decimated to the point budget; removed runs and a missing folder are reported', () => {
  const root = tmp();
  const cfg = config('long', { p: [0] });
  const store = write(root, cfg);
  const id = 'high_p0_snr1_s42';
  store.resetMetrics(id);
  store.appendMetrics(
    id,
    Array.from({ length: 10_001 }, (_, i) => rec(i, 1 / (1 + i))),
  );
  const model = new PanelModel(path.join(root, 'long'));
  // a sync reads at most READ_CHUNK bytes (the host never stalls on a long file); the panel syncs until done
  let syncs = 0;
  model.sync();
  while (model.pending && ++syncs < 100) model.sync();
  const snap = model.snapshot();
  assert.equal(snap.pointBudget, MAX_POINTS);
  const c = snap.curves[id];
  // read in chunks, a curve is thinned again whenever it outgrows twice the budget
  assert.ok(c.step.length <= 2 * MAX_POINTS, `${c.step.length} points`);
  assert.equal(c.step[0], 0);
  assert.equal(c.step[c.step.length - 1], 10_000);
  assert.equal(pointBudget(600), 200);
  assert.equal(pointBudget(1), MAX_POINTS);
  fs.rmSync(store.runDir(id), { recursive: true });
  assert.deepEqual(model.sync().removed, [id]);
  const none = new PanelModel(path.join(root, 'nothing-here')).snapshot();
  assert.equal(none.experiment, undefined);
  assert.deepEqual(none.runs, []);
});

test('OOD records become accuracy and feature-view columns', () => {
  const c = recordsToCurve(
    [
      {
        step: 0,
        trainLoss: 2.3,
        trainAcc: 0.1,
        valAcc: 0.1,
        oodLeftAcc: 0.1,
        oodRightAcc: 0.1,
        diag: { templateEnergyDelta: 0, digitEnergyDelta: 0, templateEnergy: 0.01, digitEnergy: 0.02 },
      },
      { step: 20, trainLoss: 0.1, valAcc: 0.9, diag: { templateEnergyDelta: 0.3 } },
    ],
    'ood',
  );
  assert.deepEqual(c.step, [0, 20]);
  assert.deepEqual(c.cols.valAcc, [0.1, 0.9]);
  assert.deepEqual(c.cols.oodLeftAcc, [0.1, null]);
  assert.deepEqual(c.cols.templateEnergyDelta, [0, 0.3]);
  assert.deepEqual(c.cols.digitEnergyDelta, [0, null]);
  assert.equal(c.cols.testMSE, undefined);
});

test("a run's colour in the panel is its icon's colour in the Experiments tree", () => {
  const root = tmp();
  write(root, config('a', { case: ['high', 'low'], p: [-2, -1, 0, 1, 2] }));
  write(root, config('b', { p: [1, -1] }));
  const tree = buildTree({ experiments: readStore(root), configs: [], live: new Map() });
  const indices = treeRunColors(tree);
  for (const name of ['a', 'b']) {
    const snap = new PanelModel(path.join(root, name)).snapshot();
    for (const r of snap.runs)
      assert.equal(RUN_PALETTE[indices.get(`${name}/run/${r.id}`)!], r.color, `${name}/${r.id}`);
  }
  assert.equal(indices.size, 12);
});

test('the tree icon files are the palette (media/webview/runs/run-N.svg)', () => {
  RUN_PALETTE.forEach((color, i) =>
    assert.equal(
      fs.readFileSync(path.join(repo, 'media/webview/runs', `run-${i}.svg`), 'utf8'),
      runIconSvg(color),
      `run-${i}.svg`,
    ),
  );
  assert.equal(fs.readdirSync(path.join(repo, 'media/webview/runs')).length, RUN_PALETTE.length);
});
