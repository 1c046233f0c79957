// Which optimizer an OOD run trains with: the suite's defaults, then the experiment's reference defaults
// (lr, weight decay, momentum where the optimizer has one, AdaHessian's probe), then AdaHessian's power k = -p
// from the grid, then the config's per-optimizer overrides (settings.optim, checked by validateConfig).
import type { OodOptimizer, OodSettings } from '../../../shared/config';
import type { OptimizerConfig } from '../../optim';

/** Figure 2a runs AdaHessian as standard (k = 1, p = -1) when the grid gives no power. */
const DEFAULT_OOD_POWER = -1;

export function oodOptimizerConfig(
  settings: OodSettings,
  optimizer: OodOptimizer,
  p: number | undefined,
): OptimizerConfig {
  const base = { lr: settings.lr, weightDecay: settings.weightDecay };
  const over = settings.optim[optimizer] ?? {};
  switch (optimizer) {
    case 'sam':
    case 'kfac':
      return { kind: optimizer, ...base, momentum: settings.momentum, ...over } as OptimizerConfig;
    case 'adahessian':
      return {
        kind: optimizer,
        ...base,
        probe: settings.probe,
        ...over,
        hessianPower: 0 - (p ?? DEFAULT_OOD_POWER),
      } as OptimizerConfig;
    default:
      return { kind: optimizer, ...base, ...over } as OptimizerConfig;
  }
}
