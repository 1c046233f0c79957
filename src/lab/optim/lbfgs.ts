// L-BFGS (paper section 5; torch.optim.LBFGS as the reference calls it: LBFGS(params, lr), no line search) on the
// objective f = L + wd * sum ||theta||^2 (the reference's closure adds the penalty; the gradient gets 2 wd theta).
// One step() runs up to maxIter inner iterations:
//   direction d = -H g by the two-loop recursion over at most historySize pairs (s, y), H0 = (y^T s / y^T y) I from
//   the newest pair; a pair is kept only if y^T s > 1e-10; the very first iteration uses d = -g;
//   fixed step theta += t d with t = min(1, 1 / ||g||_1) * lr on the first iteration ever, lr afterwards;
//   stop when g^T d > -tolChange, after maxIter iterations or maxEval evaluations, when max|g| <= tolGrad, when
//   max|t d| <= tolChange, or when the objective changed by less than tolChange. The last iteration moves without
//   re-evaluating; the next step's first evaluation closes the pair.
// Defaults lr 1e-2, maxIter 20, maxEval 25 (= maxIter * 5 / 4), historySize 100, tolGrad 1e-7, tolChange 1e-9,
// weightDecay 1e-4. StepInfo.loss is the objective's own loss (without the penalty); stats.penalizedLoss is f.
// Without a line search L-BFGS has no finite-termination property on quadratics; LbfgsHistory is exported so
// that property can be checked with exact steps.
// On the native backend (the objective's kernel is 'native') with float32 pairs, the pairs, the recursion and the
// iteration's other vector passes (pair, move, penalty with max |g|) run in the native module (twoLoop.ts
// NativeLbfgs, native/src/lbfgs.c): the same rules, sums in another order, so results agree to rounding.

import { optimizerDefaults } from '../../shared/optimizers';
import { withDefaults } from './options';
import { NativeLbfgs, WasmPairStore } from './twoLoop';
import type { Objective } from '../models/objective';
import { nativeOf, type NativeAddon } from '../native/addon';
import type { Optimizer, StepInfo } from './types';
import { distance, dot, norm2 } from './vec';
import type { Vec } from './vec';

export interface LbfgsOptions {
  lr: number;
  maxIter: number;
  /** Defaults to floor(maxIter * 5 / 4), as torch does. */
  maxEval: number;
  historySize: number;
  tolGrad: number;
  tolChange: number;
  weightDecay: number;
  /** Storage of the (s, y) pairs: float32 halves the memory (torch keeps them in float32 too). */
  historyPrecision: 'float32' | 'float64';
}

/** The catalogue's defaults (src/shared/optimizers.ts), the values the header above states. */
export const LBFGS_DEFAULTS: Omit<LbfgsOptions, 'maxEval'> = optimizerDefaults('lbfgs');

/** A pair is kept only when y^T s exceeds this. */
export const MIN_CURVATURE = 1e-10;

/**
 * The curvature pairs and the two-loop recursion. Float32 pairs live in the native module's store when the module
 * is given (the objective's kernel is 'native'; twoLoop.ts NativeLbfgs), else in a WebAssembly SIMD module where
 * the runtime has one (twoLoop.ts, several times faster on the OOD shape); float64 pairs, or neither, use the JS
 * loops below.
 */
export class LbfgsHistory {
  private readonly s: Vec[] = [];
  private readonly y: Vec[] = [];
  private readonly rho: number[] = [];
  private readonly alpha: Float64Array;
  private readonly wasm: WasmPairStore | null;
  /** The native store and fused passes (float32 pairs on the native backend), else null. */
  readonly native: NativeLbfgs | null;
  private readonly order: number[] = [];
  private start = 0;
  length = 0;
  /** Scale of the initial inverse Hessian H0 = hDiag * I. */
  hDiag = 1;

  constructor(
    readonly n: number,
    readonly capacity: number,
    private readonly precision: 'float32' | 'float64' = 'float64',
    /** The native module when the objective runs there (nativeOf): float32 pairs then live in its store. */
    native: NativeAddon | null = null,
  ) {
    this.alpha = new Float64Array(capacity);
    this.native = precision === 'float32' ? NativeLbfgs.create(n, capacity, native) : null;
    this.wasm = precision === 'float32' && !this.native ? WasmPairStore.create(n) : null;
  }

  /** Whether the recursion runs in WebAssembly. */
  get usesWasm(): boolean {
    return this.wasm !== null;
  }

  /** Whether the pairs and the recursion live in the native module. */
  get usesNative(): boolean {
    return this.native !== null;
  }

  clear(): void {
    this.start = 0;
    this.length = 0;
    this.hDiag = 1;
    this.native?.clear();
  }

  /** Adds the pair (oldest dropped when full) and rescales H0; the caller has checked y^T s > 0. */
  push(s: Float64Array, y: Float64Array, ys: number): void {
    if (this.native) {
      this.native.push(s, y, ys);
      this.length = this.native.length;
      this.hDiag = ys / dot(y, y);
      return;
    }
    let slot: number;
    if (this.length < this.capacity) {
      slot = (this.start + this.length) % this.capacity;
      this.length++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.wasm) {
      this.wasm.set(slot, s, y);
    } else {
      if (this.s[slot] === undefined) {
        const make = (): Vec => (this.precision === 'float32' ? new Float32Array(this.n) : new Float64Array(this.n));
        this.s[slot] = make();
        this.y[slot] = make();
      }
      this.s[slot].set(s);
      this.y[slot].set(y);
    }
    this.rho[slot] = 1 / ys;
    this.hDiag = ys / dot(y, y);
  }

  /**
   * out = -H g, oldest pair innermost. Each axpy is fused with the next pair's dot product (one pass over out per
   * pair instead of two), and the loops are specialised per storage precision so V8 keeps them monomorphic (the
   * gain on the OOD shape is in docs/engine-notes.md).
   */
  direction(g: Vec, out: Float64Array): void {
    const { s, y, rho, alpha, capacity, length: m } = this;
    if (this.native) {
      const g64 = g instanceof Float64Array && g !== out ? g : Float64Array.from(g);
      this.native.direction(g64, out, this.hDiag, alpha);
      return;
    }
    const slot = (j: number): number => (this.start + j) % capacity;
    if (this.wasm) {
      this.order.length = m;
      for (let j = 0; j < m; j++) this.order[j] = slot(j);
      this.wasm.direction(g, out, this.order, rho, this.hDiag, alpha);
      return;
    }
    for (let k = 0; k < out.length; k++) out[k] = -g[k];
    if (m === 0) {
      for (let k = 0; k < out.length; k++) out[k] *= this.hDiag;
      return;
    }
    const f32 = this.precision === 'float32';
    const axpyDot = f32 ? axpyDot32 : axpyDot64;
    const dotOut = f32 ? dotOut32 : dotOut64;
    // first loop, newest to oldest: alpha_j = rho_j s_j^T q, q -= alpha_j y_j
    let d = dotOut(s[slot(m - 1)], out);
    for (let j = m - 1; j >= 0; j--) {
      const a = d * rho[slot(j)];
      alpha[j] = a;
      d = axpyDot(out, -a, y[slot(j)], j > 0 ? s[slot(j - 1)] : null);
    }
    for (let k = 0; k < out.length; k++) out[k] *= this.hDiag;
    // second loop, oldest to newest: beta_j = rho_j y_j^T r, r += (alpha_j - beta_j) s_j
    d = dotOut(y[slot(0)], out);
    for (let j = 0; j < m; j++) {
      const c = alpha[j] - d * rho[slot(j)];
      d = axpyDot(out, c, s[slot(j)], j < m - 1 ? y[slot(j + 1)] : null);
    }
  }

  /**
   * Native store only: the pair of the last move, s = t d and y = g - prevG, kept (and H0 rescaled) when
   * y^T s > MIN_CURVATURE, in one pass that also sets prevG = g. Returns whether it was kept.
   */
  pushFrom(g: Float64Array, prevG: Float64Array, d: Float64Array, t: number): boolean {
    const nat = this.native;
    if (!nat) throw new Error('LbfgsHistory.pushFrom needs the native store');
    if (!nat.pushFrom(g, prevG, d, t, MIN_CURVATURE)) return false;
    this.length = nat.length;
    this.hDiag = nat.stats[0] / nat.stats[1];
    return true;
  }
}

// The two-loop recursion's kernels, one copy per storage type (a shared generic copy would see both array types
// and deoptimise). out += c * u; returns next^T out after the update (0 without next).
function axpyDot32(out: Float64Array, c: number, u: Vec, next: Vec | null): number {
  const uu = u as Float32Array;
  if (next === null) {
    for (let k = 0; k < out.length; k++) out[k] += c * uu[k];
    return 0;
  }
  const v = next as Float32Array;
  let acc = 0;
  for (let k = 0; k < out.length; k++) {
    const o = out[k] + c * uu[k];
    out[k] = o;
    acc += v[k] * o;
  }
  return acc;
}

function axpyDot64(out: Float64Array, c: number, u: Vec, next: Vec | null): number {
  const uu = u as Float64Array;
  if (next === null) {
    for (let k = 0; k < out.length; k++) out[k] += c * uu[k];
    return 0;
  }
  const v = next as Float64Array;
  let acc = 0;
  for (let k = 0; k < out.length; k++) {
    const o = out[k] + c * uu[k];
    out[k] = o;
    acc += v[k] * o;
  }
  return acc;
}

function dotOut32(u: Vec, out: Float64Array): number {
  const uu = u as Float32Array;
  let acc = 0;
  for (let k = 0; k < out.length; k++) acc += uu[k] * out[k];
  return acc;
}

function dotOut64(u: Vec, out: Float64Array): number {
  const uu = u as Float64Array;
  let acc = 0;
  for (let k = 0; k < out.length; k++) acc += uu[k] * out[k];
  return acc;
}

export class Lbfgs implements Optimizer {
  readonly name = 'lbfgs';
  readonly options: LbfgsOptions;
  steps = 0;
  private iterations = 0;
  private readonly history: LbfgsHistory;
  private readonly grad32: Float32Array;
  private readonly g: Float64Array;
  private readonly prevG: Float64Array;
  private readonly d: Float64Array;
  private readonly sv: Float64Array;
  private readonly yv: Float64Array;
  private readonly start: Float32Array;
  private t = 0;
  private dataLoss = NaN;
  /** max |g| of the last evaluation on the native path (the JS path computes it where it is needed). */
  private gMax = NaN;

  constructor(
    private readonly objective: Objective,
    options?: Partial<LbfgsOptions>,
  ) {
    const maxIter = options?.maxIter ?? LBFGS_DEFAULTS.maxIter;
    this.options = withDefaults('lbfgs', { ...LBFGS_DEFAULTS, maxEval: Math.floor((maxIter * 5) / 4) }, options);
    const n = objective.layout.size;
    this.history = new LbfgsHistory(n, this.options.historySize, this.options.historyPrecision, nativeOf(objective));
    this.grad32 = new Float32Array(n);
    this.g = new Float64Array(n);
    this.prevG = new Float64Array(n);
    this.d = new Float64Array(n);
    this.sv = new Float64Array(n);
    this.yv = new Float64Array(n);
    this.start = new Float32Array(n);
  }

  /** Where the pairs and the two-loop recursion live. */
  get twoLoop(): 'native' | 'wasm' | 'js' {
    return this.history.usesNative ? 'native' : this.history.usesWasm ? 'wasm' : 'js';
  }

  step(theta: Float32Array): StepInfo {
    const { lr, maxIter, maxEval, tolGrad, tolChange } = this.options;
    const { g, prevG, d, history } = this;
    const nat = history.native;
    this.start.set(theta);
    let f = this.evaluate(theta);
    const info = { loss: this.dataLoss, gradNorm: norm2(this.grad32), penalizedLoss: f };
    let evals = 1;
    let iters = 0;
    if (this.gradMax() > tolGrad) {
      let optimal = false;
      while (iters < maxIter) {
        iters++;
        this.iterations++;
        let gd: number;
        let dMax: number | undefined; // max |d|: the native recursion returns it, the JS path computes it if needed
        if (this.iterations === 1) {
          for (let k = 0; k < d.length; k++) d[k] = -g[k];
          history.clear();
          prevG.set(g);
          gd = dot(g, d);
        } else if (nat) {
          history.pushFrom(g, prevG, d, this.t); // also prevG = g
          history.direction(g, d);
          gd = nat.stats[0];
          dMax = nat.stats[1];
        } else {
          const { sv, yv } = this;
          for (let k = 0; k < g.length; k++) {
            yv[k] = g[k] - prevG[k];
            sv[k] = d[k] * this.t;
          }
          const ys = dot(yv, sv);
          if (ys > MIN_CURVATURE) history.push(sv, yv, ys);
          history.direction(g, d);
          prevG.set(g);
          gd = dot(g, d);
        }
        const prevF = f;
        this.t = this.iterations === 1 ? Math.min(1, 1 / sumAbs(g)) * lr : lr;
        if (gd > -tolChange) break;
        if (nat) nat.move(theta, d, this.t);
        else for (let k = 0; k < theta.length; k++) theta[k] += this.t * d[k];
        if (iters !== maxIter) {
          f = this.evaluate(theta);
          optimal = this.gradMax() <= tolGrad;
          evals++;
        }
        if (iters === maxIter || evals >= maxEval || optimal) break;
        if ((dMax ?? maxAbs(d)) * Math.abs(this.t) <= tolChange) break;
        if (Math.abs(f - prevF) < tolChange) break;
      }
    }
    this.steps++;
    return {
      loss: info.loss,
      gradNorm: info.gradNorm,
      updateNorm: distance(theta, this.start),
      evals,
      stats: { penalizedLoss: info.penalizedLoss, iterations: iters, historyLength: history.length },
    };
  }

  /** max |g| of the last evaluation. */
  private gradMax(): number {
    return this.history.native ? this.gMax : maxAbs(this.g);
  }

  /** f = L + wd ||theta||^2 at theta; leaves L's gradient in grad32 and f's in g. */
  private evaluate(theta: Float32Array): number {
    const wd = this.options.weightDecay;
    this.dataLoss = this.objective.lossGrad(theta, this.grad32);
    const nat = this.history.native;
    if (nat) {
      const sq = nat.penalty(this.grad32, theta, wd, this.g);
      this.gMax = nat.stats[0];
      return this.dataLoss + wd * sq;
    }
    let sq = 0;
    for (let k = 0; k < theta.length; k++) {
      sq += theta[k] * theta[k];
      this.g[k] = this.grad32[k] + 2 * wd * theta[k];
    }
    return this.dataLoss + wd * sq;
  }
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k]);
  return s;
}
