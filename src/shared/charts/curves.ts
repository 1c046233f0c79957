// The Curves tab: metrics over training steps for the selected runs, one colour per run (the tree's). Regression:
// test and train MSE with the noise floor. OOD: train loss and the three accuracies. Smoothing is for the eye only;
// the CSV holds the recorded values.
import type { CurveData, PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { distinct, reusedNote, runLabel, varyingAxes } from './labels';
import { noiseFloor, smooth } from './series';
import type { ChartSpec, Point, Series, TabView, Table } from './spec';

/** Most runs drawn by default; more can be picked, the chart stays usable up to a few dozen. */
export const DEFAULT_CURVES = 12;

/**
 * The runs the curves show when the user has not picked: every p of the first case, SNR and seed, else the first
 * runs.
 */
export function defaultSelection(runs: readonly RunInfo[]): string[] {
  const withData = runs.filter((r) => r.state !== 'queued');
  const pool = withData.length ? withData : runs;
  if (pool.length <= DEFAULT_CURVES) return pool.map((r) => r.id);
  const first = pool[0].params;
  const same = pool.filter(
    (r) =>
      r.params.case === first.case &&
      r.params.snr === first.snr &&
      r.params.seed === first.seed &&
      r.params.optimizer === first.optimizer,
  );
  return (same.length > 1 ? same : pool).slice(0, DEFAULT_CURVES).map((r) => r.id);
}

function selectedRuns(snap: PanelSnapshot, opts: ViewOptions): RunInfo[] {
  const ids = new Set(opts.selected ?? defaultSelection(snap.runs));
  return snap.runs.filter((r) => ids.has(r.id));
}

function points(c: CurveData, metric: string, weight: number, positive: boolean): Point[] {
  const ys = smooth(c.cols[metric] ?? [], weight);
  const out: Point[] = [];
  c.step.forEach((x, i) => {
    const y = ys[i];
    if (y === null || y === undefined || (positive && !(y > 0))) return;
    out.push({ x, y });
  });
  return out;
}

const DASH = { dashed: [6, 4], dotted: [2, 3] };

function lines(
  runs: RunInfo[],
  curves: Record<string, CurveData>,
  metrics: { key: string; suffix: string; dash?: number[] }[],
  weight: number,
  positive: boolean,
  axes: ReturnType<typeof varyingAxes>,
): Series[] {
  const out: Series[] = [];
  for (const r of runs) {
    const c = curves[r.id];
    if (!c) continue;
    for (const m of metrics) {
      const pts = points(c, m.key, weight, positive);
      if (pts.length)
        out.push({ label: `${runLabel(r, axes)}${m.suffix}`, color: r.color, kind: 'line', dash: m.dash, points: pts });
    }
  }
  return out;
}

function table(runs: RunInfo[], curves: Record<string, CurveData>, metrics: string[]): Table {
  const params = ['case', 'optimizer', 'p', 'snr', 'seed'].filter((k) =>
    runs.some((r) => (r.params as Record<string, unknown>)[k] !== undefined),
  );
  const t: Table = { columns: ['run', ...params, 'step', ...metrics], rows: [] };
  for (const r of runs) {
    const c = curves[r.id];
    if (!c) continue;
    c.step.forEach((s, i) =>
      t.rows.push([
        r.id,
        ...params.map((k) => (r.params as Record<string, string | number | undefined>)[k]),
        s,
        ...metrics.map((m) => c.cols[m]?.[i] ?? null),
      ]),
    );
  }
  return t;
}

export function curvesView(snap: PanelSnapshot, opts: ViewOptions): TabView {
  const runs = selectedRuns(snap, opts);
  const weight = opts.smoothing ?? 0;
  const logY = opts.log?.curves ?? snap.experiment?.kind === 'ood';
  const axes = varyingAxes(runs.length > 1 ? runs : snap.runs);
  const legend = runs.length <= DEFAULT_CURVES;
  const notes: string[] = [];
  if (runs.length < snap.runs.length)
    notes.push(`Showing ${runs.length} of ${snap.runs.length} runs; pick others in the run list.`);
  if (weight > 0) notes.push(`Smoothed (weight ${weight}); the CSV holds the recorded values.`);
  for (const r of runs) {
    const note = reusedNote(r);
    if (note) notes.push(note);
  }
  const hasData = runs.some((r) => (snap.curves[r.id]?.step.length ?? 0) > 0);
  const training = snap.runs.some((r) => r.state === 'running' || r.state === 'queued');
  const empty = !runs.length
    ? 'No runs picked: tick some in the run list.'
    : !hasData
      ? training
        ? 'Runs are starting: curves appear as the first records arrive.'
        : 'These runs recorded no metrics.'
      : undefined;
  const steps = { label: 'training step', type: 'linear' as const };

  if (snap.experiment?.kind === 'ood') {
    const chance: Series = {
      label: 'chance (10%)',
      color: 'theme:muted',
      kind: 'line',
      dash: [2, 3],
      guide: true,
      points: guideSpan(runs, snap.curves, 0.1),
    };
    const figures: ChartSpec[] = [
      {
        kind: 'chart',
        id: 'loss',
        title: 'Train loss (cross-entropy)',
        caption:
          'Every optimizer should fit the training set; how fast differs. What each one learned shows in the ' +
          'Accuracy tab.',
        x: steps,
        y: { label: 'train loss', type: logY ? 'log' : 'linear' },
        series: lines(runs, snap.curves, [{ key: 'trainLoss', suffix: '' }], weight, logY, axes),
        legend,
      },
      {
        kind: 'chart',
        id: 'accuracy',
        title: 'Accuracy: ID validation (solid), OOD left (dashed), OOD right (dotted)',
        caption:
          'ID validation climbs for every optimizer; the OOD lines split: reading the digit lifts the left ' +
          'setting, reading the noise template lifts the right.',
        x: steps,
        y: { label: 'accuracy', type: 'linear', min: 0, max: 1, percent: true },
        series: [
          ...lines(
            runs,
            snap.curves,
            [
              { key: 'valAcc', suffix: ' ID' },
              { key: 'oodLeftAcc', suffix: ' left', dash: DASH.dashed },
              { key: 'oodRightAcc', suffix: ' right', dash: DASH.dotted },
            ],
            weight,
            false,
            axes,
          ),
          chance,
        ],
        // three lines per run: the legend lists each run once by its colour and each accuracy once by its style
        legend: true,
        legendItems: [
          ...runs.map((r) => ({ label: runLabel(r, axes), color: r.color })),
          { label: 'ID validation', color: 'theme:fg' },
          { label: 'OOD left', color: 'theme:fg', dash: DASH.dashed },
          { label: 'OOD right', color: 'theme:fg', dash: DASH.dotted },
        ],
      },
    ];
    return {
      figures,
      table: table(runs, snap.curves, [
        'trainLoss',
        'trainAcc',
        'valAcc',
        'oodLeftAcc',
        'oodRightAcc',
        'templateEnergyDelta',
        'digitEnergyDelta',
      ]),
      intro: 'Training curves of the selected runs.',
      notes,
      empty,
    };
  }

  const snrs = distinct(runs.map((r) => r.params.snr));
  const floors = (): Series[] =>
    snrs.map((s) => ({
      label: `noise floor (SNR ${s}): ${noiseFloor(s).toFixed(2)}`,
      color: 'theme:muted',
      kind: 'line' as const,
      dash: [2, 3],
      guide: true,
      points: guideSpan(runs, snap.curves, noiseFloor(s)),
    }));
  const figures: ChartSpec[] = [
    {
      kind: 'chart',
      id: 'test',
      title: 'Test MSE over training',
      caption:
        'Dotted: the noise floor 1/(1+SNR²), the best test MSE any model can reach on these noisy labels. A curve ' +
        'that turns up again after its minimum is fitting the noise.',
      x: steps,
      y: logY ? { label: 'test MSE', type: 'log' } : { label: 'test MSE', type: 'linear', min: 0 },
      series: [...lines(runs, snap.curves, [{ key: 'testMSE', suffix: '' }], weight, logY, axes), ...floors()],
      legend,
    },
    {
      kind: 'chart',
      id: 'train',
      title: 'Train MSE over training',
      caption:
        'Train MSE below the floor means the network is memorising label noise; the runs that do so most end worst ' +
        'on test.',
      x: steps,
      y: logY ? { label: 'train MSE', type: 'log' } : { label: 'train MSE', type: 'linear', min: 0 },
      series: [...lines(runs, snap.curves, [{ key: 'trainMSE', suffix: '' }], weight, logY, axes), ...floors()],
      legend,
    },
  ];
  return {
    figures,
    table: table(runs, snap.curves, ['trainMSE', 'testMSE', 'alignment']),
    intro:
      'Train and test MSE of the selected runs as they train (live while a sweep runs). Colours match the runs in ' +
      'the Experiments view.',
    notes,
    empty,
  };
}

/** A horizontal guide across the steps the selected runs cover. */
function guideSpan(runs: RunInfo[], curves: Record<string, CurveData>, y: number): Point[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs) {
    const s = curves[r.id]?.step;
    if (!s?.length) continue;
    lo = Math.min(lo, s[0]);
    hi = Math.max(hi, s[s.length - 1]);
  }
  return Number.isFinite(lo)
    ? [
        { x: lo, y },
        { x: Math.max(hi, lo + 1), y },
      ]
    : [];
}
