// Adam (paper section 5; torch.optim.Adam with amsgrad off): with g' = g + wd * theta (coupled L2),
//   m = b1 m + (1 - b1) g',  v = b2 v + (1 - b2) g'^2,
//   theta -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
// Defaults lr 1e-2, betas (0.9, 0.999), eps 1e-8, weightDecay 1e-4 (Experiment 2's reference defaults).
// Stats: spread of the denominator sqrt(v_hat) + eps, the diagonal preconditioner Adam applies (computed when read).

import { optimizerDefaults } from '../../shared/optimizers';
import { requireRange, withDefaults } from './options';
import type { Objective } from '../models/objective';
import { nativeOf, type NativeAddon } from '../native/addon';
import type { Optimizer, StepInfo } from './types';
import { norm2 } from './vec';
import { addSpread, withLazyStats } from './stepStats';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Compute the denominator's min/median/max each step (an O(n) selection). */
  spreadStats: boolean;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const ADAM_DEFAULTS: AdamOptions = optimizerDefaults('adam');

export class Adam implements Optimizer {
  readonly name = 'adam';
  readonly options: AdamOptions;
  steps = 0;
  private readonly grad: Float32Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly denom: Float64Array;
  /** The native module when the objective runs there (the denominators' spread is taken there). */
  private readonly addon: NativeAddon | null;

  constructor(
    private readonly objective: Objective,
    options?: Partial<AdamOptions>,
  ) {
    this.options = withDefaults('adam', ADAM_DEFAULTS, options);
    requireRange('adam', 'beta1', this.options.beta1, 0, 1 - 1e-12);
    requireRange('adam', 'beta2', this.options.beta2, 0, 1 - 1e-12);
    const n = objective.layout.size;
    this.grad = new Float32Array(n);
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
    this.denom = new Float64Array(n);
    this.addon = nativeOf(objective);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, beta1, beta2, eps, weightDecay: wd } = this.options;
    const { grad: g, m, v, denom } = this;
    const loss = this.objective.lossGrad(theta, g);
    const t = ++this.steps;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    let moved = 0;
    for (let i = 0; i < theta.length; i++) {
      const old = theta[i];
      const gi = g[i] + wd * old;
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      const den = Math.sqrt(v[i]) / bc2Sqrt + eps;
      denom[i] = den;
      theta[i] = old - (stepSize * m[i]) / den;
      const d = theta[i] - old;
      moved += d * d;
    }
    const info = { loss, gradNorm: norm2(g), updateNorm: Math.sqrt(moved), evals: 1 };
    return withLazyStats(
      info,
      () => this.steps === t,
      () => {
        const stats: Record<string, number> = {};
        // denom is rewritten every step, so the TypeScript selection may reorder it in place
        if (this.options.spreadStats) addSpread(stats, 'denom', denom, 0, denom.length, this.addon, denom);
        return stats;
      },
    );
  }
}
