// The Compare tab of the comparison panel: runs pinned from several experiments, their curves of one metric overlaid
// (a metric every pinned run recorded), and a table of their parameters, differing settings and final metrics with
// the cells that differ between the runs highlighted.
import type { CurveData, PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { runLabel, varyingAxes } from './labels';
import { differs, finalKeys, metricLabel, ordered, paramKeys, paramOf } from './runTable';
import { smooth } from './series';
import type { ChartSpec, Point, Series, TableRow, TableSpec, TabView } from './spec';

const METRIC_ORDER = ['testMSE', 'trainMSE', 'trainLoss', 'valAcc', 'oodLeftAcc', 'oodRightAcc', 'trainAcc'];

/** The recorded metrics every pinned run has at least one value of, in reading order. */
export function sharedMetrics(runs: readonly RunInfo[], curves: Record<string, CurveData>): string[] {
  const withData = runs.filter((r) => (curves[r.id]?.step.length ?? 0) > 0);
  if (!withData.length) return [];
  const has = (r: RunInfo, m: string): boolean => (curves[r.id]?.cols[m] ?? []).some((v) => v !== null);
  const first = Object.keys(curves[withData[0].id].cols);
  return ordered(
    first.filter((m) => withData.every((r) => has(r, m))),
    METRIC_ORDER,
  );
}

/** The metric the overlay shows: the chosen one if every run has it, else the first shared. */
export function compareMetric(snap: PanelSnapshot, opts: ViewOptions): string | undefined {
  const shared = sharedMetrics(snap.runs, snap.curves);
  return opts.metric && shared.includes(opts.metric) ? opts.metric : shared[0];
}

/** "fig1-cov-quick · Case High · p = 2": the experiment and what tells the runs apart within it. */
export function pinLabel(r: RunInfo, all: readonly RunInfo[]): string {
  const same = all.filter((x) => x.experiment === r.experiment);
  return `${r.experiment ?? '?'} · ${runLabel({ id: r.runId ?? r.id, params: r.params }, varyingAxes(same.length > 1 ? same : all))}`;
}

function settingsKeys(runs: readonly RunInfo[]): string[] {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.settings ?? {})));
  return [...keys].filter((k) => differs(runs.map((r) => r.settings?.[k]))).sort();
}

const settingText = (v: unknown): string | number | null =>
  v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);

export function compareTable(snap: PanelSnapshot): TableSpec {
  const runs = snap.runs;
  const params = paramKeys(runs);
  const settings = settingsKeys(runs);
  const metrics = finalKeys(runs);
  const col = (key: string, label: string, numeric: boolean) => ({ key, label, numeric });
  const columns = [
    col('run', 'run', false),
    col('experiment', 'experiment', false),
    ...params.map((k) => col(`param:${k}`, k, true)),
    ...settings.map((k) => col(`setting:${k}`, k, true)),
    ...metrics.map((k) => col(`final:${k}`, `final ${metricLabel(k)}`, true)),
    col('tags', 'tags', false),
  ];
  const paramDiff = params.map((k) => differs(runs.map((r) => paramOf(r, k))));
  const rows: TableRow[] = runs.map((r) => ({
    runId: r.id,
    color: r.color,
    cells: [
      r.runId ?? r.id,
      r.experiment ?? '',
      ...params.map((k) => paramOf(r, k) ?? null),
      ...settings.map((k) => settingText(r.settings?.[k])),
      ...metrics.map((k) => (Number.isFinite(r.final[k]) ? r.final[k] : null)),
      (r.tags ?? []).join(' ') || null,
    ],
    // the parameters and settings that differ between the pinned runs (settings are listed only when they do)
    highlight: [false, false, ...paramDiff, ...settings.map(() => true), ...metrics.map(() => false), false],
    ...(r.tags?.length ? { tags: r.tags } : {}),
    ...(r.note ? { note: r.note } : {}),
  }));
  return {
    kind: 'table',
    id: 'compare-table',
    title: 'Pinned runs: parameters, settings and final metrics',
    caption:
      'Highlighted: the parameters and settings that differ between these runs (settings are listed only when ' +
      'they differ). Unpin a run to drop it from the comparison.',
    columns,
    rows,
    rowActions: ['unpin', 'tag'],
  };
}

/** Log scale by default only where the metric is an error or loss spanning more than a decade across the runs. */
export function compareLogDefault(snap: PanelSnapshot, metric: string | undefined): boolean {
  if (!metric || !/MSE|Loss/.test(metric)) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of snap.runs)
    for (const v of snap.curves[r.id]?.cols[metric] ?? [])
      if (v !== null && v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  return hi / lo > 10;
}

export function compareView(snap: PanelSnapshot, opts: ViewOptions): TabView {
  const runs = snap.runs;
  const metric = compareMetric(snap, opts);
  const weight = opts.smoothing ?? 0;
  const logY = opts.log?.compare ?? compareLogDefault(snap, metric);
  const series: Series[] = [];
  if (metric)
    for (const r of runs) {
      const c = snap.curves[r.id];
      if (!c) continue;
      const ys = smooth(c.cols[metric] ?? [], weight);
      const points: Point[] = [];
      c.step.forEach((x, i) => {
        const y = ys[i];
        if (y !== null && y !== undefined && (!logY || y > 0)) points.push({ x, y });
      });
      if (points.length) series.push({ label: pinLabel(r, runs), color: r.color, kind: 'line', points });
    }
  const chart: ChartSpec = {
    kind: 'chart',
    id: 'compare-curves',
    title: metric ? `${metricLabel(metric)} over training, pinned runs` : 'Pinned runs',
    caption:
      'One line per pinned run, in the colour of its row below. Runs of different experiments may have trained for ' +
      'different numbers of steps or evaluated at different intervals: the table lists the settings that differ.',
    x: { label: 'training step', type: 'linear' },
    // no forced zero: curves of similar runs sit close together, and the differences are what a comparison is for
    y: { label: metric ? metricLabel(metric) : '', type: logY ? 'log' : 'linear' },
    series,
    legend: true,
    empty: runs.length ? 'These runs share no recorded metric, or have recorded nothing yet.' : 'No runs pinned yet.',
  };
  const notes: string[] = [];
  if (weight > 0) notes.push(`Smoothed (weight ${weight}); the CSV holds the recorded values.`);
  const withData = runs.filter((r) => (snap.curves[r.id]?.step.length ?? 0) > 0);
  if (metric && withData.length < runs.length)
    notes.push(`${runs.length - withData.length} pinned run(s) have recorded no metrics yet.`);
  const table = compareTable(snap);
  return {
    figures: runs.length ? [chart, table] : [],
    table: {
      columns: table.columns.map((c) => c.label),
      rows: table.rows.map((r) => r.cells),
    },
    intro:
      'Runs pinned from any experiment, side by side: pin runs with "Pin for Comparison" in the Experiments view ' +
      '(right-click a run) or the pin buttons of a results panel.',
    notes,
    ...(runs.length
      ? {}
      : {
          empty:
            'No runs pinned. Right-click runs in the Experiments view and choose "Pin for Comparison", or use the ' +
            'pin buttons in the Curves or Parameters tab of a results panel.',
        }),
  };
}
