// The Spectra tab (paper section 1): for the runs at one case, SNR and seed, every p side by side. Eigenvalues of
// Sigma and of Sigma^p, the weights lambda^(p+1) each eigen-direction gets in G_P (teacher marked), the spectrum of
// G_P, and where the first layer puts its energy while it trains (teacher share over steps, a heatmap per run).
import type { PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { caseName, distinct, orderCases, reusedNote } from './labels';
import { fmt } from '../format';
import type { ChartSpec, Figure, HeatmapSpec, Series, TabView, Table } from './spec';

const SPECTRA_INTRO =
  'A preconditioner P = Σ^p reweights the input’s eigen-directions: direction i enters the Gram matrix G_P = ' +
  'XPXᵀ ' +
  'with weight λ_i^(p+1). ' +
  'p = −1 whitens (every direction counts the same), p > −1 favours high-variance directions, p < −1 ' +
  'low-variance ' +
  'ones. ' +
  'Learning is fast and robust to noise when the favoured directions are where the teacher lives (marked ' +
  '“teacher”).';

/** Most heatmaps side by side. */
const MAX_HEATMAPS = 8;

export interface SpectraPick {
  case?: string;
  snr?: number;
  seed?: number;
}

/** The choices the pickers offer, and the pick in force (the option's, else the focused run's, else the first). */
export function spectraChoices(
  snap: PanelSnapshot,
  opts: ViewOptions,
  focusRun?: string,
): { cases: string[]; snrs: number[]; seeds: number[]; pick: Required<SpectraPick> | undefined } {
  const withSpectra = snap.runs.filter((r) => r.spectra);
  const cases = orderCases(distinct(withSpectra.map((r) => r.params.case)));
  const snrs = distinct(withSpectra.map((r) => r.params.snr));
  const seeds = distinct(withSpectra.map((r) => r.params.seed));
  if (!withSpectra.length) return { cases, snrs, seeds, pick: undefined };
  const anchor =
    withSpectra.find((r) => r.id === focusRun) ?? withSpectra.find((r) => r.params.case === cases[0]) ?? withSpectra[0];
  const o = opts.spectra ?? {};
  const pick = {
    case: o.case !== undefined && cases.includes(o.case) ? o.case : (anchor.params.case ?? ''),
    snr: o.snr !== undefined && snrs.includes(o.snr) ? o.snr : (anchor.params.snr ?? 0),
    seed: o.seed !== undefined && seeds.includes(o.seed) ? o.seed : (anchor.params.seed ?? 0),
  };
  return { cases, snrs, seeds, pick };
}

function spectraRuns(snap: PanelSnapshot, pick: Required<SpectraPick>): RunInfo[] {
  return snap.runs
    .filter((r) => r.spectra && r.params.case === pick.case && r.params.snr === pick.snr && r.params.seed === pick.seed)
    .sort((a, b) => (a.params.p ?? 0) - (b.params.p ?? 0));
}

const dirLabel = (i: number): string => String(i + 1);

/** Energy shares per direction at each recorded step: values[direction][record]. */
export function energyShares(energy: number[][]): number[][] {
  const dx = energy[0]?.length ?? 0;
  const out = Array.from({ length: dx }, () => new Array<number>(energy.length).fill(0));
  energy.forEach((row, j) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((v, i) => (out[i][j] = total > 0 ? v / total : 0));
  });
  return out;
}

export function spectraView(snap: PanelSnapshot, opts: ViewOptions, focusRun?: string): TabView {
  const { pick } = spectraChoices(snap, opts, focusRun);
  const empty =
    snap.experiment?.kind === 'ood'
      ? 'The OOD experiment has no input spectra to show.'
      : 'No run has recorded spectra yet: they are written when a run finishes.';
  if (!pick) return { figures: [], table: { columns: [], rows: [] }, intro: SPECTRA_INTRO, notes: [], empty };
  const runs = spectraRuns(snap, pick);
  const first = runs[0].spectra!;
  const dx = first.sigma.length;
  const dirs = Array.from({ length: dx }, (_, i) => dirLabel(i));
  const teacher = [{ x: dirLabel(first.teacherIndex), label: 'teacher' }];
  const where = `${caseName(pick.case)}, SNR ${pick.snr}, seed ${pick.seed}`;
  const perRun = (key: 'precond' | 'weights', dash?: number[]): Series[] =>
    runs.map((r) => ({
      label: `p = ${r.params.p}`,
      color: r.color,
      kind: 'line',
      markers: true,
      dash,
      points: r.spectra![key].map((y, i) => ({ x: dirLabel(i), y, runIds: [r.id] })),
    }));
  const category = { label: 'eigen-direction i (λ_i as in Σ)', type: 'category' as const, categories: dirs };

  const figures: Figure[] = [
    {
      kind: 'chart',
      id: 'sigma',
      title: `Eigenvalues of Σ and of P = Σ^p (${where})`,
      caption:
        'The thick line is the input covariance (largest / smallest eigenvalue: ' +
        `${fmt(Math.max(...first.sigma) / Math.min(...first.sigma))}). Σ^p stretches that gap (p > 0), removes it ` +
        '(p = 0: P = I) or flips it (p < 0).',
      x: category,
      y: { label: 'eigenvalue (log)', type: 'log' },
      series: [
        {
          label: 'Σ: λ_i',
          color: 'theme:fg',
          kind: 'line',
          markers: true,
          width: 3,
          points: first.sigma.map((y, i) => ({ x: dirLabel(i), y })),
        },
        ...perRun('precond', [5, 3]),
      ],
      markers: teacher,
      legend: true,
    },
    {
      kind: 'chart',
      id: 'weights',
      title: 'Weight of each direction in G_P: λ_i^(p+1)',
      caption:
        'How much each direction counts in what the network can learn. Where the teacher’s direction sits high, ' +
        'that p learns the teacher first and ignores the noisy rest.',
      x: category,
      y: { label: 'λ^(p+1) (log)', type: 'log' },
      series: perRun('weights'),
      markers: teacher,
      legend: true,
      clickable: true,
    },
    {
      kind: 'chart',
      id: 'gram',
      title: 'Spectrum of G_P = XPXᵀ on the training inputs',
      caption:
        'Nonzero eigenvalues, largest first. A steep drop means G_P is dominated by a few directions; a flat ' +
        'spectrum (p = −1) treats all alike.',
      x: { label: 'rank', type: 'category', categories: first.gram.map((_, i) => String(i + 1)) },
      y: { label: 'eigenvalue (log)', type: 'log' },
      series: runs.map((r) => ({
        label: `p = ${r.params.p}`,
        color: r.color,
        kind: 'line',
        markers: true,
        points: r.spectra!.gram.map((y, i) => ({ x: String(i + 1), y: y > 0 ? y : null, runIds: [r.id] })),
      })),
      legend: true,
      clickable: true,
    },
    alignmentChart(snap, runs, dx),
    ...runs.slice(0, MAX_HEATMAPS).map((r) => heatmap(snap, r)),
  ];
  const notes = runs.length > MAX_HEATMAPS ? [`Heatmaps for the first ${MAX_HEATMAPS} of ${runs.length} runs.`] : [];
  return { figures, table: spectraTable(snap, runs), intro: SPECTRA_INTRO, notes };
}

function alignmentChart(snap: PanelSnapshot, runs: RunInfo[], dx: number): ChartSpec {
  const series: Series[] = runs.map((r) => {
    const c = snap.curves[r.id];
    const pts = c ? c.step.map((x, i) => ({ x, y: c.cols.alignment?.[i] ?? null })).filter((p) => p.y !== null) : [];
    return { label: `p = ${r.params.p}`, color: r.color, kind: 'line', points: pts };
  });
  const steps = series.flatMap((s) => s.points.map((p) => p.x as number));
  if (steps.length) {
    series.push({
      label: `no preference (1/${dx})`,
      color: 'theme:muted',
      kind: 'line',
      dash: [2, 3],
      guide: true,
      points: [
        { x: Math.min(...steps), y: 1 / dx },
        { x: Math.max(...steps), y: 1 / dx },
      ],
    });
  }
  return {
    kind: 'chart',
    id: 'alignment',
    title: 'Teacher’s share of the first layer’s energy',
    caption:
      'Feature learning in one number: ||W1 u_teacher||² / ||W1||², how much of the first layer points along the ' +
      'teacher’s direction as training goes on. The p whose weights favour the teacher gets there first.',
    x: { label: 'training step', type: 'linear' },
    y: { label: 'share', type: 'linear', min: 0, max: 1, percent: true },
    series,
    legend: true,
    empty: steps.length ? undefined : 'No alignment recorded for these runs.',
  };
}

function heatmap(snap: PanelSnapshot, r: RunInfo): HeatmapSpec {
  const c = snap.curves[r.id];
  const values = c?.energy.length ? energyShares(c.energy) : [];
  const dx = r.spectra!.sigma.length;
  return {
    kind: 'heatmap',
    id: `energy-${r.id}`,
    title: `p = ${r.params.p}: first-layer energy per direction`,
    caption:
      'Rows are eigen-directions (the teacher’s outlined), columns training steps; the stronger the colour, the ' +
      'larger that direction’s share of ||W1||² (log scale, 0.01% to 100%).',
    color: r.color,
    rowLabel: 'direction',
    colLabel: 'step',
    rows: Array.from({ length: dx }, (_, i) => dirLabel(i)),
    cols: c?.energyStep ?? [],
    values,
    highlightRow: r.spectra!.teacherIndex,
    empty: values.length
      ? undefined
      : r.reused?.missing
        ? `No energy records: ${reusedNote(r)}`
        : 'No energy records yet.',
  };
}

function spectraTable(snap: PanelSnapshot, runs: RunInfo[]): Table {
  const t: Table = {
    columns: [
      'run',
      'case',
      'snr',
      'seed',
      'p',
      'direction',
      'sigma',
      'sigma_p',
      'weight',
      'teacher',
      'gram_rank_eigenvalue',
      'final_energy_share',
    ],
    rows: [],
  };
  for (const r of runs) {
    const s = r.spectra!;
    const e = snap.curves[r.id]?.energy;
    const last = e?.length ? energyShares([e[e.length - 1]]).map((row) => row[0]) : [];
    s.sigma.forEach((sig, i) =>
      t.rows.push([
        r.id,
        r.params.case,
        r.params.snr,
        r.params.seed,
        r.params.p,
        i + 1,
        sig,
        s.precond[i],
        s.weights[i],
        i === s.teacherIndex ? 1 : 0,
        s.gram[i] ?? null,
        last[i] ?? null,
      ]),
    );
  }
  return t;
}
