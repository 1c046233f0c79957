// The first layer's two big products, Z^T = W X^T + b and dL/dW = dZ^T X, in two strategies chosen by the shape of
// the fixed data X. Sparse (noisy MNIST, 784 inputs, ~40% exact zeros): CSR rows of X and, in the backward, only the
// samples whose ReLU is active. Dense (Experiment 1, 10 Gaussian inputs): blocked dot products, which beat the
// sparse path there because each CSR row is too short to amortise its passes over the hidden units.
// 'wasm' (wasmFirstLayer.ts) runs both products as float32 matMuls on tfjs' WebAssembly backend, faster than the
// sparse path on the OOD shape (docs/engine-notes.md); it needs that backend active and is only chosen by name.
// 'native' (nativeFirstLayer.ts) runs them on OpenBLAS sgemm through the native module; also chosen by name only.

import { gemmABt, gramWithBias, transposeInto } from '../dense/products';
import { activeScratch, csrGramWithBias, csrTimesDenseT, maskedRowsTimesX, toCsr } from '../dense/sparse';
import type { ActiveScratch, Csr } from '../dense/sparse';
import { NativeFirstLayer } from './nativeFirstLayer';
import { WasmFirstLayer } from './wasmFirstLayer';

export type { FirstLayer, FirstLayerMode } from './objective';
import type { FirstLayer, FirstLayerMode } from './objective';

export function createFirstLayer(mode: FirstLayerMode, x: Float32Array, n: number, d: number, h: number): FirstLayer {
  if (mode === 'wasm') {
    // K-FAC's input moment stays float64: a JS layer over the same data computes it on first use.
    let js: FirstLayer | undefined;
    return new WasmFirstLayer(x, n, d, h, () => (js ??= createFirstLayer('auto', x, n, d, h)).moment());
  }
  if (mode === 'native') {
    let js: FirstLayer | undefined;
    return new NativeFirstLayer(x, n, d, h, () => (js ??= createFirstLayer('auto', x, n, d, h)).moment());
  }
  let resolved = mode;
  if (mode === 'auto') {
    let zeros = 0;
    for (let i = 0; i < x.length; i++) if (x[i] === 0) zeros++;
    resolved = d >= 32 && zeros >= 0.25 * x.length ? 'sparse' : 'dense';
  }
  return resolved === 'sparse' ? new SparseFirstLayer(x, n, d, h) : new DenseFirstLayer(x, n, d, h);
}

class SparseFirstLayer implements FirstLayer {
  readonly mode = 'sparse';
  readonly kernel = 'js';
  private readonly csr: Csr;
  private readonly wT: Float64Array;
  private readonly acc: Float64Array;
  private readonly scratch: ActiveScratch;
  private cached: Float64Array | null = null;

  constructor(
    private readonly x: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly h: number,
  ) {
    this.csr = toCsr(x, n, d);
    this.wT = new Float64Array(d * h);
    this.acc = new Float64Array(h);
    this.scratch = activeScratch(n, d);
  }

  forward(p: Float32Array, bOffset: number, zT: Float64Array): void {
    transposeInto(p, this.h, this.d, this.wT);
    csrTimesDenseT(this.csr, this.wT, this.h, p, bOffset, this.acc, zT);
  }

  weightGrad(coefT: Float64Array, out: Float32Array, coef2T: Float64Array | null, out2: Float32Array | null): void {
    maskedRowsTimesX(coefT, coef2T, this.h, this.n, this.x, this.d, this.scratch, out, out2, 0, 0);
  }

  moment(): Float64Array {
    return (this.cached ??= csrGramWithBias(this.csr));
  }
}

class DenseFirstLayer implements FirstLayer {
  readonly mode = 'dense';
  readonly kernel = 'js';
  private readonly x64: Float64Array;
  private readonly xT: Float64Array;
  private readonly w: Float64Array;
  private readonly g: Float64Array;
  private cached: Float64Array | null = null;

  constructor(
    x: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly h: number,
  ) {
    this.x64 = Float64Array.from(x);
    this.xT = new Float64Array(d * n);
    for (let b = 0; b < n; b++) for (let k = 0; k < d; k++) this.xT[k * n + b] = x[b * d + k];
    this.w = new Float64Array(h * d);
    this.g = new Float64Array(h * d);
  }

  forward(p: Float32Array, bOffset: number, zT: Float64Array): void {
    const { n, d, h, w } = this;
    for (let i = 0; i < h * d; i++) w[i] = p[i];
    gemmABt(w, this.x64, h, d, n, zT);
    for (let j = 0; j < h; j++) {
      const bias = p[bOffset + j];
      const r = j * n;
      for (let b = 0; b < n; b++) zT[r + b] += bias;
    }
  }

  weightGrad(coefT: Float64Array, out: Float32Array, coef2T: Float64Array | null, out2: Float32Array | null): void {
    const { n, d, h, g } = this;
    gemmABt(coefT, this.xT, h, n, d, g);
    for (let i = 0; i < h * d; i++) out[i] = g[i];
    if (coef2T && out2) {
      gemmABt(coef2T, this.xT, h, n, d, g);
      for (let i = 0; i < h * d; i++) out2[i] = g[i];
    }
  }

  moment(): Float64Array {
    if (this.cached) return this.cached;
    const { d, n, xT } = this;
    const m = new Float64Array((d + 1) * (d + 1));
    gramWithBias(xT, d, n, m);
    this.cached = m;
    return m;
  }
}
