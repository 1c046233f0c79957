// Paper presets. Each names the figure it reproduces; `quick` variants keep the paper's data and training but
// thin the grids and the evaluation schedule so they run in about a minute and still show the trend's direction.
import {
  CONFIG_VERSION,
  DEFAULT_OOD_SETTINGS,
  DEFAULT_SETTINGS,
  OOD_OPTIMIZERS,
  validateConfig,
  type ExperimentConfig,
  type Grid,
  type OodSettings,
} from './config';

export interface Preset {
  name: string;
  summary: string;
  /** the `corrected` setting (the lab's choices): today's presets, unchanged */
  full: ExperimentConfig;
  quick: ExperimentConfig;
  /** the `paper` setting (the authors' code), full and quick; the same configs as above where nothing departs */
  paper: { full: ExperimentConfig; quick: ExperimentConfig };
  /** the departures (DEPARTURES ids) by which `corrected` differs from `paper` here */
  departures: DepartureId[];
}

/**
 * The two settings of every preset: `paper` runs what the authors' code runs, `corrected` the lab's choices. The
 * CLI and the editor default to `corrected` (the presets as they were, so existing results stay valid); `reproduce`
 * runs both.
 */
export const SETTINGS = ['paper', 'corrected'] as const;
export type SettingName = (typeof SETTINGS)[number];

export type DepartureId = 'probe' | 'gd-lr' | 'left-labels' | 'task2-stream' | 'seeds';
export interface Departure {
  id: DepartureId;
  what: string;
  paper: string;
  corrected: string;
  why: string;
}

/** What `corrected` changes from the authors' code, and why; checked against the authors' code (issue 13). */
export const DEPARTURES: readonly Departure[] = [
  {
    id: 'probe',
    what: "AdaHessian's Hutchinson probe",
    paper: 'constant -1 (`randint_like(p, 0, 1) * 2 - 1` in the AdaHessian library the authors copied)',
    corrected: 'Rademacher (random signs)',
    why:
      'the library meant a Rademacher probe; with the constant vector AdaHessian estimates the Hessian row sums, ' +
      'not its diagonal',
  },
  {
    id: 'gd-lr',
    what: "Figure 2a's GD learning rate",
    paper: '1e-2',
    corrected: '0.1',
    why: 'plain GD at 1e-2 ends 500 steps at 93% ID accuracy while every other optimizer is at 99%',
  },
  {
    id: 'left-labels',
    what: "Figure 2's OOD-left labels",
    paper: 'random labels (as on the right)',
    corrected: 'the true digit, as the paper text describes',
    why: 'with random labels the digit is useless on the left, so the left setting cannot reward reading it',
  },
  {
    id: 'task2-stream',
    what: "Figure 3's Task 2 data",
    paper: "Task 1's numpy stream continued",
    corrected: 'a new stream (seed + 10007)',
    why: "Task 2's data then do not depend on how many draws Task 1 made",
  },
  {
    id: 'seeds',
    what: 'Figure 3 seeds',
    paper: '42',
    corrected: '42-46 (quick: 42, 43), mean and spread',
    why: 'one seed of Task 2 is noisy; the claim compares means, so it needs several',
  },
];

/** The `paper` variant of a corrected config: the authors' choices for what `departures` names. */
function paperOf(c: ExperimentConfig, departures: readonly DepartureId[]): ExperimentConfig {
  if (!departures.length) return c;
  const name = c.name.endsWith('-quick') ? `${c.name.slice(0, -6)}-paper-quick` : `${c.name}-paper`;
  const figure = c.figure?.replace(/^(Figure [^ ]+)/, '$1, paper setting');
  const description = `The authors' setting: ${departures
    .map((d) => DEPARTURES.find((x) => x.id === d)!)
    .map((d) => `${d.what} ${d.paper}`)
    .join('; ')}. ${c.description ?? ''}`.trim();
  if (c.kind === 'ood') {
    const { gd, ...optim } = c.settings.optim;
    const gdRest = gd ? Object.fromEntries(Object.entries(gd).filter(([k]) => k !== 'lr')) : {};
    return validateConfig({
      ...c,
      name,
      figure,
      description,
      settings: {
        ...c.settings,
        probe: departures.includes('probe') ? 'constant' : c.settings.probe,
        randomLeftLabels: departures.includes('left-labels') ? true : c.settings.randomLeftLabels,
        optim: departures.includes('gd-lr')
          ? { ...optim, ...(Object.keys(gdRest).length ? { gd: gdRest } : {}) }
          : c.settings.optim,
      },
    });
  }
  return validateConfig({
    ...c,
    name,
    figure,
    description,
    grid: departures.includes('seeds') ? { ...c.grid, seed: [42] } : c.grid,
    settings: {
      ...c.settings,
      probe: departures.includes('probe') ? 'constant' : c.settings.probe,
      task2Stream: departures.includes('task2-stream') ? 'continue' : c.settings.task2Stream,
    },
  });
}

const P_GRID = [-2, -1, 0, 1, 2];
const SNR_GRID = [0.25, 0.5, 1, 2, 4];

function make(
  c: Omit<ExperimentConfig, 'version' | 'settings'> & { settings?: Partial<ExperimentConfig['settings']> },
): ExperimentConfig {
  return validateConfig({ version: CONFIG_VERSION, ...c, settings: { ...DEFAULT_SETTINGS, ...c.settings } });
}

/** OOD presets fill in DEFAULT_OOD_SETTINGS (the regression defaults do not apply to them). */
function makeOod(
  c: Omit<ExperimentConfig, 'version' | 'settings' | 'kind' | 'grid'> & {
    grid: Partial<Grid>;
    settings?: Partial<OodSettings>;
  },
): ExperimentConfig {
  return validateConfig({
    version: CONFIG_VERSION,
    kind: 'ood',
    ...c,
    settings: { ...DEFAULT_OOD_SETTINGS, ...c.settings },
  });
}

/**
 * Quick Figure 2 variants: 40 steps, a 1000-digit OOD pool, records at steps 0, 20 and 40, and L-BFGS with 5 inner
 * iterations per step instead of 20 (its 20 gradient evaluations per step would take most of the time). At lr 1e-2
 * GD, SAM and K-FAC are still far from fitting after 40 steps; the quick runs check the machinery and show the
 * early direction, the full presets are the figure.
 */
const OOD_QUICK: Partial<OodSettings> = {
  steps: 40,
  evalEvery: 20,
  pool: 1000,
  optim: { gd: { lr: 0.1 }, lbfgs: { maxIter: 5 } },
};

/**
 * The one learning rate tuned away from the reference defaults: plain GD (no momentum) at lr 1e-2 ends 500 steps
 * at 93% ID-validation accuracy (train loss 0.70) while every other optimizer is at 99%; at lr 0.1 it reaches the
 * ceiling like the rest (SAM's momentum 0.9 gives it the same effective step). Everything else is the reference's.
 */
const OOD_FULL: Partial<OodSettings> = { optim: { gd: { lr: 0.1 } } };

type PresetDraft = Omit<Preset, 'paper' | 'departures'>;

const DRAFTS: PresetDraft[] = [
  {
    name: 'fig1-cov',
    summary:
      'Noise robustness with exact-covariance preconditioning P = Sigma^p: test MSE over p x SNR, Case High and Low',
    full: make({
      name: 'fig1-cov',
      kind: 'noise',
      figure: 'Figure 1a-b',
      description: 'Experiment 1: p x SNR x case, exact covariance, 10000 steps, test MSE every step.',
      grid: { case: ['high', 'low'], p: P_GRID, snr: SNR_GRID, seed: [42] },
      settings: { evalEvery: 1 },
    }),
    quick: make({
      name: 'fig1-cov-quick',
      kind: 'noise',
      figure: 'Figure 1a-b (quick)',
      description: 'Experiment 1 at SNR 1 for p in {-2, 0, 2}: full training, test MSE every 100 steps.',
      grid: { case: ['high', 'low'], p: [-2, 0, 2], snr: [1], seed: [42] },
      settings: { evalEvery: 100 },
    }),
  },
  {
    name: 'fig3-cov',
    summary: 'Forward transfer: Task 1 with P = Sigma^p, Task 2 refits the output layer; 5 seeds, mean and spread',
    full: make({
      name: 'fig3-cov',
      kind: 'transfer',
      figure: 'Figure 3a-b',
      description: 'Experiment 3: Task 1 at SNR 1 (reused from fig1-cov when it matches), Task 2 ridge head, 5 seeds.',
      grid: { case: ['high', 'low'], p: P_GRID, snr: [1], seed: [42, 43, 44, 45, 46] },
      settings: { evalEvery: 10 },
    }),
    quick: make({
      name: 'fig3-cov-quick',
      kind: 'transfer',
      figure: 'Figure 3a-b (quick)',
      description: 'Experiment 3 for p in {-2, -1, 0, 2}, 2 seeds, test MSE every 200 steps.',
      grid: { case: ['high', 'low'], p: [-2, -1, 0, 2], snr: [1], seed: [42, 43] },
      settings: { evalEvery: 200 },
    }),
  },
  {
    name: 'fig2-optimizers',
    summary:
      'OOD under correlation shift on noisy MNIST: ID and OOD accuracy (left and right settings) of seven optimizers',
    full: makeOod({
      name: 'fig2-optimizers',
      figure: 'Figure 2a',
      description:
        'Experiment 2: GD, SAM, Adam, Sophia-H, AdaHessian (k = 1), K-FAC, L-BFGS; 784-256-10, full batch, 500 ' +
        'steps, reference defaults (GD at lr 0.1).',
      grid: { optimizer: [...OOD_OPTIMIZERS], p: [-1], seed: [42] },
      settings: OOD_FULL,
    }),
    quick: makeOod({
      name: 'fig2-optimizers-quick',
      figure: 'Figure 2a (quick)',
      description:
        'Experiment 2 with the seven optimizers for 40 steps, a 1000-digit OOD pool, L-BFGS at 5 inner iterations.',
      grid: { optimizer: [...OOD_OPTIMIZERS], p: [-1], seed: [42] },
      settings: OOD_QUICK,
    }),
  },
  // At the reference lr 1e-2 p = -2 (k = 2: denominators D^2, nearly 0 where the Hessian diagonal is) jumps from a
  // cross-entropy of 2.3 to about 5e6 at step 1, which the divergence rule (1e6 x the step-0 loss, divergence.ts)
  // records as diverged on every backend; the 99.6% ID once measured for it predates that rule. p = -1 fits (99.8%); p
  // = 0 (k = 0, momentum GD) ends at 93% and p = 1, 2 (the step scales with the curvature estimate, ~1e-2 here) at 50%
  // and 26%. A learning rate per power is not expressible in settings.optim (one lr per optimizer), so the sweep keeps
  // the reference lr; measured separately: p = 0 at lr 0.1 and p = 1 at lr 10 reach 99.0% and 98.4% ID (OOD left 67.5 /
  // 67.8%, right 33.2 / 28.7%); p = 2 stays unstable (20% at lr 100, the largest the config allows).
  {
    name: 'fig2-adahessian-power',
    summary: 'OOD accuracy of AdaHessian with Hessian power k = -p for p in {-2, -1, 0, 1, 2}',
    full: makeOod({
      name: 'fig2-adahessian-power',
      figure: 'Figure 2b',
      description: 'Experiment 2 with AdaHessian, hessian power k = -p, p in {-2, -1, 0, 1, 2}; 500 steps.',
      grid: { optimizer: ['adahessian'], p: P_GRID, seed: [42] },
      settings: OOD_FULL,
    }),
    quick: makeOod({
      name: 'fig2-adahessian-power-quick',
      figure: 'Figure 2b (quick)',
      description: 'Experiment 2 with AdaHessian at p in {-2, -1, 0, 1, 2} for 40 steps, a 1000-digit OOD pool.',
      grid: { optimizer: ['adahessian'], p: P_GRID, seed: [42] },
      settings: OOD_QUICK,
    }),
  },
];

// AdaHessian with power k = -p on every parameter (paper Figure 1c-d, 3c-d). The paper's grid stops at p = 1
// (its caption calls p = -2 unstable); runs that blow up are recorded as diverged.
const ADA_P_GRID = [-2, -1, 0, 1];
DRAFTS.push(
  {
    name: 'fig1-adahessian',
    summary: 'Noise robustness with AdaHessian, Hessian power k = -p: test MSE over p x SNR, Case High and Low',
    full: make({
      name: 'fig1-adahessian',
      kind: 'noise',
      figure: 'Figure 1c-d',
      description: 'Experiment 1 with AdaHessian (k = -p, decoupled weight decay 1e-6, Rademacher probe), 10000 steps.',
      grid: { case: ['high', 'low'], p: ADA_P_GRID, snr: SNR_GRID, seed: [42] },
      settings: { preconditioner: 'adahessian', evalEvery: 10 },
    }),
    quick: make({
      name: 'fig1-adahessian-quick',
      kind: 'noise',
      figure: 'Figure 1c-d (quick)',
      // p = 0 sits between the two at this budget (in Case Low within 0.02 of p = -1), so the quick look uses
      // the ends of the stable range; the full preset has the whole grid.
      description: 'Experiment 1 with AdaHessian at SNR 1 for p in {-1, 1}, 3000 steps.',
      grid: { case: ['high', 'low'], p: [-1, 1], snr: [1], seed: [42] },
      settings: { preconditioner: 'adahessian', steps: 3000, evalEvery: 100 },
    }),
  },
  {
    name: 'fig3-adahessian',
    summary: 'Forward transfer with AdaHessian (k = -p) on Task 1; Task 2 refits the output layer; 5 seeds',
    full: make({
      name: 'fig3-adahessian',
      kind: 'transfer',
      figure: 'Figure 3c-d',
      description: 'Experiment 3 with AdaHessian on Task 1 (reused from fig1-adahessian when it matches), 5 seeds.',
      grid: { case: ['high', 'low'], p: ADA_P_GRID, snr: [1], seed: [42, 43, 44, 45, 46] },
      settings: { preconditioner: 'adahessian', evalEvery: 10 },
    }),
    quick: make({
      name: 'fig3-adahessian-quick',
      kind: 'transfer',
      figure: 'Figure 3c-d (quick)',
      description: 'Experiment 3 with AdaHessian for p in {-1, 0, 1}, 2 seeds, 3000 steps.',
      grid: { case: ['high', 'low'], p: [-1, 0, 1], snr: [1], seed: [42, 43] },
      settings: { preconditioner: 'adahessian', steps: 3000, evalEvery: 100 },
    }),
  },
);

/** Which departures apply to a preset: those whose subject its configs have. */
function departuresOf(d: PresetDraft): DepartureId[] {
  const c = d.full;
  const out: DepartureId[] = [];
  if (c.kind === 'ood') {
    out.push('probe', 'left-labels');
    if (c.grid.optimizer?.includes('gd')) out.push('gd-lr');
    return out;
  }
  if (c.settings.preconditioner === 'adahessian') out.push('probe');
  if (c.kind === 'transfer') out.push('task2-stream', 'seeds');
  return out;
}

export const PRESETS: Preset[] = DRAFTS.map((d) => {
  const departures = departuresOf(d);
  const label = (c: ExperimentConfig): ExperimentConfig =>
    departures.length ? { ...c, figure: c.figure?.replace(/^(Figure [^ ]+)/, '$1, corrected setting') } : c;
  return {
    ...d,
    full: label(d.full),
    quick: label(d.quick),
    paper: { full: paperOf(d.full, departures), quick: paperOf(d.quick, departures) },
    departures,
  };
});

/** A preset's config in one setting, full or quick. */
export function settingVariant(preset: Preset, setting: SettingName, quick: boolean): ExperimentConfig {
  const pair = setting === 'paper' ? preset.paper : preset;
  return quick ? pair.quick : pair.full;
}

/** `x`, `x-quick`, `x-paper` or `x-paper-quick`: the preset and the variant the name means. */
export function findPreset(name: string): { config: ExperimentConfig; quick: ExperimentConfig } | undefined {
  const quick = name.endsWith('-quick');
  const stem = quick ? name.slice(0, -6) : name;
  const paper = stem.endsWith('-paper');
  const p = PRESETS.find((x) => x.name === (paper ? stem.slice(0, -6) : stem));
  if (!p) return undefined;
  const setting = paper ? 'paper' : 'corrected';
  return { config: settingVariant(p, setting, quick), quick: settingVariant(p, setting, true) };
}

/**
 * The preset the CLI and the editor's commands both mean by a name and a quick flag: `x-quick`, or `x` with quick,
 * is the quick variant; `x` without it the full preset.
 */
export function presetVariant(name: string, quick = false): ExperimentConfig | undefined {
  const found = findPreset(name);
  return found && (quick ? found.quick : found.config);
}
