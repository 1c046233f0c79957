// Kernels for sparse operands: CSR rows of a fixed data matrix (noisy MNIST has ~40% exact zeros) and the masked
// backward, which skips samples whose ReLU is inactive. Float64 accumulation, eight nonzeros folded per pass.
import { setBiasBorder } from './products';

/** Compressed sparse rows of a fixed data matrix (rows = samples). Zeros are common in images. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
}

export function toCsr(x: Float32Array, rows: number, cols: number): Csr {
  let nnz = 0;
  for (let i = 0; i < rows * cols; i++) if (x[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let t = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = t;
    const base = r * cols;
    for (let k = 0; k < cols; k++) {
      const v = x[base + k];
      if (v !== 0) {
        col[t] = k;
        val[t++] = v;
      }
    }
  }
  rowPtr[rows] = t;
  return { rows, cols, rowPtr, col, val };
}

/**
 * outT[:, b] = bias + sum_k x[b, k] * wT[k, :] for the CSR rows of x, written unit-major (outT is h x x.rows);
 * wT is (x.cols x h). The accumulator row stays in L1 and eight nonzeros are folded per pass over it.
 */
export function csrTimesDenseT(
  x: Csr,
  wT: Float64Array,
  h: number,
  bias: Float32Array,
  biasOffset: number,
  acc: Float64Array,
  outT: Float64Array,
): void {
  const { rowPtr, col, val } = x;
  const n = x.rows;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < h; j++) acc[j] = bias[biasOffset + j];
    let t = rowPtr[b];
    const end = rowPtr[b + 1];
    for (; t + 7 < end; t += 8) {
      const x0 = val[t],
        x1 = val[t + 1],
        x2 = val[t + 2],
        x3 = val[t + 3];
      const x4 = val[t + 4],
        x5 = val[t + 5],
        x6 = val[t + 6],
        x7 = val[t + 7];
      const k0 = col[t] * h,
        k1 = col[t + 1] * h,
        k2 = col[t + 2] * h,
        k3 = col[t + 3] * h;
      const k4 = col[t + 4] * h,
        k5 = col[t + 5] * h,
        k6 = col[t + 6] * h,
        k7 = col[t + 7] * h;
      for (let j = 0; j < h; j++) {
        acc[j] +=
          x0 * wT[k0 + j] +
          x1 * wT[k1 + j] +
          x2 * wT[k2 + j] +
          x3 * wT[k3 + j] +
          x4 * wT[k4 + j] +
          x5 * wT[k5 + j] +
          x6 * wT[k6 + j] +
          x7 * wT[k7 + j];
      }
    }
    for (; t < end; t++) {
      const xv = val[t];
      const k = col[t] * h;
      for (let j = 0; j < h; j++) acc[j] += xv * wT[k + j];
    }
    for (let j = 0; j < h; j++) outT[j * n + b] = acc[j];
  }
}

/** sum_b [x_b; 1][x_b; 1]^T over the CSR rows of x, (cols + 1)^2 row-major (see gramWithBias). */
export function csrGramWithBias(x: Csr): Float64Array {
  const { rows: n, cols: d, rowPtr, col, val } = x;
  const s = d + 1;
  const m = new Float64Array(s * s);
  const colSum = new Float64Array(d);
  for (let b = 0; b < n; b++) {
    const end = rowPtr[b + 1];
    for (let t = rowPtr[b]; t < end; t++) {
      const i = col[t];
      const xi = val[t];
      colSum[i] += xi;
      for (let u = t; u < end; u++) m[i * s + col[u]] += xi * val[u];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) m[i * s + j] = m[j * s + i];
  setBiasBorder(m, d, n, colSum);
  return m;
}

/**
 * Scratch for the masked backward: per hidden unit, the list of samples with a nonzero coefficient. ReLU zeroes
 * about half of them, and skipping them halves the work of the first layer's weight gradient.
 */
export interface ActiveScratch {
  rows: Int32Array;
  c1: Float64Array;
  c2: Float64Array;
  acc1: Float64Array;
  acc2: Float64Array;
}

export function activeScratch(batch: number, d: number): ActiveScratch {
  return {
    rows: new Int32Array(batch),
    c1: new Float64Array(batch),
    c2: new Float64Array(batch),
    acc1: new Float64Array(d),
    acc2: new Float64Array(d),
  };
}

/**
 * out1[j, :] = sum_b coefT[j, b] * x[b, :] (and out2 likewise from coef2T when given) for j < h: the weight
 * gradient dZ^T X written as rows of W's layout. coefT is (h x batch), x (batch x d), outputs go to float32
 * vectors at the given offsets. With two coefficient sets the X rows are loaded once for both.
 */
export function maskedRowsTimesX(
  coefT: Float64Array,
  coef2T: Float64Array | null,
  h: number,
  batch: number,
  x: Float32Array,
  d: number,
  s: ActiveScratch,
  out1: Float32Array,
  out2: Float32Array | null,
  offset1: number,
  offset2: number,
): void {
  const { rows, c1, c2, acc1, acc2 } = s;
  const two = coef2T !== null && out2 !== null;
  for (let j = 0; j < h; j++) {
    const base = j * batch;
    let na = 0;
    if (two) {
      for (let b = 0; b < batch; b++) {
        const u = coefT[base + b];
        const w = coef2T[base + b];
        if (u !== 0 || w !== 0) {
          rows[na] = b * d;
          c1[na] = u;
          c2[na++] = w;
        }
      }
    } else {
      for (let b = 0; b < batch; b++) {
        const u = coefT[base + b];
        if (u !== 0) {
          rows[na] = b * d;
          c1[na++] = u;
        }
      }
    }
    acc1.fill(0);
    accumulateRows(rows, c1, na, x, d, acc1);
    const o1 = offset1 + j * d;
    for (let k = 0; k < d; k++) out1[o1 + k] = acc1[k];
    if (two) {
      acc2.fill(0);
      accumulateRows(rows, c2, na, x, d, acc2);
      const o2 = offset2 + j * d;
      for (let k = 0; k < d; k++) out2[o2 + k] = acc2[k];
    }
  }
}

function accumulateRows(
  rows: Int32Array,
  c: Float64Array,
  na: number,
  x: Float32Array,
  d: number,
  acc: Float64Array,
): void {
  let t = 0;
  for (; t + 7 < na; t += 8) {
    const a0 = c[t],
      a1 = c[t + 1],
      a2 = c[t + 2],
      a3 = c[t + 3];
    const a4 = c[t + 4],
      a5 = c[t + 5],
      a6 = c[t + 6],
      a7 = c[t + 7];
    const r0 = rows[t],
      r1 = rows[t + 1],
      r2 = rows[t + 2],
      r3 = rows[t + 3];
    const r4 = rows[t + 4],
      r5 = rows[t + 5],
      r6 = rows[t + 6],
      r7 = rows[t + 7];
    for (let k = 0; k < d; k++) {
      acc[k] +=
        a0 * x[r0 + k] +
        a1 * x[r1 + k] +
        a2 * x[r2 + k] +
        a3 * x[r3 + k] +
        a4 * x[r4 + k] +
        a5 * x[r5 + k] +
        a6 * x[r6 + k] +
        a7 * x[r7 + k];
    }
  }
  for (; t < na; t++) {
    const a = c[t];
    const r = rows[t];
    for (let k = 0; k < d; k++) acc[k] += a * x[r + k];
  }
}
