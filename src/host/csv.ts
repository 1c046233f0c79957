// An experiment's results as CSV: one row per run with its parameters and final metrics (RFC 4180 quoting).
// Columns come from the runs themselves, so experiment kinds with other params or metrics need no change.
import { toCsv } from '../shared/format';
import type { Summary } from '../sweep/store';
import { paramsByAxis } from './runView';
import type { LateWindow } from '../shared/charts/lateWindow';

const union = (lists: string[][]): string[] => [...new Set(lists.flat())];

/**
 * `late`: each run's late window (last 10% of evaluations, at least 5): its min, max and an unstable flag follow the
 * final metrics; the final value stays the headline.
 */
export function summaryToCsv(summary: Summary, late: ReadonlyMap<string, LateWindow> = new Map()): string {
  const runs = summary.runs;
  const params = union(runs.map((r) => Object.keys(r.params)));
  // test MSE first: it is the headline metric, and a spreadsheet user looks at the first metric column first
  const metrics = union(runs.map((r) => Object.keys(r.final))).sort((a, b) =>
    a === 'testMSE' ? -1 : b === 'testMSE' ? 1 : a.localeCompare(b),
  );
  const header = [
    'experiment',
    'run',
    'status',
    ...params,
    ...metrics,
    'late_min',
    'late_max',
    'unstable',
    'backend',
    'seconds',
    'reason',
  ];
  const rows = runs.map((r) => {
    const byAxis = paramsByAxis(r.params);
    return [
      summary.experiment.name,
      r.id,
      r.status,
      ...params.map((k) => byAxis[k]),
      ...metrics.map((k) => r.final[k]),
      late.get(r.id)?.min,
      late.get(r.id)?.max,
      late.has(r.id) ? String(late.get(r.id)!.unstable) : undefined,
      r.backend,
      r.seconds,
      r.reason,
    ];
  });
  return toCsv([header, ...rows]);
}
