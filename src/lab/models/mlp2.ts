// The lab's two MLP families as explicit passes: d -> hidden -> out, ReLU, with
//   'mse': mean over all outputs of (f - y)^2 (Experiments 1 and 3: 10 -> 500 -> 1),
//   'ce' : mean softmax cross-entropy (Experiment 2: 784 -> 256 -> 10).
// Forward, backward and the R-operator (Pearlmutter 1994) give loss, gradient and the exact Hessian-vector product
// over all parameters jointly; ReLU's second derivative vanishes, so the R-pass only carries the frozen mask.
// Parameters are one float32 vector in PyTorch order W1 [h, d], b1 [h], W2 [c, h], b2 [c]. Accumulation is float64
// and activations are stored unit-major (h x n) so that every per-unit loop runs over contiguous samples.
// With the native first layer (the native backend), every pass runs in the native module instead of the loops
// below: bias + ReLU (or the R-pass mask) fused into the first-layer call, the output layer and its backward on
// dgemm, the softmax cross-entropy, its gradient and its R-operator in C (native/src/ood_head.c), on the
// same float64 buffers; results agree with the JS passes to float32 rounding of the first-layer products.

import { addRowCombination, gemmABt, gramRows, gramWithBias, setBiasBorder } from '../dense/products';
import { createFirstLayer } from './firstLayer';
import type { FirstLayer, FirstLayerMode } from './firstLayer';
import { NativeFirstLayer } from './nativeFirstLayer';
import { makeLayout } from './objective';
import type { HvpObjective, LayeredObjective, LinearLayer, ParamLayout } from './objective';

export type Mlp2Loss = 'mse' | 'ce';

export interface Mlp2Shape {
  readonly inDim: number;
  readonly hidden: number;
  readonly outDim: number;
  readonly loss: Mlp2Loss;
}

/** Regression targets are n x outDim row-major; class labels are integers in [0, outDim). */
export type Mlp2Targets = { readonly y: Float32Array } | { readonly labels: ArrayLike<number> };

export function mlp2Layout(s: Mlp2Shape): ParamLayout {
  return makeLayout([
    { name: 'W1', shape: [s.hidden, s.inDim] },
    { name: 'b1', shape: [s.hidden] },
    { name: 'W2', shape: [s.outDim, s.hidden] },
    { name: 'b2', shape: [s.outDim] },
  ]);
}

/**
 * 'torch-default': U(+-1/sqrt(fan_in)) for weights and biases (nn.Linear's default; Experiment 2).
 * 'kaiming-uniform': U(+-sqrt(6 / fan_in)) * scale for weights, zero biases (Experiment 1 uses scale 0.001).
 * Draws uniform(0, 1) in parameter order W1, b1, W2, b2; this is not PyTorch's random stream.
 */
export type Mlp2Init =
  | { readonly scheme: 'torch-default' }
  | { readonly scheme: 'kaiming-uniform'; readonly scale: number };

export function initMlp2(s: Mlp2Shape, theta: Float32Array, uniform: () => number, init: Mlp2Init): void {
  const layout = mlp2Layout(s);
  if (theta.length !== layout.size)
    throw new Error(`initMlp2: expected ${layout.size} parameters, got ${theta.length}`);
  for (const t of layout.tensors) {
    const fanIn = t.name === 'W1' || t.name === 'b1' ? s.inDim : s.hidden;
    const isWeight = t.name.startsWith('W');
    let bound: number;
    if (init.scheme === 'torch-default') bound = 1 / Math.sqrt(fanIn);
    else bound = isWeight ? Math.sqrt(6 / fanIn) * init.scale : 0;
    for (let i = 0; i < t.size; i++) theta[t.offset + i] = bound === 0 ? 0 : (2 * uniform() - 1) * bound;
  }
}

export interface Mlp2Options {
  /** First-layer kernels; 'auto' picks 'sparse' for wide inputs with >= 25% zeros. Results agree to rounding. */
  firstLayer?: FirstLayerMode;
}

/** Unit-major buffers of one pass: the forward's (a, o) and, once a gradient is asked for, the backward's. */
class Pass {
  readonly aT: Float64Array; // activations, or their R-derivative in the R pass: h x n
  readonly oT: Float64Array; // c x n
  private back: { dOT: Float64Array; dZT: Float64Array; acc: Float64Array } | null = null;
  constructor(
    private readonly n: number,
    private readonly h: number,
    private readonly c: number,
  ) {
    this.aT = new Float64Array(h * n);
    this.oT = new Float64Array(c * n);
  }
  /** Allocated on first use, so an evaluation-only network (a large test set) carries no gradient buffers. */
  get grad(): { dOT: Float64Array; dZT: Float64Array; acc: Float64Array } {
    const { n, h, c } = this;
    this.back ??= { dOT: new Float64Array(c * n), dZT: new Float64Array(h * n), acc: new Float64Array(c * h) };
    return this.back;
  }
}

export class Mlp2 implements HvpObjective, LayeredObjective {
  readonly layout: ParamLayout;
  readonly layers: readonly LinearLayer[];
  readonly batch: number;
  private readonly h: number;
  private readonly c: number;
  private readonly oB1: number;
  private readonly oW2: number;
  private readonly oB2: number;
  private readonly first: FirstLayer;
  /** The first layer when it is native: then every pass runs in the native module. */
  private readonly nat: NativeFirstLayer | null;
  private readonly y: Float32Array | null;
  private readonly labels: Int32Array | null;
  private readonly fw: Pass;
  private softBuf: Float64Array | null = null;
  private rp: Pass | null = null;
  private outBuf: Float64Array | null = null;
  /** The parameters of the forward pass in fw on the native path (null before the first one). */
  private fwAt: Float32Array | null = null;

  constructor(
    readonly shape: Mlp2Shape,
    x: Float32Array,
    readonly n: number,
    targets: Mlp2Targets,
    options: Mlp2Options = {},
  ) {
    const { inDim: d, hidden: h, outDim: c } = shape;
    if (n < 1) throw new Error('Mlp2: empty batch');
    if (x.length !== n * d) throw new Error(`Mlp2: x has ${x.length} entries, expected n * inDim = ${n * d}`);
    [this.h, this.c, this.batch] = [h, c, n];
    this.layout = mlp2Layout(shape);
    this.oB1 = h * d;
    this.oW2 = this.oB1 + h;
    this.oB2 = this.oW2 + c * h;
    this.layers = [
      { inDim: d, outDim: h, weightOffset: 0, biasOffset: this.oB1 },
      { inDim: h, outDim: c, weightOffset: this.oW2, biasOffset: this.oB2 },
    ];
    if (shape.loss === 'mse') {
      if (!('y' in targets) || targets.y.length !== n * c)
        throw new Error(`Mlp2: 'mse' needs y with n * outDim = ${n * c} entries`);
      [this.y, this.labels] = [targets.y, null];
    } else {
      if (!('labels' in targets) || targets.labels.length !== n) throw new Error(`Mlp2: 'ce' needs ${n} labels`);
      const labels = Int32Array.from(targets.labels);
      for (const l of labels) if (!(l >= 0 && l < c)) throw new Error(`Mlp2: label ${l} outside [0, ${c})`);
      [this.y, this.labels] = [null, labels];
    }
    this.first = createFirstLayer(options.firstLayer ?? 'auto', x, n, d, h);
    this.nat = this.first instanceof NativeFirstLayer ? this.first : null;
    this.fw = new Pass(n, h, c);
  }

  /** Who computes the passes: 'native' when the first layer is native (then all of them run there). */
  get kernel(): 'js' | 'tfjs-wasm' | 'native' {
    return this.first.kernel ?? 'js';
  }

  /** Which first-layer kernels 'auto' chose. */
  get firstLayerMode(): 'sparse' | 'dense' {
    return this.first.mode;
  }

  /** Loss at theta, forward pass only. */
  loss(theta: Float32Array): number {
    this.forward(theta);
    return this.lossAndDelta(false);
  }

  /** Outputs (n x outDim row-major; logits for 'ce') at theta; an internal buffer, valid until the next call. */
  outputs(theta: Float32Array): Float64Array {
    this.forward(theta);
    const { n, c } = this;
    this.outBuf ??= new Float64Array(n * c);
    for (let b = 0; b < n; b++) for (let q = 0; q < c; q++) this.outBuf[b * c + q] = this.fw.oT[q * n + b];
    return this.outBuf;
  }

  /**
   * Fraction of samples whose largest logit is the label ('ce' only). On the native backend computed in float32
   * end to end (a logit within float32 rounding of another may rank differently from the float64 passes), and the
   * pass buffers are left as they were.
   */
  accuracy(theta: Float32Array): number {
    const labels = this.labels;
    if (!labels) throw new Error('Mlp2.accuracy needs class labels');
    if (this.nat) {
      // evaluation only: the native pass in float32 (as numpy's reference), no float64 activations written
      const { oW2, oB2, c } = this;
      return (
        this.nat.accuracyHits(theta, this.oB1, theta.subarray(oW2, oB2), theta.subarray(oB2, oB2 + c), labels, c) /
        this.n
      );
    }
    this.forward(theta);
    const { c, n } = this;
    const oT = this.fw.oT;
    let hits = 0;
    for (let b = 0; b < n; b++) {
      let best = 0;
      for (let q = 1; q < c; q++) if (oT[q * n + b] > oT[best * n + b]) best = q;
      if (best === labels[b]) hits++;
    }
    return hits / n;
  }

  lossGrad(theta: Float32Array, grad: Float32Array): number {
    this.checkSize(theta, grad);
    this.forward(theta);
    const loss = this.lossAndDelta(true);
    this.backward(theta, grad);
    this.first.weightGrad(this.fw.grad.dZT, grad, null, null);
    return loss;
  }

  lossGradHvp(theta: Float32Array, v: Float32Array, grad: Float32Array, hv: Float32Array): number {
    this.checkSize(theta, grad);
    this.checkSize(v, hv);
    const rp = (this.rp ??= new Pass(this.n, this.h, this.c));
    if (this.nat) {
      // both first layers (theta's and v's) in one native product; rPass then starts from R(a)
      this.nat.forwardActPair(theta, v, this.oB1, this.fw.aT, rp.aT);
      this.headForward(theta);
      this.rememberForward(theta);
    } else this.forward(theta);
    const loss = this.lossAndDelta(true);
    this.backward(theta, grad);
    this.rPass(theta, v, hv);
    this.first.weightGrad(this.fw.grad.dZT, grad, (this.rp as Pass).grad.dZT, hv);
    return loss;
  }

  inputMoment(layer: number, out: Float64Array): void {
    if (layer === 0) {
      out.set(this.first.moment());
      return;
    }
    if (this.nat) {
      const { h, n } = this;
      const aT = this.fw.aT;
      this.nat.addon.gram(aT, h, n, out, h + 1);
      const sums = new Float64Array(h);
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let b = j * n; b < (j + 1) * n; b++) s += aT[b];
        sums[j] = s;
      }
      setBiasBorder(out, h, n, sums);
      return;
    }
    gramWithBias(this.fw.aT, this.h, this.n, out);
  }

  outputGradMoment(layer: number, out: Float64Array): void {
    const { dZT, dOT } = this.fw.grad;
    if (this.nat) {
      if (layer === 0) this.nat.addon.gram(dZT, this.h, this.n, out, this.h);
      else this.nat.addon.gram(dOT, this.c, this.n, out, this.c);
      return;
    }
    if (layer === 0) gramRows(dZT, this.h, this.n, out, this.h);
    else gramRows(dOT, this.c, this.n, out, this.c);
  }

  private checkSize(p: Float32Array, q: Float32Array): void {
    const size = this.layout.size;
    if (p.length !== size || q.length !== size) throw new Error(`Mlp2: vectors must have ${size} entries`);
  }

  private forward(theta: Float32Array): void {
    const { h, c, n, oW2, oB2 } = this;
    const { aT, oT } = this.fw;
    if (this.nat) {
      // an evaluation's forward and the next step's are at the same parameters: the second is skipped
      if (this.fwAt && sameBytes(theta, this.fwAt)) return;
      this.nat.forwardAct(theta, this.oB1, aT, null);
      this.headForward(theta);
      this.rememberForward(theta);
      return;
    }
    this.first.forward(theta, this.oB1, aT);
    for (let i = 0; i < h * n; i++) if (aT[i] < 0) aT[i] = 0;
    for (let q = 0; q < c; q++) {
      oT.fill(theta[oB2 + q], q * n, (q + 1) * n);
      addRowCombination(theta, oW2 + q * h, 1, h, aT, n, oT, q * n);
    }
  }

  /** Notes that the forward buffers now hold the pass at theta (native path; a copy, theta changes in place). */
  private rememberForward(theta: Float32Array): void {
    (this.fwAt ??= new Float32Array(theta.length)).set(theta);
  }

  /** The native output layer on the forward's activations: oT = W2 aT + b2. */
  private headForward(theta: Float32Array): void {
    const { h, c, n, oW2, oB2 } = this;
    const addon = (this.nat as NativeFirstLayer).addon;
    addon.headForward(
      theta.subarray(oW2, oB2),
      theta.subarray(oB2, oB2 + c),
      this.fw.aT,
      this.fw.oT,
      c,
      h,
      n,
      null,
      null,
    );
  }

  /** Mean loss of the current outputs; with delta, fills dL/dout (and the softmax for 'ce'). */
  private lossAndDelta(delta: boolean): number {
    const { c, n } = this;
    const oT = this.fw.oT;
    const dOT = delta ? this.fw.grad.dOT : null;
    let total = 0;
    if (this.y) {
      const y = this.y;
      const scale = 2 / (n * c);
      for (let b = 0; b < n; b++) {
        for (let q = 0; q < c; q++) {
          const r = oT[q * n + b] - y[b * c + q];
          total += r * r;
          if (dOT) dOT[q * n + b] = scale * r;
        }
      }
      return total / (n * c);
    }
    const labels = this.labels as Int32Array;
    const softT = dOT ? (this.softBuf ??= new Float64Array(c * n)) : null;
    if (this.nat) return this.nat.addon.softmaxXent(oT, labels, c, n, dOT, softT);
    for (let b = 0; b < n; b++) {
      let mx = -Infinity;
      for (let q = 0; q < c; q++) mx = Math.max(mx, oT[q * n + b]);
      let se = 0;
      for (let q = 0; q < c; q++) se += Math.exp(oT[q * n + b] - mx);
      const lse = mx + Math.log(se);
      total += lse - oT[labels[b] * n + b];
      if (dOT && softT) {
        for (let q = 0; q < c; q++) {
          const s = Math.exp(oT[q * n + b] - lse);
          softT[q * n + b] = s;
          dOT[q * n + b] = (s - (q === labels[b] ? 1 : 0)) / n;
        }
      }
    }
    return total / n;
  }

  /** Output-layer gradient into grad, b1's gradient, and dZ (unit-major) for the first layer's weights. */
  private backward(theta: Float32Array, grad: Float32Array): void {
    const { h, c, n, oW2, oB2, oB1 } = this;
    const aT = this.fw.aT;
    const { dOT, dZT, acc } = this.fw.grad;
    if (this.nat) {
      const g2 = grad.subarray(oW2, oB2);
      this.nat.addon.headBackward(
        theta.subarray(oW2, oB2),
        dOT,
        aT,
        c,
        h,
        n,
        g2,
        grad.subarray(oB2, oB2 + c),
        dZT,
        grad.subarray(oB1, oW2),
        null,
        null,
        null,
      );
      return;
    }
    gemmABt(dOT, aT, c, n, h, acc);
    for (let i = 0; i < c * h; i++) grad[oW2 + i] = acc[i];
    rowSums(dOT, c, n, grad, oB2);
    dZT.fill(0);
    for (let j = 0; j < h; j++) {
      addRowCombination(theta, oW2 + j, h, c, dOT, n, dZT, j * n);
      for (let b = j * n; b < (j + 1) * n; b++) if (!(aT[b] > 0)) dZT[b] = 0;
    }
    rowSums(dZT, h, n, grad, oB1);
  }

  /**
   * R-operator pass along v: Hv for the output layer and b1 into hv, R(dZ) for the first layer's weights. On the
   * native path R(a) is already in the R buffers (lossGradHvp computes it with the forward).
   */
  private rPass(theta: Float32Array, v: Float32Array, hv: Float32Array): void {
    const { h, c, n, oW2, oB2, oB1 } = this;
    const rp = (this.rp ??= new Pass(n, h, c));
    const aT = this.fw.aT;
    const { dOT, acc: acc2 } = this.fw.grad;
    const { aT: rAT, oT: rOT } = rp;
    const { dOT: rdOT, dZT: rdZT, acc } = rp.grad;
    if (this.nat) {
      const { addon } = this.nat;
      const w2 = theta.subarray(oW2, oB2);
      const v2 = v.subarray(oW2, oB2);
      // R(a) (rAT) came with the forward's activations from forwardActPair in lossGradHvp
      addon.headForward(w2, v.subarray(oB2, oB2 + c), rAT, rOT, c, h, n, v2, aT);
      if (this.y) {
        const scale = 2 / (n * c);
        for (let i = 0; i < c * n; i++) rdOT[i] = scale * rOT[i];
      } else addon.softmaxXentR(this.softBuf as Float64Array, rOT, c, n, rdOT);
      const hvB2 = hv.subarray(oB2, oB2 + c);
      addon.headBackward(w2, rdOT, aT, c, h, n, hv.subarray(oW2, oB2), hvB2, rdZT, hv.subarray(oB1, oW2), v2, dOT, rAT);
      return;
    }
    this.first.forward(v, oB1, rAT);
    for (let i = 0; i < h * n; i++) if (!(aT[i] > 0)) rAT[i] = 0;
    for (let q = 0; q < c; q++) {
      rOT.fill(v[oB2 + q], q * n, (q + 1) * n);
      addRowCombination(theta, oW2 + q * h, 1, h, rAT, n, rOT, q * n);
      addRowCombination(v, oW2 + q * h, 1, h, aT, n, rOT, q * n);
    }
    if (this.y) {
      const scale = 2 / (n * c);
      for (let i = 0; i < c * n; i++) rdOT[i] = scale * rOT[i];
    } else {
      const softT = this.softBuf as Float64Array;
      for (let b = 0; b < n; b++) {
        let sr = 0;
        for (let q = 0; q < c; q++) sr += softT[q * n + b] * rOT[q * n + b];
        for (let q = 0; q < c; q++) rdOT[q * n + b] = (softT[q * n + b] * (rOT[q * n + b] - sr)) / n;
      }
    }
    // R(dW2) = R(dO)^T a + dO^T R(a); acc2 (the backward's) is free again once grad holds dW2.
    gemmABt(rdOT, aT, c, n, h, acc);
    gemmABt(dOT, rAT, c, n, h, acc2);
    for (let i = 0; i < c * h; i++) hv[oW2 + i] = acc[i] + acc2[i];
    rowSums(rdOT, c, n, hv, oB2);
    rdZT.fill(0);
    for (let j = 0; j < h; j++) {
      addRowCombination(theta, oW2 + j, h, c, rdOT, n, rdZT, j * n);
      addRowCombination(v, oW2 + j, h, c, dOT, n, rdZT, j * n);
      for (let b = j * n; b < (j + 1) * n; b++) if (!(aT[b] > 0)) rdZT[b] = 0;
    }
    rowSums(rdZT, h, n, hv, oB1);
  }
}

function rowSums(t: Float64Array, rows: number, cols: number, out: Float32Array, offset: number): void {
  for (let j = 0; j < rows; j++) {
    let s = 0;
    for (let b = 0; b < cols; b++) s += t[j * cols + b];
    out[offset + j] = s;
  }
}

/** Whether two float32 vectors hold the same bits (memcmp through Buffer; NaNs compare by their bits). */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}
