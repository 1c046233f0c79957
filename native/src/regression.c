#include "precond_native.h"

// ---------------------------------------------------------------------------------------------------------------
// Experiment 1 regression: f(x) = W2 . relu(W1 x + b1) + b2, W1 h x d row-major. The data are packed in blocks of
// 16 samples, input-major inside a block: xp[(blk * d + k) * 16 + lane] (zero padding past n). Sums: float32 inside
// a 16-sample block (one vector lane per sample), float64 across blocks and for the loss.

// Test/train SSE with the block's inputs held in registers for small d (the Experiment 1 shape, d = 10).
static inline __attribute__((always_inline)) double sse_fixed(const float *xp, const float *y, int64_t n, int D,
                                                              int64_t h, const float *W1, const float *b1,
                                                              const float *W2, float b2) {
  double sse = 0;
  const int64_t nb = (n + LANES - 1) / LANES;
  for (int64_t blk = 0; blk < nb; blk++) {
    v16 xr[16];
    for (int k = 0; k < D; k++) xr[k] = load16(xp + (blk * D + k) * LANES);
    v16 f0 = (v16){0} + b2, f1 = (v16){0};
    int64_t j = 0;
    for (; j + 2 <= h; j += 2) {
      const float *w0 = W1 + j * D, *w1 = w0 + D;
      v16 z0 = (v16){0} + b1[j], z1 = (v16){0} + b1[j + 1];
      for (int k = 0; k < D; k++) {
        z0 += xr[k] * w0[k];
        z1 += xr[k] * w1[k];
      }
      f0 += relu16(z0) * W2[j];
      f1 += relu16(z1) * W2[j + 1];
    }
    for (; j < h; j++) {
      const float *w0 = W1 + j * D;
      v16 z0 = (v16){0} + b1[j];
      for (int k = 0; k < D; k++) z0 += xr[k] * w0[k];
      f0 += relu16(z0) * W2[j];
    }
    f0 += f1;
    const int64_t live = n - blk * LANES < LANES ? n - blk * LANES : LANES;
    for (int64_t l = 0; l < live; l++) {
      const double r = (double)f0[l] - (double)y[blk * LANES + l];
      sse += r * r;
    }
  }
  return sse;
}

static inline __attribute__((always_inline)) double sse_any(const float *xp, const float *y, int64_t n, int64_t d,
                                                            int64_t h, const float *W1, const float *b1,
                                                            const float *W2, float b2) {
  double sse = 0;
  const int64_t nb = (n + LANES - 1) / LANES;
  for (int64_t blk = 0; blk < nb; blk++) {
    const float *xb = xp + blk * d * LANES;
    v16 f = (v16){0} + b2;
    for (int64_t j = 0; j < h; j++) {
      const float *w = W1 + j * d;
      v16 z = (v16){0} + b1[j];
      for (int64_t k = 0; k < d; k++) z += load16(xb + k * LANES) * w[k];
      f += relu16(z) * W2[j];
    }
    const int64_t live = n - blk * LANES < LANES ? n - blk * LANES : LANES;
    for (int64_t l = 0; l < live; l++) {
      const double r = (double)f[l] - (double)y[blk * LANES + l];
      sse += r * r;
    }
  }
  return sse;
}

#define SSE_CASE(D)                                                                                                   \
  case D:                                                                                                             \
    return sse_fixed(xp, y, n, D, h, W1, b1, W2, b2);

DISPATCH static double reg_sse(const float *xp, const float *y, int64_t n, int64_t d, int64_t h, const float *W1,
                               const float *b1, const float *W2, float b2) {
  switch (d) {
    SSE_CASE(1) SSE_CASE(2) SSE_CASE(3) SSE_CASE(4) SSE_CASE(5) SSE_CASE(6) SSE_CASE(7) SSE_CASE(8)
    SSE_CASE(9) SSE_CASE(10) SSE_CASE(11) SSE_CASE(12) SSE_CASE(13) SSE_CASE(14) SSE_CASE(15) SSE_CASE(16)
    default:
      return sse_any(xp, y, n, d, h, W1, b1, W2, b2);
  }
}

// One GD step (the rule of src/lab/kernels/jsKernel.ts): e_i = 2 (f_i - y_i) / n, delta_ij = e_i W2_j [z_ij > 0],
// gW1 = (sum_i delta_i x_i^T + l2 W1) diag(prec), gb1 = sum_i delta_i, gW2 = sum_i e_i relu(z_i) + l2 W2,
// gb2 = sum_i e_i; theta <- theta - lr g. e (nb * 16 floats) is scratch. The gradient sums run per vector lane
// (float32, across blocks) and are reduced once per unit. D is a compile-time constant in the dispatched copies
// below (inputs held in registers), or the run-time d in the generic one.
static inline __attribute__((always_inline)) double step_body(const float *xp, const float *y, int64_t n, int D,
                                                              int64_t h, float *W1, float *b1, float *W2, float *b2,
                                                              const float *prec, float lr, float l2, float *e) {
  const int64_t nb = (n + LANES - 1) / LANES;
  const float scale = 2.0f / (float)n;
  double sse = 0, gb2 = 0;
  for (int64_t blk = 0; blk < nb; blk++) {
    const float *xb = xp + blk * D * LANES;
    v16 f = (v16){0} + b2[0];
    for (int64_t j = 0; j < h; j++) {
      const float *w = W1 + j * D;
      v16 z = (v16){0} + b1[j];
      for (int k = 0; k < D; k++) z += load16(xb + k * LANES) * w[k];
      f += relu16(z) * W2[j];
    }
    const int64_t live = n - blk * LANES < LANES ? n - blk * LANES : LANES;
    for (int64_t l = 0; l < LANES; l++) {
      float el = 0;
      if (l < live) {
        const float r = f[l] - y[blk * LANES + l];
        sse += (double)r * (double)r;
        el = scale * r;
        gb2 += el;
      }
      e[blk * LANES + l] = el;
    }
  }
  // per unit: its gradient from all blocks, then its update (the forward above read the old parameters)
  for (int64_t j = 0; j < h; j++) {
    float *w = W1 + j * D;
    const float w2 = W2[j];
    v16 gw[D > 0 ? D : 1];
    for (int k = 0; k < D; k++) gw[k] = (v16){0};
    v16 gb1 = (v16){0}, gw2 = (v16){0};
    for (int64_t blk = 0; blk < nb; blk++) {
      const float *xb = xp + blk * D * LANES;
      v16 z = (v16){0} + b1[j];
      for (int k = 0; k < D; k++) z += load16(xb + k * LANES) * w[k];
      const v16 ev = load16(e + blk * LANES);
      const v16 delta = (v16)((i16v)(ev * w2) & (i16v)(z > 0));
      gb1 += delta;
      gw2 += ev * relu16(z);
      for (int k = 0; k < D; k++) gw[k] += delta * load16(xb + k * LANES);
    }
    float s1 = 0, s2 = 0;
    for (int l = 0; l < LANES; l++) {
      s1 += gb1[l];
      s2 += gw2[l];
    }
    for (int k = 0; k < D; k++) {
      float s = 0;
      for (int l = 0; l < LANES; l++) s += gw[k][l];
      w[k] -= lr * prec[k] * (s + l2 * w[k]);
    }
    b1[j] -= lr * s1;
    W2[j] -= lr * (s2 + l2 * w2);
  }
  b2[0] -= lr * (float)gb2;
  return sse;
}

#define STEP_CASE(D)                                                                                                  \
  case D:                                                                                                             \
    return step_body(xp, y, n, D, h, W1, b1, W2, b2, prec, lr, l2, e);

DISPATCH static double reg_step(const float *xp, const float *y, int64_t n, int64_t d, int64_t h, float *W1,
                                float *b1, float *W2, float *b2, const float *prec, float lr, float l2, float *e) {
  switch (d) {
    STEP_CASE(1) STEP_CASE(2) STEP_CASE(3) STEP_CASE(4) STEP_CASE(5) STEP_CASE(6) STEP_CASE(7) STEP_CASE(8)
    STEP_CASE(9) STEP_CASE(10) STEP_CASE(11) STEP_CASE(12) STEP_CASE(13) STEP_CASE(14) STEP_CASE(15) STEP_CASE(16)
    default:
      return step_body(xp, y, n, (int)d, h, W1, b1, W2, b2, prec, lr, l2, e);
  }
}

// regSSE(xp, y, n, d, h, W1, b1, W2, b2): sum of squared errors over the n packed samples.
napi_value js_reg_sse(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, 9, a)) return NULL;
  int64_t n, d, h;
  float *xp, *y, *W1, *b1, *W2, *b2;
  if (!arg_int(env, a[2], 1, MAXDIM, &n, "n") || !arg_int(env, a[3], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[4], 1, MAXDIM, &h, "h"))
    return NULL;
  const int64_t nb = (n + LANES - 1) / LANES;
  if (!arg_f32(env, a[0], nb * d * LANES, &xp, "xp") || !arg_f32(env, a[1], n, &y, "y") ||
      !arg_f32(env, a[5], h * d, &W1, "W1") || !arg_f32(env, a[6], h, &b1, "b1") ||
      !arg_f32(env, a[7], h, &W2, "W2") || !arg_f32(env, a[8], 1, &b2, "b2"))
    return NULL;
  return num(env, reg_sse(xp, y, n, d, h, W1, b1, W2, b2[0]));
}

// regStep(xp, y, n, d, h, W1, b1, W2, b2, prec, lr, l2, e, g): one GD step in place; returns the SSE before it.
napi_value js_reg_step(napi_env env, napi_callback_info info) {
  napi_value a[14];
  if (!get_args(env, info, 14, a)) return NULL;
  int64_t n, d, h;
  double lr, l2;
  float *xp, *y, *W1, *b1, *W2, *b2, *prec, *e;
  double *g;
  if (!arg_int(env, a[2], 1, MAXDIM, &n, "n") || !arg_int(env, a[3], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[4], 1, MAXDIM, &h, "h") || !arg_num(env, a[10], &lr, "lr") || !arg_num(env, a[11], &l2, "l2"))
    return NULL;
  const int64_t nb = (n + LANES - 1) / LANES;
  if (!arg_f32(env, a[0], nb * d * LANES, &xp, "xp") || !arg_f32(env, a[1], n, &y, "y") ||
      !arg_f32(env, a[5], h * d, &W1, "W1") || !arg_f32(env, a[6], h, &b1, "b1") ||
      !arg_f32(env, a[7], h, &W2, "W2") || !arg_f32(env, a[8], 1, &b2, "b2") ||
      !arg_f32(env, a[9], d, &prec, "prec") || !arg_f32(env, a[12], nb * LANES, &e, "e") ||
      !arg_f64(env, a[13], d, &g, "g"))
    return NULL;
  (void)g;
  return num(env, reg_step(xp, y, n, d, h, W1, b1, W2, b2, prec, (float)lr, (float)l2, e));
}
