// K-FAC (paper section 5; the reference copies alecwangcq/KFAC-Pytorch and edits it), on every linear layer with
// the bias as an extra input column a~ = [a; 1]:
//   every statsEvery steps:  A = decay A + (1 - decay) a~^T a~ / B,  G = decay G + (1 - decay) delta^T delta * B,
//                            delta = d(mean loss)/d(layer output); both start at I (at step 0, before the update);
//   every eigEvery steps:    A += damping I, G += damping I (kept in the running factors, as the reference does),
//                            A = Q_a diag(d_a) Q_a^T, G = Q_g diag(d_g) Q_g^T, eigenvalues <= 1e-10 set to 0;
//   each step:               V = Q_g [(Q_g^T G^ Q_a) / (d_g d_a^T + damping)] Q_a^T  with G^ = [dL/dW | dL/db],
//                            nu = min(1, sqrt(klClip / (sum_layers sum V * G^ * lr^2 + 1e-8))),
//                            d = nu V (+ wd * theta once step >= weightDecayAfter), buf = mu buf + d (first: d),
//                            theta -= lr * buf.
// Defaults lr 1e-2, momentum 0.9, statDecay 0.95, damping 1e-3, klClip 1e-3, weightDecay 1e-4, statsEvery 10,
// eigEvery 100. Where the paper is silent the reference code decides: the factor damping, the 1e-8 in nu, and
// weight decay that starts only at step 20 * statsEvery = 200 (weightDecayAfter). Parameters outside any layer
// take the plain gradient.

import { transposeInto } from '../dense/products';
import { kfacLinalg, type KfacLinalg } from './kfacLinalg';
import type { LayeredObjective, LinearLayer } from '../models/objective';
import { optimizerDefaults } from '../../shared/optimizers';
import { requireRange, withDefaults } from './options';
import type { Optimizer, StepInfo } from './types';
import { norm2 } from './vec';

export interface KfacOptions {
  lr: number;
  momentum: number;
  statDecay: number;
  damping: number;
  klClip: number;
  weightDecay: number;
  statsEvery: number;
  eigEvery: number;
  weightDecayAfter: number;
  /** Add damping * I to the running factors before each eigendecomposition (reference behaviour). */
  factorDamping: boolean;
  eigFloor: number;
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const KFAC_DEFAULTS: KfacOptions = optimizerDefaults('kfac');

/** Per-layer factors and scratch; `i` counts the bias column. */
class LayerState {
  readonly i: number;
  readonly o: number;
  readonly a: Float64Array;
  readonly g: Float64Array;
  readonly moment: Float64Array;
  dA: Float64Array;
  qA: Float64Array;
  qAT: Float64Array;
  dG: Float64Array;
  qG: Float64Array;
  qGT: Float64Array;
  readonly gradT: Float64Array;
  readonly t1: Float64Array;
  readonly t1T: Float64Array;
  readonly v: Float64Array;

  constructor(readonly layer: LinearLayer) {
    const i = (this.i = layer.inDim + 1);
    const o = (this.o = layer.outDim);
    this.a = new Float64Array(i * i);
    this.g = new Float64Array(o * o);
    this.moment = new Float64Array(Math.max(i * i, o * o));
    // Filled by the first decomposition, which always happens at step 0.
    this.dA = this.qA = this.dG = this.qG = new Float64Array(0);
    this.qAT = new Float64Array(i * i);
    this.qGT = new Float64Array(o * o);
    this.gradT = new Float64Array(i * o);
    this.t1 = new Float64Array(o * i);
    this.t1T = new Float64Array(i * o);
    this.v = new Float64Array(o * i);
  }
}

export class Kfac implements Optimizer {
  readonly name = 'kfac';
  readonly options: KfacOptions;
  steps = 0;
  private readonly grad: Float32Array;
  private readonly direction: Float64Array;
  private readonly buf: Float64Array;
  private readonly layers: LayerState[];
  /** Products and eigendecompositions: native (dgemm, LAPACK dsyevd) when the objective runs natively, else TS. */
  readonly linalg: KfacLinalg;

  constructor(
    private readonly objective: LayeredObjective,
    options?: Partial<KfacOptions>,
  ) {
    this.options = withDefaults('kfac', KFAC_DEFAULTS, options);
    requireRange('kfac', 'statDecay', this.options.statDecay, 0, 1);
    for (const key of ['statsEvery', 'eigEvery'] as const) {
      if (!Number.isInteger(this.options[key]) || this.options[key] < 1)
        throw new Error(`kfac: ${key} must be a positive integer`);
    }
    const n = objective.layout.size;
    this.grad = new Float32Array(n);
    this.direction = new Float64Array(n);
    this.buf = new Float64Array(n);
    this.layers = objective.layers.map((l) => new LayerState(l));
    this.linalg = kfacLinalg(objective.kernel);
  }

  step(theta: Float32Array): StepInfo {
    const { lr, momentum: mu, damping, klClip, weightDecay: wd } = this.options;
    const t0 = this.steps;
    const g = this.grad;
    const loss = this.objective.lossGrad(theta, g);
    if (t0 % this.options.statsEvery === 0) this.updateFactors(t0 === 0);
    const refresh = t0 % this.options.eigEvery === 0;
    if (refresh) for (const s of this.layers) this.decompose(s);
    const dir = this.direction;
    for (let k = 0; k < g.length; k++) dir[k] = g[k];
    let vg = 0;
    for (const s of this.layers) vg += this.naturalGradient(s, damping);
    vg *= lr * lr;
    const ratio = klClip / (vg + 1e-8);
    const nu = ratio > 0 && Number.isFinite(ratio) ? Math.min(1, Math.sqrt(ratio)) : 1;
    for (const s of this.layers) this.writeDirection(s, nu);
    const decay = wd !== 0 && t0 >= this.options.weightDecayAfter ? wd : 0;
    const first = t0 === 0;
    let moved = 0;
    for (let k = 0; k < theta.length; k++) {
      const old = theta[k];
      const d = dir[k] + decay * old;
      this.buf[k] = first ? d : mu * this.buf[k] + d;
      theta[k] = old - lr * this.buf[k];
      const dt = theta[k] - old;
      moved += dt * dt;
    }
    this.steps++;
    return {
      loss,
      gradNorm: norm2(g),
      updateNorm: Math.sqrt(moved),
      evals: 1,
      stats: { nu, vgSum: vg, eigRefreshed: refresh ? 1 : 0 },
    };
  }

  private updateFactors(init: boolean): void {
    const decay = this.options.statDecay;
    const batch = this.objective.batch;
    this.layers.forEach((s, l) => {
      this.objective.inputMoment(l, s.moment);
      runningUpdate(s.a, s.moment, s.i, 1 / batch, decay, init);
      this.objective.outputGradMoment(l, s.moment);
      runningUpdate(s.g, s.moment, s.o, batch, decay, init);
    });
  }

  private decompose(s: LayerState): void {
    const { damping, factorDamping, eigFloor } = this.options;
    for (const [m, n] of [
      [s.a, s.i],
      [s.g, s.o],
    ] as const) {
      if (!m.every(Number.isFinite)) {
        // The reference falls back to the identity when a factor has gone non-finite.
        m.fill(0);
        for (let k = 0; k < n; k++) m[k * n + k] = 1;
      }
      if (factorDamping) for (let k = 0; k < n; k++) m[k * n + k] += damping;
    }
    const ea = this.linalg.symEig(s.a, s.i);
    const eg = this.linalg.symEig(s.g, s.o);
    s.dA = ea.values.map((x) => (x > eigFloor ? x : 0));
    s.dG = eg.values.map((x) => (x > eigFloor ? x : 0));
    s.qA = ea.vectors;
    s.qG = eg.vectors;
    transposeInto(s.qA, s.i, s.i, s.qAT);
    transposeInto(s.qG, s.o, s.o, s.qGT);
  }

  /** V for one layer into s.v; returns sum(V * G^) (before lr^2). */
  private naturalGradient(s: LayerState, damping: number): number {
    const { i, o, gradT, t1, t1T, v } = s;
    const g = this.grad;
    const { gemmABt } = this.linalg;
    const { weightOffset: w, biasOffset: b, inDim } = s.layer;
    for (let r = 0; r < o; r++) {
      for (let k = 0; k < inDim; k++) gradT[k * o + r] = g[w + r * inDim + k];
      gradT[inDim * o + r] = g[b + r];
    }
    gemmABt(s.qGT, gradT, o, o, i, t1); // Q_g^T G^
    gemmABt(t1, s.qAT, o, i, i, v); // (Q_g^T G^) Q_a
    for (let r = 0; r < o; r++) {
      const dg = s.dG[r];
      for (let k = 0; k < i; k++) v[r * i + k] /= dg * s.dA[k] + damping;
    }
    transposeInto(v, o, i, t1T);
    gemmABt(s.qG, t1T, o, o, i, t1); // Q_g [..]
    gemmABt(t1, s.qA, o, i, i, v); // [..] Q_a^T
    let vg = 0;
    for (let r = 0; r < o; r++) {
      for (let k = 0; k < i; k++) vg += v[r * i + k] * gradT[k * o + r];
    }
    return vg;
  }

  private writeDirection(s: LayerState, nu: number): void {
    const { i, o, v } = s;
    const { weightOffset: w, biasOffset: b, inDim } = s.layer;
    const dir = this.direction;
    for (let r = 0; r < o; r++) {
      for (let k = 0; k < inDim; k++) dir[w + r * inDim + k] = nu * v[r * i + k];
      dir[b + r] = nu * v[r * i + inDim];
    }
  }
}

/** m = decay m + (1 - decay) scale * moment, with m = I before the first update. */
function runningUpdate(
  m: Float64Array,
  moment: Float64Array,
  n: number,
  scale: number,
  decay: number,
  init: boolean,
): void {
  if (init) {
    m.fill(0);
    for (let k = 0; k < n; k++) m[k * n + k] = 1;
  }
  const w = (1 - decay) * scale;
  for (let k = 0; k < n * n; k++) m[k] = decay * m[k] + w * moment[k];
}
