// The late window of a run: the last 10% of its evaluations (at least 5, or all when fewer ran), summarised as a
// min-max band around the final value. A run whose band is wider than 20% of the band's mean is unstable: its final
// value depends on which step training stopped at (Case Low, p = 2 swings between about 1.5 and 2.9). The final value
// stays the headline number; the band says how much to trust it. Used by the Summary tab, the tree and the CSV.

export interface LateWindow {
  /** evaluations in the window */
  n: number;
  min: number;
  max: number;
  mean: number;
  /** max - min > UNSTABLE_SPREAD * |mean| */
  unstable: boolean;
}

export const LATE_FRACTION = 0.1;
export const LATE_MIN_EVALS = 5;
export const UNSTABLE_SPREAD = 0.2;

/** How many of `count` evaluations the late window holds. */
export const lateCount = (count: number): number =>
  Math.min(count, Math.max(LATE_MIN_EVALS, Math.ceil(LATE_FRACTION * count)));

/** The band of the last evaluations of `values` (in step order; non-finite values are skipped). */
export function lateWindow(values: readonly (number | null | undefined)[]): LateWindow | undefined {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!finite.length) return undefined;
  const tail = finite.slice(finite.length - lateCount(finite.length));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of tail) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / tail.length;
  return { n: tail.length, min, max, mean, unstable: max - min > UNSTABLE_SPREAD * Math.abs(mean) };
}

/** The metric whose late window is judged: test MSE for the regression kinds, the left OOD accuracy for OOD. */
export const lateMetric = (kind: string | undefined): 'oodLeftAcc' | 'testMSE' =>
  kind === 'ood' ? 'oodLeftAcc' : 'testMSE';
