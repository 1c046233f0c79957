// The Summary tab of the regression experiments. Noise (paper Figure 1): final test MSE against SNR with one line
// per p, and against p, per case, with the noise floor. Transfer (Figure 3): Task 1 and Task 2 test MSE against p
// per case. Points average the seeds (error bars: +- one standard deviation); a click opens the runs' curves.
import { rampColor } from '../colors';
import type { PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { caseName, distinct, isDone, orderCases } from './labels';
import { errorBar, noiseFloor, stat } from './series';
import type { ChartSpec, Point, Series, TabView, Table } from './spec';
import { referenceFor } from '../reproduce/reference';
import { LATE_MIN_EVALS, UNSTABLE_SPREAD } from './lateWindow';

/**
 * The late-window band of each point of `lines` (the runs behind it): from the lowest to the highest value any of
 * them took in its last 10% of evaluations, drawn at the final value; and the points with an unstable run, marked.
 */
export function lateBands(
  runs: readonly RunInfo[],
  lines: { value: number; points: Point[] }[],
  what = 'late window',
): Series[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const band: Point[] = [];
  const unstable: Point[] = [];
  for (const { points } of lines)
    for (const pt of points) {
      const late = (pt.runIds ?? []).map((id) => byId.get(id)?.late).filter((l) => l !== undefined);
      if (!late.length || pt.y === null) continue;
      const lo = Math.min(...late.map((l) => l.min));
      const hi = Math.max(...late.map((l) => l.max));
      band.push({ x: pt.x, y: pt.y, lo, hi, runIds: pt.runIds });
      if (late.some((l) => l.unstable)) unstable.push({ x: pt.x, y: pt.y, runIds: pt.runIds });
    }
  const out: Series[] = [];
  if (band.length)
    out.push({
      label: `${what}: min–max of the last 10% of evaluations (≥ ${LATE_MIN_EVALS})`,
      color: 'theme:muted',
      kind: 'points',
      width: 1,
      points: band,
    });
  if (unstable.length)
    out.push({
      label: `unstable: late band wider than ${UNSTABLE_SPREAD * 100}% of its mean`,
      color: '#d62728',
      kind: 'points',
      points: unstable,
    });
  return out;
}

const CASE_HINTS: Record<string, string> = {
  high:
    'The teacher lives on the largest-variance direction, so a larger p (which favours high-variance ' +
    'directions) should give a lower test MSE and resist fitting the noise.',
  low:
    'The teacher lives on the smallest-variance direction, so a smaller p (which favours low-variance ' +
    'directions) should win here: the opposite of Case High.',
};

const TRANSFER_HINTS: Record<string, string> = {
  high:
    'Task 1 behaves as in Figure 1. Task 2 keeps the first layer and refits only the output layer for a ' +
    'teacher on a small-variance direction: features tuned to the large direction (large p) serve it badly; p = ' +
    '−1 keeps every direction and tends to transfer best.',
  low:
    'Task 1 behaves as in Figure 1. Task 2 moves the teacher to a large-variance direction: features tuned to ' +
    'the small direction (small p) serve it badly; p = −1 keeps every direction and tends to transfer best.',
};

interface Group {
  key: string;
  runs: RunInfo[];
}

function groupBy(runs: RunInfo[], key: (r: RunInfo) => string): Group[] {
  const m = new Map<string, RunInfo[]>();
  for (const r of runs) (m.get(key(r)) ?? m.set(key(r), []).get(key(r))!).push(r);
  return [...m].map(([k, rs]) => ({ key: k, runs: rs }));
}

/** One point from the runs at one grid point: mean over seeds with an error bar, the runs behind it. */
function meanPoint(x: number | string, runs: readonly RunInfo[], metric: string, positive: boolean): Point | undefined {
  const s = stat(runs.map((r) => r.final[metric]));
  if (!s) return undefined;
  return { x, y: s.mean, ...errorBar(s, positive), runIds: runs.map((r) => r.id) };
}

/** Lines of `metric` against the `x` param, one per value of `line`, for the done runs given. */
export function seriesPer(
  runs: readonly RunInfo[],
  x: 'p' | 'snr',
  line: 'p' | 'snr',
  metric: string,
  positive: boolean,
): { value: number; points: Point[] }[] {
  const values = distinct(runs.map((r) => r.params[line]));
  return values.map((value) => {
    const mine = runs.filter((r) => r.params[line] === value);
    const xs = distinct(mine.map((r) => r.params[x]));
    const points = xs
      .map((xv) =>
        meanPoint(
          xv,
          mine.filter((r) => r.params[x] === xv),
          metric,
          positive,
        ),
      )
      .filter((p): p is Point => !!p);
    return { value, points };
  });
}

/**
 * The noise floor: a curve over SNR, or one level per SNR across the p axis (in its SNR line's colour, one legend
 * entry).
 */
function floorGuide(snrs: number[], xs: number[], alongSnr: boolean, allSnr: number[] = snrs): Series[] {
  if (alongSnr) {
    return [
      {
        label: 'noise floor 1/(1+SNR²)',
        color: 'theme:muted',
        kind: 'line',
        dash: [2, 3],
        guide: true,
        points: snrs.map((s) => ({ x: s, y: noiseFloor(s) })),
      },
    ];
  }
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return snrs.map((s, i) => ({
    label:
      snrs.length === 1
        ? `noise floor at SNR ${s}: ${noiseFloor(s).toFixed(2)}`
        : i === 0
          ? 'noise floor of each SNR (dotted, same colour)'
          : '',
    color: snrs.length === 1 ? 'theme:muted' : rampColor(s, allSnr),
    kind: 'line' as const,
    dash: [2, 3],
    guide: true,
    points: [
      { x: lo, y: noiseFloor(s) },
      { x: hi, y: noiseFloor(s) },
    ],
  }));
}

/**
 * Reference points (media/reference-points.json, e.g. the authors' code at seed 42) for this preset, case and the
 * SNRs shown: a distinct marker series each, not clickable (no runs behind them).
 */
function referenceMarkers(snap: PanelSnapshot, c: string, snrs: number[]): Series[] {
  const name = snap.experiment?.name;
  if (!name) return [];
  return referenceFor(name, 'testMSE')
    .filter((r) => r.case === c && snrs.includes(r.snr))
    .map((r) => ({
      label: `${r.source} (seed ${r.seed}${snrs.length > 1 ? `, SNR ${r.snr}` : ''})`,
      color: 'theme:orange' as const,
      kind: 'points' as const,
      guide: true,
      points: r.p.map((x, i) => ({ x, y: r.values[i] })),
    }));
}

function noiseSummary(snap: PanelSnapshot, done: RunInfo[], logY: boolean): { figures: ChartSpec[]; table: Table } {
  const figures: ChartSpec[] = [];
  const cases = orderCases(distinct(done.map((r) => r.params.case)));
  const allP = distinct(done.map((r) => r.params.p));
  const allSnr = distinct(done.map((r) => r.params.snr));
  const yAxis = logY
    ? { label: 'final test MSE', type: 'log' as const }
    : { label: 'final test MSE', type: 'linear' as const, min: 0 };
  for (const c of cases) {
    const runs = done.filter((r) => r.params.case === c);
    const snrs = distinct(runs.map((r) => r.params.snr));
    if (snrs.length >= 2) {
      figures.push({
        kind: 'chart',
        id: `vs-snr-${c}`,
        title: `${caseName(c)}: final test MSE vs SNR, one line per p`,
        caption:
          `${CASE_HINTS[c] ?? ''} Blue = small p, red = large p; dotted = the noise floor, the best any ` +
          'model can do.',
        x: { label: 'SNR (signal std / noise std)', type: 'log' },
        y: yAxis,
        series: [
          ...seriesPer(runs, 'snr', 'p', 'testMSE', logY).map(({ value, points }) => ({
            label: `p = ${value}`,
            color: rampColor(value, allP),
            kind: 'line' as const,
            markers: true,
            points,
          })),
          ...floorGuide(snrs, snrs, true),
        ],
        clickable: true,
        legend: true,
      });
    }
    const ps = distinct(runs.map((r) => r.params.p));
    figures.push({
      kind: 'chart',
      id: `vs-p-${c}`,
      title: `${caseName(c)}: final test MSE vs p${snrs.length > 1 ? ', one line per SNR' : ` (SNR ${snrs[0]})`}`,
      caption:
        `${snrs.length >= 2 ? '' : `${CASE_HINTS[c] ?? ''} `}Lower is better; dotted = noise floor. Click ` +
        'a point for its training curves.',
      x: { label: 'p (preconditioner P = Σ^p)', type: 'linear' },
      y: yAxis,
      series: [
        ...seriesPer(runs, 'p', 'snr', 'testMSE', logY).map(({ value, points }) => ({
          label: `SNR ${value}`,
          color: snrs.length > 1 ? rampColor(value, allSnr) : 'theme:accent',
          kind: 'line' as const,
          markers: true,
          points,
        })),
        ...lateBands(runs, seriesPer(runs, 'p', 'snr', 'testMSE', logY)),
        ...floorGuide(snrs, ps, false, allSnr),
        ...referenceMarkers(snap, c, snrs),
      ],
      clickable: true,
      legend: true,
    });
  }
  const table: Table = {
    columns: [
      'case',
      'p',
      'snr',
      'runs',
      'testMSE_mean',
      'testMSE_std',
      'bestTestMSE_mean',
      'trainMSE_mean',
      'noiseFloor',
      'late_min',
      'late_max',
      'unstable_runs',
      'run_ids',
    ],
    rows: [],
  };
  for (const g of groupBy(done, (r) => `${r.params.case}|${r.params.p}|${r.params.snr}`)) {
    const { case: c, p, snr } = g.runs[0].params;
    const t = stat(g.runs.map((r) => r.final.testMSE));
    table.rows.push([
      c,
      p,
      snr,
      g.runs.length,
      t?.mean,
      t?.std,
      stat(g.runs.map((r) => r.final.bestTestMSE))?.mean,
      stat(g.runs.map((r) => r.final.trainMSE))?.mean,
      snr === undefined ? undefined : noiseFloor(snr),
      ...lateCells(g.runs),
      g.runs.map((r) => r.id).join(' '),
    ]);
  }
  sortRows(table, snap);
  return { figures, table };
}

function transferSummary(done: RunInfo[], logY: boolean): { figures: ChartSpec[]; table: Table } {
  const figures: ChartSpec[] = [];
  const cases = orderCases(distinct(done.map((r) => r.params.case)));
  for (const c of cases) {
    const runs = done.filter((r) => r.params.case === c);
    const snrs = distinct(runs.map((r) => r.params.snr));
    const series: Series[] = [];
    for (const [metric, label, color, dash] of [
      ['task1TestMSE', 'Task 1 test MSE', 'theme:accent', undefined],
      ['task2TestMSE', 'Task 2 test MSE', 'theme:orange', [6, 4]],
    ] as const) {
      for (const { value, points } of seriesPer(runs, 'p', 'snr', metric, logY)) {
        series.push({
          label: snrs.length > 1 ? `${label} (SNR ${value})` : label,
          color,
          kind: 'line',
          markers: true,
          dash: dash ? [...dash] : undefined,
          points,
        });
      }
    }
    series.push(...lateBands(runs, seriesPer(runs, 'p', 'snr', 'task1TestMSE', logY), 'Task 1 late window'));
    const seeds = distinct(runs.map((r) => r.params.seed)).length;
    figures.push({
      kind: 'chart',
      id: `transfer-${c}`,
      title: `${caseName(c)}: Task 1 and Task 2 test MSE vs p`,
      caption:
        `${TRANSFER_HINTS[c] ?? ''} ` +
        `${seeds > 1 ? `Mean over ${seeds} seeds, bars ± one standard deviation.` : 'One seed: run more seeds for error bars.'} Click a point for its curves.`,
      x: { label: 'p (Task 1 preconditioner P = Σ^p)', type: 'linear' },
      y: logY ? { label: 'test MSE', type: 'log' } : { label: 'test MSE', type: 'linear', min: 0 },
      series,
      clickable: true,
      legend: true,
    });
  }
  const table: Table = {
    columns: [
      'case',
      'p',
      'snr',
      'runs',
      'task1TestMSE_mean',
      'task1TestMSE_std',
      'task2TestMSE_mean',
      'task2TestMSE_std',
      'task2TrainMSE_mean',
      'task1_late_min',
      'task1_late_max',
      'unstable_runs',
      'run_ids',
    ],
    rows: [],
  };
  for (const g of groupBy(done, (r) => `${r.params.case}|${r.params.p}|${r.params.snr}`)) {
    const { case: c, p, snr } = g.runs[0].params;
    const t1 = stat(g.runs.map((r) => r.final.task1TestMSE));
    const t2 = stat(g.runs.map((r) => r.final.task2TestMSE));
    table.rows.push([
      c,
      p,
      snr,
      g.runs.length,
      t1?.mean,
      t1?.std,
      t2?.mean,
      t2?.std,
      stat(g.runs.map((r) => r.final.task2TrainMSE))?.mean,
      ...lateCells(g.runs),
      g.runs.map((r) => r.id).join(' '),
    ]);
  }
  return { figures, table };
}

/** late_min, late_max and the unstable runs of one grid point, for the table and its CSV */
function lateCells(runs: readonly RunInfo[]): (number | string | undefined)[] {
  const late = runs.map((r) => r.late).filter((l) => l !== undefined);
  if (!late.length) return [undefined, undefined, ''];
  return [
    Math.min(...late.map((l) => l.min)),
    Math.max(...late.map((l) => l.max)),
    runs
      .filter((r) => r.late?.unstable)
      .map((r) => r.id)
      .join(' '),
  ];
}

function sortRows(table: Table, _snap: PanelSnapshot): void {
  const rank = (c: unknown): number => (c === 'high' ? 0 : c === 'low' ? 1 : 2);
  table.rows.sort((a, b) => rank(a[0]) - rank(b[0]) || Number(a[2]) - Number(b[2]) || Number(a[1]) - Number(b[1]));
}

export function summaryView(snap: PanelSnapshot, opts: ViewOptions): TabView {
  const kind = snap.experiment?.kind;
  const metric = kind === 'transfer' ? 'task2TestMSE' : 'testMSE';
  const done = snap.runs.filter((r) => isDone(r) && Number.isFinite(r.final[metric]));
  const logY = opts.log?.summary ?? false;
  const intro =
    kind === 'transfer'
      ? 'Forward transfer (paper Figure 3): does a first layer trained with P = Σ^p on one teacher serve a ' +
        'second teacher at the other end of the spectrum?'
      : 'Noise robustness (paper Figure 1): the final test MSE of each p. Which p wins depends on where the ' +
        'teacher lives in the spectrum.';
  const notes: string[] = [];
  const diverged = snap.runs.filter((r) => r.state === 'diverged').length;
  if (diverged)
    notes.push(`${diverged} run${diverged > 1 ? 's' : ''} diverged and ${diverged > 1 ? 'are' : 'is'} left out.`);
  const live = snap.runs.filter((r) => r.state === 'running' || r.state === 'queued').length;
  if (live) notes.push(`${live} run${live > 1 ? 's are' : ' is'} still training; points appear as runs finish.`);
  if (!done.length) {
    return {
      figures: [],
      table: { columns: [], rows: [] },
      intro,
      notes,
      empty: live
        ? 'No run has finished yet. Watch them train in the Curves tab.'
        : 'No finished runs to summarise yet. Run the experiment with the button below, or from its row in the ' +
          'Experiments view.',
    };
  }
  const { figures, table } = kind === 'transfer' ? transferSummary(done, logY) : noiseSummary(snap, done, logY);
  return { figures, table, intro, notes };
}
