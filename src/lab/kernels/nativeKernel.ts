// Native C kernel (native/src/regression.c, regStep/regSSE): M regressors f(x) = W2 . relu(W1 x + b1) + b2,
// plain GD with the W1 gradient (penalty included) scaled column-wise by precond[m]; the rule is jsKernel.ts's.
// The C loops put 16 samples in one vector (AVX-512, or two AVX2 / four SSE registers, chosen at run time), so the
// data are packed here once in blocks of 16 samples, input-major inside a block, zero-padded past the last sample.
// Sums run in float32 inside a block and in float64 across blocks: the trajectories agree with the wasm SIMD
// kernel to float32 rounding (test/unit/native.test.ts states the tolerance).
import { requireNative } from '../native/addon';
import type { BatchSpec, BatchedRegressor, Kernel, MlpParams, RegressionData } from './types';

const LANES = 16;

/** x (n x d row-major) packed as [block][k][16 lanes]. */
export function packBlocks(x: Float32Array, n: number, d: number): Float32Array {
  const blocks = Math.ceil(n / LANES);
  const out = new Float32Array(blocks * d * LANES);
  for (let i = 0; i < n; i++) {
    const base = Math.floor(i / LANES) * d * LANES + (i % LANES);
    for (let k = 0; k < d; k++) out[base + k * LANES] = x[i * d + k];
  }
  return out;
}

interface Model {
  W1: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  precond: Float32Array;
}

export const nativeKernel: Kernel = {
  name: 'native',
  create(data: RegressionData, spec: BatchSpec): BatchedRegressor {
    const addon = requireNative();
    const { dx: d, nTrain, nTest } = data;
    const h = spec.width;
    const xTr = packBlocks(data.xTrain, nTrain, d);
    const xTe = packBlocks(data.xTest, nTest, d);
    const e = new Float32Array(Math.ceil(nTrain / LANES) * LANES);
    const g = new Float64Array(d);
    const model = (p: MlpParams, precond: Float32Array): Model => ({
      W1: p.W1.slice(0, h * d),
      b1: p.b1.slice(0, h),
      W2: p.W2.slice(0, h),
      b2: p.b2.slice(0, 1),
      precond,
    });
    const models = spec.init.map((p, i) => model(p, spec.precond[i].slice()));
    const sse = (m: Model, x: Float32Array, y: Float32Array, n: number) =>
      addon.regSSE(x, y, n, d, h, m.W1, m.b1, m.W2, m.b2) / n;
    return {
      models: models.length,
      step: () =>
        Float64Array.from(
          models,
          (m) =>
            addon.regStep(xTr, data.yTrain, nTrain, d, h, m.W1, m.b1, m.W2, m.b2, m.precond, spec.lr, spec.l2, e, g) /
            nTrain,
        ),
      testMSE: () => Float64Array.from(models, (m) => sse(m, xTe, data.yTest, nTest)),
      trainMSE: () => Float64Array.from(models, (m) => sse(m, xTr, data.yTrain, nTrain)),
      params: (i) => {
        const m = models[i];
        return { W1: m.W1.slice(), b1: m.b1.slice(), W2: m.W2.slice(), b2: m.b2.slice() };
      },
      setParams: (i, p) => {
        models[i] = model(p, models[i].precond);
      },
      dispose: () => undefined,
    };
  },
};
