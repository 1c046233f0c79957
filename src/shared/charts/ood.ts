// The OOD tabs (paper Figure 2). Accuracy: ID-validation and OOD accuracy per optimizer in the left and the right
// setting side by side (2a), and against AdaHessian's power p = -k (2b). Features: where the first layer's learned
// change W1 - W1_0 lives, in the digit subspace or the noise-template subspace (src/lab/experiments/ood/features.ts).
import type { PanelSnapshot, RunInfo, ViewOptions } from '../panelMessages';
import { distinct, isDone, oodCategory, runLabel, varyingAxes } from './labels';
import { errorBar, stat } from './series';
import type { ChartSpec, Point, Series, TabView, Table } from './spec';

/** Fixed colours for the three accuracies (the same in every OOD chart). */
const ACC_COLORS = { valAcc: '#8a96a3', oodLeftAcc: '#3d8ee0', oodRightAcc: '#e0703d' } as const;
const ACC_LABELS = { valAcc: 'ID validation', oodLeftAcc: 'OOD left', oodRightAcc: 'OOD right' } as const;
type Acc = keyof typeof ACC_LABELS;

/** Share of a d-dim layer a k-dim subspace holds with no preference (10 of 784 pixels). */
const NO_PREFERENCE = 10 / 784;

const OOD_INTRO =
  'Noisy MNIST (paper Figure 2): every training digit carries a faint noise template tied to its label, so a ' +
  'network can read the digit (high variance) or the template (low variance). ' +
  'Left setting: true digits with another class’s template; a network that reads the digit scores high. Right ' +
  'setting: random labels with their templates; a network that reads the template scores high.';

interface Category {
  label: string;
  runs: RunInfo[];
}

/** Categories in the paper's optimizer order; AdaHessian split by p when the experiment sweeps its power. */
export function oodCategories(done: RunInfo[], grid: string[] | undefined): Category[] {
  const powers = distinct(done.filter((r) => r.params.optimizer === 'adahessian').map((r) => r.params.p));
  const showPower = powers.length > 1;
  // a sweep of AdaHessian's power alone: the categories are the powers
  const onlyPower = showPower && done.every((r) => r.params.optimizer === 'adahessian');
  const order = grid ?? [];
  const rank = (r: RunInfo): number => {
    const i = order.indexOf(r.params.optimizer ?? '');
    return (i < 0 ? order.length : i) * 100 + (r.params.p ?? 0);
  };
  const m = new Map<string, RunInfo[]>();
  for (const r of [...done].sort((a, b) => rank(a) - rank(b))) {
    const label = onlyPower ? `p = ${r.params.p}` : oodCategory(r.params, showPower);
    (m.get(label) ?? m.set(label, []).get(label)!).push(r);
  }
  return [...m].map(([label, runs]) => ({ label, runs }));
}

function barSeries(cats: Category[], metric: Acc): Series {
  return {
    label: ACC_LABELS[metric],
    color: ACC_COLORS[metric],
    kind: 'bar',
    points: cats.map((c) => {
      const s = stat(c.runs.map((r) => r.final[metric]));
      return { x: c.label, y: s?.mean ?? null, ...(s ? errorBar(s) : {}), runIds: c.runs.map((r) => r.id) };
    }),
  };
}

const chanceLine = (xs: (string | number)[]): Series => ({
  label: 'chance (10%)',
  color: 'theme:muted',
  kind: 'line',
  dash: [2, 3],
  guide: true,
  points: xs.map((x) => ({ x, y: 0.1 })),
});

export function oodAccuracyView(snap: PanelSnapshot, _opts: ViewOptions): TabView {
  const done = snap.runs.filter((r) => isDone(r) && Number.isFinite(r.final.valAcc));
  const notes: string[] = [];
  if (!done.length)
    return {
      figures: [],
      table: { columns: [], rows: [] },
      intro: OOD_INTRO,
      notes,
      empty: 'No finished runs yet. Run the experiment, or a quick Figure 2 preset.',
    };
  const cats = oodCategories(done, snap.experiment?.grid.optimizer);
  const labels = cats.map((c) => c.label);
  const seeds = distinct(done.map((r) => r.params.seed)).length;
  const spread = seeds > 1 ? ` Mean over ${seeds} seeds, bars ± one standard deviation.` : '';
  const onlyAda = done.every((r) => r.params.optimizer === 'adahessian');
  const category = {
    label: onlyAda ? 'AdaHessian, Hessian power k = −p' : 'optimizer',
    type: 'category' as const,
    categories: labels,
  };
  const acc = { label: 'accuracy', type: 'linear' as const, min: 0, max: 1, percent: true };
  const figures: ChartSpec[] = [
    {
      kind: 'chart',
      id: 'left',
      title: 'Left setting: invariant digit, spurious noise',
      caption:
        'Grey: ID validation, near the ceiling for every optimizer once trained. Blue: a high OOD-left ' +
        'bar means the optimizer learned the digit (the high-variance feature); near 0 means it learned the ' +
        `template.${spread} Click a bar for its curves.`,
      x: category,
      y: acc,
      series: [barSeries(cats, 'valAcc'), barSeries(cats, 'oodLeftAcc'), chanceLine(labels)],
      clickable: true,
      legend: true,
    },
    {
      kind: 'chart',
      id: 'right',
      title: 'Right setting: invariant noise, spurious digit',
      caption:
        'Orange: a high OOD-right bar means the optimizer learned the faint template (the low-variance ' +
        'feature); about 10% means it reads the digit. The ranking of the optimizers should reverse against the ' +
        `left chart.${spread}`,
      x: category,
      y: acc,
      series: [barSeries(cats, 'valAcc'), barSeries(cats, 'oodRightAcc'), chanceLine(labels)],
      clickable: true,
      legend: true,
    },
  ];
  // the power chart only when the sweep has more than one power: one point would leave an almost empty card
  const powers = distinct(
    done.filter((r) => r.params.optimizer === 'adahessian' && r.params.p !== undefined).map((r) => r.params.p),
  );
  if (powers.length > 1) figures.push(powerChart(done));
  else if (powers.length === 1)
    notes.push(
      `AdaHessian ran at one Hessian power (p = ${powers[0]}); run the “fig2-adahessian-power” preset to see ` +
        'accuracy against p.',
    );
  const table: Table = {
    columns: [
      'optimizer',
      'p',
      'k',
      'runs',
      'valAcc_mean',
      'valAcc_std',
      'oodLeftAcc_mean',
      'oodLeftAcc_std',
      'oodRightAcc_mean',
      'oodRightAcc_std',
      'trainLoss_mean',
      'run_ids',
    ],
    rows: [],
  };
  for (const c of cats) {
    const r0 = c.runs[0].params;
    const s = (m: string) => stat(c.runs.map((r) => r.final[m]));
    const p = r0.optimizer === 'adahessian' ? r0.p : undefined;
    table.rows.push([
      r0.optimizer,
      p,
      p === undefined ? undefined : -p,
      c.runs.length,
      s('valAcc')?.mean,
      s('valAcc')?.std,
      s('oodLeftAcc')?.mean,
      s('oodLeftAcc')?.std,
      s('oodRightAcc')?.mean,
      s('oodRightAcc')?.std,
      s('trainLoss')?.mean,
      c.runs.map((r) => r.id).join(' '),
    ]);
  }
  return { figures, table, intro: OOD_INTRO, notes };
}

function powerChart(done: RunInfo[]): ChartSpec {
  const ada = done.filter((r) => r.params.optimizer === 'adahessian' && r.params.p !== undefined);
  const ps = distinct(ada.map((r) => r.params.p));
  const series: Series[] = (['valAcc', 'oodLeftAcc', 'oodRightAcc'] as Acc[]).map((m) => ({
    label: ACC_LABELS[m],
    color: ACC_COLORS[m],
    kind: 'line',
    markers: true,
    dash: m === 'valAcc' ? [6, 4] : undefined,
    points: ps
      .map((p) => {
        const runs = ada.filter((r) => r.params.p === p);
        const s = stat(runs.map((r) => r.final[m]));
        return s ? ({ x: p, y: s.mean, ...errorBar(s), runIds: runs.map((r) => r.id) } as Point) : undefined;
      })
      .filter((p): p is Point => !!p),
  }));
  return {
    kind: 'chart',
    id: 'power',
    title: 'AdaHessian with Hessian power k = −p',
    caption:
      'p = −1 is standard AdaHessian (k = 1, dividing by the curvature: low-variance features grow). Raising p ' +
      'towards plain gradient geometry should move accuracy from the right setting to the left: the same reversal ' +
      'as across optimizers.',
    x: { label: 'p = −k', type: 'linear' },
    y: { label: 'accuracy', type: 'linear', min: 0, max: 1, percent: true },
    series: [...series, chanceLine([Math.min(...ps), Math.max(...ps)])],
    clickable: true,
    legend: true,
  };
}

/** The template share over the digit share of W1 - W1_0; above 1 the layer learned more template than digit. */
export function templateRatio(template: number | null | undefined, digit: number | null | undefined): number | null {
  return typeof template === 'number' && typeof digit === 'number' && digit > 0 && template > 0
    ? template / digit
    : null;
}

export function oodFeaturesView(snap: PanelSnapshot, opts: ViewOptions): TabView {
  const done = snap.runs.filter((r) => isDone(r) && Number.isFinite(r.final.templateEnergyDelta));
  const intro =
    'What the first layer learned: the share of its change W1 − W1₀ inside the 10-dimensional digit subspace ' +
    '(top ' +
    'principal components of clean digits) and inside the 10-dimensional span of the noise templates. ' +
    `A layer with no preference puts ${(100 * NO_PREFERENCE).toFixed(1)}% in each.`;
  if (!done.length)
    return {
      figures: [],
      table: { columns: [], rows: [] },
      intro,
      notes: [],
      empty: 'No finished runs with a feature view yet. Run the experiment.',
    };
  const cats = oodCategories(done, snap.experiment?.grid.optimizer);
  const labels = cats.map((c) => c.label);
  const logY = opts.log?.features ?? true;
  const share = (m: string, label: string, color: string): Series => ({
    label,
    color,
    kind: 'bar',
    points: cats.map((c) => {
      const s = stat(c.runs.map((r) => r.final[m]));
      return { x: c.label, y: s?.mean ?? null, ...(s ? errorBar(s, logY) : {}), runIds: c.runs.map((r) => r.id) };
    }),
  });
  const axes = varyingAxes(done);
  const ratioLines: Series[] = done.map((r) => {
    const c = snap.curves[r.id];
    const pts = c
      ? c.step
          .map((x, i) => ({ x, y: templateRatio(c.cols.templateEnergyDelta?.[i], c.cols.digitEnergyDelta?.[i]) }))
          .filter((p) => p.y !== null)
      : [];
    return { label: runLabel(r, axes), color: r.color, kind: 'line', points: pts };
  });
  const labelCats = new Map(cats.flatMap((c) => c.runs.map((r) => [r.id, c.label] as const)));
  const seeds = distinct(done.map((r) => r.params.seed)).length;
  const pointLabel = (r: RunInfo): string => {
    const c = labelCats.get(r.id) ?? r.id;
    return seeds > 1 ? `${c} s${r.params.seed}` : c;
  };
  const steps = ratioLines.flatMap((s) => s.points.map((p) => p.x as number));
  const figures: ChartSpec[] = [
    {
      kind: 'chart',
      id: 'shares',
      title: 'Digit vs template share of the first layer’s learned change',
      caption:
        'Blue: share in the digit subspace; orange: share in the template subspace. Optimizers with more template ' +
        'than digit should win the right setting and lose the left.',
      x: {
        label: done.every((r) => r.params.optimizer === 'adahessian')
          ? 'AdaHessian, Hessian power k = −p'
          : 'optimizer',
        type: 'category',
        categories: labels,
      },
      y: { label: 'share of ||W1 − W1₀||²', type: logY ? 'log' : 'linear', percent: true, min: logY ? undefined : 0 },
      series: [
        share('digitEnergyDelta', 'digit subspace', ACC_COLORS.oodLeftAcc),
        share('templateEnergyDelta', 'template subspace', ACC_COLORS.oodRightAcc),
        {
          label: 'no preference (10/784)',
          color: 'theme:muted',
          kind: 'line',
          dash: [2, 3],
          guide: true,
          points: labels.map((x) => ({ x, y: NO_PREFERENCE })),
        },
      ],
      clickable: true,
      legend: true,
    },
    {
      kind: 'chart',
      id: 'ratio',
      title: 'Template ÷ digit share over training',
      caption:
        'Above 1 the layer is writing more noise template than digit into its weights. Curvature-inverting ' +
        'optimizers (AdaHessian, K-FAC, L-BFGS) should climb; gradient-like ones (GD, SAM) stay low.',
      x: { label: 'training step', type: 'linear' },
      y: { label: 'template share / digit share', type: 'log' },
      series: steps.length
        ? [
            ...ratioLines,
            {
              label: 'equal shares',
              color: 'theme:muted',
              kind: 'line',
              dash: [2, 3],
              guide: true,
              points: [
                { x: Math.min(...steps), y: 1 },
                { x: Math.max(...steps), y: 1 },
              ],
            },
          ]
        : [],
      legend: done.length <= 12,
      empty: steps.length ? undefined : 'No feature records yet.',
    },
    {
      kind: 'chart',
      id: 'response',
      title: 'Feature preference against OOD accuracy',
      caption:
        'Each run twice: its OOD-left (blue) and OOD-right (orange) accuracy against its template ÷ digit ratio. ' +
        'Reading the template (right of 1) should lift the orange points and sink the blue ones.',
      x: { label: 'template share / digit share (final)', type: 'log' },
      y: { label: 'OOD accuracy', type: 'linear', min: 0, max: 1, percent: true },
      series: (['oodLeftAcc', 'oodRightAcc'] as const).map((m) => ({
        label: ACC_LABELS[m],
        color: ACC_COLORS[m],
        kind: 'points' as const,
        points: done.flatMap((r): Point[] => {
          const x = templateRatio(r.final.templateEnergyDelta, r.final.digitEnergyDelta);
          // labelled with the run's optimizer (and power or seed where those vary), placed apart in the webview
          return x !== null && Number.isFinite(r.final[m])
            ? [{ x, y: r.final[m], runIds: [r.id], label: pointLabel(r) }]
            : [];
        }),
      })),
      clickable: true,
      legend: true,
    },
  ];
  const table: Table = {
    columns: [
      'run',
      'optimizer',
      'p',
      'seed',
      'digitEnergyDelta',
      'templateEnergyDelta',
      'template_over_digit',
      'digitEnergy',
      'templateEnergy',
      'valAcc',
      'oodLeftAcc',
      'oodRightAcc',
    ],
    rows: [],
  };
  for (const r of done) {
    const f = r.final;
    table.rows.push([
      r.id,
      r.params.optimizer,
      r.params.p,
      r.params.seed,
      f.digitEnergyDelta,
      f.templateEnergyDelta,
      templateRatio(f.templateEnergyDelta, f.digitEnergyDelta),
      f.digitEnergy,
      f.templateEnergy,
      f.valAcc,
      f.oodLeftAcc,
      f.oodRightAcc,
    ]);
  }
  return { figures, table, intro, notes: [] };
}
