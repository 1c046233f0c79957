// Timings that used to sit in unit tests as wall-clock limits (issue 9, item 10): the K-FAC-sized eigensolve and
// building the panel views for an experiment of 400 runs. Tests now assert on the work done; these measure how
// long it takes, for `npm run bench` (`node dist/bench.js eig views` for these alone).
import { gram } from '../src/lab/dense/products';
import { symEig } from '../src/lab/dense/symmetric';
import { curvesView } from '../src/shared/charts/curves';
import { summaryView } from '../src/shared/charts/summary';
import { assignRunColors } from '../src/shared/colors';
import type { CurveData, PanelSnapshot, RunInfo } from '../src/shared/panelMessages';
import { RandomState } from '../src/lab/rng';
import { clock } from './benchUtil';

/** symEig of a random SPD matrix of the K-FAC first-layer factor's size; ms and the worst residual |Av - λv|. */
function timeSymEig(n = 785): { ms: number; residual: number } {
  const rng = new RandomState(785);
  const x = Float64Array.from({ length: n * (n + 3) }, () => rng.normal());
  const a = gram(x, n, n + 3);
  for (let i = 0; i < n; i++) a[i * n + i] += 0.1;
  const elapsed = clock();
  const { values, vectors } = symEig(a, n);
  const ms = elapsed();
  let residual = 0;
  for (const j of [0, Math.floor(n / 2), n - 1]) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * vectors[k * n + j];
      residual = Math.max(residual, Math.abs(s - values[j] * vectors[i * n + j]) / values[0]);
    }
  }
  return { ms, residual };
}

/** The curves (default and all runs picked) and summary views of 400 runs with 300 records each; ms per build. */
function timePanelViews(): { runs: number; ms: { curves: number; curvesAll: number; summary: number } } {
  const runs: RunInfo[] = [];
  for (const c of ['high', 'low'] as const)
    for (const p of [-2, -1, 0, 1, 2])
      for (const snr of [0.25, 0.5, 1, 2, 4])
        for (let seed = 0; seed < 8; seed++) {
          runs.push({
            id: `${c}_p${p}_snr${snr}_s${seed}`,
            params: { case: c, p, snr, seed },
            state: 'done',
            color: '#000000',
            final: { testMSE: 1 + p / 10 },
          });
        }
  const step = Array.from({ length: 300 }, (_, i) => i * 10);
  const curve: CurveData = {
    step,
    cols: { trainMSE: step.map(() => 0.5), testMSE: step.map(() => 0.7), alignment: step.map(() => 0.2) },
    energyStep: [],
    energy: [],
  };
  const colors = assignRunColors(runs.map((r) => r.id));
  const snap: PanelSnapshot = {
    experiment: { name: 'bench', dir: '/r/bench', kind: 'noise', grid: {} },
    dir: '/r/bench',
    runs: runs.map((r) => ({ ...r, color: colors.get(r.id)! })),
    curves: Object.fromEntries(runs.map((r) => [r.id, curve])),
    pointBudget: 2000,
    presets: [],
    warnings: [],
  };
  const time = (f: () => unknown): number => {
    const elapsed = clock();
    f();
    return elapsed();
  };
  return {
    runs: runs.length,
    ms: {
      curves: time(() => curvesView(snap, {})),
      curvesAll: time(() => curvesView(snap, { selected: runs.map((r) => r.id) })),
      summary: time(() => summaryView(snap, {})),
    },
  };
}

export function hostTimings(want: (k: string) => boolean): void {
  if (want('eig')) {
    const { ms, residual } = timeSymEig();
    console.log(
      `\nsymEig n=785 (K-FAC first-layer factor): ${ms.toFixed(0)} ms, worst relative residual ` +
        `${residual.toExponential(1)}`,
    );
  }
  if (want('views')) {
    const v = timePanelViews();
    console.log(
      `panel views, ${v.runs} runs x 300 records: curves ${v.ms.curves.toFixed(1)} ms, curves with every run ` +
        `${v.ms.curvesAll.toFixed(1)} ms, summary ${v.ms.summary.toFixed(1)} ms`,
    );
  }
}
