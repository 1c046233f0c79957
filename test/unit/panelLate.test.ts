// Issue 14 defects 1-3 and 5 on a real store written with the engine's ExperimentStore: a reused transfer run reads
// through to the run it reused (or says it was deleted); the late-window band (last 10% of evaluations, at least 5)
// and the unstable mark in the panel snapshot, the Summary, the tree and the table; labels that say which metric is
// shown; and a panel model that never reads more than 256 KB at once (the rest follows on the next sync).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { MetricRecord } from '../../src/shared/records';
import { PanelModel, READ_CHUNK } from '../../src/host/panels/panelModel';
import { LateBands, lateWindowsOf, readLateWindow } from '../../src/host/lateBands';
import { summaryToCsv } from '../../src/host/csv';
import { readStore } from '../../src/host/storeReader';
import { buildTree, flatten } from '../../src/host/treeModel';
import { headline } from '../../src/host/runView';
import { lateCount, lateWindow } from '../../src/shared/charts/lateWindow';
import { summaryView } from '../../src/shared/charts/summary';
import { curvesView } from '../../src/shared/charts/curves';
import { spectraView } from '../../src/shared/charts/spectra';
import type { ChartSpec } from '../../src/shared/charts/spec';
import { expandRuns, validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { ENGINE_VERSION, ExperimentStore, type RunFile, type Summary } from '../../src/sweep/store';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-late-'));

function cfg(name: string, kind: 'noise' | 'transfer', p: number[]): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind,
    grid: { case: ['low'], p },
    settings: { n: 600, width: 24, steps: 1000, evalEvery: 10 },
  });
}

/** writes every run of `c` done, with records whose testMSE follows `curve(p, i)` for i = 0..evals-1 */
function write(
  root: string,
  c: ExperimentConfig,
  evals: number,
  curve: (p: number, i: number) => number,
  extra: (id: string) => Partial<RunFile> = () => ({}),
): ExperimentStore {
  const store = new ExperimentStore(root, c.name);
  store.writeConfig(c);
  for (const spec of expandRuns(c)) {
    const recs: MetricRecord[] = Array.from({ length: evals }, (_, i) => ({
      step: i * 10,
      trainMSE: 0.1,
      testMSE: curve(spec.params.p!, i),
      alignment: 0.5,
      ...(i % 5 === 0 ? { energy: [0.7, 0.3] } : {}),
    }));
    const last = recs[recs.length - 1]?.testMSE ?? NaN;
    store.writeRun({
      id: spec.id,
      experiment: c.name,
      kind: c.kind,
      params: spec.params,
      settings: c.settings,
      key: 'k',
      weightsKey: 'w',
      status: 'done',
      engineVersion: ENGINE_VERSION,
      final: c.kind === 'transfer' ? { testMSE: last, task1TestMSE: last, task2TestMSE: 0.9 } : { testMSE: last },
      spectra: { sigma: [10, 0.1], precond: [1, 1], weights: [10, 0.1], gram: [5, 1], teacherIndex: 1 },
      ...extra(spec.id),
    });
    store.resetMetrics(spec.id);
    if (evals) store.appendMetrics(spec.id, recs);
  }
  return store;
}

test('the late window: the last 10% of evaluations, at least 5, unstable when wider than 20% of its mean', () => {
  assert.equal(lateCount(100), 10);
  assert.equal(lateCount(101), 11);
  assert.equal(lateCount(20), 5);
  assert.equal(lateCount(3), 3);
  // Case Low, p = 2 as reported: swinging between 1.5 and 2.9 in the last evaluations
  const swing = [...Array(90).fill(2), 1.5, 2.9, 1.6, 2.8, 1.5, 2.9, 1.7, 2.6, 1.5, 2.2];
  const w = lateWindow(swing)!;
  assert.deepEqual([w.n, w.min, w.max], [10, 1.5, 2.9]);
  assert.ok(Math.abs(w.mean - 21.2 / 10) < 1e-12);
  assert.equal(w.unstable, true);
  const calm = lateWindow([5, 4, 3, 1.0, 1.01, 0.99, 1.0, 1.02])!;
  assert.deepEqual([calm.n, calm.min, calm.max, calm.unstable], [5, 0.99, 1.02, false]);
  assert.equal(lateWindow([]), undefined);
});

test('a reused transfer run shows the curves and energy of the run it reused, and says so; or says it was deleted', () => {
  const root = tmp();
  const source = write(root, cfg('fig1', 'noise', [0]), 12, (_p, i) => 2 - i * 0.1);
  const [srcId] = source.listRunIds();
  const t = cfg('fig3', 'transfer', [0]);
  write(
    root,
    t,
    0,
    () => 0,
    () => ({ reusedTask1: `fig1/${srcId}` }),
  );
  const model = new PanelModel(path.join(root, 'fig3'));
  const snap = model.snapshot();
  const [run] = snap.runs;
  assert.deepEqual(run.reused, { from: `fig1/${srcId}` });
  assert.equal(snap.curves[run.id].step.length, 12, 'the reused run has the source run’s 12 records');
  assert.ok(Math.abs(snap.curves[run.id].cols.testMSE[11]! - (2 - 11 * 0.1)) < 1e-6);
  assert.equal(snap.curves[run.id].energy.length, 3);
  const curves = curvesView(snap, { selected: [run.id] });
  assert.ok(
    curves.notes.some((n) => n.includes(`reused Task 1 from fig1/${srcId}`)),
    curves.notes.join('|'),
  );
  assert.ok(curves.figures.some((f) => f.kind === 'chart' && f.series.some((s) => s.points.length === 12)));
  // the band is the source run's late window
  assert.equal(run.late?.n, 5);
  assert.ok(Math.abs(run.late!.min - (2 - 11 * 0.1)) < 1e-12);

  fs.rmSync(path.join(root, 'fig1'), { recursive: true });
  const gone = model.snapshot();
  assert.deepEqual(gone.runs[0].reused, { from: `fig1/${srcId}`, missing: true });
  assert.equal(gone.curves[run.id].step.length, 0);
  const spectra = spectraView(gone, { selected: [run.id] });
  const heat = spectra.figures.find((f) => f.kind === 'heatmap');
  assert.match(String(heat?.empty), /has been deleted/);
  assert.ok(curvesView(gone, { selected: [run.id] }).notes.some((n) => /has been deleted/.test(n)));
});

test('the Summary draws the late band at the final value and marks unstable runs; the table has the band', () => {
  const root = tmp();
  // p = 2 oscillates between 1.5 and 2.9 late; p = 0 settles at 1.0
  write(root, cfg('osc', 'noise', [0, 2]), 100, (p, i) =>
    p === 2 ? (i >= 90 ? (i % 2 ? 2.9 : 1.5) : 2) : 1 + 1 / (i + 1),
  );
  const snap = new PanelModel(path.join(root, 'osc')).snapshot();
  const view = summaryView(snap, {});
  const chart = view.figures.find((f): f is ChartSpec => f.kind === 'chart' && f.id === 'vs-p-low')!;
  const band = chart.series.find((s) => s.label.startsWith('late window'))!;
  const p2 = band.points.find((pt) => pt.x === 2)!;
  assert.deepEqual([p2.lo, p2.hi], [1.5, 2.9]);
  // the headline stays the final value (the last record: i = 99, odd -> 2.9)
  assert.equal(p2.y, 2.9);
  const unstable = chart.series.find((s) => s.label.startsWith('unstable'))!;
  assert.deepEqual(
    unstable.points.map((pt) => pt.x),
    [2],
  );
  const cols = view.table.columns;
  const row = view.table.rows.find((r) => r[1] === 2)!;
  assert.equal(row[cols.indexOf('late_min')], 1.5);
  assert.equal(row[cols.indexOf('late_max')], 2.9);
  assert.match(String(row[cols.indexOf('unstable_runs')]), /p2/);
  const calm = view.table.rows.find((r) => r[1] === 0)!;
  assert.equal(calm[cols.indexOf('unstable_runs')], '');
});

test('the tree marks unstable runs once their records are read (off the critical path), with the band in the tooltip', async () => {
  const root = tmp();
  write(root, cfg('osc', 'noise', [0, 2]), 100, (p, i) => (p === 2 ? (i >= 90 ? (i % 2 ? 2.9 : 1.5) : 2) : 1));
  let updates = 0;
  const bands = new LateBands(() => updates++);
  const first = flatten(buildTree({ experiments: readStore(root, bands), configs: [], live: new Map() }));
  // nothing read yet on the first call: the tree does not wait for records
  assert.ok(first.filter((n) => n.kind === 'run').every((n) => !/unstable/.test(n.description ?? '')));
  while (updates < 2) await new Promise((r) => setTimeout(r, 10));
  const runs = flatten(buildTree({ experiments: readStore(root, bands), configs: [], live: new Map() })).filter(
    (n) => n.kind === 'run',
  );
  const p2 = runs.find((n) => n.label === 'p = 2')!;
  const p0 = runs.find((n) => n.label === 'p = 0')!;
  assert.match(p2.description!, /test MSE 2\.9000 · unstable/);
  assert.doesNotMatch(p0.description!, /unstable/);
  assert.match(p2.tooltip!, /Late window \(last 10 evaluations\): 1\.5000 to 2\.9000/);
  const direct = await readLateWindow(path.join(root, 'osc', 'runs', p2.runId!, 'metrics.jsonl'), 'testMSE');
  assert.deepEqual([direct?.min, direct?.max], [1.5, 2.9]);
});

test('tree labels say what is shown: Task 2 test MSE for transfer runs, both OOD settings for OOD runs', () => {
  assert.deepEqual(headline({ testMSE: 0.5, task1TestMSE: 0.5, task2TestMSE: 0.8 })?.name, 'Task 2 test MSE');
  assert.equal(headline({ testMSE: 0.5, task1TestMSE: 0.5, task2TestMSE: 0.8 })?.value, 0.8);
  const ood = headline({ valAcc: 0.9, oodLeftAcc: 0.5, oodRightAcc: 0.25 })!;
  assert.match(ood.text, /left 50(\.0)?% · right 25(\.0)?%/);
  assert.equal(headline({ testMSE: 0.5 })?.name, 'test MSE');
});

test('the panel model never reads more than 256 KB at once; the rest follows on the next syncs', () => {
  const root = tmp();
  // about 1.5 MB of records in one run
  write(root, cfg('big', 'noise', [0]), 20_000, (_p, i) => 1 + 1 / (i + 1));
  const file = path.join(root, 'big', 'runs', fs.readdirSync(path.join(root, 'big', 'runs'))[0], 'metrics.jsonl');
  assert.ok(fs.statSync(file).size > 4 * READ_CHUNK);
  // instrument the reads the model makes
  // the fs module object itself (the bundle's namespace imports read through to it)
  const nodeFs = createRequire(__filename)('node:fs') as typeof fs;
  const orig = nodeFs.readSync;
  const sizes: number[] = [];
  nodeFs.readSync = ((...a: Parameters<typeof fs.readSync>) => {
    const n = orig(...a);
    sizes.push(n);
    return n;
  }) as typeof fs.readSync;
  try {
    const model = new PanelModel(path.join(root, 'big'));
    let syncs = 0;
    model.sync();
    syncs++;
    while (model.pending) {
      model.sync();
      syncs++;
      assert.ok(syncs < 100);
    }
    const snap = model.snapshot();
    assert.ok(syncs >= 5, `${syncs} syncs`);
    assert.ok(sizes.length >= 5, `${sizes.length} reads seen`);
    assert.ok(Math.max(...sizes) <= READ_CHUNK, `largest read ${Math.max(...sizes)}`);
    assert.ok(PanelModel.largestRead <= READ_CHUNK);
    assert.equal(snap.runs[0].late?.n, 2000, 'every record was read in the end');
  } finally {
    nodeFs.readSync = orig;
  }
});

test('the CSV export reads each run’s late window from its records (the reused run’s for a reused one)', async () => {
  const root = tmp();
  const c = cfg('osc', 'noise', [2]);
  const store = write(root, c, 100, (_p, i) => (i >= 90 ? (i % 2 ? 2.9 : 1.5) : 2));
  const [id] = store.listRunIds();
  const bands = await lateWindowsOf(path.join(root, 'osc'), { runs: [{ id }] });
  assert.deepEqual(
    bands.get(id),
    lateWindow([...Array(90).fill(2), ...Array.from({ length: 10 }, (_, k) => (k % 2 ? 2.9 : 1.5))]),
  );
  const csv = summaryToCsv(
    {
      experiment: c,
      runs: [{ id, params: { case: 'low', p: 2, snr: 1, seed: 42 }, status: 'done', final: { testMSE: 2.9 } }],
    } as unknown as Summary,
    bands,
  ).split('\r\n');
  const head = csv[0].split(',');
  const row = csv[1].split(',');
  assert.equal(row[head.indexOf('late_min')], '1.5');
  assert.equal(row[head.indexOf('late_max')], '2.9');
  assert.equal(row[head.indexOf('unstable')], 'true');
  assert.equal(row[head.indexOf('testMSE')], '2.9');
});
