// Symmetric matrices on flat row-major arrays: what the tensor libraries lack (an eigensolver, matrix powers, SPD
// solves). Everything runs in float64: negative powers Sigma^p amplify the small eigenvalues, which float32 does
// not resolve.
import type { NumArray } from './products';

export interface SymEig {
  /** Eigenvalues, sorted descending. */
  values: Float64Array;
  /** n x n row-major; column j is the unit eigenvector of values[j]: vectors[i * n + j] = component i. */
  vectors: Float64Array;
}

const EPS = 2 ** -52;
const MAX_QL_SWEEPS = 60;

function checkSquare(a: NumArray, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: n must be a non-negative integer, got ${n}`);
  if (a.length < n * n) throw new Error(`${what}: matrix has ${a.length} entries, needs ${n * n}`);
}

/**
 * Symmetric eigendecomposition A = V diag(values) V^T: Householder reduction to tridiagonal form, then implicit
 * QL with Wilkinson-type shifts (the EISPACK tred2/tql2 pair). Only the symmetric part (A + A^T) / 2 is used.
 * Eigenvector signs are fixed so that each vector's largest-magnitude component is positive, which makes the
 * output deterministic across callers. Throws on non-finite input.
 *
 * The work matrix holds the eigenvectors as rows (W = V^T) so that every O(n^3) loop runs over contiguous memory;
 * it is transposed once at the end.
 */
export function symEig(a: NumArray, n: number): SymEig {
  checkSquare(a, n, 'symEig');
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      if (!Number.isFinite(v)) throw new Error(`symEig: non-finite entry at (${i}, ${j})`);
      w[i * n + j] = v;
      w[j * n + i] = v;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(w, n, d, e);
    tridiagonalQL(w, n, d, e);
  }
  return sortAndTranspose(w, n, d);
}

/** Householder reduction (tred2) on W = V^T; on return d/e hold the tridiagonal, W the accumulated transform. */
function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const rj = j * n;
        f = d[j];
        w[i * n + j] = f;
        g = e[j] + w[rj + j] * f;
        for (let k = j + 1; k < i; k++) {
          const wjk = w[rj + k];
          g += wjk * d[k];
          e[k] += wjk * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const rj = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) w[rj + k] -= f * e[k] + g * d[k];
        d[j] = w[rj + i - 1];
        w[rj + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the Householder reflections into W.
  for (let i = 0; i < n - 1; i++) {
    const ri = i * n;
    const ri1 = (i + 1) * n;
    w[ri + n - 1] = w[ri + i];
    w[ri + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[ri1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const rj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[ri1 + k] * w[rj + k];
        for (let k = 0; k <= i; k++) w[rj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[ri1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL (tql2) on the tridiagonal d/e; rotations are applied to rows of W. */
function tridiagonalQL(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_QL_SWEEPS) throw new Error(`symEig: QL did not converge for eigenvalue ${l}`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ri = i * n;
          const ri1 = ri + n;
          for (let k = 0; k < n; k++) {
            const t = w[ri1 + k];
            const u = w[ri + k];
            w[ri1 + k] = s * u + c * t;
            w[ri + k] = c * u - s * t;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

function sortAndTranspose(w: Float64Array, n: number, d: Float64Array): SymEig {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j] * n;
    values[j] = d[order[j]];
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(w[src + i]) > Math.abs(big)) big = w[src + i];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * n + j] = sign * w[src + i];
  }
  return { values, vectors };
}

/**
 * V diag(fn(values)) V^T for a decomposition from symEig. Useful when several functions of one matrix are needed
 * (Sigma^p for every p of a sweep) without repeating the O(n^3) decomposition.
 */
function eigApply(eig: SymEig, n: number, fn: (lambda: number) => number): Float64Array {
  const { values, vectors } = eig;
  const f = new Float64Array(n);
  for (let j = 0; j < n; j++) f[j] = fn(values[j]);
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) scaled[i] = vectors[i] * f[i % n];
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k <= i; k++) {
      const rk = k * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += scaled[ri + j] * vectors[rk + j];
      out[ri + k] = s;
      out[rk + i] = s;
    }
  }
  return out;
}

/**
 * Default eigenvalue floor of a matrix power. For p >= 0 it is 0: tiny negative eigenvalues (rounding of a PSD
 * matrix) become 0 instead of NaN. For p < 0 it is n * 2^-52 * max(values): eigenvalues below the eigensolver's
 * resolution are noise, and flooring them there keeps the inverse power finite (its largest entry then reflects
 * the solver's resolution, not a division by a rounding error). A p < 0 power of a matrix with no positive
 * eigenvalue is undefined and throws.
 */
function defaultPowFloor(values: Float64Array, n: number, p: number): number {
  if (p >= 0) return 0;
  const top = values.length > 0 ? values[0] : 0;
  if (!(top > 0)) throw new Error('symPow: negative power of a matrix without positive eigenvalues');
  return Math.max(n, 1) * EPS * top;
}

/** A^p via the eigendecomposition, from an existing decomposition (see symPow for the floor). */
export function eigPow(eig: SymEig, n: number, p: number, floor?: number): Float64Array {
  const lo = floor ?? defaultPowFloor(eig.values, n, p);
  return eigApply(eig, n, (lambda) => Math.pow(Math.max(lambda, lo), p));
}

/**
 * A^p = V diag(max(lambda, floor)^p) V^T for symmetric A and any real p. Default floor: see defaultPowFloor
 * (0 for p >= 0, n * 2^-52 * lambda_max for p < 0). p = 0 gives the identity.
 */
export function symPow(a: NumArray, n: number, p: number, floor?: number): Float64Array {
  return eigPow(symEig(a, n), n, p, floor);
}

/** Lower Cholesky factor L (row-major, zeros above the diagonal) with A = L L^T. Throws unless A is SPD. */
export function cholesky(a: NumArray, n: number): Float64Array {
  checkSquare(a, n, 'cholesky');
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) {
          throw new Error(`cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        }
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/** Solves A X = B for SPD A (n x n) and B (n x nrhs, row-major) by Cholesky; returns X (n x nrhs). */
export function solveSPD(a: NumArray, n: number, b: NumArray, nrhs: number): Float64Array {
  if (b.length < n * nrhs) throw new Error(`solveSPD: right-hand side has ${b.length} entries, needs ${n * nrhs}`);
  const l = cholesky(a, n);
  const x = Float64Array.from(b.subarray(0, n * nrhs));
  // Forward: L Y = B, row by row so the inner loops run over contiguous rows of Y.
  for (let i = 0; i < n; i++) {
    const ri = i * nrhs;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      if (lik === 0) continue;
      const rk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[ri + c] -= lik * x[rk + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < nrhs; c++) x[ri + c] *= inv;
  }
  // Backward: L^T X = Y.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * nrhs;
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki === 0) continue;
      const rk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[ri + c] -= lki * x[rk + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < nrhs; c++) x[ri + c] *= inv;
  }
  return x;
}
