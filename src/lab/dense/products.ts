// Dense float64 products on flat row-major arrays: the hot loops of the MLP passes and of K-FAC, and the small
// helpers the spectra and tests use. Written for V8: typed arrays of one kind per call site, float64 accumulation,
// register blocking instead of clever indexing (docs/engine-notes.md has the measured rates).

/** Read-only inputs may be either precision; results are always Float64Array. */
export type NumArray = Float64Array | Float32Array;

/**
 * C (m x n) = A (m x k) B (k x n) with B supplied transposed (bt: n x k), all float64 row-major: every inner
 * loop is a contiguous dot product, blocked 2 rows x 4 columns so each load feeds two or four multiply-adds.
 */
export function gemmABt(a: Float64Array, bt: Float64Array, m: number, k: number, n: number, c: Float64Array): void {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const ra = i * k;
    const rb = ra + k;
    for (let j = 0; j < n4; j += 4) {
      const q0 = j * k,
        q1 = q0 + k,
        q2 = q1 + k,
        q3 = q2 + k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        t0 = 0,
        t1 = 0,
        t2 = 0,
        t3 = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ra + p];
        const y = a[rb + p];
        const b0 = bt[q0 + p],
          b1 = bt[q1 + p],
          b2 = bt[q2 + p],
          b3 = bt[q3 + p];
        s0 += x * b0;
        s1 += x * b1;
        s2 += x * b2;
        s3 += x * b3;
        t0 += y * b0;
        t1 += y * b1;
        t2 += y * b2;
        t3 += y * b3;
      }
      const ci = i * n + j;
      c[ci] = s0;
      c[ci + 1] = s1;
      c[ci + 2] = s2;
      c[ci + 3] = s3;
      c[ci + n] = t0;
      c[ci + n + 1] = t1;
      c[ci + n + 2] = t2;
      c[ci + n + 3] = t3;
    }
    for (let j = n4; j < n; j++) {
      const q = j * k;
      let s = 0,
        t = 0;
      for (let p = 0; p < k; p++) {
        s += a[ra + p] * bt[q + p];
        t += a[rb + p] * bt[q + p];
      }
      c[i * n + j] = s;
      c[(i + 1) * n + j] = t;
    }
  }
  for (let i = m2; i < m; i++) {
    const ra = i * k;
    for (let j = 0; j < n; j++) {
      const q = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ra + p] * bt[q + p];
      c[i * n + j] = s;
    }
  }
}

/** C = A B with A m x k and B k x n, all row-major. */
export function matMul(a: NumArray, b: NumArray, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ri = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const rp = p * n;
      for (let j = 0; j < n; j++) c[ri + j] += aip * b[rp + j];
    }
  }
  return c;
}

/** out (n x m) = A^T for A (m x n, row-major) stored from `offset` of a. */
export function transposeInto(a: NumArray, m: number, n: number, out: Float64Array, offset = 0): void {
  for (let i = 0; i < m; i++) {
    const r = offset + i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = a[r + j];
  }
}

/** A^T for A m x n (row-major); returns n x m. */
export function transpose(a: NumArray, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  transposeInto(a, m, n, t);
  return t;
}

/**
 * out[o + b] += sum_{r < count} coef[c0 + r * cs] * rows[r * n + b] for b < n: a weighted sum of unit-major rows,
 * four rows per pass over the output.
 */
export function addRowCombination(
  coef: Float32Array,
  c0: number,
  cs: number,
  count: number,
  rows: Float64Array,
  n: number,
  out: Float64Array,
  o: number,
): void {
  let r = 0;
  for (; r + 3 < count; r += 4) {
    const w0 = coef[c0 + r * cs],
      w1 = coef[c0 + (r + 1) * cs],
      w2 = coef[c0 + (r + 2) * cs],
      w3 = coef[c0 + (r + 3) * cs];
    const p0 = r * n,
      p1 = p0 + n,
      p2 = p1 + n,
      p3 = p2 + n;
    for (let b = 0; b < n; b++)
      out[o + b] += w0 * rows[p0 + b] + w1 * rows[p1 + b] + w2 * rows[p2 + b] + w3 * rows[p3 + b];
  }
  for (; r < count; r++) {
    const w = coef[c0 + r * cs];
    const p = r * n;
    for (let b = 0; b < n; b++) out[o + b] += w * rows[p + b];
  }
}

/** out (m x m, row stride `stride`) gets the Gram matrix of the m rows (length n) of `rows`. */
export function gramRows(rows: NumArray, m: number, n: number, out: Float64Array, stride: number): void {
  for (let i = 0; i < m; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let b = 0; b < n; b++) s += rows[ri + b] * rows[rj + b];
      out[i * stride + j] = s;
      out[j * stride + i] = s;
    }
  }
}

/** X X^T for X n x d (row-major); returns the n x n Gram matrix of the rows. */
export function gram(x: NumArray, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  gramRows(x, n, d, g, n);
  return g;
}

/**
 * The second moment of rows with a bias entry appended, sum_b [r_b; 1][r_b; 1]^T, for the m rows (length n) of
 * rowsT: (m + 1)^2 entries row-major into out. This is K-FAC's input factor of a layer with a bias.
 */
export function gramWithBias(rowsT: Float64Array, m: number, n: number, out: Float64Array): void {
  gramRows(rowsT, m, n, out, m + 1);
  const sums = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let b = 0; b < n; b++) sum += rowsT[j * n + b];
    sums[j] = sum;
  }
  setBiasBorder(out, m, n, sums);
}

/** The bias row and column of an (m + 1)^2 moment over n samples whose rows sum to sums. */
export function setBiasBorder(out: Float64Array, m: number, n: number, sums: Float64Array): void {
  const s = m + 1;
  for (let j = 0; j < m; j++) {
    out[j * s + m] = sums[j];
    out[m * s + j] = sums[j];
  }
  out[m * s + m] = n;
}

/** X^T X for X n x d (row-major); returns d x d. Rank-one updates per row skip zero entries (sparse inputs). */
export function crossprod(x: NumArray, n: number, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    const rr = r * d;
    for (let i = 0; i < d; i++) {
      const xi = x[rr + i];
      if (xi === 0) continue;
      const ci = i * d;
      for (let j = i; j < d; j++) c[ci + j] += xi * x[rr + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i];
  return c;
}
