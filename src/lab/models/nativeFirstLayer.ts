// The first layer's products on the native module's OpenBLAS sgemm (src/lab/native/addon.ts): Z^T = W X^T + b and
// dL/dW = dZ^T X as float32 products, with the fixed data kept as X^T (d x n, for the forward) and X (n x d, the
// caller's array, for the gradient). The float64 <-> float32 conversions around each product happen inside the C
// call, so no JavaScript loop touches the h x n buffers. Results agree with the float64 kernels to float32 rounding
// of sums of d = 784 (forward) or n (gradient) terms, as the wasm strategy does.
import { requireNative, type NativeAddon } from '../native/addon';
import type { FirstLayer } from './objective';

export class NativeFirstLayer implements FirstLayer {
  readonly mode = 'dense';
  readonly kernel = 'native';
  readonly addon: NativeAddon;
  private readonly xT: Float32Array;
  private readonly scratch: Float32Array;
  /** Float32 scratch of the paired products (HVPs only, so allocated on first use): [W; V] and 2h x n / 2h x d. */
  private pair: { wst: Float32Array; scratch: Float32Array; tmp: Float32Array } | null = null;

  /** moment: the float64 X~^T X~ of a JS first layer over the same data (K-FAC reads it once). */
  constructor(
    private readonly x: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly h: number,
    private readonly momentOf: () => Float64Array,
  ) {
    this.addon = requireNative();
    const t = new Float32Array(d * n);
    for (let b = 0; b < n; b++) {
      const r = b * d;
      for (let k = 0; k < d; k++) t[k * n + b] = x[r + k];
    }
    this.xT = t;
    this.scratch = new Float32Array(h * n);
  }

  forward(p: Float32Array, bOffset: number, zT: Float64Array): void {
    const { n, d, h } = this;
    this.addon.firstForward(p, p.subarray(bOffset, bOffset + h), this.xT, zT, this.scratch, h, d, n);
  }

  /** forward, then ReLU (maskT null) or zeroed where maskT <= 0, in the same native call. */
  forwardAct(p: Float32Array, bOffset: number, zT: Float64Array, maskT: Float64Array | null): void {
    const { n, d, h } = this;
    this.addon.firstForwardAct(p, p.subarray(bOffset, bOffset + h), this.xT, zT, this.scratch, h, d, n, maskT);
  }

  /**
   * The forward's and the R-pass's first layers of an HVP in one product [W; V] xT (one packing of the data, a
   * taller product: about 12% less time than two): zT = relu(W xT + b), rzT = V xT + b_v where zT > 0.
   */
  forwardActPair(p: Float32Array, v: Float32Array, bOffset: number, zT: Float64Array, rzT: Float64Array): void {
    const { n, d, h } = this;
    const { wst, scratch } = this.pairScratch();
    const b = p.subarray(bOffset, bOffset + h);
    this.addon.firstForwardPair(p, v, b, v.subarray(bOffset, bOffset + h), this.xT, zT, rzT, wst, scratch, h, d, n);
  }

  /** Hits of the whole network evaluated in float32 (the output layer W2, b2 given), without float64 activations. */
  accuracyHits(
    p: Float32Array,
    bOffset: number,
    w2: Float32Array,
    b2: Float32Array,
    labels: Int32Array,
    c: number,
  ): number {
    const { n, d, h } = this;
    return this.addon.accuracy(p, p.subarray(bOffset, bOffset + h), this.xT, this.scratch, w2, b2, labels, h, d, n, c);
  }

  weightGrad(coefT: Float64Array, out: Float32Array, coef2T: Float64Array | null, out2: Float32Array | null): void {
    const { n, d, h } = this;
    if (coef2T && out2) {
      const { scratch, tmp } = this.pairScratch();
      this.addon.firstWeightGradPair(coefT, coef2T, this.x, out, out2, scratch, tmp, h, n, d);
      return;
    }
    this.addon.firstWeightGrad(coefT, this.x, out, this.scratch, h, n, d);
  }

  private pairScratch(): { wst: Float32Array; scratch: Float32Array; tmp: Float32Array } {
    const { n, d, h } = this;
    this.pair ??= {
      wst: new Float32Array(2 * h * d),
      scratch: new Float32Array(2 * h * n),
      tmp: new Float32Array(2 * h * d),
    };
    return this.pair;
  }

  moment(): Float64Array {
    return this.momentOf();
  }
}
