// The optimizer suite of paper section 5 behind one factory, so an experiment config can name an optimizer and
// its overrides as plain JSON.

import { AdaHessian } from './adahessian';
import type { AdaHessianOptions } from './adahessian';
import { Adam } from './adam';
import type { AdamOptions } from './adam';
import { Gd } from './gd';
import type { GdOptions } from './gd';
import { Kfac } from './kfac';
import type { KfacOptions } from './kfac';
import { Lbfgs } from './lbfgs';
import type { LbfgsOptions } from './lbfgs';
import { Sam } from './sam';
import type { SamOptions } from './sam';
import { SophiaH } from './sophia';
import type { SophiaOptions } from './sophia';
import type { HvpObjective, LayeredObjective } from '../models/objective';
import type { Optimizer, Rng } from './types';

export type OptimizerConfig =
  | ({ kind: 'gd' } & Partial<GdOptions>)
  | ({ kind: 'adam' } & Partial<AdamOptions>)
  | ({ kind: 'sam' } & Partial<SamOptions>)
  | ({ kind: 'adahessian' } & Partial<AdaHessianOptions>)
  | ({ kind: 'sophia-h' } & Partial<SophiaOptions>)
  | ({ kind: 'kfac' } & Partial<KfacOptions>)
  | ({ kind: 'lbfgs' } & Partial<LbfgsOptions>);

export type OptimizerKind = OptimizerConfig['kind'];

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs'];

/** What every optimizer of the suite can run on; Mlp2 provides all of it. */
export type FullObjective = HvpObjective & LayeredObjective;

/** rng feeds the Hutchinson probes (AdaHessian, Sophia-H); the others never draw from it. */
export function createOptimizer(config: OptimizerConfig, objective: FullObjective, rng: Rng): Optimizer {
  switch (config.kind) {
    case 'gd': {
      const { kind: _, ...o } = config;
      return new Gd(objective, o);
    }
    case 'adam': {
      const { kind: _, ...o } = config;
      return new Adam(objective, o);
    }
    case 'sam': {
      const { kind: _, ...o } = config;
      return new Sam(objective, o);
    }
    case 'adahessian': {
      const { kind: _, ...o } = config;
      return new AdaHessian(objective, rng, o);
    }
    case 'sophia-h': {
      const { kind: _, ...o } = config;
      return new SophiaH(objective, rng, o);
    }
    case 'kfac': {
      const { kind: _, ...o } = config;
      return new Kfac(objective, o);
    }
    case 'lbfgs': {
      const { kind: _, ...o } = config;
      return new Lbfgs(objective, o);
    }
  }
}

export { AdaHessian, Adam, Gd, Kfac, Lbfgs, Sam, SophiaH };
export { ADAHESSIAN_DEFAULTS } from './adahessian';
export { ADAM_DEFAULTS } from './adam';
export { GD_DEFAULTS } from './gd';
export { KFAC_DEFAULTS } from './kfac';
export { LBFGS_DEFAULTS, LbfgsHistory } from './lbfgs';
export { SAM_DEFAULTS } from './sam';
export { SOPHIA_DEFAULTS } from './sophia';
export { fillProbe, hutchinsonDiagonal } from './hvp';
export * from './types';
