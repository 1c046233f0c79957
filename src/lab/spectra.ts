// The spectral view of the paper's argument (section 1): with P = Sigma^p, direction i of the input enters
// the Gram matrix G_P = X P X^T with weight lambda_i^(p+1). Eigenvectors are U = I here, so direction i is
// input coordinate i and the W1 energy along it is the squared norm of W1's column i.
import { symEig } from './dense/symmetric';
import type { StaticSpectra } from '../shared/records';
export type { StaticSpectra } from '../shared/records';

export function precondDiagonal(lambda: Float64Array, p: number): Float64Array {
  return lambda.map((l) => Math.pow(l, p));
}

/**
 * The N x N Gram matrix X P X^T shares its nonzero eigenvalues with the dx x dx matrix P^(1/2) X^T X P^(1/2),
 * which is what is decomposed here (dx is 10 where N is 200).
 */
export function gramEigenvalues(x: ArrayLike<number>, n: number, dx: number, pdiag: ArrayLike<number>): number[] {
  const m = new Float64Array(dx * dx);
  for (let a = 0; a < dx; a++)
    for (let b = a; b < dx; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i * dx + a] * x[i * dx + b];
      const v = s * Math.sqrt(pdiag[a] * pdiag[b]);
      m[a * dx + b] = v;
      m[b * dx + a] = v;
    }
  const { values } = symEig(m, dx);
  return Array.from(values.subarray(0, Math.min(n, dx)), (v) => Math.max(v, 0));
}

export function staticSpectra(
  lambda: Float64Array,
  p: number,
  xTrain: ArrayLike<number>,
  nTrain: number,
  teacherIndex: number,
): StaticSpectra {
  const pd = precondDiagonal(lambda, p);
  return {
    sigma: Array.from(lambda),
    precond: Array.from(pd),
    weights: Array.from(lambda, (l) => Math.pow(l, p + 1)),
    gram: gramEigenvalues(xTrain, nTrain, lambda.length, pd),
    teacherIndex,
  };
}

/** ||W1 u_i||^2 for each eigen-direction u_i = e_i (W1 is width x dx row-major). */
export function featureEnergy(W1: ArrayLike<number>, width: number, dx: number): number[] {
  const e = new Array<number>(dx).fill(0);
  for (let j = 0; j < width; j++) for (let k = 0; k < dx; k++) e[k] += W1[j * dx + k] * W1[j * dx + k];
  return e;
}

/** Fraction of the first layer's energy on the teacher direction. */
export function teacherAlignment(energy: number[], teacherIndex: number): number {
  const total = energy.reduce((a, b) => a + b, 0);
  return total > 0 ? energy[teacherIndex] / total : 0;
}
