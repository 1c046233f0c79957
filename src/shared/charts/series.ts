// Numeric helpers for charts: mean and spread over seeds, decimation that keeps a curve's extremes, smoothing, and
// rounding for the wire. Plain functions on arrays; no DOM, no vscode.
import type { CurveData } from '../panelMessages';

export interface Stat {
  mean: number;
  /** sample standard deviation (0 for one value) */
  std: number;
  n: number;
  min: number;
  max: number;
}

/** Mean and spread of the finite values; undefined when there are none. */
export function stat(values: readonly number[]): Stat | undefined {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return undefined;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length, min: Math.min(...v), max: Math.max(...v) };
}

/** Error bar of a stat: mean +- one standard deviation, kept positive for log axes when `positive`. */
export function errorBar(s: Stat, positive = false): { lo: number; hi: number } | undefined {
  if (s.n < 2) return undefined;
  const lo = s.mean - s.std;
  return { lo: positive && lo <= 0 ? Math.min(s.min, s.mean / 10) : lo, hi: s.mean + s.std };
}

/**
 * Indices to keep so that n points fit in `budget`: the first and last, and in each of the buckets the index range
 * is cut into, the minimum and maximum of every column (so spikes and the best value survive). Sorted, unique,
 * at most `budget` long; every index when n <= budget.
 */
export function decimateIndices(n: number, columns: readonly (readonly (number | null)[])[], budget: number): number[] {
  if (n <= budget) return Array.from({ length: n }, (_, i) => i);
  const k = Math.max(2, budget);
  const even = (): number[] => [...new Set(Array.from({ length: k }, (_, j) => Math.round((j * (n - 1)) / (k - 1))))];
  if (budget < 4) return even();
  const cols = columns.length ? columns : [[]];
  const perBucket = 2 * cols.length;
  const buckets = Math.max(1, Math.floor((budget - 2) / perBucket));
  const keep = new Set<number>([0, n - 1]);
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(((n - 2) * b) / buckets);
    const end = 1 + Math.floor(((n - 2) * (b + 1)) / buckets);
    if (end <= start) continue;
    let added = false;
    for (const col of cols) {
      let lo = -1;
      let hi = -1;
      for (let i = start; i < end; i++) {
        const v = col[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        if (lo < 0 || v < (col[lo] as number)) lo = i;
        if (hi < 0 || v > (col[hi] as number)) hi = i;
      }
      if (lo >= 0) keep.add(lo);
      if (hi >= 0) keep.add(hi);
      added ||= lo >= 0;
    }
    if (!added) keep.add(start);
  }
  // many columns in a small budget: fall back to even spacing rather than exceed it
  return keep.size > budget ? even() : [...keep].sort((a, b) => a - b);
}

/** A curve thinned to `budget` points (energy records to `energyBudget`), extremes kept. */
export function decimateCurve(c: CurveData, budget: number, energyBudget = 120): CurveData {
  const cols = Object.values(c.cols);
  const keep = decimateIndices(c.step.length, cols, budget);
  const out: CurveData = { step: keep.map((i) => c.step[i]), cols: {}, energyStep: c.energyStep, energy: c.energy };
  for (const [k, v] of Object.entries(c.cols)) out.cols[k] = keep.map((i) => v[i] ?? null);
  if (c.energyStep.length > energyBudget) {
    // evenly spaced: the heatmap's columns should stay evenly spaced in steps
    const m = c.energyStep.length;
    const idx = [
      ...new Set(Array.from({ length: energyBudget }, (_, j) => Math.round((j * (m - 1)) / (energyBudget - 1)))),
    ];
    out.energyStep = idx.map((i) => c.energyStep[i]);
    out.energy = idx.map((i) => c.energy[i]);
  }
  return out;
}

/** Appends `more` to `c` in place (a live update), keeping column alignment for metrics new to either side. */
export function appendCurve(c: CurveData, more: CurveData): void {
  const n = c.step.length;
  const m = more.step.length;
  for (const k of new Set([...Object.keys(c.cols), ...Object.keys(more.cols)])) {
    const a = c.cols[k] ?? (c.cols[k] = new Array<number | null>(n).fill(null));
    const b = more.cols[k] ?? new Array<number | null>(m).fill(null);
    a.push(...b);
  }
  c.step.push(...more.step);
  c.energyStep.push(...more.energyStep);
  c.energy.push(...more.energy);
}

export function emptyCurve(): CurveData {
  return { step: [], cols: {}, energyStep: [], energy: [] };
}

/**
 * Exponential moving average with bias correction (TensorBoard's smoothing): weight 0 returns the values,
 * 0.9 averages over roughly the last ten points. Nulls stay null and do not reset the average.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  let avg = 0;
  let k = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    avg = avg * weight + (1 - weight) * v;
    k++;
    return avg / (1 - Math.pow(weight, k));
  });
}

/** Six significant digits: enough for any chart, a third of the JSON of a full double. */
export function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** Noise floor of Experiment 1 on standardised labels: the best reachable test MSE at this SNR. */
export const noiseFloor = (snr: number): number => 1 / (1 + snr * snr);
