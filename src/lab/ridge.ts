// Task 2 of the transfer experiment refits only the output layer, in closed form: centred ridge regression on
// the frozen hidden features, in the dual form (n x n system) because the width exceeds n.
import { solveSPD } from './dense/symmetric';

export interface RidgeHead {
  W2: Float64Array;
  b2: number;
}

/** h: n x width features, y: n labels; minimises ||Hc w - yc||^2 / n + lambda ||w||^2. */
export function ridgeHead(h: Float64Array, y: ArrayLike<number>, n: number, width: number, lambda: number): RidgeHead {
  const hMean = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) hMean[j] += h[i * width + j] / n;
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i] / n;
  const hc = new Float64Array(n * width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) hc[i * width + j] = h[i * width + j] - hMean[j];
  const k = new Float64Array(n * n);
  for (let a = 0; a < n; a++)
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let j = 0; j < width; j++) s += hc[a * width + j] * hc[b * width + j];
      k[a * n + b] = s;
      k[b * n + a] = s;
    }
  for (let a = 0; a < n; a++) k[a * n + a] += lambda * n;
  const yc = Float64Array.from({ length: n }, (_, i) => y[i] - yMean);
  const alpha = solveSPD(k, n, yc, 1);
  const W2 = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) W2[j] += hc[i * width + j] * alpha[i];
  let b2 = yMean;
  for (let j = 0; j < width; j++) b2 -= hMean[j] * W2[j];
  return { W2, b2 };
}

export function headMSE(h: Float64Array, y: ArrayLike<number>, n: number, width: number, head: RidgeHead): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let f = head.b2;
    for (let j = 0; j < width; j++) f += h[i * width + j] * head.W2[j];
    s += (f - y[i]) ** 2;
  }
  return s / n;
}
