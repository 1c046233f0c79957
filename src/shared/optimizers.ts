// The optimizer catalogue (paper section 5): each optimizer's name, what it does in one line, and its options with
// their defaults and the values its constructor accepts. Plain data, the registry's data half: the config validator
// checks settings.optim against it, the schema generator writes it into the editor's schema, each optimizer in
// src/lab/optim takes its defaults from it, and src/lab/optim/registry.ts maps every name to its
// constructor. Ranges mirror the constructors' own checks (requireRange, the integer checks; L-BFGS's history
// length, which its typed arrays check): an option the constructor takes any finite number for has no range here.
// Order: the paper's (Figure 2a).
import type { EnumSpec, NumberSpec, ValueOf, ValueSpec } from './valueSpec';

/** Hutchinson probe distributions: random signs, standard normals, or the constant vector -1 (see lab hvp.ts). */
export const PROBES = ['rademacher', 'gaussian', 'constant'] as const;

/** An option the experiment sets itself: a config may not override it (the message says where it comes from). */
interface FixedOption {
  setBy?: string;
}
type OptionSpec = ValueSpec & FixedOption;

export interface OptimizerEntry {
  description: string;
  options: Readonly<Record<string, OptionSpec>>;
}

const lr = { kind: 'number', default: 1e-2, description: 'Learning rate.' } as const satisfies NumberSpec;
const weightDecay = { kind: 'number', default: 1e-4, description: 'Weight decay.' } as const satisfies NumberSpec;
/** Adam and AdaHessian refuse a beta of 1 or more (the bias correction divides by 1 - beta^t). */
const beta = (d: number, description: string) =>
  ({ kind: 'number', min: 0, max: 1 - 1e-12, default: d, description }) as const satisfies NumberSpec;
const spreadStats = {
  kind: 'boolean',
  default: true,
  description: "Record the min/median/max of the preconditioner's denominator each step (an O(n) selection).",
} as const;
const probe = (d: (typeof PROBES)[number]) =>
  ({
    kind: 'enum',
    values: PROBES,
    default: d,
    description: 'Hutchinson probe of the Hessian diagonal estimate.',
  }) as const satisfies EnumSpec;

export const OPTIMIZER_CATALOGUE = {
  gd: {
    description: 'Plain gradient descent with coupled L2 weight decay, no momentum.',
    options: { lr, weightDecay },
  },
  sam: {
    description: 'Sharpness-aware minimization: the gradient at theta + rho g / ||g||, then SGD with momentum.',
    options: {
      lr,
      rho: { kind: 'number', default: 0.05, description: 'Radius of the ascent step.' },
      normEps: { kind: 'number', default: 1e-8, description: "Added to ||g|| in the perturbation's denominator." },
      momentum: { kind: 'number', default: 0.9, description: 'Momentum.' },
      weightDecay,
    },
  },
  adam: {
    description: 'Adam (torch.optim.Adam, amsgrad off) with coupled L2 weight decay.',
    options: {
      lr,
      beta1: beta(0.9, 'Decay of the gradient average.'),
      beta2: beta(0.999, 'Decay of the squared-gradient average.'),
      eps: { kind: 'number', default: 1e-8, description: 'Added to the denominator.' },
      weightDecay,
      spreadStats,
    },
  },
  'sophia-h': {
    description: "Sophia-H: clipped m / max(h, eps) with h a Hutchinson estimate of the Hessian's diagonal.",
    options: {
      lr,
      beta1: { kind: 'number', default: 0.96, description: 'Decay of the gradient average.' },
      beta2: { kind: 'number', default: 0.99, description: 'Decay of the Hessian-diagonal average.' },
      rho: { kind: 'number', default: 0.05, description: 'Clip of each coordinate of the update.' },
      eps: { kind: 'number', default: 1e-12, description: 'Floor of the Hessian-diagonal estimate.' },
      weightDecay,
      refreshEvery: {
        kind: 'number',
        integer: true,
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        default: 10,
        description: 'Steps between Hessian-diagonal estimates.',
      },
      probe: probe('gaussian'),
      schedule: {
        kind: 'enum',
        values: ['library', 'immediate'],
        default: 'library',
        valueDescriptions: [
          "The reference library's: an estimate probed at step 1 + k is folded in at step 2k.",
          "Sophia's Algorithm 1: probe and fold together at steps 1, 1 + k, 1 + 2k, ...",
        ],
        description: 'When a probe is computed and folded into the estimate.',
      },
      spreadStats,
    },
  },
  adahessian: {
    description: 'AdaHessian with Hessian power k: m / (v^(k/2) + eps), v averaging Hutchinson estimates squared.',
    options: {
      lr,
      beta1: beta(0.9, 'Decay of the gradient average.'),
      beta2: beta(0.999, 'Decay of the squared Hessian-diagonal average.'),
      eps: { kind: 'number', default: 1e-16, description: 'Added to the denominator.' },
      weightDecay,
      hessianPower: {
        kind: 'number',
        default: 1,
        description: 'The power k of the Hessian diagonal.',
        setBy: 'the power is k = -p from grid.p',
      },
      probe: probe('rademacher'),
      spreadStats,
    },
  },
  kfac: {
    description: 'K-FAC: each linear layer preconditioned by the Kronecker factors of its Fisher block.',
    options: {
      lr,
      momentum: { kind: 'number', default: 0.9, description: 'Momentum.' },
      statDecay: { kind: 'number', min: 0, max: 1, default: 0.95, description: 'Decay of the running factors.' },
      damping: { kind: 'number', default: 1e-3, description: 'Tikhonov damping of the factors.' },
      klClip: { kind: 'number', default: 1e-3, description: 'Bound on the KL change of one step.' },
      weightDecay,
      statsEvery: { kind: 'number', integer: true, min: 1, default: 10, description: 'Steps between factor updates.' },
      eigEvery: {
        kind: 'number',
        integer: true,
        min: 1,
        default: 100,
        description: 'Steps between eigendecompositions.',
      },
      weightDecayAfter: { kind: 'number', default: 200, description: 'Step from which weight decay applies.' },
      factorDamping: {
        kind: 'boolean',
        default: true,
        description: 'Add damping * I to the running factors before each eigendecomposition (reference behaviour).',
      },
      eigFloor: { kind: 'number', default: 1e-10, description: 'Eigenvalues at or below it are set to 0.' },
    },
  },
  lbfgs: {
    description: 'L-BFGS (torch.optim.LBFGS, no line search): up to maxIter two-loop iterations per step.',
    options: {
      lr,
      maxIter: { kind: 'number', default: 20, description: 'Inner iterations per step.' },
      maxEval: { kind: 'number', description: 'Objective evaluations per step (default floor(maxIter * 5 / 4)).' },
      historySize: {
        kind: 'number',
        integer: true,
        min: 0,
        default: 100,
        description: 'Curvature pairs kept (the history allocates this many: a negative count throws).',
      },
      tolGrad: { kind: 'number', default: 1e-7, description: 'Stop when max |g| is at most this.' },
      tolChange: { kind: 'number', default: 1e-9, description: 'Stop when the step or the loss changes less.' },
      weightDecay,
      historyPrecision: {
        kind: 'enum',
        values: ['float32', 'float64'],
        default: 'float32',
        description: 'Storage of the curvature pairs (float32 halves the memory, as torch keeps them).',
      },
    },
  },
} as const satisfies Readonly<Record<string, OptimizerEntry>>;

type Catalogue = typeof OPTIMIZER_CATALOGUE;
export type OptimizerName = keyof Catalogue;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZER_CATALOGUE) as OptimizerName[];

type Specs<K extends OptimizerName> = Catalogue[K]['options'];
/** Every option of an optimizer with its value type, as its constructor takes them. */
export type OptimizerOptions<K extends OptimizerName> = { -readonly [O in keyof Specs<K>]: ValueOf<Specs<K>[O]> };
/** The options that have a default (L-BFGS's maxEval follows maxIter instead). */
export type OptimizerDefaults<K extends OptimizerName> = {
  -readonly [O in keyof Specs<K> as Specs<K>[O] extends { default: unknown } ? O : never]: ValueOf<Specs<K>[O]>;
};

/** A fresh object of an optimizer's defaults, in the catalogue's order. */
export function optimizerDefaults<K extends OptimizerName>(name: K): OptimizerDefaults<K> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries<ValueSpec>(OPTIMIZER_CATALOGUE[name].options))
    if (s.default !== undefined) out[k] = s.default;
  return out as OptimizerDefaults<K>;
}

/** The options a config may set in settings.optim.<name> (those the experiment sets itself are left out). */
export function configurableOptions(name: OptimizerName): [string, ValueSpec][] {
  return Object.entries<OptionSpec>(OPTIMIZER_CATALOGUE[name].options).filter(([, s]) => s.setBy === undefined);
}

/** Why an option the experiment sets itself cannot be overridden, or undefined. */
export function fixedOption(name: OptimizerName, option: string): string | undefined {
  const options: Readonly<Record<string, OptionSpec>> = OPTIMIZER_CATALOGUE[name].options;
  return Object.hasOwn(options, option) ? options[option].setBy : undefined;
}
