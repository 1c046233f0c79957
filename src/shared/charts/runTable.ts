// Runs as table rows: the parameters and final metrics the hyperparameter view and the comparison tabulate, how
// cells sort (numbers as numbers, missing values last in either direction) and how metrics are named.
import type { RunInfo } from '../panelMessages';
import { fmt } from '../format';
import type { TableColumn } from './spec';

/** Final metrics in reading order; any others follow alphabetically. */
const METRIC_ORDER = [
  'testMSE',
  'trainMSE',
  'bestTestMSE',
  'bestStep',
  'noiseFloor',
  'task2TestMSE',
  'task2TrainMSE',
  'valAcc',
  'oodLeftAcc',
  'oodRightAcc',
  'trainAcc',
  'trainLoss',
  'alignment',
];

export const METRIC_LABELS: Record<string, string> = {
  testMSE: 'test MSE',
  trainMSE: 'train MSE',
  bestTestMSE: 'best test MSE',
  bestStep: 'best step',
  noiseFloor: 'noise floor',
  task2TestMSE: 'Task 2 test MSE',
  task2TrainMSE: 'Task 2 train MSE',
  valAcc: 'ID accuracy',
  oodLeftAcc: 'OOD left accuracy',
  oodRightAcc: 'OOD right accuracy',
  trainAcc: 'train accuracy',
  trainLoss: 'train loss',
  alignment: 'alignment',
  templateEnergyDelta: 'template energy Δ',
  digitEnergyDelta: 'digit energy Δ',
  templateEnergy: 'template energy',
  digitEnergy: 'digit energy',
};

export const metricLabel = (k: string): string => METRIC_LABELS[k] ?? k;

const PARAM_ORDER = ['case', 'optimizer', 'p', 'snr', 'seed'];

/** Keys in a preferred order, then the rest alphabetically. */
export function ordered(keys: Iterable<string>, order: readonly string[]): string[] {
  const set = new Set(keys);
  return [...order.filter((k) => set.has(k)), ...[...set].filter((k) => !order.includes(k)).sort()];
}

/** The final metrics any of the runs has. */
export const finalKeys = (runs: readonly RunInfo[]): string[] =>
  ordered(
    runs.flatMap((r) => Object.keys(r.final)),
    METRIC_ORDER,
  );

/** The parameters any of the runs has (`varying`: only those whose values differ). */
export function paramKeys(runs: readonly RunInfo[], varying = false): string[] {
  const keys = ordered(
    runs.flatMap((r) => Object.keys(r.params)),
    PARAM_ORDER,
  );
  return varying ? keys.filter((k) => differs(runs.map((r) => paramOf(r, k)))) : keys;
}

export const paramOf = (r: RunInfo, k: string): string | number | undefined => {
  const v = (r.params as Record<string, unknown>)[k];
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
};

/** Whether the values are not all the same (a missing value differs from any present one). */
export const differs = (values: readonly unknown[]): boolean =>
  new Set(values.map((v) => (v === undefined ? '\u0000' : JSON.stringify(v)))).size > 1;

/** Sort order of two cells: numbers as numbers, strings naturally, missing (null) always last. */
export function compareCells(a: string | number | null, b: string | number | null, desc: boolean): number {
  const am = a === null || (typeof a === 'number' && !Number.isFinite(a));
  const bm = b === null || (typeof b === 'number' && !Number.isFinite(b));
  if (am || bm) return am === bm ? 0 : am ? 1 : -1;
  const c =
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a).localeCompare(String(b), undefined, { numeric: true });
  return desc ? -c : c;
}

/** Row indices sorted by a column (stable: equal cells keep their order). */
export function sortRows(
  rows: readonly { cells: readonly (string | number | null)[] }[],
  col: number,
  desc: boolean,
): number[] {
  return rows.map((_, i) => i).sort((i, j) => compareCells(rows[i].cells[col], rows[j].cells[col], desc) || i - j);
}

export const column = (key: string, label: string, numeric: boolean): TableColumn => ({
  key,
  label,
  numeric,
  sortable: true,
});

/** "0.31 – 0.52", a late window's band as a cell. */
export const bandText = (lo: number, hi: number): string => `${fmt(lo)} – ${fmt(hi)}`;
