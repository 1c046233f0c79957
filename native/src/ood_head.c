#include "precond_native.h"

// ---------------------------------------------------------------------------------------------------------------
// The OOD network's layers around the first-layer products (src/lab/models/mlp2.ts on the native backend). Mlp2
// keeps its activations unit-major in float64 (a^T: h x n, o^T: c x n); these calls work on those buffers in place,
// so no JavaScript loop runs over h x n or c x n entries. The small output-layer products go through OpenBLAS
// dgemm (single-threaded, so the bits do not depend on the thread count), everything elementwise is fused around
// them: bias + ReLU (or the frozen ReLU mask of the R-pass) after the first layer, softmax cross-entropy with its
// gradient, the R-operator of the softmax, and the masked back-propagation with the bias gradients.

// headForward(W2, b2, aT, oT, c, h, n, V2, a2T): oT (c x n) = b2 + W2 (c x h) aT (h x n) [+ V2 a2T]. The R-pass
// passes theta's W2 with v's b2 and R(a), and v's W2 with the forward's a.
napi_value js_head_forward(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, 9, a)) return NULL;
  int64_t c, h, n;
  float *W2, *b2, *V2;
  double *aT, *oT, *a2T;
  if (!arg_int(env, a[4], 1, MAXDIM, &c, "c") || !arg_int(env, a[5], 1, MAXDIM, &h, "h") ||
      !arg_int(env, a[6], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], c * h, &W2, "W2") ||
      !arg_f32(env, a[1], c, &b2, "b2") || !arg_f64(env, a[2], h * n, &aT, "aT") ||
      !arg_f64(env, a[3], c * n, &oT, "oT") || !opt_f32(env, a[7], c * h, &V2, "V2") ||
      !opt_f64(env, a[8], h * n, &a2T, "a2T"))
    return NULL;
  if (!V2 != !a2T) {
    napi_throw_type_error(env, NULL, "V2 and a2T are given together or not at all");
    return NULL;
  }
  double *w = widen(env, W2, (size_t)(c * h));
  if (!w) return NULL;
  for (int64_t q = 0; q < c; q++)
    for (int64_t i = 0; i < n; i++) oT[q * n + i] = b2[q];
  cblas_dgemm(RowMajor, NoTrans, NoTrans, (int)c, (int)n, (int)h, 1.0, w, (int)h, aT, (int)n, 1.0, oT, (int)n);
  if (V2) {
    for (int64_t i = 0; i < c * h; i++) w[i] = V2[i];
    cblas_dgemm(RowMajor, NoTrans, NoTrans, (int)c, (int)n, (int)h, 1.0, w, (int)h, a2T, (int)n, 1.0, oT, (int)n);
  }
  free(w);
  return NULL;
}

// softmaxXent(oT, labels, c, n, dOT, softT): mean softmax cross-entropy of the logits oT (c x n) against integer
// labels; with dOT (and softT), also dL/do = (softmax - onehot) / n and the softmax itself (for the R-pass).
napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  napi_value a[6];
  if (!get_args(env, info, 6, a)) return NULL;
  int64_t c, n;
  double *oT, *dOT, *softT;
  int32_t *labels;
  if (!arg_int(env, a[2], 1, MAXDIM, &c, "c") || !arg_int(env, a[3], 1, MAXDIM, &n, "n") ||
      !arg_f64(env, a[0], c * n, &oT, "oT") ||
      !arg_typed(env, a[1], n, napi_int32_array, "Int32Array", (void **)&labels, "labels") ||
      !opt_f64(env, a[4], c * n, &dOT, "dOT") || !opt_f64(env, a[5], c * n, &softT, "softT"))
    return NULL;
  for (int64_t b = 0; b < n; b++)
    if (labels[b] < 0 || labels[b] >= c) {
      napi_throw_range_error(env, NULL, "a label is outside [0, c)");
      return NULL;
    }
  double total = 0;
  const double invN = 1.0 / (double)n;
  for (int64_t b = 0; b < n; b++) {
    double mx = -INFINITY;
    for (int64_t q = 0; q < c; q++) mx = oT[q * n + b] > mx ? oT[q * n + b] : mx;
    double se = 0;
    for (int64_t q = 0; q < c; q++) se += exp(oT[q * n + b] - mx);
    const double lse = mx + log(se);
    total += lse - oT[labels[b] * n + b];
    if (dOT) {
      for (int64_t q = 0; q < c; q++) {
        const double p = exp(oT[q * n + b] - lse);
        if (softT) softT[q * n + b] = p;
        dOT[q * n + b] = (p - (q == labels[b] ? 1.0 : 0.0)) * invN;
      }
    }
  }
  return num(env, total / (double)n);
}

// softmaxXentR(softT, rOT, c, n, rdOT): the R-operator of the cross-entropy's output gradient along the logits'
// directional derivative rOT: rdOT = softT * (rOT - sum_q softT rOT) / n.
napi_value js_softmax_xent_r(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!get_args(env, info, 5, a)) return NULL;
  int64_t c, n;
  double *softT, *rOT, *rdOT;
  if (!arg_int(env, a[2], 1, MAXDIM, &c, "c") || !arg_int(env, a[3], 1, MAXDIM, &n, "n") ||
      !arg_f64(env, a[0], c * n, &softT, "softT") || !arg_f64(env, a[1], c * n, &rOT, "rOT") ||
      !arg_f64(env, a[4], c * n, &rdOT, "rdOT"))
    return NULL;
  const double invN = 1.0 / (double)n;
  for (int64_t b = 0; b < n; b++) {
    double sr = 0;
    for (int64_t q = 0; q < c; q++) sr += softT[q * n + b] * rOT[q * n + b];
    for (int64_t q = 0; q < c; q++) rdOT[q * n + b] = softT[q * n + b] * (rOT[q * n + b] - sr) * invN;
  }
  return NULL;
}

typedef double v8d __attribute__((vector_size(64)));
typedef double v8du __attribute__((vector_size(64), aligned(8)));
typedef int64_t i8v __attribute__((vector_size(64)));
#define HB_UNITS 4
#define HB_MAXC 64 // outputs the output layer may have (headBackward checks c against it)

// Units j0 .. j0 + HB_UNITS - 1 of dZT: z_i = sum_q W2[q, j] dOT[q, i] (+ the same with V2 and dO2T), zeroed where
// aT <= 0, their sums into gb1. Eight samples at a time in vector registers, for four units together, so each
// vector of dOT is loaded once for four units and each z written once (c = 10 passes over a row of dZT, or a dgemm
// with inner dimension 10, cost two to three times this).
DISPATCH static void head_back_units(double *dZT, const double *aT, const float *W2, const double *dOT,
                                     const float *V2, const double *dO2T, int64_t c, int64_t h, int64_t n,
                                     int64_t j0, int64_t units, float *gb1) {
  double w[HB_UNITS][HB_MAXC] = {{0}}, v[HB_UNITS][HB_MAXC] = {{0}};
  for (int64_t u = 0; u < units; u++)
    for (int64_t q = 0; q < c; q++) {
      w[u][q] = W2[q * h + j0 + u];
      v[u][q] = V2 ? V2[q * h + j0 + u] : 0.0;
    }
  v8d sums[HB_UNITS] = {{0}};
  double tails[HB_UNITS] = {0};
  const int64_t n8 = n & ~(int64_t)7;
  for (int64_t i = 0; i < n8; i += 8) {
    v8d z[HB_UNITS] = {{0}};
    for (int64_t q = 0; q < c; q++) {
      const v8d d = *(const v8du *)(dOT + q * n + i);
      for (int64_t u = 0; u < HB_UNITS; u++) z[u] += w[u][q] * d;
    }
    if (V2)
      for (int64_t q = 0; q < c; q++) {
        const v8d d = *(const v8du *)(dO2T + q * n + i);
        for (int64_t u = 0; u < HB_UNITS; u++) z[u] += v[u][q] * d;
      }
    for (int64_t u = 0; u < units; u++) {
      const v8d a = *(const v8du *)(aT + (j0 + u) * n + i);
      const v8d m = (v8d)((i8v)z[u] & (i8v)(a > 0));
      *(v8du *)(dZT + (j0 + u) * n + i) = m;
      sums[u] += m;
    }
  }
  for (int64_t u = 0; u < units; u++) {
    const double *ar = aT + (j0 + u) * n;
    double *zr = dZT + (j0 + u) * n;
    for (int64_t i = n8; i < n; i++) {
      double zi = 0;
      for (int64_t q = 0; q < c; q++) zi += w[u][q] * dOT[q * n + i];
      if (V2)
        for (int64_t q = 0; q < c; q++) zi += v[u][q] * dO2T[q * n + i];
      zr[i] = ar[i] > 0 ? zi : 0.0;
      tails[u] += zr[i];
    }
    const v8d sv = sums[u];
    gb1[j0 + u] = (float)((((sv[0] + sv[1]) + (sv[2] + sv[3])) + ((sv[4] + sv[5]) + (sv[6] + sv[7]))) + tails[u]);
  }
}

// headBackward(W2, dOT, aT, c, h, n, gW2, gb2, dZT, gb1, V2, dO2T, a2T): back through the output layer.
//   gW2 (c x h) = dOT aT^T [+ dO2T a2T^T], gb2 = row sums of dOT,
//   dZT (h x n) = (W2^T dOT [+ V2^T dO2T]) masked where aT <= 0, gb1 = row sums of dZT.
// The R-pass passes R(dO) with theta's W2, and v's W2 with the forward's dO and R(a) as the extra terms.
napi_value js_head_backward(napi_env env, napi_callback_info info) {
  napi_value a[13];
  if (!get_args(env, info, 13, a)) return NULL;
  int64_t c, h, n;
  float *W2, *gW2, *gb2, *gb1, *V2;
  double *dOT, *aT, *dZT, *dO2T, *a2T;
  if (!arg_int(env, a[3], 1, HB_MAXC, &c, "c") || !arg_int(env, a[4], 1, MAXDIM, &h, "h") ||
      !arg_int(env, a[5], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], c * h, &W2, "W2") ||
      !arg_f64(env, a[1], c * n, &dOT, "dOT") || !arg_f64(env, a[2], h * n, &aT, "aT") ||
      !arg_f32(env, a[6], c * h, &gW2, "gW2") || !arg_f32(env, a[7], c, &gb2, "gb2") ||
      !arg_f64(env, a[8], h * n, &dZT, "dZT") || !arg_f32(env, a[9], h, &gb1, "gb1") ||
      !opt_f32(env, a[10], c * h, &V2, "V2") || !opt_f64(env, a[11], c * n, &dO2T, "dO2T") ||
      !opt_f64(env, a[12], h * n, &a2T, "a2T"))
    return NULL;
  if (!V2 != !dO2T || !V2 != !a2T) {
    napi_throw_type_error(env, NULL, "V2, dO2T and a2T are given together or not at all");
    return NULL;
  }
  double *acc = (double *)malloc((size_t)(c * h) * sizeof(double));
  if (!acc) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  cblas_dgemm(RowMajor, NoTrans, Trans, (int)c, (int)h, (int)n, 1.0, dOT, (int)n, aT, (int)n, 0.0, acc, (int)h);
  if (V2)
    cblas_dgemm(RowMajor, NoTrans, Trans, (int)c, (int)h, (int)n, 1.0, dO2T, (int)n, a2T, (int)n, 1.0, acc, (int)h);
  for (int64_t i = 0; i < c * h; i++) gW2[i] = (float)acc[i];
  for (int64_t q = 0; q < c; q++) gb2[q] = (float)row_sum(dOT + q * n, n);
  free(acc);
  // dZT = W2^T dOT [+ V2^T dO2T], masked, with its row sums, four units at a time (head_back_units)
  for (int64_t j = 0; j < h; j += HB_UNITS)
    head_back_units(dZT, aT, W2, dOT, V2, dO2T, c, h, n, j, h - j < HB_UNITS ? h - j : HB_UNITS, gb1);
  return NULL;
}

// Evaluation only (Mlp2.accuracy on the native backend): the whole network in float32 as numpy's reference does,
// with no float64 activations written: s = relu(W xT + b) in place (h x n), logits = W2 s + b2 (c x n), and the
// count of samples whose first largest logit is the label.
DISPATCH static void relu_bias_inplace(float *restrict s, const float *restrict b, int64_t h, int64_t n) {
  for (int64_t j = 0; j < h; j++) {
    const float bias = b[j];
    float *restrict r = s + j * n;
    for (int64_t i = 0; i < n; i++) {
      const float z = r[i] + bias;
      r[i] = z > 0 ? z : 0.0f;
    }
  }
}

// accuracy(W, b, xT, scratch, W2, b2, labels, h, d, n, c): the number of samples classified as their label.
napi_value js_accuracy(napi_env env, napi_callback_info info) {
  napi_value a[11];
  if (!get_args(env, info, 11, a)) return NULL;
  int64_t h, d, n, c;
  float *W, *b, *xT, *s, *W2, *b2;
  int32_t *labels;
  if (!arg_int(env, a[7], 1, MAXDIM, &h, "h") || !arg_int(env, a[8], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[9], 1, MAXDIM, &n, "n") || !arg_int(env, a[10], 1, MAXDIM, &c, "c") ||
      !arg_f32(env, a[0], h * d, &W, "W") || !arg_f32(env, a[1], h, &b, "b") ||
      !arg_f32(env, a[2], d * n, &xT, "xT") || !arg_f32(env, a[3], h * n, &s, "scratch") ||
      !arg_f32(env, a[4], c * h, &W2, "W2") || !arg_f32(env, a[5], c, &b2, "b2") ||
      !arg_typed(env, a[6], n, napi_int32_array, "Int32Array", (void **)&labels, "labels"))
    return NULL;
  float *o = (float *)malloc((size_t)(c * n) * sizeof(float));
  if (!o) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  gemm(0, 0, (int)h, (int)n, (int)d, 1.0f, W, (int)d, xT, (int)n, 0.0f, s, (int)n);
  relu_bias_inplace(s, b, h, n);
  for (int64_t q = 0; q < c; q++)
    for (int64_t i = 0; i < n; i++) o[q * n + i] = b2[q];
  gemm(0, 0, (int)c, (int)n, (int)h, 1.0f, W2, (int)h, s, (int)n, 1.0f, o, (int)n);
  int64_t hits = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t best = 0;
    for (int64_t q = 1; q < c; q++)
      if (o[q * n + i] > o[best * n + i]) best = q;
    hits += best == labels[i];
  }
  free(o);
  return num(env, (double)hits);
}
