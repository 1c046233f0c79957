// The optimizer suite of paper section 5 behind one factory, so an experiment config can name an optimizer and
// its overrides as plain JSON. The names, defaults and option ranges are the catalogue's (src/shared/optimizers.ts);
// registry.ts maps each name to its constructor.

import { AdaHessian } from './adahessian';
import { Adam } from './adam';
import { Gd } from './gd';
import { Kfac } from './kfac';
import { Lbfgs } from './lbfgs';
import { Sam } from './sam';
import { SophiaH } from './sophia';

export { OPTIMIZER_NAMES, type OptimizerName } from '../../shared/optimizers';
export { OPTIMIZER_FACTORIES, createOptimizer, type FullObjective, type OptimizerConfig } from './registry';

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
