// How runs and groups read in legends, tooltips and CSV columns.
import type { RunInfo } from '../panelMessages';

const AXES = ['case', 'optimizer', 'snr', 'p', 'seed'] as const;
export type Axis = (typeof AXES)[number];

export const OPTIMIZER_NAMES: Record<string, string> = {
  gd: 'GD',
  sam: 'SAM',
  adam: 'Adam',
  'sophia-h': 'Sophia-H',
  adahessian: 'AdaHessian',
  kfac: 'K-FAC',
  lbfgs: 'L-BFGS',
};

/** "Case High", "Case Low", and "Custom spectrum" for the config's case custom. */
export const caseName = (c: string | undefined): string =>
  c === 'custom' ? 'Custom spectrum' : c ? `Case ${c[0].toUpperCase()}${c.slice(1)}` : 'Case ?';
const optimizerName = (o: string | undefined): string => (o ? (OPTIMIZER_NAMES[o] ?? o) : '?');

/** The axes whose values differ between these runs, in a fixed reading order. */
export function varyingAxes(runs: readonly { params: RunInfo['params'] }[]): Axis[] {
  return AXES.filter((a) => new Set(runs.map((r) => String(r.params[a]))).size > 1);
}

function axisText(axis: Axis, v: string | number | undefined): string {
  if (v === undefined) return '';
  switch (axis) {
    case 'case':
      return caseName(String(v));
    case 'optimizer':
      return optimizerName(String(v));
    case 'snr':
      return `SNR ${v}`;
    case 'p':
      return `p = ${v}`;
    case 'seed':
      return `seed ${v}`;
  }
}

/** "Case High · p = 2", naming only the axes that tell the given runs apart (all of them when none vary). */
export function runLabel(run: { id: string; params: RunInfo['params'] }, axes: readonly Axis[]): string {
  const shown = axes.length ? axes : AXES.filter((a) => a !== 'seed' && run.params[a] !== undefined);
  return (
    shown
      .map((a) => axisText(a, run.params[a]))
      .filter(Boolean)
      .join(' · ') || run.id
  );
}

/** OOD category of a run: the optimizer, with AdaHessian's power when the experiment sweeps it. */
export function oodCategory(params: RunInfo['params'], showPower: boolean): string {
  const name = optimizerName(params.optimizer);
  return params.optimizer === 'adahessian' && params.p !== undefined && showPower ? `${name} p = ${params.p}` : name;
}

export const isDone = (r: RunInfo): boolean => r.state === 'done';

/** Distinct values in first-seen order (numbers sorted ascending). */
export function distinct<T extends string | number>(values: readonly (T | undefined)[]): T[] {
  const out = [...new Set(values.filter((v): v is T => v !== undefined))];
  return typeof out[0] === 'number' ? ((out as number[]).sort((a, b) => a - b) as T[]) : out;
}

/** Cases in the paper's order (High first), then any others. */
export function orderCases(cases: readonly string[]): string[] {
  const rank = (c: string): number => (c === 'high' ? 0 : c === 'low' ? 1 : 2);
  return [...cases].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * What a transfer run whose Task 1 was reused says about its curves: they are those of the run it reused (read
 * through from that run's records), or that run has been deleted and there is nothing to draw.
 */
export function reusedNote(r: { id: string; reused?: { from: string; missing?: boolean } }): string | undefined {
  if (!r.reused) return undefined;
  return r.reused.missing
    ? `${r.id} reused Task 1 from ${r.reused.from}, which has been deleted: its curves and energy records are gone ` +
        '(re-run it to record its own).'
    : `${r.id} reused Task 1 from ${r.reused.from}: its curves and energy records are those of that run.`;
}
