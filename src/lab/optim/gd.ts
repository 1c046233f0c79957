// GD (paper section 5): theta <- theta - lr * (g + wd * theta). Coupled L2 weight decay, no momentum.
// Defaults lr 1e-2, weightDecay 1e-4: the reference defaults of Experiment 2 (torch.optim.SGD without momentum).

import { optimizerDefaults } from '../../shared/optimizers';
import { withDefaults } from './options';
import type { Objective } from '../models/objective';
import { nativeOf, type NativeAddon } from '../native/addon';
import type { Optimizer, StepInfo } from './types';
import { gradNorm } from './stepStats';

export interface GdOptions {
  lr: number;
  weightDecay: number;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const GD_DEFAULTS: GdOptions = optimizerDefaults('gd');

export class Gd implements Optimizer {
  readonly name = 'gd';
  readonly options: GdOptions;
  steps = 0;
  private readonly grad: Float32Array;
  /** The native module when the objective runs there: the update then runs there too (the same bits). */
  private readonly addon: NativeAddon | null;

  constructor(
    private readonly objective: Objective,
    options?: Partial<GdOptions>,
  ) {
    this.options = withDefaults('gd', GD_DEFAULTS, options);
    this.grad = new Float32Array(objective.layout.size);
    this.addon = nativeOf(objective);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, weightDecay: wd } = this.options;
    const g = this.grad;
    const loss = this.objective.lossGrad(theta, g);
    let moved = 0;
    if (this.addon) moved = this.addon.gdUpdate(theta, g, lr, wd);
    else {
      for (let i = 0; i < theta.length; i++) {
        const old = theta[i];
        theta[i] = old - lr * (g[i] + wd * old);
        const d = theta[i] - old;
        moved += d * d;
      }
    }
    this.steps++;
    return { loss, gradNorm: gradNorm(g, this.addon), updateNorm: Math.sqrt(moved), evals: 1, stats: {} };
  }
}
