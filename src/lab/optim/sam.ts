// SAM (paper section 5; Foret et al. 2021, the davda54/sam implementation the reference uses):
//   e = rho * g / (||g||_2 + 1e-8)  (global norm over all parameters),
//   g_sam = grad L(theta + e), theta restored, then SGD with momentum and coupled weight decay:
//   d = g_sam + wd * theta,  buf = mu * buf + d  (first step: buf = d),  theta -= lr * buf.
// Defaults rho 0.05, lr 1e-2, momentum 0.9, weightDecay 1e-4. Two gradient evaluations per step; the reported
// loss is the one at theta (before the perturbation).

import { optimizerDefaults } from '../../shared/optimizers';
import { withDefaults } from './options';
import type { Objective } from '../models/objective';
import type { Optimizer, StepInfo } from './types';
import { norm2 } from './vec';

export interface SamOptions {
  lr: number;
  rho: number;
  /** Added to ||g|| in the perturbation's denominator. */
  normEps: number;
  momentum: number;
  weightDecay: number;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const SAM_DEFAULTS: SamOptions = optimizerDefaults('sam');

export class Sam implements Optimizer {
  readonly name = 'sam';
  readonly options: SamOptions;
  steps = 0;
  private readonly grad: Float32Array;
  private readonly gradSam: Float32Array;
  private readonly saved: Float32Array;
  private readonly buf: Float64Array;

  constructor(
    private readonly objective: Objective,
    options?: Partial<SamOptions>,
  ) {
    this.options = withDefaults('sam', SAM_DEFAULTS, options);
    const n = objective.layout.size;
    this.grad = new Float32Array(n);
    this.gradSam = new Float32Array(n);
    this.saved = new Float32Array(n);
    this.buf = new Float64Array(n);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, rho, normEps, momentum: mu, weightDecay: wd } = this.options;
    const { grad: g, gradSam, saved, buf } = this;
    const loss = this.objective.lossGrad(theta, g);
    const gradNorm = norm2(g);
    const scale = rho / (gradNorm + normEps);
    saved.set(theta);
    for (let i = 0; i < theta.length; i++) theta[i] = saved[i] + scale * g[i];
    const perturbedLoss = this.objective.lossGrad(theta, gradSam);
    theta.set(saved);
    const first = this.steps === 0;
    let moved = 0;
    for (let i = 0; i < theta.length; i++) {
      const old = saved[i];
      const d = gradSam[i] + wd * old;
      buf[i] = first ? d : mu * buf[i] + d;
      theta[i] = old - lr * buf[i];
      const dt = theta[i] - old;
      moved += dt * dt;
    }
    this.steps++;
    return {
      loss,
      gradNorm,
      updateNorm: Math.sqrt(moved),
      evals: 2,
      stats: { perturbedLoss, perturbationNorm: scale * gradNorm },
    };
  }
}
