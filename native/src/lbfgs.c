#include "precond_native.h"

// ---------------------------------------------------------------------------------------------------------------
// L-BFGS on the native backend (src/lab/optim/lbfgs.ts, twoLoop.ts NativePairStore): the two-loop recursion over
// float32 curvature pairs kept in one JS-owned Float32Array, and the per-iteration vector passes of Lbfgs.step
// fused into one call each. Arithmetic as in the JS and wasm versions: pairs rounded to float32 when stored, every
// product and sum in float64, axpys fused with the next dot products; the recursion's passes handle two pairs
// each (two_loop below: one cross product per pair, s_{j-1}^T y_j, computed when the pair is stored, corrects the
// second pair's dot), and sums run in 16 lanes, so results agree with the JS loops to rounding, not bitwise.
// The recursion is bound by memory bandwidth (100 pairs of 203530 floats are 163 MB, read once per loop): two pairs
// per pass halve the traffic of the float64 out vector, which does not fit in L2 (docs/engine-notes.md).
//
// Pair storage: slot i's s at pairs[2 i n], its y at pairs[(2 i + 1) n]; the slots in use are named by `order`
// (oldest first), so the JS side rotates slot numbers and no pair is ever copied.

typedef double v8d __attribute__((vector_size(64)));
typedef double v8du __attribute__((vector_size(64), aligned(8)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4)));

#define ALW static inline __attribute__((always_inline))

ALW v8d ld_d(const double *p) { return *(const v8du *)p; }
ALW void st_d(double *p, v8d v) { *(v8du *)p = v; }
// element by element: GCC 12 splits __builtin_convertvector(v8f -> v8d) into two halves and five instructions; this
// form compiles to one vcvtps2pd from memory (AVX-512)
ALW v8d ld_f(const float *p) { return (v8d){p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]}; }
ALW void st_f(float *p, v8d v) { *(v8fu *)p = __builtin_convertvector(v, v8f); }
ALW v8d splat(double x) { return (v8d){x, x, x, x, x, x, x, x}; }
ALW v8d vabs(v8d v) { return (v8d)((v8l)v & ~(v8l)splat(-0.0)); }
// max that keeps a NaN once seen (as Math.max does), so a NaN entry makes the reduction NaN
ALW v8d vmax_nan(v8d m, v8d a) {
  const v8l take = (a > m) | (a != a);
  return (v8d)(((v8l)a & take) | ((v8l)m & ~take));
}
ALW double hsum(v8d v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
ALW double hmax(v8d v) {
  double m = 0;
  for (int i = 0; i < 8; i++)
    if (v[i] > m || v[i] != v[i]) m = v[i];
  return m;
}
ALW double smax_nan(double m, double a) { return (a > m || a != a) ? a : m; }

// The recursion's passes over out, each applying up to two pairs' axpys and taking the next two dot products, so
// that out (float64, larger than L2 on the OOD shape) is streamed once per two pairs instead of once per pair; the
// pair vectors are still read once per loop. Each pass reads four float32 streams from memory at once, and software
// prefetching AHEAD floats (8 KB) ahead of each took a pass 10-15% closer to the single-core streaming rate than
// the hardware prefetchers alone (docs/engine-notes.md).
#define AHEAD 2048
#define PREFETCH(p) __builtin_prefetch((p) + AHEAD, 0, 1)

// out = -g; d[0] = v1 . out, d[1] = v2 . out.
DISPATCH static void init_dots(double *out, const double *g, const float *v1, const float *v2, int64_t n, double *d) {
  v8d a0 = splat(0), a1 = splat(0), b0 = splat(0), b1 = splat(0);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    PREFETCH(v1 + k), PREFETCH(v2 + k);
    const v8d o0 = -ld_d(g + k), o1 = -ld_d(g + k + 8);
    st_d(out + k, o0), st_d(out + k + 8, o1);
    a0 += ld_f(v1 + k) * o0, a1 += ld_f(v1 + k + 8) * o1;
    b0 += ld_f(v2 + k) * o0, b1 += ld_f(v2 + k + 8) * o1;
  }
  double x = hsum(a0 + a1), y = hsum(b0 + b1);
  for (; k < n; k++) {
    out[k] = -g[k];
    x += (double)v1[k] * out[k];
    y += (double)v2[k] * out[k];
  }
  d[0] = x, d[1] = y;
}

// out = (out + c1 u1 [+ c2 u2]) * scale; then either d[0] = v1 . out, d[1] = v2 . out (g NULL), or
// d[0] = g . out, d[1] = max |out| (NaN if any entry is).
ALW void pass_body(double *out, double c1, const float *u1, double c2, const float *u2, double scale,
                   const float *v1, const float *v2, const double *g, int64_t n, double *d, const bool two,
                   const bool final) {
  v8d a0 = splat(0), a1 = splat(0), b0 = splat(0), b1 = splat(0);
  const v8d c1v = splat(c1), c2v = splat(c2), sv = splat(scale);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    PREFETCH(u1 + k);
    if (two) PREFETCH(u2 + k);
    if (!final) PREFETCH(v1 + k), PREFETCH(v2 + k);
    v8d o0 = ld_d(out + k) + c1v * ld_f(u1 + k), o1 = ld_d(out + k + 8) + c1v * ld_f(u1 + k + 8);
    if (two) o0 += c2v * ld_f(u2 + k), o1 += c2v * ld_f(u2 + k + 8);
    o0 *= sv, o1 *= sv;
    st_d(out + k, o0), st_d(out + k + 8, o1);
    if (final) {
      a0 += ld_d(g + k) * o0, a1 += ld_d(g + k + 8) * o1;
      b0 = vmax_nan(b0, vabs(o0)), b1 = vmax_nan(b1, vabs(o1));
    } else {
      a0 += ld_f(v1 + k) * o0, a1 += ld_f(v1 + k + 8) * o1;
      b0 += ld_f(v2 + k) * o0, b1 += ld_f(v2 + k + 8) * o1;
    }
  }
  double x = hsum(a0 + a1), y = final ? smax_nan(hmax(b0), hmax(b1)) : hsum(b0 + b1);
  for (; k < n; k++) {
    double o = out[k] + c1 * (double)u1[k];
    if (two) o += c2 * (double)u2[k];
    o *= scale;
    out[k] = o;
    if (final) {
      x += g[k] * o;
      y = smax_nan(y, fabs(o));
    } else {
      x += (double)v1[k] * o;
      y += (double)v2[k] * o;
    }
  }
  d[0] = x, d[1] = y;
}

// u2 NULL: one pair.
DISPATCH static void pass_dots(double *out, double c1, const float *u1, double c2, const float *u2, double scale,
                               const float *v1, const float *v2, int64_t n, double *d) {
  if (u2)
    pass_body(out, c1, u1, c2, u2, scale, v1, v2, NULL, n, d, true, false);
  else
    pass_body(out, c1, u1, 0, NULL, scale, v1, v2, NULL, n, d, false, false);
}

DISPATCH static void pass_final(double *out, double c1, const float *u1, double c2, const float *u2,
                                const double *g, int64_t n, double *stats) {
  if (u2)
    pass_body(out, c1, u1, c2, u2, 1.0, NULL, NULL, g, n, stats, true, true);
  else
    pass_body(out, c1, u1, 0, NULL, 1.0, NULL, NULL, g, n, stats, false, true);
}

// out = -H g by the two-loop recursion over the m pairs S(j), Y(j) (oldest first), with rho[j] = 1 / y_j^T s_j and
// cross[j] = s_{j-1}^T y_j (j >= 1), two pairs per pass: with q the vector before pair j's update and
// d = s_j^T q, s_{j-1}^T q from the previous pass,
//   alpha_j = rho_j s_j^T q,  alpha_{j-1} = rho_{j-1} s_{j-1}^T (q - alpha_j y_j) = rho_{j-1} (s_{j-1}^T q - alpha_j cross_j)
// and in the second loop, with r before pair j's update and y_j^T r, y_{j+1}^T r from the previous pass,
//   c_j = alpha_j - rho_j y_j^T r,  beta_{j+1} = rho_{j+1} y_{j+1}^T (r + c_j s_j) = rho_{j+1} (y_{j+1}^T r + c_j cross_{j+1})
// The same recursion as the one-pair-per-pass loops of lbfgs.ts, to rounding. stats[0] = g . out,
// stats[1] = max |out|.
static void two_loop(const float *const *S, const float *const *Y, const double *rho, const double *cross, int64_t m,
                     double hDiag, const double *g, double *out, double *alpha, int64_t n, double *stats) {
  double d[2];
  if (m == 0) {
    double gd = 0, mx = 0;
    for (int64_t k = 0; k < n; k++) {
      out[k] = -g[k] * hDiag;
      gd += g[k] * out[k];
      mx = smax_nan(mx, fabs(out[k]));
    }
    stats[0] = gd, stats[1] = mx;
    return;
  }
  // first loop, newest to oldest; the pass of pair 0 also scales by H0 and takes y_0^T r, y_1^T r
  init_dots(out, g, S[m - 1], S[m >= 2 ? m - 2 : 0], n, d);
  for (int64_t j = m - 1; j >= 0; j -= 2) {
    const double a = d[0] * rho[j];
    alpha[j] = a;
    const float *y1 = m >= 2 ? Y[1] : Y[0];
    if (j >= 1) {
      const double b = (d[1] - a * cross[j]) * rho[j - 1];
      alpha[j - 1] = b;
      if (j == 1)
        pass_dots(out, -a, Y[1], -b, Y[0], hDiag, Y[0], y1, n, d);
      else
        pass_dots(out, -a, Y[j], -b, Y[j - 1], 1.0, S[j - 2], S[j >= 3 ? j - 3 : j - 2], n, d);
    } else {
      pass_dots(out, -a, Y[0], 0, NULL, hDiag, Y[0], y1, n, d);
    }
  }
  // second loop, oldest to newest; the last pass takes g . out and max |out|
  for (int64_t j = 0; j < m; j += 2) {
    const double c = alpha[j] - d[0] * rho[j];
    if (j + 1 < m) {
      const double c2 = alpha[j + 1] - (d[1] + c * cross[j + 1]) * rho[j + 1];
      if (j + 2 < m)
        pass_dots(out, c, S[j], c2, S[j + 1], 1.0, Y[j + 2], Y[j + 3 < m ? j + 3 : j + 2], n, d);
      else
        pass_final(out, c, S[j], c2, S[j + 1], g, n, stats);
    } else {
      pass_final(out, c, S[j], 0, NULL, g, n, stats);
    }
  }
}

// The pair of the last move: s = t d, y = g - prevG, stored rounded to float32 in s32/y32; prevG = g;
// stats[0] = y . s, stats[1] = y . y (both from the float64 values), stats[2] = prevS . y (the stored values: the
// cross product the recursion needs with the newest pair before this one; 0 without prevS).
ALW void pair_body(const double *g, double *prevG, const double *d, double t, float *s32, float *y32,
                   const float *prevS, int64_t n, double *stats, const bool cross) {
  v8d a0 = splat(0), a1 = splat(0), b0 = splat(0), b1 = splat(0), x0 = splat(0), x1 = splat(0);
  const v8d tv = splat(t);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const v8d g0 = ld_d(g + k), g1 = ld_d(g + k + 8);
    const v8d y0 = g0 - ld_d(prevG + k), y1 = g1 - ld_d(prevG + k + 8);
    const v8d s0 = ld_d(d + k) * tv, s1 = ld_d(d + k + 8) * tv;
    st_d(prevG + k, g0), st_d(prevG + k + 8, g1);
    st_f(s32 + k, s0), st_f(s32 + k + 8, s1);
    st_f(y32 + k, y0), st_f(y32 + k + 8, y1);
    a0 += y0 * s0, a1 += y1 * s1;
    b0 += y0 * y0, b1 += y1 * y1;
    if (cross) x0 += ld_f(prevS + k) * ld_f(y32 + k), x1 += ld_f(prevS + k + 8) * ld_f(y32 + k + 8);
  }
  double ys = hsum(a0 + a1), yy = hsum(b0 + b1), xs = hsum(x0 + x1);
  for (; k < n; k++) {
    const double y = g[k] - prevG[k], s = d[k] * t;
    prevG[k] = g[k];
    s32[k] = (float)s;
    y32[k] = (float)y;
    ys += y * s;
    yy += y * y;
    if (cross) xs += (double)prevS[k] * (double)y32[k];
  }
  stats[0] = ys, stats[1] = yy, stats[2] = xs;
}

DISPATCH static void make_pair(const double *g, double *prevG, const double *d, double t, float *s32, float *y32,
                               const float *prevS, int64_t n, double *stats) {
  if (prevS)
    pair_body(g, prevG, d, t, s32, y32, prevS, n, stats, true);
  else
    pair_body(g, prevG, d, t, s32, y32, NULL, n, stats, false);
}

// theta += t d (float32 theta, float64 arithmetic).
DISPATCH static void move(float *theta, const double *d, double t, int64_t n) {
  const v8d tv = splat(t);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    st_f(theta + k, ld_f(theta + k) + tv * ld_d(d + k));
    st_f(theta + k + 8, ld_f(theta + k + 8) + tv * ld_d(d + k + 8));
  }
  for (; k < n; k++) theta[k] = (float)((double)theta[k] + t * d[k]);
}

// g = grad + 2 wd theta; returns sum theta^2; stats[0] = max |g| (NaN if any).
DISPATCH static double penalty(const float *grad, const float *theta, double wd, double *g, int64_t n,
                               double *stats) {
  v8d q0 = splat(0), q1 = splat(0), m0 = splat(0), m1 = splat(0);
  const double w2 = 2 * wd;
  const v8d wv = splat(w2);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const v8d t0 = ld_f(theta + k), t1 = ld_f(theta + k + 8);
    const v8d g0 = ld_f(grad + k) + wv * t0, g1 = ld_f(grad + k + 8) + wv * t1;
    st_d(g + k, g0), st_d(g + k + 8, g1);
    q0 += t0 * t0, q1 += t1 * t1;
    m0 = vmax_nan(m0, vabs(g0)), m1 = vmax_nan(m1, vabs(g1));
  }
  double sq = hsum(q0 + q1), mx = smax_nan(hmax(m0), hmax(m1));
  for (; k < n; k++) {
    const double th = theta[k];
    g[k] = (double)grad[k] + w2 * th;
    sq += th * th;
    mx = smax_nan(mx, fabs(g[k]));
  }
  stats[0] = mx;
  return sq;
}

// ---------------------------------------------------------------------------------------------------------------
// Node-API wrappers

// Slots a pairs array of `len` floats holds for vectors of n.
static bool pair_slots(napi_env env, napi_value v, int64_t n, float **pairs, int64_t *slots) {
  if (!arg_f32(env, v, (size_t)(2 * n), pairs, "pairs")) return false;
  *slots = (int64_t)typed_len(env, v) / (2 * n);
  return true;
}

// lbfgsDirection(pairs, n, order, m, rho, cross, hDiag, g, out, alpha, stats): out = -H g by the two-loop
// recursion over the m slots order[0..m) (oldest first), with rho[slot] = 1 / y^T s, cross[slot] = s^T y of the
// slot before it in order with this slot's y (read for order[1..m)) and H0 = hDiag I; alpha (>= m entries) is
// scratch; stats[0] = g . out, stats[1] = max |out|. g and out must not overlap.
napi_value js_lbfgs_direction(napi_env env, napi_callback_info info) {
  napi_value a[11];
  if (!get_args(env, info, 11, a)) return NULL;
  int64_t n, m, slots;
  float *pairs;
  int32_t *order = NULL;
  double hDiag, *rho, *cross, *g, *out, *alpha, *stats;
  if (!arg_int(env, a[1], 1, MAXDIM, &n, "n") || !pair_slots(env, a[0], n, &pairs, &slots) ||
      !arg_int(env, a[3], 0, slots, &m, "m") ||
      !arg_typed(env, a[2], (size_t)m, napi_int32_array, "Int32Array", (void **)&order, "order") ||
      !arg_f64(env, a[4], (size_t)slots, &rho, "rho") || !arg_f64(env, a[5], (size_t)slots, &cross, "cross") ||
      !arg_num(env, a[6], &hDiag, "hDiag") || !arg_f64(env, a[7], (size_t)n, &g, "g") ||
      !arg_f64(env, a[8], (size_t)n, &out, "out") || !arg_f64(env, a[9], (size_t)m, &alpha, "alpha") ||
      !arg_f64(env, a[10], 2, &stats, "stats"))
    return NULL;
  for (int64_t j = 0; j < m; j++)
    if (order[j] < 0 || order[j] >= slots) {
      char msg[128];
      snprintf(msg, sizeof msg, "order[%lld] = %d is not a slot of pairs (%lld slots)", (long long)j, order[j],
               (long long)slots);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  if (g < out + n && out < g + n) {
    napi_throw_range_error(env, NULL, "g and out overlap");
    return NULL;
  }
  // the pairs in recursion order
  const float **S = (const float **)malloc((size_t)(2 * m + 1) * sizeof(float *));
  double *rj = (double *)malloc((size_t)(2 * m + 1) * sizeof(double));
  if (!S || !rj) {
    free(S), free(rj);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  const float **Y = S + m;
  double *cj = rj + m;
  for (int64_t j = 0; j < m; j++) {
    S[j] = pairs + (size_t)order[j] * 2 * (size_t)n;
    Y[j] = S[j] + n;
    rj[j] = rho[order[j]];
    cj[j] = cross[order[j]];
  }
  two_loop(S, Y, rj, cj, m, hDiag, g, out, alpha, n, stats);
  free(S), free(rj);
  return NULL;
}

// lbfgsPair(g, prevG, d, t, pairs, n, slot, prevSlot, stats): s = t d and y = g - prevG into slot (float32),
// prevG = g; stats[0] = y . s, stats[1] = y . y, stats[2] = s(prevSlot) . y (stored values; 0 when prevSlot < 0).
napi_value js_lbfgs_pair(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, 9, a)) return NULL;
  int64_t n, slots, slot, prevSlot;
  float *pairs;
  double t, *g, *prevG, *d, *stats;
  if (!arg_int(env, a[5], 1, MAXDIM, &n, "n") || !pair_slots(env, a[4], n, &pairs, &slots) ||
      !arg_int(env, a[6], 0, slots - 1, &slot, "slot") || !arg_int(env, a[7], -1, slots - 1, &prevSlot, "prevSlot") ||
      !arg_f64(env, a[0], (size_t)n, &g, "g") || !arg_f64(env, a[1], (size_t)n, &prevG, "prevG") ||
      !arg_f64(env, a[2], (size_t)n, &d, "d") || !arg_num(env, a[3], &t, "t") ||
      !arg_f64(env, a[8], 3, &stats, "stats"))
    return NULL;
  if (prevSlot == slot) {
    napi_throw_range_error(env, NULL, "prevSlot is the slot being written");
    return NULL;
  }
  float *s32 = pairs + (size_t)slot * 2 * (size_t)n;
  make_pair(g, prevG, d, t, s32, s32 + n, prevSlot < 0 ? NULL : pairs + (size_t)prevSlot * 2 * (size_t)n, n, stats);
  return NULL;
}

// lbfgsMove(theta, d, t, n): theta += t d.
napi_value js_lbfgs_move(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (!get_args(env, info, 4, a)) return NULL;
  int64_t n;
  float *theta;
  double *d, t;
  if (!arg_int(env, a[3], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], (size_t)n, &theta, "theta") ||
      !arg_f64(env, a[1], (size_t)n, &d, "d") || !arg_num(env, a[2], &t, "t"))
    return NULL;
  move(theta, d, t, n);
  return NULL;
}

// lbfgsPenalty(grad, theta, wd, g, n, stats): g = grad + 2 wd theta; returns sum theta^2; stats[0] = max |g|.
napi_value js_lbfgs_penalty(napi_env env, napi_callback_info info) {
  napi_value a[6];
  if (!get_args(env, info, 6, a)) return NULL;
  int64_t n;
  float *grad, *theta;
  double wd, *g, *stats;
  if (!arg_int(env, a[4], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], (size_t)n, &grad, "grad") ||
      !arg_f32(env, a[1], (size_t)n, &theta, "theta") || !arg_num(env, a[2], &wd, "wd") ||
      !arg_f64(env, a[3], (size_t)n, &g, "g") || !arg_f64(env, a[5], 1, &stats, "stats"))
    return NULL;
  return num(env, penalty(grad, theta, wd, g, n, stats));
}
