// Sophia-H (paper section 5; pytorch_optimizer.SophiaH as the reference calls it, with p = rho):
//   theta *= 1 - lr * wd  (decoupled weight decay);
//   m = b1 m + (1 - b1) g;
//   h = b2 h + (1 - b2) z * (H z)  on refresh steps, one Gaussian probe;
//   theta -= lr * clamp(m / max(h, eps), -rho, rho).
// Defaults lr 1e-2, betas (0.96, 0.99), rho 0.05, eps 1e-12, weightDecay 1e-4, refreshEvery 10, probe 'gaussian'.
// h starts at 0, so until the first refresh every step is a sign step of size lr * rho.
//
// Refresh schedule (the paper is silent; 1-based step t, k = refreshEvery):
//   'library'  : what the reference library does. The probe is computed at steps with max(t - 1, 1) % k == 0
//                (t = 11, 21, ... for k = 10) and folded into h at steps with t % k == 0 (t = 20, 30, ...), i.e. an
//                estimate nine steps old; h stays 0 for the first 19 steps. k = 1 refreshes every step.
//   'immediate': Sophia's Algorithm 1: probe and fold together at t = 1, 1 + k, 1 + 2k, ...

import { fillProbe } from './hvp';
import { optimizerDefaults } from '../../shared/optimizers';
import { requireRange, withDefaults } from './options';
import type { HvpObjective } from '../models/objective';
import { nativeOf, type NativeAddon } from '../native/addon';
import type { Optimizer, ProbeKind, Rng, StepInfo } from './types';
import { norm2 } from './vec';
import { addSpread, withLazyStats } from './stepStats';

export type SophiaSchedule = 'library' | 'immediate';

export interface SophiaOptions {
  lr: number;
  beta1: number;
  beta2: number;
  rho: number;
  eps: number;
  weightDecay: number;
  refreshEvery: number;
  probe: ProbeKind;
  schedule: SophiaSchedule;
  spreadStats: boolean;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const SOPHIA_DEFAULTS: SophiaOptions = optimizerDefaults('sophia-h');

export class SophiaH implements Optimizer {
  readonly name = 'sophia-h';
  readonly options: SophiaOptions;
  steps = 0;
  private readonly grad: Float32Array;
  private readonly z: Float32Array;
  private readonly hz: Float32Array;
  private readonly probeEstimate: Float64Array;
  private hasEstimate = false;
  private readonly m: Float64Array;
  private readonly h: Float64Array;
  private readonly scratch: Float64Array;
  /** The native module when the objective runs there: the probe's signs and the curvature spread are taken there. */
  private readonly addon: NativeAddon | null;

  constructor(
    private readonly objective: HvpObjective,
    private readonly rng: Rng,
    options?: Partial<SophiaOptions>,
  ) {
    this.options = withDefaults('sophia-h', SOPHIA_DEFAULTS, options);
    requireRange('sophia-h', 'refreshEvery', this.options.refreshEvery, 1, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(this.options.refreshEvery)) throw new Error('sophia-h: refreshEvery must be an integer');
    const n = objective.layout.size;
    this.grad = new Float32Array(n);
    this.z = new Float32Array(n);
    this.hz = new Float32Array(n);
    this.probeEstimate = new Float64Array(n);
    this.m = new Float64Array(n);
    this.h = new Float64Array(n);
    this.scratch = new Float64Array(n);
    this.addon = nativeOf(objective);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, beta1, beta2, rho, eps, weightDecay: wd, refreshEvery: k } = this.options;
    const { grad: g, z, hz, m, h, probeEstimate: est } = this;
    const t = this.steps + 1;
    const probe = this.options.schedule === 'library' ? Math.max(t - 1, 1) % k === 0 : (t - 1) % k === 0;
    let loss: number;
    if (probe) {
      fillProbe(z, this.options.probe, this.rng, this.addon);
      loss = this.objective.lossGradHvp(theta, z, g, hz);
      for (let i = 0; i < est.length; i++) est[i] = z[i] * hz[i];
      this.hasEstimate = true;
    } else {
      loss = this.objective.lossGrad(theta, g);
    }
    const fold = this.hasEstimate && (this.options.schedule === 'library' ? t % k === 0 : probe);
    const decay = 1 - lr * wd;
    let moved = 0;
    let clipped = 0;
    for (let i = 0; i < theta.length; i++) {
      const old = theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      if (fold) h[i] = beta2 * h[i] + (1 - beta2) * est[i];
      const ratio = m[i] / Math.max(h[i], eps);
      if (Math.abs(ratio) >= rho) clipped++;
      const u = Math.min(Math.max(ratio, -rho), rho);
      theta[i] = old * decay - lr * u;
      const d = theta[i] - old;
      moved += d * d;
    }
    this.steps = t;
    const info = { loss, gradNorm: norm2(g), updateNorm: Math.sqrt(moved), evals: 1 };
    return withLazyStats(
      info,
      () => this.steps === t,
      () => {
        const stats: Record<string, number> = {
          probed: probe ? 1 : 0,
          refreshed: fold ? 1 : 0,
          clippedFraction: clipped / theta.length,
        };
        if (this.options.spreadStats) addSpread(stats, 'h', h, 0, h.length, this.addon, this.scratch);
        return stats;
      },
    );
  }
}
