// The first layer's products on tfjs' WebAssembly backend (XNNPACK SIMD gemm): Z^T = W X^T + b and
// dL/dW = dZ^T X as float32 matMuls, with the fixed data kept in wasm memory as X^T (d x n, for the forward) and
// X (n x d, made on the first gradient; evaluation-only networks never need it). Every product is a plain matMul
// of row-major operands: tfjs' transposeA/transposeB flags are an order of magnitude slower on wasm, so the
// transposes are explicit and done once. Results agree with the float64 kernels to float32 rounding of sums of
// d = 784 (forward) or n (gradient) terms. Timings against the sparse JS kernel: docs/engine-notes.md.
import * as tf from '@tensorflow/tfjs-core';
import type { FirstLayer } from './objective';

function wasmBackendActive(): boolean {
  try {
    return tf.getBackend() === 'wasm';
  } catch {
    return false;
  }
}

const live = new Set<WasmFirstLayer>();

/**
 * Mlp2 keeps its first layer private, so the wasm memory of its tensors is released through a scope: every layer
 * created after wasmLayerScope() is disposed by the returned function (an experiment calls it when its networks
 * are done; a runner process that exits needs nothing).
 */
export function wasmLayerScope(): () => void {
  const before = new Set(live);
  return () => {
    for (const layer of [...live]) if (!before.has(layer)) layer.dispose();
  };
}

export class WasmFirstLayer implements FirstLayer {
  /** Dense products; 'dense' is what Mlp2.firstLayerMode reports for it. */
  readonly mode = 'dense';
  readonly kernel = 'tfjs-wasm';
  private readonly xT: tf.Tensor2D;
  private xRows: tf.Tensor2D | null = null;
  private coefBuf: Float32Array | null = null;
  private fallbackMoment: (() => Float64Array) | null;

  /** moment: the float64 X~^T X~ of a JS first layer over the same data (K-FAC reads it once). */
  constructor(
    private readonly x: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly h: number,
    moment: () => Float64Array,
  ) {
    if (!wasmBackendActive())
      throw new Error("first layer 'wasm' needs tfjs' wasm backend to be active (initBackend('wasm'))");
    const t = new Float32Array(d * n);
    for (let b = 0; b < n; b++) {
      const r = b * d;
      for (let k = 0; k < d; k++) t[k * n + b] = x[r + k];
    }
    this.xT = tf.tensor2d(t, [d, n]);
    this.fallbackMoment = moment;
    live.add(this);
  }

  forward(p: Float32Array, bOffset: number, zT: Float64Array): void {
    const { n, d, h } = this;
    const z = tf.tidy(() => tf.matMul(tf.tensor2d(p.subarray(0, h * d), [h, d]), this.xT));
    const v = z.dataSync() as Float32Array;
    z.dispose();
    for (let j = 0; j < h; j++) {
      const bias = p[bOffset + j];
      const r = j * n;
      for (let b = 0; b < n; b++) zT[r + b] = v[r + b] + bias;
    }
  }

  weightGrad(coefT: Float64Array, out: Float32Array, coef2T: Float64Array | null, out2: Float32Array | null): void {
    const { n, d, h } = this;
    this.xRows ??= tf.tensor2d(this.x, [this.n, this.d]);
    const two = coef2T !== null && out2 !== null;
    const rows = two ? 2 * h : h;
    const c = (this.coefBuf ??= new Float32Array(2 * h * n));
    for (let i = 0; i < h * n; i++) c[i] = coefT[i];
    if (two) for (let i = 0; i < h * n; i++) c[h * n + i] = coef2T[i];
    const xRows = this.xRows;
    const g = tf.tidy(() => tf.matMul(tf.tensor2d(c.subarray(0, rows * n), [rows, n]), xRows));
    const v = g.dataSync() as Float32Array;
    g.dispose();
    out.set(v.subarray(0, h * d), 0);
    if (two) out2.set(v.subarray(h * d, 2 * h * d), 0);
  }

  moment(): Float64Array {
    if (!this.fallbackMoment) throw new Error('WasmFirstLayer: disposed');
    return this.fallbackMoment();
  }

  /** Frees the tensors in wasm memory; the layer is unusable afterwards. */
  dispose(): void {
    if (!live.delete(this)) return;
    this.xT.dispose();
    this.xRows?.dispose();
    this.xRows = null;
    this.fallbackMoment = null;
  }
}
