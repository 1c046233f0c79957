// Every field of a config as a declarative spec (kind, range, default, description): the validator derives its
// checks from these tables (validate.ts), the defaults are read off them (defaults.ts), and the JSON schema the
// editor uses is generated from them at build time (schema.ts). A field's range is stated here once.
import { MAX_DESCRIPTION, MAX_FIGURE, MAX_SCHEMA } from '../inputLimits';
import { OPTIMIZER_CATALOGUE } from '../optimizers';
import type { EnumSpec, NumberSpec, ValueSpec } from '../valueSpec';
import {
  CASES,
  KINDS,
  MAX_SPECTRUM,
  OOD_OPTIMIZERS,
  PRECONDITIONERS,
  PROBES,
  P_RANGE,
  TASK2_STREAMS,
  type ExperimentKind,
  type Grid,
  type OodSettings,
  type Settings,
} from './types';

/** settings.optim: per-optimizer option values, checked against the optimizer catalogue. */
export interface OptimizerOptionsSpec {
  kind: 'optimizerOptions';
  default: OodSettings['optim'];
  description: string;
}
/** A list of numbers (settings.spectrum), each within `items`; absent unless given (its default is undefined). */
export interface NumberListSpec {
  kind: 'numberList';
  items: NumberSpec;
  minItems: number;
  maxItems: number;
  default: undefined;
  description: string;
}
export type SettingSpec = ValueSpec | OptimizerOptionsSpec | NumberListSpec;
/** A table of setting specs whose defaults have the settings' own types (an optional setting's is undefined). */
type SpecTable<T> = { [K in keyof T]-?: SettingSpec & { default: T[K] } };

/** The results folder's name: letters, digits, '.', '_' or '-', 1-80 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
/** The optional string fields at the top of a config, with the longest each may be. */
export const STRING_FIELDS = {
  description: { max: MAX_DESCRIPTION, description: 'What this experiment is for.' },
  figure: { max: MAX_FIGURE, description: 'Provenance: the paper figure this reproduces.' },
  $schema: { max: MAX_SCHEMA, description: "The schema's address, for editors." },
} as const;

export const KIND_SPEC: EnumSpec = {
  kind: 'enum',
  values: KINDS,
  valueDescriptions: [
    'Experiment 1: noise robustness, test MSE over p and SNR (Figure 1).',
    'Experiment 3: forward transfer, Task 1 with P = Sigma^p then a ridge head on Task 2 (Figure 3).',
    'Experiment 2: MNIST with class noise templates under correlation shift, optimizers compared (Figure 2).',
  ],
};

const probe = {
  kind: 'enum',
  values: PROBES,
  default: 'rademacher',
  description: 'Hutchinson probe of the Hessian diagonal estimate.',
} as const;
const int = (min: number, max: number, d: number, description: string): NumberSpec & { default: number } => ({
  kind: 'number',
  integer: true,
  min,
  max,
  default: d,
  description,
});
const inRange = (min: number, max: number, d: number, description: string): NumberSpec & { default: number } => ({
  kind: 'number',
  min,
  max,
  default: d,
  description,
});
/** (0, max]: a scale, a rate or a penalty that must be positive. */
const positive = (max: number, d: number, description: string): NumberSpec & { default: number } => ({
  kind: 'number',
  min: 0,
  exclusiveMin: true,
  max,
  default: d,
  description,
});

/** The regression experiments' settings (noise, transfer), in the order configs list them. */
export const SETTING_SPECS: SpecTable<Settings> = {
  preconditioner: {
    kind: 'enum',
    values: PRECONDITIONERS,
    default: 'exact-cov',
    valueDescriptions: ['P = Sigma^p from the data covariance.', 'AdaHessian with Hessian power k = -p.'],
  },
  n: int(10, 1_000_000, 10000, 'Samples drawn (train and test).'),
  dx: int(2, 1000, 10, 'Input dimension.'),
  trainFraction: {
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    exclusiveMax: true,
    default: 0.02,
    description: 'Share of the samples used for training (at least 2 train and 1 test sample).',
  },
  scale: positive(1e6, 10, 'Spread of the covariance spectrum.'),
  width: int(1, 8192, 500, 'Hidden units.'),
  initScale: positive(1e3, 0.001, 'Scale of the initial weights.'),
  steps: int(1, 10_000_000, 10000, 'Gradient steps.'),
  lr: positive(100, 0.01, 'Learning rate.'),
  l2: inRange(0, 1e6, 1e-6, 'Weight penalty 0.5 * l2 * (||W1||^2 + ||W2||^2) / nTrain.'),
  evalEvery: int(1, 10_000_000, 1, 'Steps between test-MSE records.'),
  spectraEvery: int(0, 10_000_000, 0, 'Steps between first-layer energy records; 0 picks about 100 records.'),
  ridge: positive(1e6, 1e-3, 'Transfer: ridge penalty of the refitted head.'),
  task2Snr: positive(1e6, 1, 'Transfer: SNR of Task 2.'),
  task2SeedOffset: int(0, 2 ** 31, 10007, "Transfer: seed offset of Task 2's data."),
  task2Stream: {
    kind: 'enum',
    values: TASK2_STREAMS,
    default: 'fresh',
    description: "Transfer: where Task 2's data come from.",
    valueDescriptions: [
      "A new stream seeded with seed + task2SeedOffset (the lab's choice: Task 2 independent of Task 1's draws).",
      "Task 1's stream continued straight after its permutation, as the authors' code does (the paper setting).",
    ],
  },
  probe,
  weightDecay: inRange(0, 1, 1e-6, 'AdaHessian: decoupled weight decay (no L2 in the loss then).'),
  spectrum: {
    kind: 'numberList',
    items: { kind: 'number', min: 0, exclusiveMin: true, max: 1e6 },
    minItems: 2,
    maxItems: MAX_SPECTRUM,
    default: undefined,
    description:
      'Grid case "custom" only: the eigenvalues of Sigma, one per input direction (as many as dx), each in (0, 1e6]. ' +
      'scale is not used then.',
  },
  teacherDirection: {
    kind: 'number',
    integer: true,
    min: 0,
    max: MAX_SPECTRUM - 1,
    default: undefined,
    description: 'Grid case "custom" only: the input direction the teacher reads (0 to dx - 1; absent: 0).',
  },
};

/** The OOD experiment's settings, in the order configs list them. */
export const OOD_SETTING_SPECS: SpecTable<OodSettings> = {
  nTrain: int(10, 60000, 1200, 'Training digits.'),
  nVal: int(10, 60000, 1200, 'In-distribution validation digits.'),
  pool: int(0, 60000, 0, 'OOD pool size; 0 takes every remaining digit.'),
  hidden: int(1, 4096, 256, 'Hidden units.'),
  steps: int(1, 1_000_000, 500, 'Optimizer steps.'),
  evalEvery: int(1, 1_000_000, 10, 'Steps between evaluations.'),
  templateScale: inRange(0, 10, 0.1, 'Strength of the class noise templates.'),
  randomLeftLabels: {
    kind: 'boolean',
    default: false,
    description: "The reference code's left setting with random labels (off: true labels, as the paper describes).",
  },
  lr: positive(100, 1e-2, 'Learning rate.'),
  weightDecay: inRange(0, 1, 1e-4, 'Weight decay.'),
  momentum: inRange(0, 0.999999, 0.9, 'Momentum.'),
  probe,
  optim: {
    kind: 'optimizerOptions',
    default: {},
    description:
      'Per-optimizer overrides of the settings above and of the optimizer\'s own options, e.g. { "lbfgs": { "lr": ' +
      "0.5 } }. AdaHessian's power is the grid's -p.",
  },
};

/** The values of each grid axis. */
export const GRID_VALUE_SPECS: Record<keyof Grid, ValueSpec> = {
  case: { kind: 'enum', values: CASES },
  p: { kind: 'number', min: P_RANGE[0], max: P_RANGE[1] },
  snr: { kind: 'number', min: 0, exclusiveMin: true, max: 1e6 },
  seed: { kind: 'number', integer: true, min: 0, max: 2 ** 32 - 1 },
  optimizer: {
    kind: 'enum',
    values: OOD_OPTIMIZERS,
    valueDescriptions: OOD_OPTIMIZERS.map((o) => OPTIMIZER_CATALOGUE[o].description),
  },
};

export interface AxisSpec {
  /** what an axis left out takes; an axis without a default is required */
  default?: readonly unknown[];
  description: string;
}

const SEED_AXIS: AxisSpec = { default: [42], description: 'Seeds of the data and the initial weights (default [42]).' };
const P_AXIS: AxisSpec = {
  description: 'Exponents p of the preconditioner P = Sigma^p (AdaHessian: Hessian power k = -p).',
};
const CASE_AXIS: AxisSpec = {
  description:
    'Case High: the teacher direction has the largest covariance eigenvalue; Case Low: the smallest; custom: the ' +
    'eigenvalues and teacher direction of settings.spectrum and settings.teacherDirection (noise experiments only).',
};

/** The grid axes each kind sweeps, and what an axis left out defaults to. */
export const KIND_AXES: Record<ExperimentKind, Partial<Record<keyof Grid, AxisSpec>>> = {
  noise: {
    case: CASE_AXIS,
    p: P_AXIS,
    snr: { default: [1], description: 'Signal-to-noise ratios of the labels (default [1]).' },
    seed: SEED_AXIS,
  },
  transfer: {
    case: CASE_AXIS,
    p: P_AXIS,
    snr: { default: [1], description: 'SNR of Task 1 (the paper uses 1; default [1]).' },
    seed: SEED_AXIS,
  },
  ood: {
    optimizer: { description: 'The optimizers compared.' },
    p: {
      default: [-1],
      description: "AdaHessian's powers, as p = -k (default [-1]); the other optimizers run once per seed.",
    },
    seed: SEED_AXIS,
  },
};
