// WebAssembly SIMD kernel (asm/mlp.ts): M regressors f(x) = W2 . relu(W1 x + b1) + b2, plain GD with the W1
// gradient (penalty included) scaled column-wise by precond[m]; the rule is stated in asm/mlp.ts. Each regressor
// owns one wasm instance whose linear memory this file lays out: shared data first, then one block per model.
// Sizes are padded as asm/mlp.ts states (units to 16, inputs to 2, train points to 4, test points to 8).
import { setFlagsFromString } from 'node:v8';
import plainBytes from '../wasm/build/mlp.wasm';
import relaxedBytes from '../wasm/build/mlp-relaxed.wasm';
import type { BatchSpec, BatchedRegressor, Kernel, MlpParams, RegressionData } from './types';
import { instantiate, moduleCache, VARIANTS, type ExportKinds, type SimdVariant } from '../wasm/modules';

interface MlpExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  evalSSE(
    w1: number,
    b1: number,
    w2: number,
    b2: number,
    x: number,
    y: number,
    mask: number,
    n: number,
    h: number,
    d: number,
    d2: number,
    fold: number,
  ): number;
  trainForward(
    w1: number,
    b1: number,
    w2: number,
    b2: number,
    xa: number,
    y: number,
    mask: number,
    n: number,
    h: number,
    d2: number,
    z: number,
    e: number,
    scale: number,
  ): number;
  trainBackward(
    w1: number,
    b1: number,
    w2: number,
    b2: number,
    prec: number,
    xb: number,
    n: number,
    h: number,
    d2: number,
    z: number,
    e: number,
    delta: number,
    lr: number,
    l2: number,
  ): void;
}

const MLP_EXPORTS: ExportKinds<MlpExports> = {
  memory: 'memory',
  heapBase: 'function',
  evalSSE: 'function',
  trainForward: 'function',
  trainBackward: 'function',
};

export type { SimdVariant };

const wasmModule = moduleCache({ 'relaxed-simd': relaxedBytes, simd: plainBytes });

/** The fastest variant this runtime compiles, if any. */
export function simdVariant(): SimdVariant | undefined {
  return VARIANTS.find((v) => wasmModule(v) !== undefined);
}

/**
 * Turns on relaxed SIMD in a V8 that has it behind a flag (Node 20); returns whether the fused variant compiles now.
 * Node documents run-time V8 flags as use-at-your-own-risk; this one is read only when wasm is compiled, so call it
 * at the start of a compute process (the runner, the bench), before the first kernel is created.
 */
export function enableRelaxedSimd(): boolean {
  if (!simdAvailable('relaxed-simd')) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not a V8 that knows the flag
    }
  }
  return simdAvailable('relaxed-simd');
}

/** Whether this runtime compiles the SIMD module (Node >= 16.4, Electron >= 13). */
export function simdAvailable(variant?: SimdVariant): boolean {
  return variant ? wasmModule(variant) !== undefined : simdVariant() !== undefined;
}

const roundUp = (n: number, k: number) => Math.ceil(n / k) * k;

/** Bump allocator over a fresh instance's memory; offsets in bytes, 16-byte aligned. */
class Layout {
  private top: number;
  constructor(base: number) {
    this.top = roundUp(base, 16);
  }
  floats(n: number): number {
    const at = this.top;
    this.top += roundUp(n * 4, 16);
    return at;
  }
  get bytes(): number {
    return this.top;
  }
}

interface ModelAt {
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  prec: number;
}

/** The SIMD kernel on a given variant (tests and benchmarks compare them). */
export function simdKernelFor(variant: SimdVariant): Kernel {
  return { name: 'simd', create: (data, spec) => create(variant, data, spec) };
}

/** The SIMD kernel on the fastest variant available. */
export const simdKernel: Kernel = {
  name: 'simd',
  create: (data, spec) => create(simdVariant() ?? 'simd', data, spec),
};

function create(variant: SimdVariant, data: RegressionData, spec: BatchSpec): BatchedRegressor {
  const mod = wasmModule(variant);
  if (!mod) throw new Error(`WebAssembly ${variant} is not available in this runtime`);
  const wasm = instantiate(mod, MLP_EXPORTS);
  const { dx: d, nTrain, nTest } = data;
  const { width } = spec;
  const h = roundUp(width, 16);
  const d2 = roundUp(d, 2);
  const nTr = roundUp(nTrain, 4);
  const nTe = roundUp(nTest, 8);

  const at = new Layout(wasm.heapBase());
  const xa = at.floats(nTr * d2 * 4),
    xb = at.floats(nTr * d2 * 4),
    yTr = at.floats(nTr),
    mTr = at.floats(nTr);
  const xTe = at.floats(nTe * d),
    yTe = at.floats(nTe),
    mTe = at.floats(nTe);
  const z = at.floats(h * nTr),
    e = at.floats(nTr),
    delta = at.floats(nTr * 16),
    fold = at.floats((h + 4) * (d + 1));
  const models: ModelAt[] = spec.init.map(() => ({
    w1: at.floats(h * d2),
    b1: at.floats(h),
    w2: at.floats(h),
    b2: at.floats(1),
    prec: at.floats(d2),
  }));
  const missing = at.bytes - wasm.memory.buffer.byteLength;
  if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
  const mem = new Float32Array(wasm.memory.buffer);
  const view = (ptr: number, n: number) => mem.subarray(ptr / 4, ptr / 4 + n);
  // Offset (in floats) of unit j, input k in the [h/8][d2][8] layout of W1.
  const w1At = (j: number, k: number) => ((j >> 3) * d2 + k) * 8 + (j & 7);

  const va = view(xa, nTr * d2 * 4),
    vb = view(xb, nTr * d2 * 4),
    xt = view(xTe, nTe * d);
  for (let i = 0; i < nTrain; i++) {
    for (let k = 0; k < d; k++) {
      const v = data.xTrain[i * d + k];
      va.fill(v, (((i >> 2) * d2 + k) * 4 + (i & 3)) * 4, (((i >> 2) * d2 + k) * 4 + (i & 3) + 1) * 4);
      vb.fill(v, (i * d2 + k) * 4, (i * d2 + k + 1) * 4);
    }
  }
  for (let i = 0; i < nTest; i++) {
    for (let k = 0; k < d; k++) xt[(i >> 3) * 8 * d + k * 8 + (i & 7)] = data.xTest[i * d + k];
  }
  view(yTr, nTrain).set(data.yTrain);
  view(mTr, nTrain).fill(1);
  view(yTe, nTest).set(data.yTest);
  view(mTe, nTest).fill(1);

  const setParams = (i: number, p: MlpParams) => {
    const m = models[i];
    const w1 = view(m.w1, h * d2);
    for (let j = 0; j < width; j++) {
      for (let k = 0; k < d; k++) w1[w1At(j, k)] = p.W1[j * d + k];
    }
    view(m.b1, width).set(p.b1);
    view(m.w2, width).set(p.W2);
    view(m.b2, 1).set(p.b2);
  };
  spec.init.forEach((p, i) => {
    setParams(i, p);
    view(models[i].prec, d).set(spec.precond[i]);
  });

  const forward = (m: ModelAt) =>
    wasm.trainForward(m.w1, m.b1, m.w2, mem[m.b2 / 4], xa, yTr, mTr, nTr, h, d2, z, e, 2 / nTrain) / nTrain;
  return {
    models: models.length,
    step: () =>
      Float64Array.from(models, (m) => {
        const mse = forward(m);
        wasm.trainBackward(m.w1, m.b1, m.w2, m.b2, m.prec, xb, nTr, h, d2, z, e, delta, spec.lr, spec.l2);
        return mse;
      }),
    testMSE: () =>
      Float64Array.from(
        models,
        (m) => wasm.evalSSE(m.w1, m.b1, m.w2, mem[m.b2 / 4], xTe, yTe, mTe, nTe, h, d, d2, fold) / nTest,
      ),
    trainMSE: () => Float64Array.from(models, forward),
    params(i: number): MlpParams {
      const m = models[i];
      const w1 = view(m.w1, h * d2);
      const W1 = new Float32Array(width * d);
      for (let j = 0; j < width; j++) {
        for (let k = 0; k < d; k++) W1[j * d + k] = w1[w1At(j, k)];
      }
      return { W1, b1: view(m.b1, width).slice(), W2: view(m.w2, width).slice(), b2: view(m.b2, 1).slice() };
    },
    setParams,
    dispose: () => undefined,
  };
}
