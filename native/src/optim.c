// The optimizers' own per-parameter work on the native backend, so that no JavaScript loop runs over the 203,530
// parameters of the OOD network in a step: the Rademacher probe drawn from the lab's MT19937 stream
// (src/lab/rng.ts, numpy's legacy RandomState), AdaHessian's update (src/lab/optim/adahessian.ts) and GD's
// (src/lab/optim/gd.ts).
// Both give the JavaScript loops' exact bits (test/unit/nativeOptim.test.ts): the stream is integer arithmetic, and
// the update is compiled without floating-point contraction, in the JavaScript's order of operations, in float64.
// Only the update norm's sum of squares is accumulated in another order (one partial sum per vector lane, `omp simd`
// under -fopenmp-simd, no OpenMP runtime), so it may differ from the JavaScript's in the last bits.
#pragma GCC optimize("fp-contract=off")
#include "precond_native.h"

#define MT_N 624
#define MT_M 397

static inline __attribute__((always_inline)) void mt_reload(uint32_t *mt) {
  // the first loop reads only words it has not written yet, the second reads words 227 places back: both vectorize
  int kk = 0;
  uint32_t y;
  for (; kk < MT_N - MT_M; kk++) {
    y = (mt[kk] & 0x80000000u) | (mt[kk + 1] & 0x7fffffffu);
    mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
  }
  for (; kk < MT_N - 1; kk++) {
    y = (mt[kk] & 0x80000000u) | (mt[kk + 1] & 0x7fffffffu);
    mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
  }
  y = (mt[MT_N - 1] & 0x80000000u) | (mt[0] & 0x7fffffffu);
  mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
}

/* The top bit of word y after tempering (the only bit random() < 0.5 depends on): the last tempering step,
   y ^= y >> 18, leaves the top bit as it is. */
static inline __attribute__((always_inline)) uint32_t mt_top(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  return y >> 31;
}

/* z[0..n) from the stream at *mti, two words per sign (the second drawn and dropped); returns the new position.
   Whole pairs inside the current block of 624 words go through a vectorizable loop; a pair that straddles a
   reload (position 623) takes one word on each side of it. */
DISPATCH static int64_t mt_fill_signs(uint32_t *mt, int64_t mti, float *z, int64_t n) {
  int64_t i = 0;
  while (i < n) {
    if (mti >= MT_N) {
      mt_reload(mt);
      mti = 0;
    }
    int64_t pairs = (MT_N - mti) >> 1;
    if (pairs > n - i) pairs = n - i;
    const uint32_t *w = mt + mti;
    float *zi = z + i;
    for (int64_t k = 0; k < pairs; k++) zi[k] = mt_top(w[2 * k]) ? 1.0f : -1.0f;
    i += pairs;
    mti += 2 * pairs;
    if (i < n && mti == MT_N - 1) {
      const uint32_t top = mt_top(mt[MT_N - 1]);
      mt_reload(mt);
      mti = 1; // the dropped second word is the first of the new block
      z[i++] = top ? 1.0f : -1.0f;
    }
  }
  return mti;
}

// mtSigns(mt, mti, z): z[i] = random() < 0.5 ? -1 : 1 for every i, drawn from the MT19937 state mt (624 words) at
// position mti, which it advances in place; returns the new position. random() takes two words and is below 0.5
// exactly when the first word's top bit is 0 (RandomState.fillSigns explains why).
napi_value js_mt_signs(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (!get_args(env, info, 3, a)) return NULL;
  uint32_t *mt;
  int64_t mti;
  float *z;
  size_t n = 0;
  if (!arg_typed(env, a[0], MT_N, napi_uint32_array, "Uint32Array", (void **)&mt, "mt") ||
      !arg_int(env, a[1], 0, MT_N, &mti, "mti") || !arg_typed(env, a[2], 0, napi_float32_array, "Float32Array",
                                                               (void **)&z, "z"))
    return NULL;
  n = typed_len(env, a[2]);
  mti = mt_fill_signs(mt, mti, z, (int64_t)n);
  return num(env, (double)mti);
}

// The AdaHessian update for one parameter i (the loop of AdaHessian.step, operation for operation), with the
// denominator's power x^e specialised for the exponents the sweeps use as powFn does there.
#define ADAHESSIAN_LOOP(POW)                                                                                          \
  _Pragma("omp simd reduction(+ : moved)") for (int64_t i = 0; i < n; i++) {                                                                                   \
    const double old = theta[i];                                                                                      \
    const double dHat = (double)z[i] * (double)hz[i];                                                                 \
    m[i] = beta1 * m[i] + (1 - beta1) * (double)g[i];                                                                 \
    v[i] = beta2 * v[i] + (1 - beta2) * dHat * dHat;                                                                  \
    const double x = v[i] / bc2;                                                                                      \
    const double den = (POW) + eps;                                                                                   \
    denom[i] = den;                                                                                                   \
    const float nt = (float)(old * decay - (stepSize * m[i]) / den);                                                  \
    theta[i] = nt;                                                                                                    \
    const double d = (double)nt - old;                                                                                \
    moved += d * d;                                                                                                   \
  }

DISPATCH static double adahessian_update(float *theta, const float *g, const float *z, const float *hz, double *m,
                                         double *v, double *denom, int64_t n, double stepSize, double bc2,
                                         double beta1, double beta2, double e, double eps, double decay) {
  double moved = 0;
  if (e == 0) {
    ADAHESSIAN_LOOP(1.0)
  } else if (e == 0.5) {
    ADAHESSIAN_LOOP(sqrt(x))
  } else if (e == 1) {
    ADAHESSIAN_LOOP(x)
  } else if (e == -0.5) {
    ADAHESSIAN_LOOP(1 / sqrt(x))
  } else if (e == -1) {
    ADAHESSIAN_LOOP(1 / x)
  } else {
    ADAHESSIAN_LOOP(pow(x, e))
  }
  return moved;
}

// adahessianUpdate(theta, g, z, hz, m, v, denom, stepSize, bc2, beta1, beta2, e, eps, decay): one AdaHessian step
// over all n = theta.length parameters in place (theta, m, v, denom); returns sum (theta_new - theta_old)^2.
// e is the denominator's exponent k / 2; stepSize = lr / (1 - beta1^t), bc2 = 1 - beta2^t, decay = 1 - lr * wd.
napi_value js_adahessian_update(napi_env env, napi_callback_info info) {
  napi_value a[14];
  if (!get_args(env, info, 14, a)) return NULL;
  float *theta, *g, *z, *hz;
  double *m, *v, *denom, p[7];
  size_t n = 0;
  if (!arg_f32(env, a[0], 0, &theta, "theta")) return NULL;
  n = typed_len(env, a[0]);
  static const char *names[7] = {"stepSize", "bc2", "beta1", "beta2", "e", "eps", "decay"};
  if (!arg_f32(env, a[1], n, &g, "g") || !arg_f32(env, a[2], n, &z, "z") || !arg_f32(env, a[3], n, &hz, "hz") ||
      !arg_f64(env, a[4], n, &m, "m") || !arg_f64(env, a[5], n, &v, "v") || !arg_f64(env, a[6], n, &denom, "denom"))
    return NULL;
  for (int k = 0; k < 7; k++)
    if (!arg_num(env, a[7 + k], &p[k], names[k])) return NULL;
  return num(env, adahessian_update(theta, g, z, hz, m, v, denom, (int64_t)n, p[0], p[1], p[2], p[3], p[4], p[5],
                                    p[6]));
}

DISPATCH static double gd_update(float *theta, const float *g, int64_t n, double lr, double wd) {
  double moved = 0;
#pragma omp simd reduction(+ : moved)
  for (int64_t i = 0; i < n; i++) {
    const double old = theta[i];
    const float nt = (float)(old - lr * ((double)g[i] + wd * old));
    theta[i] = nt;
    const double d = (double)nt - old;
    moved += d * d;
  }
  return moved;
}

// gdUpdate(theta, g, lr, wd): theta <- theta - lr (g + wd theta) in place, as Gd.step's loop (its bits); returns
// sum (theta_new - theta_old)^2.
napi_value js_gd_update(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (!get_args(env, info, 4, a)) return NULL;
  float *theta, *g;
  double lr, wd;
  size_t n = 0;
  if (!arg_f32(env, a[0], 0, &theta, "theta")) return NULL;
  n = typed_len(env, a[0]);
  if (!arg_f32(env, a[1], n, &g, "g") || !arg_num(env, a[2], &lr, "lr") || !arg_num(env, a[3], &wd, "wd")) return NULL;
  return num(env, gd_update(theta, g, (int64_t)n, lr, wd));
}

// ---------------------------------------------------------------------------------------------------------------
// Denominator statistics (AdaHessian's spreadStats): min, lower median and max of a float64 range. The median is the
// value vec.ts's selectKth returns (the ((len - 1) >> 1)-th smallest), found by a radix select instead of a
// quickselect: doubles mapped to integers that sort the same way, a histogram of their top 16 bits, then only the
// values in the bucket that holds the median are sorted. Two passes over the data (a quickselect makes about four,
// with branches that mispredict). NaN sorts above +Infinity here (the JavaScript quickselect leaves it anywhere).

static inline uint64_t sortable(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

static inline double unsortable(uint64_t k) {
  const uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

static int cmp_u64(const void *a, const void *b) {
  const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

// [min, lower median, max] of a[0 .. len) into out (NaN, NaN, NaN when len is 0), a unchanged; false when out of
// memory (then a JavaScript error is pending).
static bool spread_range(napi_env env, const double *a, int64_t len, double *out) {
  if (len == 0) {
    out[0] = out[1] = out[2] = NAN;
    return true;
  }
  uint32_t *hist = (uint32_t *)calloc(65536, sizeof(uint32_t));
  if (!hist) {
    napi_throw_error(env, NULL, "out of memory");
    return false;
  }
  double mn = INFINITY, mx = -INFINITY;
  for (int64_t i = 0; i < len; i++) {
    const double v = a[i];
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
    hist[sortable(v) >> 48]++;
  }
  const int64_t k = (len - 1) >> 1;
  int64_t below = 0;
  uint32_t bucket = 0;
  for (;; bucket++) {
    if (below + hist[bucket] > k) break;
    below += hist[bucket];
  }
  const uint32_t count = hist[bucket];
  free(hist);
  uint64_t *keys = (uint64_t *)malloc((size_t)count * sizeof(uint64_t));
  if (!keys) {
    napi_throw_error(env, NULL, "out of memory");
    return false;
  }
  uint32_t m = 0;
  for (int64_t i = 0; i < len; i++) {
    const uint64_t key = sortable(a[i]);
    if ((key >> 48) == bucket) keys[m++] = key;
  }
  qsort(keys, m, sizeof(uint64_t), cmp_u64);
  out[0] = mn;
  out[1] = unsortable(keys[k - below]);
  out[2] = mx;
  free(keys);
  return true;
}

// spread(a, offset, length, out): out = [min, lower median, max] of a[offset .. offset + length).
napi_value js_spread(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (!get_args(env, info, 4, a)) return NULL;
  double *values, *out;
  int64_t offset, len;
  size_t n = 0;
  if (!arg_f64(env, a[0], 0, &values, "a")) return NULL;
  n = typed_len(env, a[0]);
  if (!arg_int(env, a[1], 0, (int64_t)n, &offset, "offset") ||
      !arg_int(env, a[2], 0, (int64_t)n - offset, &len, "length") || !arg_f64(env, a[3], 3, &out, "out"))
    return NULL;
  spread_range(env, values + offset, len, out); // on failure its error is pending; JS sees the throw
  return NULL;
}

DISPATCH static double sum_squares(const float *a, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; i++) s += (double)a[i] * (double)a[i];
  return s;
}

// sumSquares(a): sum of a[i]^2 in float64 (the optimizers' gradient norm; one partial sum per vector lane).
napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!get_args(env, info, 1, a)) return NULL;
  float *x;
  size_t n = 0;
  if (!arg_f32(env, a[0], 0, &x, "a")) return NULL;
  n = typed_len(env, a[0]);
  return num(env, sum_squares(x, (int64_t)n));
}
