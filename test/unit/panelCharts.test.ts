// The data shaping behind the panels: stats and error bars, decimation, smoothing, series per p, the tab views of
// every kind, CSV rows, colours. Snapshots are built by hand so each expectation can be checked on paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvesView, defaultSelection, DEFAULT_CURVES } from '../../src/shared/charts/curves';
import { oodAccuracyView, oodCategories, oodFeaturesView, templateRatio } from '../../src/shared/charts/ood';
import {
  appendCurve,
  decimateCurve,
  decimateIndices,
  errorBar,
  noiseFloor,
  smooth,
  stat,
} from '../../src/shared/charts/series';
import { fmt } from '../../src/shared/format';
import type { ChartSpec, Figure } from '../../src/shared/charts/spec';
import { energyShares, spectraChoices, spectraView } from '../../src/shared/charts/spectra';
import { seriesPer, summaryView } from '../../src/shared/charts/summary';
import { buildTab, tableToCsv } from '../../src/shared/charts/tabs';
import { assignRunColors, compareRunIds, rampColor, RUN_PALETTE } from '../../src/shared/colors';
import type { CurveData, ExperimentKind, PanelSnapshot, RunInfo } from '../../src/shared/panelMessages';

function run(
  id: string,
  params: RunInfo['params'],
  final: Record<string, number>,
  state: RunInfo['state'] = 'done',
): RunInfo {
  return { id, params, state, color: '#000000', final };
}

function snapshot(kind: ExperimentKind, runs: RunInfo[], curves: Record<string, CurveData> = {}): PanelSnapshot {
  const colors = assignRunColors(runs.map((r) => r.id));
  return {
    experiment: {
      name: 'x',
      dir: '/r/x',
      kind,
      grid: kind === 'ood' ? { optimizer: ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs'] } : {},
    },
    dir: '/r/x',
    runs: runs.map((r) => ({ ...r, color: colors.get(r.id)! })),
    curves,
    pointBudget: 2000,
    presets: [],
    warnings: [],
  };
}

const chart = (figs: Figure[], id: string): ChartSpec => {
  const f = figs.find((x) => x.id === id);
  assert.ok(f && f.kind === 'chart', `no chart ${id} among ${figs.map((x) => x.id).join(', ')}`);
  return f;
};

const curve = (steps: number[], cols: Record<string, (number | null)[]>, energy: number[][] = []): CurveData => ({
  step: steps,
  cols,
  energyStep: energy.map((_, i) => steps[i]),
  energy,
});

test('mean and spread over seeds; error bars stay positive for log axes', () => {
  const s = stat([1, 2, 3, NaN])!;
  assert.equal(s.n, 3);
  assert.equal(s.mean, 2);
  assert.equal(s.std, 1);
  assert.deepEqual(errorBar(s), { lo: 1, hi: 3 });
  assert.equal(stat([NaN, Infinity]), undefined);
  assert.equal(errorBar(stat([5])!), undefined, 'one seed: no error bar');
  const wide = stat([0.1, 2.9])!;
  assert.ok(errorBar(wide)!.lo < 0);
  assert.ok(errorBar(wide, true)!.lo > 0, 'log axes cannot draw below zero');
  assert.equal(noiseFloor(1), 0.5);
  assert.equal(noiseFloor(2), 0.2);
  assert.equal(fmt(0.53767), '0.5377');
  assert.equal(fmt(210579.4), '2.11e+5');
  assert.equal(fmt(undefined), '–');
});

test("decimation keeps the budget, the ends and every column's extremes", () => {
  const n = 10_001;
  const test = Array.from({ length: n }, (_, i) => 1 / (1 + i / 100) + (i === 7777 ? 5 : 0));
  const train = Array.from({ length: n }, (_, i) => (i === 4242 ? -1 : Math.cos(i)));
  const keep = decimateIndices(n, [test, train], 500);
  assert.ok(keep.length <= 500, `${keep.length} > 500`);
  assert.equal(keep[0], 0);
  assert.equal(keep[keep.length - 1], n - 1);
  assert.ok(keep.includes(7777), 'the spike in test survives');
  assert.ok(keep.includes(4242), 'the minimum of train survives');
  assert.deepEqual(
    keep,
    [...keep].sort((a, b) => a - b),
  );
  assert.equal(new Set(keep).size, keep.length);
  assert.deepEqual(decimateIndices(5, [[1, 2, 3, 4, 5]], 10), [0, 1, 2, 3, 4], 'short curves are kept whole');
  assert.ok(
    decimateIndices(
      1000,
      Array.from({ length: 300 }, () => []),
      100,
    ).length <= 100,
    'many columns never exceed the budget',
  );

  const c = curve(
    Array.from({ length: n }, (_, i) => i),
    { testMSE: test, trainMSE: train },
    Array.from({ length: 400 }, (_, i) => [i, 1]),
  );
  const d = decimateCurve(c, 300, 50);
  assert.ok(d.step.length <= 300);
  assert.equal(d.cols.testMSE.length, d.step.length);
  assert.equal(d.cols.trainMSE.length, d.step.length);
  assert.ok(
    d.step.every((s, i) => d.cols.testMSE[i] === test[s]),
    'values stay with their steps',
  );
  assert.equal(d.energy.length, 50);
  assert.equal(d.energyStep[0], 0);
  assert.equal(d.energyStep[49], 399);
});

test('appending a live chunk keeps columns aligned, new metrics included', () => {
  const c = curve([0, 10], { testMSE: [1, 0.9] });
  appendCurve(c, curve([20], { testMSE: [0.8], trainMSE: [0.7] }, [[1, 2]]));
  assert.deepEqual(c.step, [0, 10, 20]);
  assert.deepEqual(c.cols.testMSE, [1, 0.9, 0.8]);
  assert.deepEqual(c.cols.trainMSE, [null, null, 0.7]);
  assert.deepEqual(c.energyStep, [20]);
});

test('smoothing is a bias-corrected moving average that skips gaps', () => {
  assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
  const s = smooth([2, 2, null, 2], 0.9);
  assert.deepEqual(
    s.map((v) => (v === null ? null : Math.round(v * 1e12) / 1e12)),
    [2, 2, null, 2],
    'a constant stays constant (bias correction)',
  );
  const step = smooth([0, 0, 0, 1, 1, 1], 0.5) as number[];
  assert.ok(step[3] > 0 && step[3] < 1 && step[5] > step[3], 'a step is eased in');
});

test('series per p: one line per p, points at each SNR with the mean over seeds and the runs behind them', () => {
  const runs: RunInfo[] = [];
  for (const p of [-1, 1])
    for (const snr of [0.5, 2])
      for (const seed of [1, 2])
        runs.push(
          run(
            `high_p${p}_snr${snr}_s${seed}`,
            { case: 'high', p, snr, seed },
            { testMSE: p === 1 ? 0.3 + seed / 10 : 1 },
          ),
        );
  const lines = seriesPer(runs, 'snr', 'p', 'testMSE', false);
  assert.deepEqual(
    lines.map((l) => l.value),
    [-1, 1],
  );
  const pt = lines[1].points[0];
  assert.equal(pt.x, 0.5);
  assert.ok(Math.abs((pt.y as number) - 0.45) < 1e-12);
  assert.ok(
    Math.abs(pt.lo! - (0.45 - Math.SQRT1_2 / 10)) < 1e-12,
    'error bar: one standard deviation over the two seeds',
  );
  assert.deepEqual(pt.runIds, ['high_p1_snr0.5_s1', 'high_p1_snr0.5_s2']);
  assert.deepEqual([lines[0].points[0].lo, lines[0].points[0].hi], [1, 1], 'equal seeds: an error bar of zero width');
});

test('noise summary (Figure 1): vs SNR per case when several SNRs ran, vs p always, noise floor, one CSV row per grid point', () => {
  const runs: RunInfo[] = [];
  for (const c of ['high', 'low'] as const)
    for (const p of [-2, 0, 2])
      for (const snr of [0.5, 1, 2])
        runs.push(
          run(
            `${c}_p${p}_snr${snr}_s42`,
            { case: c, p, snr, seed: 42 },
            { testMSE: (c === 'high' ? 2 - p : 2 + p) / 4 + noiseFloor(snr), bestTestMSE: 0.5, trainMSE: 0.4 },
          ),
        );
  runs.push(run('high_p4_snr1_s42', { case: 'high', p: 4, snr: 1, seed: 42 }, { divergedAt: 10 }, 'diverged'));
  const v = summaryView(snapshot('noise', runs), {});
  assert.deepEqual(
    v.figures.map((f) => f.id),
    ['vs-snr-high', 'vs-p-high', 'vs-snr-low', 'vs-p-low'],
  );
  const bySnr = chart(v.figures, 'vs-snr-high');
  assert.deepEqual(
    bySnr.series.filter((s) => !s.guide).map((s) => s.label),
    ['p = -2', 'p = 0', 'p = 2'],
  );
  assert.equal(bySnr.x.type, 'log');
  const floor = bySnr.series.find((s) => s.guide)!;
  assert.deepEqual(
    floor.points.map((p) => p.y),
    [0.8, 0.5, 0.2],
  );
  assert.ok(bySnr.clickable);
  const byP = chart(v.figures, 'vs-p-low');
  assert.deepEqual(
    byP.series.filter((s) => !s.guide).map((s) => s.points.map((p) => p.x)),
    [
      [-2, 0, 2],
      [-2, 0, 2],
      [-2, 0, 2],
    ],
  );
  assert.match(byP.caption + chart(v.figures, 'vs-snr-low').caption, /smaller p/);
  assert.match(bySnr.caption, /larger p/);
  assert.equal(v.table.rows.length, 18, '2 cases x 3 p x 3 SNR');
  assert.deepEqual(v.table.columns.slice(0, 5), ['case', 'p', 'snr', 'runs', 'testMSE_mean']);
  assert.deepEqual(v.table.rows[0].slice(0, 3), ['high', -2, 0.5]);
  assert.match(v.notes.join(' '), /1 run diverged/);
  assert.notEqual(rampColor(-2, [-2, 0, 2]), rampColor(2, [-2, 0, 2]));
});

test('noise summary with one SNR (the quick preset): a chart vs p per case and six CSV rows', () => {
  const runs = (['high', 'low'] as const).flatMap((c) =>
    [-2, 0, 2].map((p) => run(`${c}_p${p}_snr1_s42`, { case: c, p, snr: 1, seed: 42 }, { testMSE: 1 })),
  );
  const v = summaryView(snapshot('noise', runs), {});
  assert.deepEqual(
    v.figures.map((f) => f.id),
    ['vs-p-high', 'vs-p-low'],
  );
  assert.equal(chart(v.figures, 'vs-p-high').y.type, 'linear');
  assert.equal(
    chart(summaryView(snapshot('noise', runs), { log: { summary: true } }).figures, 'vs-p-high').y.type,
    'log',
  );
  assert.equal(
    chart(summaryView(snapshot('noise', runs), { log: { curves: true } }).figures, 'vs-p-high').y.type,
    'linear',
    "the curves' toggle is not the summary's",
  );
  assert.equal(v.table.rows.length, 6);
  const csv = tableToCsv(v.table).trimEnd().split('\r\n');
  assert.equal(csv.length, 7);
  assert.equal(
    csv[0],
    'case,p,snr,runs,testMSE_mean,testMSE_std,bestTestMSE_mean,trainMSE_mean,noiseFloor,late_min,late_max,' +
      'unstable_runs,run_ids',
  );
  assert.match(csv[1], /^high,-2,1,1,1,0,,,0.5,,,,high_p-2_snr1_s42$/);
});

test('transfer summary (Figure 3): Task 1 and Task 2 against p per case, mean and spread over seeds', () => {
  const runs: RunInfo[] = [];
  for (const c of ['high', 'low'] as const)
    for (const p of [-2, -1, 0, 2])
      for (const seed of [42, 43])
        runs.push(
          run(
            `${c}_p${p}_snr1_s${seed}`,
            { case: c, p, snr: 1, seed },
            { task1TestMSE: 0.6, task2TestMSE: Math.abs(p + 1) / 2 + seed / 100, task2TrainMSE: 0.1 },
          ),
        );
  const v = summaryView(snapshot('transfer', runs), {});
  assert.deepEqual(
    v.figures.map((f) => f.id),
    ['transfer-high', 'transfer-low'],
  );
  const f = chart(v.figures, 'transfer-high');
  assert.deepEqual(
    f.series.map((s) => s.label),
    ['Task 1 test MSE', 'Task 2 test MSE'],
  );
  const t2 = f.series[1].points;
  assert.deepEqual(
    t2.map((p) => p.x),
    [-2, -1, 0, 2],
  );
  assert.equal(t2[1].y, 0.425, 'p = -1: mean of 0.42 and 0.43');
  assert.ok(t2[1].lo !== undefined && t2[1].hi! > t2[1].lo, 'two seeds give an error bar');
  assert.equal(t2[1].runIds!.length, 2);
  assert.match(f.caption, /Mean over 2 seeds/);
  assert.equal(v.table.rows.length, 8);
  assert.ok(v.table.columns.includes('task2TestMSE_std'));
});

test('curves: default pick, one line per run in its colour, noise floor, smoothing, raw values in the CSV', () => {
  const runs = [-2, 0, 2].map((p) => run(`high_p${p}_snr2_s42`, { case: 'high', p, snr: 2, seed: 42 }, {}));
  const curves = Object.fromEntries(
    runs.map((r, k) => [
      r.id,
      curve([0, 50, 100], {
        trainMSE: [1, 0.5 - k / 10, 0.2],
        testMSE: [1, 0.6, 0.4 + k / 10],
        alignment: [0.1, 0.5, 0.9],
      }),
    ]),
  );
  const snap = snapshot('noise', runs, curves);
  const v = curvesView(snap, {});
  const test = chart(v.figures, 'test');
  const lines = test.series.filter((s) => !s.guide);
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines.map((s) => s.color),
    snap.runs.map((r) => r.color),
    "curve colours are the runs' (the tree's)",
  );
  assert.deepEqual(
    lines[0].points.map((p) => p.y),
    [1, 0.6, 0.4],
  );
  assert.deepEqual(
    test.series.find((s) => s.guide)!.points.map((p) => p.y),
    [0.2, 0.2],
    'floor at SNR 2',
  );
  assert.deepEqual(v.table.columns, ['run', 'case', 'p', 'snr', 'seed', 'step', 'trainMSE', 'testMSE', 'alignment']);
  assert.equal(v.table.rows.length, 9, '3 runs x 3 records');
  const smoothed = curvesView(snap, { smoothing: 0.9, selected: [runs[2].id] });
  assert.equal(chart(smoothed.figures, 'test').series.filter((s) => !s.guide).length, 1);
  assert.notDeepEqual(
    chart(smoothed.figures, 'test').series[0].points.map((p) => p.y),
    [1, 0.6, 0.6],
  );
  assert.deepEqual(
    smoothed.table.rows.map((r) => r[7]),
    curves[runs[2].id].cols.testMSE,
    'the CSV keeps recorded values',
  );
  assert.equal((curvesView(snap, { log: { curves: true } }).figures[0] as ChartSpec).y.type, 'log');
  assert.equal(
    (curvesView(snap, { log: { summary: true } }).figures[0] as ChartSpec).y.type,
    'linear',
    'each tab has its own log toggle',
  );
  assert.match(curvesView(snap, { selected: [] }).empty ?? '', /No runs picked/);
});

// How long building these views takes is measured by `npm run bench` (scripts/benchHost.ts); here, the work done:
// the default view draws only the picked runs' points, however many runs the experiment has.
test('curves with hundreds of runs: a dozen drawn by default, only their points built', () => {
  const runs: RunInfo[] = [];
  for (const c of ['high', 'low'] as const)
    for (const p of [-2, -1, 0, 1, 2])
      for (const snr of [0.25, 0.5, 1, 2, 4])
        for (let seed = 0; seed < 8; seed++)
          runs.push(run(`${c}_p${p}_snr${snr}_s${seed}`, { case: c, p, snr, seed }, { testMSE: 1 + p / 10 }));
  assert.equal(runs.length, 400);
  const steps = Array.from({ length: 300 }, (_, i) => i * 10);
  const curves = Object.fromEntries(
    runs.map((r) => [
      r.id,
      curve(steps, { trainMSE: steps.map(() => 0.5), testMSE: steps.map(() => 0.7), alignment: steps.map(() => 0.2) }),
    ]),
  );
  const snap = snapshot('noise', runs, curves);
  const pick = defaultSelection(snap.runs);
  assert.ok(pick.length <= DEFAULT_CURVES);
  assert.ok(
    pick.every((id) => id.startsWith('high_') && id.endsWith('_snr0.25_s0')),
    `the default compares p at one case, SNR, seed: ${pick}`,
  );
  const v = curvesView(snap, {});
  const s = summaryView(snap, {});
  const all = curvesView(snap, { selected: runs.map((r) => r.id) });
  // points drawn: each run's line holds its 300 records, and only picked runs get a line
  const drawn = (figs: Figure[]): { lines: number; points: number } => {
    const runLines = figs.flatMap((f) => (f.kind === 'chart' ? f.series.filter((x) => !x.guide) : []));
    return { lines: runLines.length, points: runLines.reduce((n, x) => n + x.points.length, 0) };
  };
  const charts = (figs: Figure[]): number => figs.filter((f) => f.kind === 'chart').length;
  assert.ok(charts(v.figures) >= 2 && pick.length >= 2, `${charts(v.figures)} charts of ${pick.length} runs`);
  assert.deepEqual(drawn(v.figures), {
    lines: pick.length * charts(v.figures),
    points: pick.length * charts(v.figures) * steps.length,
  });
  assert.deepEqual(drawn(all.figures), {
    lines: runs.length * charts(all.figures),
    points: runs.length * charts(all.figures) * steps.length,
  });
  assert.match(v.notes.join(' '), /Showing 5 of 400 runs/);
  assert.equal(chart(all.figures, 'test').legend, false, 'no legend for hundreds of lines');
  assert.equal(s.table.rows.length, 50, 'the summary averages the 8 seeds of each grid point');
});

test('spectra: every p at one case, SNR and seed; weights with the teacher marked; energy shares per direction', () => {
  const mk = (p: number, c: 'high' | 'low'): RunInfo => {
    const lambda = c === 'high' ? [10, 0.1, 0.1] : [10, 10, 0.1];
    return {
      ...run(`${c}_p${p}_snr1_s42`, { case: c, p, snr: 1, seed: 42 }, {}),
      spectra: {
        sigma: lambda,
        precond: lambda.map((l) => l ** p),
        weights: lambda.map((l) => l ** (p + 1)),
        gram: [300, 2, 1],
        teacherIndex: c === 'high' ? 0 : 2,
      },
    };
  };
  const runs = (['high', 'low'] as const).flatMap((c) => [2, -2, 0].map((p) => mk(p, c)));
  const curves = {
    high_p2_snr1_s42: curve([0, 10], { alignment: [0.3, 0.9] }, [
      [1, 1, 1],
      [8, 1, 1],
    ]),
  };
  const snap = snapshot('noise', runs, curves);
  const ch = spectraChoices(snap, {});
  assert.deepEqual(ch.cases, ['high', 'low']);
  assert.deepEqual(ch.pick, { case: 'high', snr: 1, seed: 42 });
  const v = spectraView(snap, {});
  const w = chart(v.figures, 'weights');
  assert.deepEqual(
    w.series.map((s) => s.label),
    ['p = -2', 'p = 0', 'p = 2'],
    'sorted by p',
  );
  assert.deepEqual(
    w.series[2].points.map((p) => Number((p.y as number).toPrecision(6))),
    [1000, 0.001, 0.001],
  );
  assert.deepEqual(w.markers, [{ x: '1', label: 'teacher' }]);
  assert.equal(w.y.type, 'log');
  const low = spectraView(snap, { spectra: { case: 'low' } });
  assert.deepEqual(chart(low.figures, 'weights').markers, [{ x: '3', label: 'teacher' }]);
  assert.equal(
    spectraView(snap, {}, 'low_p0_snr1_s42').figures.length,
    v.figures.length,
    'a focused run picks its case',
  );
  assert.deepEqual(chart(spectraView(snap, {}, 'low_p0_snr1_s42').figures, 'weights').markers, [
    { x: '3', label: 'teacher' },
  ]);
  const heat = v.figures.filter((f) => f.kind === 'heatmap');
  assert.equal(heat.length, 3);
  const h2 = heat.find((f) => f.id === 'energy-high_p2_snr1_s42')!;
  assert.ok(h2.kind === 'heatmap');
  assert.deepEqual(
    h2.values.map((r) => r.map((x) => Math.round(x * 100) / 100)),
    [
      [0.33, 0.8],
      [0.33, 0.1],
      [0.33, 0.1],
    ],
  );
  assert.equal(h2.highlightRow, 0);
  assert.deepEqual(energyShares([[0, 0]]), [[0], [0]]);
  assert.equal(v.table.rows.length, 9, '3 runs x 3 directions');
  assert.deepEqual(
    v.table.rows
      .find((r) => r[0] === 'high_p2_snr1_s42' && r[5] === 1)!
      .slice(6, 12)
      .map((x) => Number(Number(x).toPrecision(6))),
    [10, 100, 1000, 1, 300, 0.8],
  );
  assert.match(
    spectraView(snapshot('ood', [run('gd_s42', { optimizer: 'gd', seed: 42 }, {})]), {}).empty ?? '',
    /no input spectra/,
  );
});

test("OOD accuracy (Figure 2a/2b): optimizers in the paper's order, both settings side by side, AdaHessian against p", () => {
  const runs: RunInfo[] = [
    run('adam_s42', { optimizer: 'adam', seed: 42 }, { valAcc: 0.99, oodLeftAcc: 0.2, oodRightAcc: 0.7 }),
    run('gd_s42', { optimizer: 'gd', seed: 42 }, { valAcc: 0.98, oodLeftAcc: 0.8, oodRightAcc: 0.1 }),
    ...[-2, -1, 0, 1, 2].map((p) =>
      run(
        `adahessian_p${p}_s42`,
        { optimizer: 'adahessian', p, seed: 42 },
        { valAcc: 0.97, oodLeftAcc: 0.5 + p / 5, oodRightAcc: 0.5 - p / 5 },
      ),
    ),
  ];
  const v = oodAccuracyView(snapshot('ood', runs), {});
  assert.deepEqual(
    v.figures.map((f) => f.id),
    ['left', 'right', 'power'],
  );
  const left = chart(v.figures, 'left');
  assert.deepEqual(left.x.categories, [
    'GD',
    'Adam',
    'AdaHessian p = -2',
    'AdaHessian p = -1',
    'AdaHessian p = 0',
    'AdaHessian p = 1',
    'AdaHessian p = 2',
  ]);
  assert.deepEqual(
    left.series.map((s) => s.label),
    ['ID validation', 'OOD left', 'chance (10%)'],
  );
  assert.deepEqual(
    chart(v.figures, 'right')
      .series[1].points.slice(0, 2)
      .map((p) => p.y),
    [0.1, 0.7],
  );
  const power = chart(v.figures, 'power');
  assert.deepEqual(
    power.series[1].points.map((p) => p.x),
    [-2, -1, 0, 1, 2],
  );
  assert.equal(power.empty, undefined);
  assert.equal(v.table.rows.length, 7);
  assert.deepEqual(v.table.rows[2].slice(0, 3), ['adahessian', -2, 2], 'k = -p in the CSV');
  // one power (issue 14 defect 7): no almost empty power card, a note instead
  const one = oodAccuracyView(snapshot('ood', runs.slice(0, 3)), {});
  assert.deepEqual(
    one.figures.map((f) => f.id),
    ['left', 'right'],
  );
  assert.ok(
    one.notes.some((n) => /one Hessian power \(p = -2\).*fig2-adahessian-power/.test(n)),
    one.notes.join(),
  );
  assert.deepEqual(
    oodCategories(runs.slice(0, 3), ['gd', 'adam', 'adahessian']).map((c) => c.label),
    ['GD', 'Adam', 'AdaHessian'],
    'one power: no p in the label',
  );
  const sweep = oodAccuracyView(snapshot('ood', runs.slice(2)), {});
  assert.deepEqual(
    chart(sweep.figures, 'left').x.categories,
    ['p = -2', 'p = -1', 'p = 0', 'p = 1', 'p = 2'],
    'a power sweep alone is labelled by p',
  );
});

test('OOD features: digit vs template shares, their ratio over training, and against OOD accuracy', () => {
  const runs = [
    run(
      'gd_s42',
      { optimizer: 'gd', seed: 42 },
      {
        valAcc: 0.9,
        oodLeftAcc: 0.8,
        oodRightAcc: 0.1,
        digitEnergyDelta: 0.4,
        templateEnergyDelta: 0.05,
        digitEnergy: 0.1,
        templateEnergy: 0.02,
      },
    ),
    run(
      'kfac_s42',
      { optimizer: 'kfac', seed: 42 },
      {
        valAcc: 0.9,
        oodLeftAcc: 0.1,
        oodRightAcc: 0.9,
        digitEnergyDelta: 0.1,
        templateEnergyDelta: 0.3,
        digitEnergy: 0.05,
        templateEnergy: 0.2,
      },
    ),
  ];
  const curves = {
    gd_s42: curve([0, 10, 20], { templateEnergyDelta: [0, 0.05, 0.05], digitEnergyDelta: [0, 0.4, 0.5] }),
  };
  const v = oodFeaturesView(snapshot('ood', runs, curves), {});
  assert.deepEqual(
    v.figures.map((f) => f.id),
    ['shares', 'ratio', 'response'],
  );
  assert.deepEqual(
    chart(v.figures, 'shares').series[1].points.map((p) => p.y),
    [0.05, 0.3],
  );
  const ratio = chart(v.figures, 'ratio').series.find((s) => s.label === 'GD')!;
  assert.deepEqual(
    ratio.points.map((p) => p.x),
    [10, 20],
    'step 0 (no change yet) has no ratio',
  );
  assert.equal(templateRatio(0.3, 0.1), 2.9999999999999996);
  assert.equal(templateRatio(0, 0), null);
  const resp = chart(v.figures, 'response');
  assert.deepEqual(
    resp.series[1].points.map((p) => [Math.round((p.x as number) * 1000) / 1000, p.y]),
    [
      [0.125, 0.1],
      [3, 0.9],
    ],
  );
  assert.equal(v.table.rows.length, 2);
});

test('buildTab: a missing experiment says what to run; a tab another kind has falls back to the first', () => {
  const none: PanelSnapshot = { dir: '/r/gone', runs: [], curves: {}, pointBudget: 2000, presets: [], warnings: [] };
  assert.match(
    buildTab('summary', none, {}).empty ?? '',
    /No experiment results in \/r\/gone\. Run an experiment first/,
  );
  const ood = snapshot('ood', [
    run('gd_s42', { optimizer: 'gd', seed: 42 }, { valAcc: 1, oodLeftAcc: 1, oodRightAcc: 0 }),
  ]);
  assert.deepEqual(
    buildTab('spectra', ood, {}).figures.map((f) => f.id),
    ['left', 'right'],
  );
  const pending = snapshot('noise', [run('high_p0_snr1_s42', { case: 'high', p: 0, snr: 1, seed: 42 }, {}, 'running')]);
  assert.match(buildTab('summary', pending, {}).empty ?? '', /No run has finished yet/);
  assert.match(buildTab('curves', pending, {}).empty ?? '', /curves appear as the first records arrive/);
});

test('CSV quoting follows RFC 4180', () => {
  assert.equal(
    tableToCsv({
      columns: ['a', 'b'],
      rows: [
        ['x,y', 'say "hi"'],
        [1.5, null],
        [NaN, undefined],
      ],
    }),
    'a,b\r\n"x,y","say ""hi"""\r\n1.5,\r\n,\r\n',
  );
});

test('run colours: natural id order (p-2 < p0 < p2), the palette repeating, the same for the same set', () => {
  assert.deepEqual(
    ['high_p2_snr1_s42', 'high_p-2_snr1_s42', 'high_p0_snr1_s42', 'high_p10_snr1_s42'].sort(compareRunIds),
    ['high_p-2_snr1_s42', 'high_p0_snr1_s42', 'high_p2_snr1_s42', 'high_p10_snr1_s42'],
  );
  assert.ok(compareRunIds('high_p0_snr0.25_s42', 'high_p0_snr1_s42') < 0);
  assert.ok(compareRunIds('gd_s42', 'gd_s43') < 0);
  const ids = Array.from({ length: RUN_PALETTE.length + 2 }, (_, i) => `r${i}`);
  const colors = assignRunColors(ids);
  assert.equal(colors.get('r0'), RUN_PALETTE[0]);
  assert.equal(colors.get(`r${RUN_PALETTE.length}`), RUN_PALETTE[0]);
  assert.deepEqual(
    [...assignRunColors([...ids].reverse())].sort(),
    [...colors].sort(),
    'the order the ids come in does not matter',
  );
});
