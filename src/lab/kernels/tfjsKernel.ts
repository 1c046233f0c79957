// tfjs kernel on whatever backend is active: M regressors f(x) = W2 . relu(W1 x + b1) + b2, stacked so the first
// layer of all models is one matMul (W1 kept transposed, dx x M*width). Rule (one GD step, per model):
//   e_i = 2 (f_i - y_i) / n, delta_ij = e_i W2_j [z_ij > 0], gW1 = (sum_i delta_i x_i^T + l2 W1) diag(precond),
//   gb1 = sum_i delta_i, gW2 = sum_i e_i relu(z_i) + l2 W2, gb2 = sum_i e_i; theta <- theta - lr g.
// Gradients are written out by hand with explicitly transposed operands: tfjs-wasm's matMul with transpose flags
// (what autodiff uses) is an order of magnitude slower (docs/engine-notes.md).
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSpec, BatchedRegressor, Kernel, MlpParams, RegressionData } from './types';

/** Largest hidden-activation tensor built at once during evaluation (floats). */
const EVAL_CHUNK_FLOATS = 1 << 22;

interface Params {
  W1T: tf.Tensor2D; // dx x M*width
  b1: tf.Tensor1D; // M*width
  W2: tf.Tensor2D; // M x width
  b2: tf.Tensor1D; // M
}

function stack(data: RegressionData, spec: BatchSpec): Params {
  const { dx } = data;
  const { width } = spec;
  const cols = spec.init.length * width;
  const w1t = new Float32Array(dx * cols);
  spec.init.forEach((p, m) => {
    for (let j = 0; j < width; j++) {
      for (let k = 0; k < dx; k++) w1t[k * cols + m * width + j] = p.W1[j * dx + k];
    }
  });
  const cat = (f: (p: MlpParams) => Float32Array) => Float32Array.from(spec.init.flatMap((p) => Array.from(f(p))));
  return {
    W1T: tf.tensor2d(w1t, [dx, cols]),
    b1: tf.tensor1d(cat((p) => p.b1)),
    W2: tf.tensor2d(
      cat((p) => p.W2),
      [spec.init.length, width],
    ),
    b2: tf.tensor1d(cat((p) => p.b2)),
  };
}

/** Pre-activations (n x M*width) and outputs (n x M) of all models. */
function forward(p: Params, x: tf.Tensor2D, models: number, width: number) {
  const z = tf.add(tf.matMul(x, p.W1T), p.b1);
  const a = tf.reshape(tf.relu(z), [-1, models, width]);
  const f = tf.add(tf.sum(tf.mul(a, p.W2), 2), p.b2) as tf.Tensor2D;
  return { z, a, f };
}

export const tfjsKernel: Kernel = {
  name: 'tfjs',
  create(data: RegressionData, spec: BatchSpec): BatchedRegressor {
    const { dx, nTrain } = data;
    const { width, lr, l2 } = spec;
    const models = spec.init.length;
    let p = stack(data, spec);
    const xTrain = tf.tensor2d(data.xTrain, [nTrain, dx]);
    const xTrainT = tf.tidy(() => tf.transpose(xTrain));
    const yTrain = tf.tensor2d(data.yTrain, [nTrain, 1]);
    const chunk = Math.max(8, Math.floor(EVAL_CHUNK_FLOATS / (models * width)));
    const testChunks: [tf.Tensor2D, tf.Tensor2D][] = [];
    for (let i = 0; i < data.nTest; i += chunk) {
      const n = Math.min(chunk, data.nTest - i);
      testChunks.push([
        tf.tensor2d(data.xTest.subarray(i * dx, (i + n) * dx), [n, dx]),
        tf.tensor2d(data.yTest.subarray(i, i + n), [n, 1]),
      ]);
    }
    // precond as a multiplier with the shape of W1T: row k of model m's block is precond[m][k].
    const pre = new Float32Array(dx * models * width);
    for (let k = 0; k < dx; k++) {
      for (let m = 0; m < models; m++)
        pre.fill(spec.precond[m][k], (k * models + m) * width, (k * models + m + 1) * width);
    }
    const preT = tf.tensor2d(pre, [dx, models * width]);

    const sse = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sum(tf.square(tf.sub(forward(p, x, models, width).f, y)), 0);
    const mse = (t: tf.Tensor) => Float64Array.from(t.dataSync());

    return {
      models,
      step() {
        const next = tf.tidy(() => {
          const { z, a, f } = forward(p, xTrain, models, width);
          const r = tf.sub(f, yTrain);
          const e = tf.mul(r, 2 / nTrain);
          const e3 = tf.reshape(e, [nTrain, models, 1]);
          const delta = tf.reshape(tf.mul(tf.mul(e3, p.W2), tf.step(tf.reshape(z, [nTrain, models, width]))), [
            nTrain,
            models * width,
          ]);
          const gW1T = tf.mul(tf.add(tf.matMul(xTrainT, delta), tf.mul(p.W1T, l2)), preT);
          const gW2 = tf.add(tf.sum(tf.mul(a, e3), 0), tf.mul(p.W2, l2));
          return [
            tf.sub(p.W1T, tf.mul(gW1T, lr)),
            tf.sub(p.b1, tf.mul(tf.sum(delta, 0), lr)),
            tf.sub(p.W2, tf.mul(gW2, lr)),
            tf.sub(p.b2, tf.mul(tf.sum(e, 0), lr)),
            tf.div(tf.sum(tf.square(r), 0), nTrain),
          ];
        });
        tf.dispose([p.W1T, p.b1, p.W2, p.b2]);
        p = {
          W1T: next[0] as tf.Tensor2D,
          b1: next[1] as tf.Tensor1D,
          W2: next[2] as tf.Tensor2D,
          b2: next[3] as tf.Tensor1D,
        };
        const out = mse(next[4]);
        next[4].dispose();
        return out;
      },
      testMSE() {
        const total = tf.tidy(() => tf.div(tf.addN(testChunks.map(([x, y]) => sse(x, y))), data.nTest));
        const out = mse(total);
        total.dispose();
        return out;
      },
      trainMSE() {
        const t = tf.tidy(() => tf.div(sse(xTrain, yTrain), nTrain));
        const out = mse(t);
        t.dispose();
        return out;
      },
      params(m: number): MlpParams {
        const w1t = p.W1T.dataSync<'float32'>();
        const cols = models * width;
        const W1 = new Float32Array(width * dx);
        for (let j = 0; j < width; j++) {
          for (let k = 0; k < dx; k++) W1[j * dx + k] = w1t[k * cols + m * width + j];
        }
        const b1 = p.b1.dataSync<'float32'>().slice(m * width, (m + 1) * width);
        const W2 = p.W2.dataSync<'float32'>().slice(m * width, (m + 1) * width);
        return { W1, b1, W2, b2: p.b2.dataSync<'float32'>().slice(m, m + 1) };
      },
      setParams(m: number, q: MlpParams) {
        const cols = models * width;
        const w1t = p.W1T.dataSync<'float32'>().slice();
        for (let j = 0; j < width; j++) {
          for (let k = 0; k < dx; k++) w1t[k * cols + m * width + j] = q.W1[j * dx + k];
        }
        const b1 = p.b1.dataSync<'float32'>().slice();
        b1.set(q.b1, m * width);
        const W2 = p.W2.dataSync<'float32'>().slice();
        W2.set(q.W2, m * width);
        const b2 = p.b2.dataSync<'float32'>().slice();
        b2[m] = q.b2[0];
        tf.dispose([p.W1T, p.b1, p.W2, p.b2]);
        p = {
          W1T: tf.tensor2d(w1t, [dx, cols]),
          b1: tf.tensor1d(b1),
          W2: tf.tensor2d(W2, [models, width]),
          b2: tf.tensor1d(b2),
        };
      },
      dispose() {
        tf.dispose([p.W1T, p.b1, p.W2, p.b2, xTrain, xTrainT, yTrain, preT, ...testChunks.flat()]);
      },
    };
  },
};
