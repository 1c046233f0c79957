// The regression objective of Experiments 1 and 3 on the WebAssembly SIMD module asm/regHvp.ts: a d -> h -> 1 ReLU
// network with biases, loss mean_i (f_i - y_i)^2, its gradient and the exact Hessian-vector product (R-operator,
// ReLU mask frozen) over all parameters jointly. Same parameter order (W1 [h, d], b1 [h], W2 [1, h], b2 [1]) and the
// same math as Mlp2 with loss 'mse' and outDim 1, in float32 (Mlp2 accumulates in float64; they agree to ~1e-6).
// K-FAC's layer statistics (LayeredObjective) come from the last evaluation's activations, in float64 JS, so the
// object is a full objective for createOptimizer. This file packs the flat vectors into the module's layout.
import plainBytes from '../wasm/build/regHvp.wasm';
import relaxedBytes from '../wasm/build/regHvp-relaxed.wasm';
import { instantiate, moduleCache, VARIANTS, type ExportKinds, type SimdVariant } from '../wasm/modules';
import { gramRows, gramWithBias } from '../dense/products';
import { mlp2Layout } from './mlp2';
import type { HvpObjective, LayeredObjective, LinearLayer, ParamLayout } from './objective';

interface RegHvpExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  pack(src: number, dst: number, h: number, d: number, hP: number, dP: number): void;
  unpack(src: number, dst: number, h: number, d: number, hP: number, dP: number): void;
  lossGrad(
    w: number,
    x: number,
    y: number,
    n: number,
    nP: number,
    hP: number,
    dP: number,
    scale: number,
    a: number,
    e: number,
    dz: number,
    g: number,
  ): number;
  lossGradHvp(
    w: number,
    v: number,
    x: number,
    y: number,
    n: number,
    nP: number,
    hP: number,
    dP: number,
    scale: number,
    a: number,
    ra: number,
    e: number,
    re: number,
    dz: number,
    g: number,
    hv: number,
  ): number;
}

const REG_HVP_EXPORTS: ExportKinds<RegHvpExports> = {
  memory: 'memory',
  heapBase: 'function',
  pack: 'function',
  unpack: 'function',
  lossGrad: 'function',
  lossGradHvp: 'function',
};

const wasmModule = moduleCache({ 'relaxed-simd': relaxedBytes, simd: plainBytes });

const roundUp = (n: number, k: number) => Math.ceil(n / k) * k;

/**
 * The SIMD objective for n points x (n x dx row-major) with targets y, or undefined where this runtime compiles no
 * wasm SIMD (or not the requested variant). Without a variant the fused one (relaxed SIMD) is preferred.
 */
export function simdRegressionObjective(
  x: Float32Array,
  n: number,
  y: Float32Array,
  dx: number,
  hidden: number,
  variant?: SimdVariant,
): (HvpObjective & LayeredObjective) | undefined {
  const found = variant ?? VARIANTS.find((v) => wasmModule(v));
  const mod = found && wasmModule(found);
  return mod ? new SimdRegression(mod, x, n, y, dx, hidden) : undefined;
}

class SimdRegression implements HvpObjective, LayeredObjective {
  readonly layout: ParamLayout;
  readonly layers: readonly LinearLayer[];
  readonly batch: number;
  private readonly wasm: RegHvpExports;
  private readonly mem: Float32Array;
  private readonly dP: number;
  private readonly hP: number;
  private readonly nP: number;
  // byte offsets: packed theta, v, gradient and Hv; data; scratch; the flat staging vector
  private readonly at: Record<'w' | 'v' | 'g' | 'hv' | 'x' | 'y' | 'a' | 'ra' | 'e' | 're' | 'dz' | 'flat', number>;
  private xMoment: Float64Array | null = null;

  constructor(
    mod: WebAssembly.Module,
    private readonly x: Float32Array,
    private readonly n: number,
    y: Float32Array,
    private readonly d: number,
    private readonly h: number,
  ) {
    if (n < 1) throw new Error('simdRegressionObjective: empty batch');
    if (x.length !== n * d)
      throw new Error(`simdRegressionObjective: x has ${x.length} entries, expected n * dx = ${n * d}`);
    if (y.length !== n) throw new Error(`simdRegressionObjective: y has ${y.length} entries, expected n = ${n}`);
    this.layout = mlp2Layout({ inDim: d, hidden: h, outDim: 1, loss: 'mse' });
    this.layers = [
      { inDim: d, outDim: h, weightOffset: 0, biasOffset: h * d },
      { inDim: h, outDim: 1, weightOffset: h * d + h, biasOffset: h * d + 2 * h },
    ];
    this.batch = n;
    const wasm = instantiate(mod, REG_HVP_EXPORTS);
    const [dP, hP, nP] = [roundUp(d, 2), roundUp(h, 8), roundUp(n, 2)];
    let top = roundUp(wasm.heapBase(), 16);
    const floats = (count: number): number => {
      const ptr = top;
      top += roundUp(count * 4, 16);
      return ptr;
    };
    const params = hP * dP + 2 * hP + 4;
    this.at = {
      w: floats(params),
      v: floats(params),
      g: floats(params),
      hv: floats(params),
      x: floats(nP * dP),
      y: floats(nP),
      a: floats(hP * nP),
      ra: floats(hP * nP),
      e: floats(nP),
      re: floats(nP),
      dz: floats(nP * 16),
      flat: floats(this.layout.size),
    };
    const missing = top - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
    this.mem = new Float32Array(wasm.memory.buffer);
    this.mem.fill(0, this.at.w / 4, top / 4); // padding stays zero from here on
    for (let b = 0; b < n; b++) this.mem.set(x.subarray(b * d, (b + 1) * d), this.at.x / 4 + b * dP);
    this.mem.set(y, this.at.y / 4);
    [this.wasm, this.dP, this.hP, this.nP] = [wasm, dP, hP, nP];
  }

  lossGrad(theta: Float32Array, grad: Float32Array): number {
    this.checkSize(theta, grad);
    const { wasm, at } = this;
    this.load(theta, at.w);
    const sse = wasm.lossGrad(at.w, at.x, at.y, this.n, this.nP, this.hP, this.dP, 2 / this.n, at.a, at.e, at.dz, at.g);
    this.store(at.g, grad);
    return sse / this.n;
  }

  lossGradHvp(theta: Float32Array, v: Float32Array, grad: Float32Array, hv: Float32Array): number {
    this.checkSize(theta, grad);
    this.checkSize(v, hv);
    const { wasm, at } = this;
    this.load(theta, at.w);
    this.load(v, at.v);
    const sse = wasm.lossGradHvp(
      at.w,
      at.v,
      at.x,
      at.y,
      this.n,
      this.nP,
      this.hP,
      this.dP,
      2 / this.n,
      at.a,
      at.ra,
      at.e,
      at.re,
      at.dz,
      at.g,
      at.hv,
    );
    this.store(at.g, grad);
    this.store(at.hv, hv);
    return sse / this.n;
  }

  inputMoment(layer: number, out: Float64Array): void {
    const { d, h, n } = this;
    if (layer === 0) {
      if (!this.xMoment) {
        const xT = new Float64Array(d * n);
        for (let b = 0; b < n; b++) for (let k = 0; k < d; k++) xT[k * n + b] = this.x[b * d + k];
        this.xMoment = new Float64Array((d + 1) * (d + 1));
        gramWithBias(xT, d, n, this.xMoment);
      }
      out.set(this.xMoment);
      return;
    }
    gramWithBias(
      this.activations((_, a) => a),
      h,
      n,
      out,
    );
  }

  outputGradMoment(layer: number, out: Float64Array): void {
    const { n, h, mem, at } = this;
    const e = mem.subarray(at.e / 4, at.e / 4 + n);
    if (layer === 0) {
      const w2 = at.w / 4 + this.hP * this.dP + this.hP;
      gramRows(
        this.activations((j, a, b) => (a > 0 ? e[b] * mem[w2 + j] : 0)),
        h,
        n,
        out,
        h,
      );
    } else {
      let s = 0;
      for (let b = 0; b < n; b++) s += e[b] * e[b];
      out[0] = s;
    }
  }

  /** f(j, a_jb, b) over the last evaluation's activations, unit-major (h x n) float64. */
  private activations(f: (j: number, a: number, b: number) => number): Float64Array {
    const { n, h, nP, mem } = this;
    const out = new Float64Array(h * n);
    const a0 = this.at.a / 4;
    for (let j = 0; j < h; j++) {
      const base = a0 + (j >> 3) * nP * 8 + (j & 7);
      for (let b = 0; b < n; b++) out[j * n + b] = f(j, mem[base + b * 8], b);
    }
    return out;
  }

  private load(flat: Float32Array, packed: number): void {
    this.mem.set(flat, this.at.flat / 4);
    this.wasm.pack(this.at.flat, packed, this.h, this.d, this.hP, this.dP);
  }

  private store(packed: number, flat: Float32Array): void {
    this.wasm.unpack(packed, this.at.flat, this.h, this.d, this.hP, this.dP);
    flat.set(this.mem.subarray(this.at.flat / 4, this.at.flat / 4 + flat.length));
  }

  private checkSize(p: Float32Array, q: Float32Array): void {
    const size = this.layout.size;
    if (p.length !== size || q.length !== size)
      throw new Error(`simdRegressionObjective: vectors must have ${size} entries`);
  }
}
