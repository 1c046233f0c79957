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
// The energy shares count directions; the gains count class signal. With S a 10 x d matrix of class-signal rows,
//   gain_S(W) = ||W S^T||_F^2 / ||W_0 S^T||_F^2,
// how much more strongly the layer responds to that signal than at initialisation, for
//   template signal: rows t_c - mean_c' t_c' with t_c = mean over clean training digits of clamp(digit + T_c) - digit,
//                    the template as the inputs carry it (after the clamp), centred over classes;
//   digit signal   : rows m_c - mean_c' m_c' with m_c the mean clean training digit of class c.
// templateGain > digitGain means training amplified the template's class signal more than the digit's.
// The blank-pixel share is the pixel-space view of the same question: the share of ||W1 - W1_0||_F^2 on the pixels
// that no clean training digit touches (the image border, `blankFraction` of the 784), where the inputs carry only
// the template. Updates proportional to the data (GD) put little there; per-coordinate rescaling (Adam,
// AdaHessian) lifts the small-gradient, low-curvature coordinates and puts about blankFraction or more there.
import { crossprod } from '../../dense/products';
import { symEig } from '../../dense/symmetric';

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
  /** class-signal rows (10 x d) of the templates as seen through the clamp, and of the clean digits */
  templateSignal: Float64Array;
  digitSignal: Float64Array;
  classes: number;
  /** 1 where no clean training digit has ink, 0 elsewhere (d entries) */
  blank: Uint8Array;
  blankFraction: number;
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
function principalRows(x: Float32Array, n: number, d: number, k: number): { q: Float64Array; variances: Float64Array } {
  const c = crossprod(x, n, d);
  const mean = new Float64Array(d);
  for (let b = 0; b < n; b++) for (let t = 0; t < d; t++) mean[t] += x[b * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) c[i * d + j] = (c[i * d + j] - n * mean[i] * mean[j]) / (n - 1);
  const eig = symEig(c, d);
  const q = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) q[j * d + i] = eig.vectors[i * d + j];
  return { q, variances: eig.values.slice(0, k) };
}

/** Rows minus their mean row, in place. */
function centreRows(rows: Float64Array, m: number, d: number): Float64Array {
  for (let t = 0; t < d; t++) {
    let s = 0;
    for (let c = 0; c < m; c++) s += rows[c * d + t];
    for (let c = 0; c < m; c++) rows[c * d + t] -= s / m;
  }
  return rows;
}

/** Class signals of templates (through the clamp) and of digits, centred over classes; see the header. */
export function classSignals(
  templates: Float32Array,
  classes: number,
  cleanTrain: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  d: number,
): { template: Float64Array; digit: Float64Array } {
  const template = new Float64Array(classes * d);
  const digit = new Float64Array(classes * d);
  const counts = new Float64Array(classes);
  for (let b = 0; b < n; b++) {
    const r = b * d;
    const l = labels[b];
    counts[l]++;
    for (let t = 0; t < d; t++) digit[l * d + t] += cleanTrain[r + t];
    for (let c = 0; c < classes; c++) {
      const o = c * d;
      for (let t = 0; t < d; t++) {
        const x = cleanTrain[r + t];
        const v = x + templates[o + t];
        template[o + t] += (v < 0 ? 0 : v > 1 ? 1 : v) - x;
      }
    }
  }
  for (let c = 0; c < classes; c++) {
    for (let t = 0; t < d; t++) {
      template[c * d + t] /= n;
      digit[c * d + t] /= Math.max(1, counts[c]);
    }
  }
  return { template: centreRows(template, classes, d), digit: centreRows(digit, classes, d) };
}

export function featureBases(
  templates: Float32Array,
  classes: number,
  cleanTrain: Float32Array,
  labels: ArrayLike<number>,
  nTrain: number,
  d: number,
  kDigits = 10,
): FeatureBases {
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
  const signals = classSignals(templates, classes, cleanTrain, labels, nTrain, d);
  const blank = new Uint8Array(d).fill(1);
  for (let i = 0; i < nTrain * d; i++) if (cleanTrain[i] !== 0) blank[i % d] = 0;
  return {
    blank,
    blankFraction: blank.reduce((a, b) => a + b, 0) / d,
    d,
    templates: t.q,
    kTemplates: t.k,
    digits: p.q,
    kDigits,
    digitVariances: p.variances,
    overlap: overlap / Math.min(t.k, kDigits),
    templateSignal: signals.template,
    digitSignal: signals.digit,
    classes,
  };
}

/** ||W S^T||_F^2 for W (h x d) and S (m x d rows). */
export function response(w: Float32Array, h: number, d: number, s: Float64Array, m: number): number {
  let total = 0;
  for (let j = 0; j < h; j++) {
    const r = j * d;
    for (let c = 0; c < m; c++) {
      const o = c * d;
      let v = 0;
      for (let t = 0; t < d; t++) v += w[r + t] * s[o + t];
      total += v * v;
    }
  }
  return total;
}

/** ||W Q^T||_F^2 / ||W||_F^2 for W (h x d, at offset of w; minus `base` when given) and Q (k x d rows). */
export function subspaceEnergy(
  w: Float32Array,
  h: number,
  d: number,
  q: Float64Array,
  k: number,
  base?: Float32Array,
): number {
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
  /** class-signal response relative to initialisation (1 at step 0) */
  templateGain: number;
  digitGain: number;
  /** share of ||W1 - W1_0||^2 on the pixels no training digit touches (0 at step 0) */
  blankEnergyDelta: number;
}

/** Share of ||W - base||_F^2 (W h x d) in the columns where mask is 1. */
export function columnShare(w: Float32Array, h: number, d: number, mask: Uint8Array, base: Float32Array): number {
  let inside = 0;
  let total = 0;
  for (let j = 0; j < h; j++) {
    const r = j * d;
    for (let t = 0; t < d; t++) {
      const v = w[r + t] - base[r + t];
      total += v * v;
      if (mask[t]) inside += v * v;
    }
  }
  return total > 0 ? inside / total : 0;
}

/** c (m x n) = a (m x k) bt^T (bt n x k), row-major float64: a BLAS dgemm where the native module computes. */
export type ProductABt = (a: Float64Array, bt: Float64Array, m: number, k: number, n: number, c: Float64Array) => void;

/**
 * featureView through one product per basis (the native backend passes OpenBLAS dgemm): the same quantities as the
 * loops below, to float64 rounding; W1 and W1 - W1_0 are widened once, and W1_0's responses are computed once.
 */
export function productFeatureView(
  bases: FeatureBases,
  h: number,
  w1Init: Float32Array,
  product: ProductABt,
): (w1: Float32Array) => FeatureView {
  const { d, classes } = bases;
  const w = new Float64Array(h * d);
  const dw = new Float64Array(h * d);
  const out = new Float64Array(h * Math.max(classes, bases.kTemplates, bases.kDigits));
  const normOf = (m: Float64Array, q: Float64Array, k: number): number => {
    if (k === 0) return 0;
    product(m, q, h, d, k, out);
    let s = 0;
    for (let i = 0; i < h * k; i++) s += out[i] * out[i];
    return s;
  };
  const frob = (m: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m.length; i++) s += m[i] * m[i];
    return s;
  };
  for (let i = 0; i < h * d; i++) w[i] = w1Init[i];
  const init = { template: normOf(w, bases.templateSignal, classes), digit: normOf(w, bases.digitSignal, classes) };
  return (w1) => {
    for (let i = 0; i < h * d; i++) {
      w[i] = w1[i];
      dw[i] = w1[i] - w1Init[i];
    }
    const [tw, tdw] = [frob(w), frob(dw)];
    const share = (m: Float64Array, total: number, q: Float64Array, k: number): number =>
      total > 0 ? normOf(m, q, k) / total : 0;
    return {
      templateGain: normOf(w, bases.templateSignal, classes) / init.template,
      digitGain: normOf(w, bases.digitSignal, classes) / init.digit,
      blankEnergyDelta: columnShare(w1, h, d, bases.blank, w1Init),
      templateEnergy: share(w, tw, bases.templates, bases.kTemplates),
      digitEnergy: share(w, tw, bases.digits, bases.kDigits),
      templateEnergyDelta: share(dw, tdw, bases.templates, bases.kTemplates),
      digitEnergyDelta: share(dw, tdw, bases.digits, bases.kDigits),
    };
  };
}

export function featureView(bases: FeatureBases, w1: Float32Array, h: number, w1Init: Float32Array): FeatureView {
  const { d, classes } = bases;
  const gain = (s: Float64Array): number => response(w1, h, d, s, classes) / response(w1Init, h, d, s, classes);
  return {
    templateGain: gain(bases.templateSignal),
    digitGain: gain(bases.digitSignal),
    blankEnergyDelta: columnShare(w1, h, d, bases.blank, w1Init),
    templateEnergy: subspaceEnergy(w1, h, d, bases.templates, bases.kTemplates),
    digitEnergy: subspaceEnergy(w1, h, d, bases.digits, bases.kDigits),
    templateEnergyDelta: subspaceEnergy(w1, h, d, bases.templates, bases.kTemplates, w1Init),
    digitEnergyDelta: subspaceEnergy(w1, h, d, bases.digits, bases.kDigits, w1Init),
  };
}
