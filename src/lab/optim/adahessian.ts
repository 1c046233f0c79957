// AdaHessian with a Hessian power (paper section 5; pytorch_optimizer.AdaHessian as the reference calls it):
//   D = z * (H z), one Hutchinson probe per step, H z over all parameters jointly;
//   theta *= 1 - lr * wd  (decoupled weight decay);
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) D^2;
//   theta -= (lr / (1 - b1^t)) * m / ((v / (1 - b2^t))^(k/2) + eps).
// Defaults lr 1e-2, betas (0.9, 0.999), eps 1e-16, weightDecay 1e-4 (Experiment 2; Experiment 1 uses 1e-6),
// hessianPower k = 1 (standard AdaHessian; the experiments use k = -p), probe 'rademacher' ('constant' is the
// reference code's accidental z = -1, see hvp.ts). k = 0 is bias-corrected momentum GD with decoupled decay.
// Stats: min/median/max of the denominator, overall and per tensor (e.g. W1.denomMedian), computed when read.

import { fillProbe } from './hvp';
import { optimizerDefaults } from '../../shared/optimizers';
import { requireRange, withDefaults } from './options';
import type { HvpObjective } from '../models/objective';
import { nativeOf, type NativeAddon } from '../native/addon';
import type { Optimizer, ProbeKind, Rng, StepInfo } from './types';
import { addSpread, gradNorm, withLazyStats } from './stepStats';

export interface AdaHessianOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  hessianPower: number;
  probe: ProbeKind;
  spreadStats: boolean;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const ADAHESSIAN_DEFAULTS: AdaHessianOptions = optimizerDefaults('adahessian');

/** x^e with exact fast paths for the powers the sweeps use (Math.pow costs many times a sqrt). */
function powFn(e: number): (x: number) => number {
  if (e === 0) return () => 1;
  if (e === 0.5) return Math.sqrt;
  if (e === 1) return (x) => x;
  if (e === -0.5) return (x) => 1 / Math.sqrt(x);
  if (e === -1) return (x) => 1 / x;
  return (x) => Math.pow(x, e);
}

export class AdaHessian implements Optimizer {
  readonly name = 'adahessian';
  readonly options: AdaHessianOptions;
  steps = 0;
  private readonly grad: Float32Array;
  private readonly z: Float32Array;
  private readonly hz: Float32Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly denom: Float64Array;
  /** The TypeScript selection's copy of the denominators (allocated on first use; the native path needs none). */
  private scratch: Float64Array | null = null;
  /** The native module when the objective runs there: the probe and the update then run there too. */
  private readonly addon: NativeAddon | null;

  constructor(
    private readonly objective: HvpObjective,
    private readonly rng: Rng,
    options?: Partial<AdaHessianOptions>,
  ) {
    this.options = withDefaults('adahessian', ADAHESSIAN_DEFAULTS, options);
    requireRange('adahessian', 'beta1', this.options.beta1, 0, 1 - 1e-12);
    requireRange('adahessian', 'beta2', this.options.beta2, 0, 1 - 1e-12);
    const n = objective.layout.size;
    this.grad = new Float32Array(n);
    this.z = new Float32Array(n);
    this.hz = new Float32Array(n);
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
    this.denom = new Float64Array(n);
    this.addon = nativeOf(objective);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, beta1, beta2, eps, weightDecay: wd, hessianPower: k } = this.options;
    const { grad: g, z, hz, m, v, denom } = this;
    fillProbe(z, this.options.probe, this.rng, this.addon);
    const loss = this.objective.lossGradHvp(theta, z, g, hz);
    const t = ++this.steps;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2 = 1 - beta2 ** t;
    const decay = 1 - lr * wd;
    const moved = this.addon
      ? this.addon.adahessianUpdate(theta, g, z, hz, m, v, denom, stepSize, bc2, beta1, beta2, k / 2, eps, decay)
      : this.update(theta, stepSize, bc2, decay);
    const info = { loss, gradNorm: gradNorm(g, this.addon), updateNorm: Math.sqrt(moved), evals: 1 };
    return withLazyStats(
      info,
      () => this.steps === t,
      () => this.stats(),
    );
  }

  /** The update in TypeScript (the native module's adahessianUpdate gives the same bits); the sum of squared moves. */
  private update(theta: Float32Array, stepSize: number, bc2: number, decay: number): number {
    const { beta1, beta2, eps, hessianPower: k } = this.options;
    const { grad: g, z, hz, m, v, denom } = this;
    const pow = powFn(k / 2);
    let moved = 0;
    for (let i = 0; i < theta.length; i++) {
      const old = theta[i];
      const dHat = z[i] * hz[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * dHat * dHat;
      const den = pow(v[i] / bc2) + eps;
      denom[i] = den;
      theta[i] = old * decay - (stepSize * m[i]) / den;
      const d = theta[i] - old;
      moved += d * d;
    }
    return moved;
  }

  private stats(): Record<string, number> {
    const stats: Record<string, number> = {};
    if (!this.options.spreadStats) return stats;
    const { denom, addon } = this;
    // the native select reads denom in place; the TypeScript one reorders a copy
    const scratch = addon ? denom : (this.scratch ??= new Float64Array(denom.length));
    for (const t of this.objective.layout.tensors)
      addSpread(stats, `${t.name}.denom`, denom, t.offset, t.size, addon, scratch);
    addSpread(stats, 'denom', denom, 0, denom.length, addon, scratch);
    return stats;
  }
}
