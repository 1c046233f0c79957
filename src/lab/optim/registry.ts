// The engine's half of the optimizer registry: every name of the catalogue (src/shared/optimizers.ts, the data
// half: descriptions, defaults, option ranges) mapped to its constructor. The table's type makes a name without a
// constructor, or a constructor without a name, a compile error; so does an optimizer whose options interface
// differs from its catalogue entry.
import type { OptimizerName, OptimizerOptions } from '../../shared/optimizers';
import type { HvpObjective, LayeredObjective } from '../models/objective';
import { AdaHessian, type AdaHessianOptions } from './adahessian';
import { Adam, type AdamOptions } from './adam';
import { Gd, type GdOptions } from './gd';
import { Kfac, type KfacOptions } from './kfac';
import { Lbfgs, type LbfgsOptions } from './lbfgs';
import { Sam, type SamOptions } from './sam';
import { SophiaH, type SophiaOptions } from './sophia';
import type { Optimizer, Rng } from './types';

/** What every optimizer of the suite can run on; Mlp2 provides all of it. */
export type FullObjective = HvpObjective & LayeredObjective;

/** Each optimizer's options interface, by catalogue name. */
export interface OptionsByName {
  gd: GdOptions;
  sam: SamOptions;
  adam: AdamOptions;
  'sophia-h': SophiaOptions;
  adahessian: AdaHessianOptions;
  kfac: KfacOptions;
  lbfgs: LbfgsOptions;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when an interface above and the catalogue's options of that name disagree. */
const CATALOGUE_MATCHES: { [K in OptimizerName]: Same<OptionsByName[K], OptimizerOptions<K>> } = {
  gd: true,
  sam: true,
  adam: true,
  'sophia-h': true,
  adahessian: true,
  kfac: true,
  lbfgs: true,
};
void CATALOGUE_MATCHES;

/** rng feeds the Hutchinson probes (AdaHessian, Sophia-H); the others never draw from it. */
type Factory<K extends OptimizerName> = (
  objective: FullObjective,
  rng: Rng,
  options: Partial<OptionsByName[K]>,
) => Optimizer;

export const OPTIMIZER_FACTORIES: { [K in OptimizerName]: Factory<K> } = {
  gd: (objective, _rng, o) => new Gd(objective, o),
  sam: (objective, _rng, o) => new Sam(objective, o),
  adam: (objective, _rng, o) => new Adam(objective, o),
  'sophia-h': (objective, rng, o) => new SophiaH(objective, rng, o),
  adahessian: (objective, rng, o) => new AdaHessian(objective, rng, o),
  kfac: (objective, _rng, o) => new Kfac(objective, o),
  lbfgs: (objective, _rng, o) => new Lbfgs(objective, o),
};

/** An optimizer by name with some of its options; the rest take the catalogue's defaults. */
export type OptimizerConfig = { [K in OptimizerName]: { kind: K } & Partial<OptionsByName[K]> }[OptimizerName];

function build<K extends OptimizerName>(
  kind: K,
  options: Partial<OptionsByName[K]>,
  objective: FullObjective,
  rng: Rng,
): Optimizer {
  const factory: Factory<K> = OPTIMIZER_FACTORIES[kind];
  return factory(objective, rng, options);
}

export function createOptimizer(config: OptimizerConfig, objective: FullObjective, rng: Rng): Optimizer {
  const { kind, ...options } = config;
  return build(kind, options, objective, rng);
}
