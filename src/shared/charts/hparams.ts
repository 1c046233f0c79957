// The Parameters tab (the hyperparameter view of a sweep): parallel coordinates of the swept parameters and the
// headline metric, one line per finished run, and a table of every run's parameters against its final metrics,
// sorted by any column (click its header). The sort is a view option, so it survives a reload; the CSV holds the
// table in the order shown.
import { fmt } from '../format';
import type { PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { caseName, OPTIMIZER_NAMES, runLabel, varyingAxes } from './labels';
import { lateMetric } from './lateWindow';
import { bandText, column, finalKeys, metricLabel, paramKeys, paramOf, sortRows, differs } from './runTable';
import type { ChartSpec, Series, TableRow, TableSpec, TabView } from './spec';

/** Lines drawn in the parallel coordinates at most (the table lists every run). */
export const MAX_PARALLEL = 400;

/** Lower is better for errors and losses; higher for accuracies. */
export const higherIsBetter = (metric: string): boolean => /acc|alignment/i.test(metric);

const paramText = (k: string, v: string | number | undefined): string =>
  v === undefined
    ? ''
    : k === 'case'
      ? caseName(String(v))
      : k === 'optimizer'
        ? (OPTIMIZER_NAMES[v] ?? String(v))
        : String(v);

/** The table's rows and columns before sorting (exported for the tests, which sort the store's values themselves). */
export function hparamsTable(snap: PanelSnapshot): { spec: TableSpec; headline: string } {
  const runs = snap.runs;
  const kind = snap.experiment?.kind;
  const params = paramKeys(runs, true);
  const shownParams = params.length ? params : paramKeys(runs).slice(0, 3);
  const metrics = finalKeys(runs);
  const headline = lateMetric(kind);
  const columns = [
    column('run', 'run', false),
    column('state', 'state', false),
    ...shownParams.map((k) => column(`param:${k}`, k, typeof paramOf(runs[0] ?? ({} as RunInfo), k) === 'number')),
    ...metrics.map((k) => column(`final:${k}`, metricLabel(k), true)),
    column('late', `late ${metricLabel(headline)} (min – max)`, true),
    column('tags', 'tags', false),
  ];
  const axes = varyingAxes(runs);
  const rows: TableRow[] = runs.map((r) => ({
    runId: r.id,
    color: r.color,
    cells: [
      runLabel(r, axes),
      r.late?.unstable ? `${r.state} · unstable` : r.state,
      ...shownParams.map((k) => {
        const v = paramOf(r, k);
        return v === undefined ? null : typeof v === 'number' ? v : paramText(k, v);
      }),
      ...metrics.map((k) => (typeof r.final[k] === 'number' && Number.isFinite(r.final[k]) ? r.final[k] : null)),
      // sorts by the band's width; shows min – max
      r.late ? r.late.max - r.late.min : null,
      (r.tags ?? []).join(' ') || null,
    ],
    ...(r.tags?.length ? { tags: r.tags } : {}),
    ...(r.note ? { note: r.note } : {}),
  }));
  const spec: TableSpec = {
    kind: 'table',
    id: 'hparams-table',
    title: 'Parameters and final metrics',
    caption:
      'Click a column header to sort by it (again to reverse). Missing values sort last. The late column is the ' +
      `width of the band ${metricLabel(headline)} spanned over the last 10% of evaluations; unstable runs say so.`,
    columns,
    rows,
    rowActions: ['pin', 'tag'],
    ...(runs.length ? {} : { empty: 'No runs yet.' }),
  };
  return { spec, headline };
}

/** The display text of a late cell (the table holds its width, to sort by). */
export const lateCellText = (r: RunInfo): string | null => (r.late ? bandText(r.late.min, r.late.max) : null);

function parallel(snap: PanelSnapshot, headline: string): ChartSpec | undefined {
  const runs = snap.runs.filter((r) => r.state === 'done' && Number.isFinite(r.final[headline])).slice(0, MAX_PARALLEL);
  const params = paramKeys(runs, true);
  if (runs.length < 2 || !params.length) return undefined;
  const axes = [...params, headline];
  const labels = axes.map((a) => (a === headline ? metricLabel(a) : a));
  // each axis on its own range: numbers min..max, categories evenly spaced in their order
  const scale = axes.map((a) => {
    const vals = runs.map((r) => (a === headline ? r.final[a] : paramOf(r, a)));
    if (vals.every((v) => typeof v === 'number')) {
      const ns = vals as number[];
      const lo = Math.min(...ns);
      const hi = Math.max(...ns);
      return {
        at: (v: unknown) => (hi > lo ? ((v as number) - lo) / (hi - lo) : 0.5),
        range: `${a === headline ? metricLabel(a) : a} ${fmt(lo)} … ${fmt(hi)}`,
      };
    }
    const cats = [...new Set(vals.map(String))].sort();
    return {
      at: (v: unknown) => (cats.length > 1 ? cats.indexOf(String(v)) / (cats.length - 1) : 0.5),
      range: `${a} ${cats.map((c) => paramText(a, c)).join(' / ')}`,
    };
  });
  const va = varyingAxes(runs);
  const series: Series[] = runs.map((r) => ({
    label: runLabel(r, va),
    color: r.color,
    kind: 'line',
    markers: true,
    width: 1.5,
    points: axes.map((a, i) => ({
      x: labels[i],
      y: scale[i].at(a === headline ? r.final[a] : paramOf(r, a)),
      runIds: [r.id],
    })),
  }));
  return {
    kind: 'chart',
    id: 'hparams-parallel',
    title: `Parallel coordinates: parameters against final ${metricLabel(headline)}`,
    caption:
      `One line per finished run, each axis scaled to its own range (bottom = lowest): ${scale.map((s) => s.range).join('; ')}. ` +
      `${higherIsBetter(headline) ? 'Higher' : 'Lower'} is better on the last axis: follow the lines that end there back to their parameters. Click a point for its curves.`,
    x: { label: 'parameter', type: 'category', categories: labels },
    y: { label: 'position on the axis’s range', type: 'linear', min: 0, max: 1 },
    series,
    clickable: true,
  };
}

export function hparamsView(snap: PanelSnapshot, opts: ViewOptions): TabView {
  const { spec, headline } = hparamsTable(snap);
  const keys = spec.columns.map((c) => c.key);
  const wanted = opts.sort && keys.includes(opts.sort.key) ? opts.sort : undefined;
  const sort = wanted ?? { key: `final:${headline}`, desc: higherIsBetter(headline) };
  const col = keys.indexOf(sort.key);
  const order = col >= 0 ? sortRows(spec.rows, col, sort.desc) : spec.rows.map((_, i) => i);
  const byId = new Map(snap.runs.map((r) => [r.id, r]));
  const lateCol = keys.indexOf('late');
  const rows = order.map((i) => spec.rows[i]);
  // the late cell shows the band, the sort used its width
  const shown: TableRow[] = rows.map((row) => {
    const r = byId.get(row.runId!);
    const cells = [...row.cells];
    if (lateCol >= 0 && r) cells[lateCol] = lateCellText(r);
    return { ...row, cells };
  });
  const figures = [parallel(snap, headline), { ...spec, rows: shown, sort: col >= 0 ? sort : undefined }].filter(
    (f) => f !== undefined,
  );
  const notes: string[] = [];
  const done = snap.runs.filter((r) => r.state === 'done').length;
  if (done > MAX_PARALLEL)
    notes.push(`The parallel coordinates draw the first ${MAX_PARALLEL} of ${done} finished runs.`);
  if (!differs(snap.runs.map((r) => JSON.stringify(r.params))) && snap.runs.length > 1)
    notes.push('These runs share every parameter.');
  return {
    figures,
    table: {
      columns: ['id', ...spec.columns.map((c) => c.label), 'note'],
      rows: shown.map((row) => [row.runId, ...row.cells, byId.get(row.runId!)?.note ?? null]),
    },
    intro:
      'Every run of the sweep with its parameters and final metrics. Sort by a metric to see which settings win; ' +
      'pin runs to compare them with runs of other experiments, or tag them.',
    notes,
    ...(snap.runs.length ? {} : { empty: 'No runs yet: run the experiment to fill this table.' }),
  };
}
