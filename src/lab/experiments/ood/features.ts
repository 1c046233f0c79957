// The feature view of Experiment 2: how much of the first layer's weight lives in the template subspace (the
// spurious, low-variance feature the right setting rewards) versus the digit subspace (the high-variance feature
// the left setting rewards). With Q a k x d matrix of orthonormal rows,
//   energy_Q(W) = ||W Q^T||_F^2 / ||W||_F^2,
// the share of W1's squared norm (all hidden units together) inside span(Q); a W1 with no preference scores k / d
// (10 / 784 = 1.3%). Two subspaces:
//   templates: span of the ten class templates T_0..T_9 (orthonormalised, 10-dim);
//   digits   : the top-k principal components of the clean (template-free) training digits, k = 10 by default.
// Random templates are nearly orthogonal to the digit PCs; `overlap` (= ||Q_T Q_D^T||_F^2 / k, 0 when orthogonal,
// 1 when equal) says how far the two shares can double count. The view is taken of W1 and of its change since
// initialisation (W1 - W1_0): the random initial weights dominate ||W1|| early on, the change shows what training
// wrote into the layer.
import { crossprod, symEig } from '../../linalg';

export interface FeatureBases {
  d: number;
  /** orthonormal rows spanning the templates */
  templates: Float64Array;
  kTemplates: number;
  /** the top-k principal directions of the clean training digits, as rows */
  digits: Float64Array;
  kDigits: number;
  /** the digits' leading covariance eigenvalues (variance along each row of `digits`) */
  digitVariances: Float64Array;
  overlap: number;
}

/** Orthonormal rows spanning the given rows (modified Gram-Schmidt, applied twice); drops dependent rows. */
export function orthonormalRows(rows: ArrayLike<number>, m: number, d: number): { q: Float64Array; k: number } {
  const q = new Float64Array(m * d);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const v = new Float64Array(d);
    let n0 = 0;
    for (let t = 0; t < d; t++) {
      v[t] = rows[i * d + t];
      n0 += v[t] * v[t];
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        let c = 0;
        for (let t = 0; t < d; t++) c += q[j * d + t] * v[t];
        for (let t = 0; t < d; t++) v[t] -= c * q[j * d + t];
      }
    }
    let nv = 0;
    for (let t = 0; t < d; t++) nv += v[t] * v[t];
    if (!(nv > 1e-20 * n0) || nv === 0) continue;
    const s = 1 / Math.sqrt(nv);
    for (let t = 0; t < d; t++) q[k * d + t] = v[t] * s;
    k++;
  }
  return { q: q.subarray(0, k * d), k };
}

/** The top-k principal directions of n x d data (centred covariance, full symmetric eigendecomposition). */
export function principalRows(x: Float32Array, n: number, d: number, k: number): { q: Float64Array; variances: Float64Array } {
  const c = crossprod(x, n, d);
  const mean = new Float64Array(d);
  for (let b = 0; b < n; b++) for (let t = 0; t < d; t++) mean[t] += x[b * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] = (c[i * d + j] - n * mean[i] * mean[j]) / (n - 1);
  const eig = symEig(c, d);
  const q = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) q[j * d + i] = eig.vectors[i * d + j];
  return { q, variances: eig.values.slice(0, k) };
}

export function featureBases(templates: Float32Array, classes: number, cleanTrain: Float32Array, nTrain: number, d: number, kDigits = 10): FeatureBases {
  const t = orthonormalRows(templates, classes, d);
  const p = principalRows(cleanTrain, nTrain, d, kDigits);
  let overlap = 0;
  for (let i = 0; i < t.k; i++) {
    for (let j = 0; j < kDigits; j++) {
      let c = 0;
      for (let s = 0; s < d; s++) c += t.q[i * d + s] * p.q[j * d + s];
      overlap += c * c;
    }
  }
  return { d, templates: t.q, kTemplates: t.k, digits: p.q, kDigits, digitVariances: p.variances, overlap: overlap / Math.min(t.k, kDigits) };
}

/** ||W Q^T||_F^2 / ||W||_F^2 for W (h x d, at offset of w; minus `base` when given) and Q (k x d rows). */
export function subspaceEnergy(w: Float32Array, h: number, d: number, q: Float64Array, k: number, base?: Float32Array): number {
  let inside = 0;
  let total = 0;
  const row = new Float64Array(d);
  for (let j = 0; j < h; j++) {
    const r = j * d;
    for (let t = 0; t < d; t++) row[t] = base ? w[r + t] - base[r + t] : w[r + t];
    for (let t = 0; t < d; t++) total += row[t] * row[t];
    for (let i = 0; i < k; i++) {
      const qi = i * d;
      let c = 0;
      for (let t = 0; t < d; t++) c += q[qi + t] * row[t];
      inside += c * c;
    }
  }
  return total > 0 ? inside / total : 0;
}

export interface FeatureView {
  templateEnergy: number;
  digitEnergy: number;
  /** the same shares of W1 - W1_0 (0 at initialisation) */
  templateEnergyDelta: number;
  digitEnergyDelta: number;
}

export function featureView(bases: FeatureBases, w1: Float32Array, h: number, w1Init: Float32Array): FeatureView {
  const { d } = bases;
  return {
    templateEnergy: subspaceEnergy(w1, h, d, bases.templates, bases.kTemplates),
    digitEnergy: subspaceEnergy(w1, h, d, bases.digits, bases.kDigits),
    templateEnergyDelta: subspaceEnergy(w1, h, d, bases.templates, bases.kTemplates, w1Init),
    digitEnergyDelta: subspaceEnergy(w1, h, d, bases.digits, bases.kDigits, w1Init),
  };
}
