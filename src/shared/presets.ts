// Paper presets. Each names the figure it reproduces; `quick` variants keep the paper's data and training but
// thin the grids and the evaluation schedule so they run in about a minute and still show the trend's direction.
import { CONFIG_VERSION, DEFAULT_SETTINGS, validateConfig, type ExperimentConfig } from './config';

export interface Preset {
  name: string;
  summary: string;
  full: ExperimentConfig;
  quick: ExperimentConfig;
}

const P_GRID = [-2, -1, 0, 1, 2];
const SNR_GRID = [0.25, 0.5, 1, 2, 4];

function make(c: Omit<ExperimentConfig, 'version' | 'settings'> & { settings?: Partial<ExperimentConfig['settings']> }): ExperimentConfig {
  return validateConfig({ version: CONFIG_VERSION, ...c, settings: { ...DEFAULT_SETTINGS, ...c.settings } });
}

export const PRESETS: Preset[] = [
  {
    name: 'fig1-cov',
    summary: 'Noise robustness with exact-covariance preconditioning P = Sigma^p: test MSE over p x SNR, Case High and Low',
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
];

// AdaHessian with power k = -p on every parameter (paper Figure 1c-d, 3c-d). The paper's grid stops at p = 1
// (its caption calls p = -2 unstable); runs that blow up are recorded as diverged.
const ADA_P_GRID = [-2, -1, 0, 1];
PRESETS.push(
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
      description: 'Experiment 1 with AdaHessian at SNR 1 for p in {-1, 0, 1}, 3000 steps.',
      grid: { case: ['high', 'low'], p: [-1, 0, 1], snr: [1], seed: [42] },
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

export function findPreset(name: string): { config: ExperimentConfig; quick: ExperimentConfig } | undefined {
  const base = name.replace(/-quick$/, '');
  const p = PRESETS.find((x) => x.name === base);
  if (!p) return undefined;
  return { config: name.endsWith('-quick') ? p.quick : p.full, quick: p.quick };
}
