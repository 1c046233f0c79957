// Flat-vector helpers shared by the optimizers. Reductions accumulate in float64.

export type Vec = Float32Array | Float64Array;

export function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm2(a: Vec): number {
  return Math.sqrt(dot(a, a));
}

/** ||a - b||_2. */
export function distance(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** k-th smallest value (0-based) of a scratch array, which it reorders (Hoare quickselect, median-of-three). */
export function selectKth(a: Float64Array, k: number, length = a.length): number {
  let lo = 0;
  let hi = length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as pivot keeps sorted and constant inputs linear.
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** min, median (lower median for even lengths) and max; reorders the scratch array. */
export function spread(a: Float64Array, length = a.length): { min: number; median: number; max: number } {
  if (length === 0) return { min: NaN, median: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = a[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, median: selectKth(a, (length - 1) >> 1, length), max };
}
