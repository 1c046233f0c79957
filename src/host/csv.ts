// An experiment's results as CSV: one row per run with its parameters and final metrics (RFC 4180 quoting).
// Columns come from the runs themselves, so experiment kinds with other params or metrics need no change.
import { toCsv } from '../shared/format';
import type { Summary } from '../sweep/store';
import { paramsByAxis } from './runView';

const union = (lists: string[][]): string[] => [...new Set(lists.flat())];

export function summaryToCsv(summary: Summary): string {
  const runs = summary.runs;
  const params = union(runs.map((r) => Object.keys(r.params)));
  // test MSE first: it is the headline metric, and a spreadsheet user looks at the first metric column first
  const metrics = union(runs.map((r) => Object.keys(r.final))).sort((a, b) =>
    a === 'testMSE' ? -1 : b === 'testMSE' ? 1 : a.localeCompare(b),
  );
  const header = ['experiment', 'run', 'status', ...params, ...metrics, 'backend', 'seconds', 'reason'];
  const rows = runs.map((r) => {
    const byAxis = paramsByAxis(r.params);
    return [
      summary.experiment.name,
      r.id,
      r.status,
      ...params.map((k) => byAxis[k]),
      ...metrics.map((k) => r.final[k]),
      r.backend,
      r.seconds,
      r.reason,
    ];
  });
  return toCsv([header, ...rows]);
}
