// Reference kernel in plain TypeScript: M regressors f(x) = W2 . relu(W1 x + b1) + b2 trained one after another.
// Rule (one GD step, per model): e_i = 2 (f_i - y_i) / n, delta_ij = e_i W2_j [z_ij > 0],
//   gW1 = (sum_i delta_i x_i^T + l2 W1) diag(precond), gb1 = sum_i delta_i, gW2 = sum_i e_i relu(z_i) + l2 W2,
//   gb2 = sum_i e_i; theta <- theta - lr g for all four tensors. Parameters are float32; sums run in float64.
// W1 is held transposed (dx x width) so the inner loops run over units, contiguously.
import type { BatchSpec, BatchedRegressor, Kernel, MlpParams, RegressionData } from './types';

interface Model {
  W1T: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
  precond: Float32Array;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

/** Pre-activations of point i into z; returns f(x_i). */
function forward(m: Model, x: Float32Array, i: number, dx: number, z: Float64Array): number {
  const { W1T, b1, W2 } = m;
  const width = z.length;
  for (let j = 0; j < width; j++) z[j] = b1[j];
  for (let k = 0; k < dx; k++) {
    const xk = x[i * dx + k];
    const row = k * width;
    for (let j = 0; j < width; j++) z[j] += W1T[row + j] * xk;
  }
  let f = m.b2[0];
  for (let j = 0; j < width; j++) if (z[j] > 0) f += W2[j] * z[j];
  return f;
}

function mse(m: Model, x: Float32Array, y: Float32Array, n: number, dx: number, z: Float64Array): number {
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (forward(m, x, i, dx, z) - y[i]) ** 2;
  return sse / n;
}

function step(m: Model, data: RegressionData, spec: BatchSpec, z: Float64Array): number {
  const { dx, nTrain: n, xTrain: x } = data;
  const width = z.length;
  const gW1T = new Float64Array(dx * width);
  const gb1 = new Float64Array(width);
  const gW2 = new Float64Array(width);
  const delta = new Float64Array(width);
  let gb2 = 0;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = forward(m, x, i, dx, z) - data.yTrain[i];
    sse += r * r;
    const e = (2 * r) / n;
    gb2 += e;
    for (let j = 0; j < width; j++) {
      const on = z[j] > 0;
      delta[j] = on ? e * m.W2[j] : 0;
      gb1[j] += delta[j];
      if (on) gW2[j] += e * z[j];
    }
    for (let k = 0; k < dx; k++) {
      const xk = x[i * dx + k];
      const row = k * width;
      for (let j = 0; j < width; j++) gW1T[row + j] += delta[j] * xk;
    }
  }
  const { lr, l2 } = spec;
  for (let k = 0; k < dx; k++) {
    const scale = lr * m.precond[k];
    for (let j = k * width; j < (k + 1) * width; j++) m.W1T[j] -= scale * (gW1T[j] + l2 * m.W1T[j]);
  }
  for (let j = 0; j < width; j++) {
    m.b1[j] -= lr * gb1[j];
    m.W2[j] -= lr * (gW2[j] + l2 * m.W2[j]);
  }
  m.b2[0] -= lr * gb2;
  return sse / n;
}

export const jsKernel: Kernel = {
  name: 'js',
  create(data: RegressionData, spec: BatchSpec): BatchedRegressor {
    const { dx } = data;
    const { width } = spec;
    const model = (p: MlpParams, precond: Float32Array): Model => ({
      W1T: transpose(p.W1, width, dx),
      b1: p.b1.slice(),
      W2: p.W2.slice(),
      b2: p.b2.slice(),
      precond,
    });
    const models = spec.init.map((p, i) => model(p, spec.precond[i].slice()));
    const z = new Float64Array(width);
    const each = (f: (m: Model) => number) => Float64Array.from(models, f);
    return {
      models: models.length,
      step: () => each((m) => step(m, data, spec, z)),
      testMSE: () => each((m) => mse(m, data.xTest, data.yTest, data.nTest, dx, z)),
      trainMSE: () => each((m) => mse(m, data.xTrain, data.yTrain, data.nTrain, dx, z)),
      params: (i) => {
        const m = models[i];
        return { W1: transpose(m.W1T, dx, width), b1: m.b1.slice(), W2: m.W2.slice(), b2: m.b2.slice() };
      },
      setParams: (i, p) => {
        models[i] = model(p, models[i].precond);
      },
      dispose: () => undefined,
    };
  },
};
