// Native kernels of Preconditioning Lab (Node-API, plain C): OpenBLAS sgemm for the first layer of the OOD network
// (784 -> hidden) and the fused Experiment 1 regression kernel (d -> h -> 1 ReLU network, full-batch GD with a
// diagonal preconditioner on W1, and its test-MSE evaluation). The regression loops are written with GCC vector
// extensions over 16 samples per vector and compiled for AVX-512, AVX2 and baseline x86-64 with run-time dispatch
// (target_clones), so one binary runs on any x86-64 CPU at the widest vectors it has.
//
// Every function takes typed arrays the caller owns (no state lives here); lengths are checked, and a bad argument
// throws a TypeError/RangeError in JavaScript rather than touching memory out of bounds.
#include <math.h>
#include <node_api.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// OpenBLAS entry points, declared here so that only libopenblas.so is needed at build time (no cblas.h path).
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
extern void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);
extern void openblas_set_num_threads(int n);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define DISPATCH __attribute__((target_clones("avx512f", "avx2", "default")))
#define HAS_DISPATCH 1
#else
#define DISPATCH
#define HAS_DISPATCH 0
#endif

#define LANES 16
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef int32_t i16v __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16 load16(const float *p) { return *(const v16u *)p; }
static inline __attribute__((always_inline)) v16 relu16(v16 z) { return (v16)((i16v)z & (i16v)(z > 0)); }

// ---------------------------------------------------------------------------------------------------------------
// Argument helpers

#define CHECK(call)                                                                                                   \
  do {                                                                                                                \
    if ((call) != napi_ok) return throw_last(env);                                                                    \
  } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "native call failed");
  return NULL;
}

/* A typed-array argument of the given element type with at least `need` entries; throws a JS error naming it. */
static bool arg_typed(napi_env env, napi_value v, size_t need, napi_typedarray_type want, const char *kind, void **out,
                      const char *name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type t;
  size_t len = 0;
  void *data = NULL;
  if (is) napi_get_typedarray_info(env, v, &t, &len, &data, NULL, NULL);
  if (!is || t != want) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a %s", name, kind);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  if (len < need) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s has %zu entries, needs at least %zu", name, len, need);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  *out = data;
  return true;
}

static bool arg_f32(napi_env env, napi_value v, size_t need, float **out, const char *name) {
  return arg_typed(env, v, need, napi_float32_array, "Float32Array", (void **)out, name);
}

static bool arg_f64(napi_env env, napi_value v, size_t need, double **out, const char *name) {
  return arg_typed(env, v, need, napi_float64_array, "Float64Array", (void **)out, name);
}

static bool arg_int(napi_env env, napi_value v, int64_t lo, int64_t hi, int64_t *out, const char *name) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= (double)lo && d <= (double)hi) || d != floor(d)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be an integer in [%lld, %lld]", name, (long long)lo, (long long)hi);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

static bool arg_num(napi_env env, napi_value v, double *out, const char *name) {
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out)) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a finite number", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc < want) {
    char msg[64];
    snprintf(msg, sizeof msg, "expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

#define MAXDIM 1000000000LL

// ---------------------------------------------------------------------------------------------------------------
// Threads. OpenBLAS itself runs single-threaded: its own threading picks different kernels for different thread
// counts, which changes the last bits. Instead each product is cut into fixed blocks of ROWBLK rows of C (the same
// blocks at any thread count), each block one single-threaded sgemm, and the blocks are shared out over g_threads
// pthreads. So results are bit-identical at any thread count (test/unit/native.test.ts checks 1 vs 2).

#include <pthread.h>
#define ROWBLK 64
static int g_threads = 1;

typedef struct {
  int ta, tb, m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *A, *B;
  float *C;
  int next; // next block, shared (taken under the lock)
  pthread_mutex_t lock;
} gemm_task;

static void gemm_block(gemm_task *t, int blk) {
  const int r0 = blk * ROWBLK, rows = t->m - r0 < ROWBLK ? t->m - r0 : ROWBLK;
  // rows r0.. of op(A): row offset in A when not transposed, column offset when transposed
  const float *a = t->ta ? t->A + r0 : t->A + (size_t)r0 * t->lda;
  cblas_sgemm(RowMajor, t->ta ? Trans : NoTrans, t->tb ? Trans : NoTrans, rows, t->n, t->k, t->alpha, a, t->lda,
              t->B, t->ldb, t->beta, t->C + (size_t)r0 * t->ldc, t->ldc);
}

static void *gemm_worker(void *arg) {
  gemm_task *t = (gemm_task *)arg;
  const int blocks = (t->m + ROWBLK - 1) / ROWBLK;
  for (;;) {
    pthread_mutex_lock(&t->lock);
    const int blk = t->next++;
    pthread_mutex_unlock(&t->lock);
    if (blk >= blocks) return NULL;
    gemm_block(t, blk);
  }
}

static void gemm(int ta, int tb, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc) {
  if (m <= 0 || n <= 0) return;
  gemm_task t = {ta, tb, m, n, k, lda, ldb, ldc, alpha, beta, A, B, C, 0, PTHREAD_MUTEX_INITIALIZER};
  const int blocks = (m + ROWBLK - 1) / ROWBLK;
  int helpers = (g_threads < blocks ? g_threads : blocks) - 1;
  if (helpers > 63) helpers = 63;
  pthread_t tid[63];
  int started = 0;
  for (; started < helpers; started++)
    if (pthread_create(&tid[started], NULL, gemm_worker, &t) != 0) break;
  gemm_worker(&t);
  for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
  pthread_mutex_destroy(&t.lock);
}

// ---------------------------------------------------------------------------------------------------------------
// BLAS products

// sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha op(A) op(B) + beta C, row-major.
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  napi_value a[13];
  if (!get_args(env, info, 13, a)) return NULL;
  bool ta = false, tb = false;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  float *A, *B, *C;
  if (napi_get_value_bool(env, a[0], &ta) != napi_ok || napi_get_value_bool(env, a[1], &tb) != napi_ok) {
    napi_throw_type_error(env, NULL, "transA and transB must be booleans");
    return NULL;
  }
  if (!arg_int(env, a[2], 0, MAXDIM, &m, "m") || !arg_int(env, a[3], 0, MAXDIM, &n, "n") ||
      !arg_int(env, a[4], 0, MAXDIM, &k, "k") || !arg_num(env, a[5], &alpha, "alpha") ||
      !arg_int(env, a[7], 1, MAXDIM, &lda, "lda") || !arg_int(env, a[9], 1, MAXDIM, &ldb, "ldb") ||
      !arg_num(env, a[10], &beta, "beta") || !arg_int(env, a[12], 1, MAXDIM, &ldc, "ldc"))
    return NULL;
  // op(A) is m x k: stored k x m (transposed) or m x k; likewise op(B) is k x n
  int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  if (lda < aCols || ldb < bCols || ldc < n) {
    napi_throw_range_error(env, NULL, "a leading dimension is smaller than its matrix's row length");
    return NULL;
  }
  size_t needA = aRows ? (size_t)((aRows - 1) * lda + aCols) : 0;
  size_t needB = bRows ? (size_t)((bRows - 1) * ldb + bCols) : 0;
  size_t needC = m ? (size_t)((m - 1) * ldc + n) : 0;
  if (!arg_f32(env, a[6], needA, &A, "A") || !arg_f32(env, a[8], needB, &B, "B") ||
      !arg_f32(env, a[11], needC, &C, "C"))
    return NULL;
  if (m && n) {
    gemm(ta, tb, (int)m, (int)n, (int)k, (float)alpha, A, (int)lda, B, (int)ldb, (float)beta, C, (int)ldc);
  }
  return NULL;
}

// firstForward(W, b, xT, zT, scratch, h, d, n): zT (h x n, float64) = W (h x d) xT (d x n) + b, through sgemm.
static napi_value js_first_forward(napi_env env, napi_callback_info info) {
  napi_value a[8];
  if (!get_args(env, info, 8, a)) return NULL;
  int64_t h, d, n;
  float *W, *b, *xT, *s;
  double *zT;
  if (!arg_int(env, a[5], 1, MAXDIM, &h, "h") || !arg_int(env, a[6], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[7], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], h * d, &W, "W") ||
      !arg_f32(env, a[1], h, &b, "b") || !arg_f32(env, a[2], d * n, &xT, "xT") ||
      !arg_f64(env, a[3], h * n, &zT, "zT") || !arg_f32(env, a[4], h * n, &s, "scratch"))
    return NULL;
  gemm(0, 0, (int)h, (int)n, (int)d, 1.0f, W, (int)d, xT, (int)n, 0.0f, s, (int)n);
  for (int64_t j = 0; j < h; j++) {
    const double bias = b[j];
    const float *sr = s + j * n;
    double *zr = zT + j * n;
    for (int64_t i = 0; i < n; i++) zr[i] = (double)sr[i] + bias;
  }
  return NULL;
}

// firstWeightGrad(coefT, x, out, scratch, h, n, d): out (h x d) = coefT (h x n, float64) x (n x d), through sgemm.
static napi_value js_first_weight_grad(napi_env env, napi_callback_info info) {
  napi_value a[7];
  if (!get_args(env, info, 7, a)) return NULL;
  int64_t h, n, d;
  double *c;
  float *x, *out, *s;
  if (!arg_int(env, a[4], 1, MAXDIM, &h, "h") || !arg_int(env, a[5], 1, MAXDIM, &n, "n") ||
      !arg_int(env, a[6], 1, MAXDIM, &d, "d") || !arg_f64(env, a[0], h * n, &c, "coefT") ||
      !arg_f32(env, a[1], n * d, &x, "x") || !arg_f32(env, a[2], h * d, &out, "out") ||
      !arg_f32(env, a[3], h * n, &s, "scratch"))
    return NULL;
  for (int64_t i = 0; i < h * n; i++) s[i] = (float)c[i];
  gemm(0, 0, (int)h, (int)d, (int)n, 1.0f, s, (int)n, x, (int)d, 0.0f, out, (int)d);
  return NULL;
}

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
static napi_value js_reg_sse(napi_env env, napi_callback_info info) {
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
static napi_value js_reg_step(napi_env env, napi_callback_info info) {
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

// ---------------------------------------------------------------------------------------------------------------
// Library facts and the thread budget

static const char *isa_name(void) {
#if HAS_DISPATCH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
  return "default";
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *val) {
  napi_value v;
  napi_create_string_utf8(env, val ? val : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

// info(): { blasConfig, coreType, threads (the lab's, set by setThreads), isa } (OpenBLAS's own account of itself; coreType is the kernel set it
// chose, which OPENBLAS_CORETYPE overrides when set before the library loads).
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_str(env, obj, "blasConfig", openblas_get_config());
  set_str(env, obj, "coreType", openblas_get_corename());
  set_str(env, obj, "isa", isa_name());
  napi_set_named_property(env, obj, "threads", num(env, g_threads));
  return obj;
}

// setThreads(n): threads for later products (the lab's own block-parallel split; OpenBLAS stays at one thread).
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int64_t t;
  if (!get_args(env, info, 1, a) || !arg_int(env, a[0], 1, 1024, &t, "threads")) return NULL;
  g_threads = (int)t;
  return num(env, g_threads);
}

static napi_value Init(napi_env env, napi_value exports) {
  openblas_set_num_threads(1); // threads are the lab's (gemm above); OpenBLAS's own would change the bits
  g_threads = 1;
  napi_property_descriptor props[] = {
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"firstForward", NULL, js_first_forward, NULL, NULL, NULL, napi_default, NULL},
      {"firstWeightGrad", NULL, js_first_weight_grad, NULL, NULL, NULL, napi_default, NULL},
      {"regSSE", NULL, js_reg_sse, NULL, NULL, NULL, napi_default, NULL},
      {"regStep", NULL, js_reg_step, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
