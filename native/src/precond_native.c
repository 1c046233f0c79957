// Native kernels of Preconditioning Lab (Node-API, plain C): OpenBLAS sgemm for the first layer of the OOD network
// (784 -> hidden) with bias + ReLU fused, the rest of that network's passes (output layer on dgemm, softmax
// cross-entropy, its gradient and R-operator: the gradient and Hessian-vector products of Mlp2), K-FAC's float64
// algebra (dgemm, dsyrk, LAPACK dsyevd), and the fused Experiment 1 regression kernel (d -> h -> 1 ReLU network, full-batch GD with a
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
  if (g_threads <= 1 || m <= ROWBLK) {
    // One thread: one call, which saves OpenBLAS repacking B for every block (15-20% on the OOD shapes). OpenBLAS
    // computes each entry of C over the same k-blocks in the same order however the rows are split, so this gives
    // the blocked path's bits (native.test.ts compares 1 and 2 threads).
    cblas_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
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
// The 13 arguments of sgemm and dgemm, (transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), checked
// once for both: dimensions in range, leading dimensions at least the row lengths, arrays of the element type
// (`f32` or not) long enough for what the product reads and writes. Throws and returns false otherwise.
typedef struct {
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  void *A, *B, *C;
} GemmArgs;

static bool gemm_args(napi_env env, napi_callback_info info, bool f32, GemmArgs *g) {
  napi_value a[13];
  if (!get_args(env, info, 13, a)) return false;
  g->ta = g->tb = false;
  if (napi_get_value_bool(env, a[0], &g->ta) != napi_ok || napi_get_value_bool(env, a[1], &g->tb) != napi_ok) {
    napi_throw_type_error(env, NULL, "transA and transB must be booleans");
    return false;
  }
  if (!arg_int(env, a[2], 0, MAXDIM, &g->m, "m") || !arg_int(env, a[3], 0, MAXDIM, &g->n, "n") ||
      !arg_int(env, a[4], 0, MAXDIM, &g->k, "k") || !arg_num(env, a[5], &g->alpha, "alpha") ||
      !arg_int(env, a[7], 1, MAXDIM, &g->lda, "lda") || !arg_int(env, a[9], 1, MAXDIM, &g->ldb, "ldb") ||
      !arg_num(env, a[10], &g->beta, "beta") || !arg_int(env, a[12], 1, MAXDIM, &g->ldc, "ldc"))
    return false;
  // op(A) is m x k: stored k x m (transposed) or m x k; likewise op(B) is k x n
  int64_t m = g->m, n = g->n, k = g->k;
  int64_t aRows = g->ta ? k : m, aCols = g->ta ? m : k, bRows = g->tb ? n : k, bCols = g->tb ? k : n;
  if (g->lda < aCols || g->ldb < bCols || g->ldc < n) {
    napi_throw_range_error(env, NULL, "a leading dimension is smaller than its matrix's row length");
    return false;
  }
  size_t needA = aRows ? (size_t)((aRows - 1) * g->lda + aCols) : 0;
  size_t needB = bRows ? (size_t)((bRows - 1) * g->ldb + bCols) : 0;
  size_t needC = m ? (size_t)((m - 1) * g->ldc + n) : 0;
  napi_typedarray_type t = f32 ? napi_float32_array : napi_float64_array;
  const char *kind = f32 ? "Float32Array" : "Float64Array";
  return arg_typed(env, a[6], needA, t, kind, &g->A, "A") && arg_typed(env, a[8], needB, t, kind, &g->B, "B") &&
         arg_typed(env, a[11], needC, t, kind, &g->C, "C");
}

static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  GemmArgs g;
  if (!gemm_args(env, info, true, &g)) return NULL;
  if (g.m && g.n)
    gemm(g.ta, g.tb, (int)g.m, (int)g.n, (int)g.k, (float)g.alpha, (float *)g.A, (int)g.lda, (float *)g.B, (int)g.ldb,
         (float)g.beta, (float *)g.C, (int)g.ldc);
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
// The OOD network's layers around the first-layer products (src/lab/models/mlp2.ts on the native backend). Mlp2
// keeps its activations unit-major in float64 (a^T: h x n, o^T: c x n); these calls work on those buffers in place,
// so no JavaScript loop runs over h x n or c x n entries. The small output-layer products go through OpenBLAS
// dgemm (single-threaded, so the bits do not depend on the thread count), everything elementwise is fused around
// them: bias + ReLU (or the frozen ReLU mask of the R-pass) after the first layer, softmax cross-entropy with its
// gradient, the R-operator of the softmax, and the masked back-propagation with the bias gradients.

extern void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                        const double *b, int ldb, double beta, double *c, int ldc);
extern void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda,
                        double beta, double *c, int ldc);
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info);

static bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

/* Optional typed arrays: null/undefined gives NULL (and true). */
static bool opt_f32(napi_env env, napi_value v, size_t need, float **out, const char *name) {
  if (is_nullish(env, v)) return (*out = NULL), true;
  return arg_f32(env, v, need, out, name);
}
static bool opt_f64(napi_env env, napi_value v, size_t need, double **out, const char *name) {
  if (is_nullish(env, v)) return (*out = NULL), true;
  return arg_f64(env, v, need, out, name);
}

/* A float32 matrix widened to float64 (malloc'd; NULL when out of memory, with a JS error thrown). */
static double *widen(napi_env env, const float *src, size_t len) {
  double *d = (double *)malloc((len ? len : 1) * sizeof(double));
  if (!d) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < len; i++) d[i] = src[i];
  return d;
}

static inline double row_sum(const double *r, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += r[i];
    s1 += r[i + 1];
    s2 += r[i + 2];
    s3 += r[i + 3];
  }
  for (; i < n; i++) s0 += r[i];
  return (s0 + s1) + (s2 + s3);
}

// firstForwardAct(W, b, xT, zT, scratch, h, d, n, maskT): zT = W xT + b as firstForward, then ReLU in the same pass
// (maskT null), or zeroed where maskT <= 0 (the R-pass: maskT is the forward's activations, h x n).
static napi_value js_first_forward_act(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, 9, a)) return NULL;
  int64_t h, d, n;
  float *W, *b, *xT, *s;
  double *zT, *mask;
  if (!arg_int(env, a[5], 1, MAXDIM, &h, "h") || !arg_int(env, a[6], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[7], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], h * d, &W, "W") ||
      !arg_f32(env, a[1], h, &b, "b") || !arg_f32(env, a[2], d * n, &xT, "xT") ||
      !arg_f64(env, a[3], h * n, &zT, "zT") || !arg_f32(env, a[4], h * n, &s, "scratch") ||
      !opt_f64(env, a[8], h * n, &mask, "maskT"))
    return NULL;
  gemm(0, 0, (int)h, (int)n, (int)d, 1.0f, W, (int)d, xT, (int)n, 0.0f, s, (int)n);
  for (int64_t j = 0; j < h; j++) {
    const double bias = b[j];
    const float *sr = s + j * n;
    double *zr = zT + j * n;
    if (mask) {
      const double *mr = mask + j * n;
      for (int64_t i = 0; i < n; i++) zr[i] = mr[i] > 0 ? (double)sr[i] + bias : 0.0;
    } else {
      for (int64_t i = 0; i < n; i++) {
        const double z = (double)sr[i] + bias;
        zr[i] = z > 0 ? z : 0.0;
      }
    }
  }
  return NULL;
}

// headForward(W2, b2, aT, oT, c, h, n, V2, a2T): oT (c x n) = b2 + W2 (c x h) aT (h x n) [+ V2 a2T]. The R-pass
// passes theta's W2 with v's b2 and R(a), and v's W2 with the forward's a.
static napi_value js_head_forward(napi_env env, napi_callback_info info) {
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
static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
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
static napi_value js_softmax_xent_r(napi_env env, napi_callback_info info) {
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

// headBackward(W2, dOT, aT, c, h, n, gW2, gb2, dZT, gb1, V2, dO2T, a2T): back through the output layer.
//   gW2 (c x h) = dOT aT^T [+ dO2T a2T^T], gb2 = row sums of dOT,
//   dZT (h x n) = (W2^T dOT [+ V2^T dO2T]) masked where aT <= 0, gb1 = row sums of dZT.
// The R-pass passes R(dO) with theta's W2, and v's W2 with the forward's dO and R(a) as the extra terms.
static napi_value js_head_backward(napi_env env, napi_callback_info info) {
  napi_value a[13];
  if (!get_args(env, info, 13, a)) return NULL;
  int64_t c, h, n;
  float *W2, *gW2, *gb2, *gb1, *V2;
  double *dOT, *aT, *dZT, *dO2T, *a2T;
  if (!arg_int(env, a[3], 1, MAXDIM, &c, "c") || !arg_int(env, a[4], 1, MAXDIM, &h, "h") ||
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
  double *w = widen(env, W2, (size_t)(c * h));
  if (!w) return NULL;
  double *acc = (double *)malloc((size_t)(c * h) * sizeof(double));
  if (!acc) {
    free(w);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  cblas_dgemm(RowMajor, NoTrans, Trans, (int)c, (int)h, (int)n, 1.0, dOT, (int)n, aT, (int)n, 0.0, acc, (int)h);
  if (V2)
    cblas_dgemm(RowMajor, NoTrans, Trans, (int)c, (int)h, (int)n, 1.0, dO2T, (int)n, a2T, (int)n, 1.0, acc, (int)h);
  for (int64_t i = 0; i < c * h; i++) gW2[i] = (float)acc[i];
  for (int64_t q = 0; q < c; q++) gb2[q] = (float)row_sum(dOT + q * n, n);
  cblas_dgemm(RowMajor, Trans, NoTrans, (int)h, (int)n, (int)c, 1.0, w, (int)h, dOT, (int)n, 0.0, dZT, (int)n);
  if (V2) {
    for (int64_t i = 0; i < c * h; i++) w[i] = V2[i];
    cblas_dgemm(RowMajor, Trans, NoTrans, (int)h, (int)n, (int)c, 1.0, w, (int)h, dO2T, (int)n, 1.0, dZT, (int)n);
  }
  for (int64_t j = 0; j < h; j++) {
    double *zr = dZT + j * n;
    const double *ar = aT + j * n;
    for (int64_t i = 0; i < n; i++) zr[i] = ar[i] > 0 ? zr[i] : 0.0;
    gb1[j] = (float)row_sum(zr, n);
  }
  free(acc);
  free(w);
  return NULL;
}

// ---------------------------------------------------------------------------------------------------------------
// K-FAC's float64 linear algebra (src/lab/optim/kfac.ts on the native backend): products, Gram matrices and the
// symmetric eigendecompositions of its Kronecker factors, through OpenBLAS's dgemm/dsyrk and LAPACK's dsyevd
// (bundled in libopenblas). All single-threaded, so the bits do not depend on the thread budget.

// dgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha op(A) op(B) + beta C, row-major.
static napi_value js_dgemm(napi_env env, napi_callback_info info) {
  GemmArgs g;
  if (!gemm_args(env, info, false, &g)) return NULL;
  if (g.m && g.n)
    cblas_dgemm(RowMajor, g.ta ? Trans : NoTrans, g.tb ? Trans : NoTrans, (int)g.m, (int)g.n, (int)g.k, g.alpha,
                (double *)g.A, (int)g.lda, (double *)g.B, (int)g.ldb, g.beta, (double *)g.C, (int)g.ldc);
  return NULL;
}

// gram(rows, m, n, out, stride): out[i * stride + j] = sum_b rows[i, b] rows[j, b] for i, j < m (rows: m x n),
// both triangles, through dsyrk.
static napi_value js_gram(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!get_args(env, info, 5, a)) return NULL;
  int64_t m, n, stride;
  double *rows, *out;
  if (!arg_int(env, a[1], 1, MAXDIM, &m, "m") || !arg_int(env, a[2], 1, MAXDIM, &n, "n") ||
      !arg_int(env, a[4], m, MAXDIM, &stride, "stride") || !arg_f64(env, a[0], m * n, &rows, "rows") ||
      !arg_f64(env, a[3], (m - 1) * stride + m, &out, "out"))
    return NULL;
  cblas_dsyrk(RowMajor, 121 /* Upper */, NoTrans, (int)m, (int)n, 1.0, rows, (int)n, 0.0, out, (int)stride);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < i; j++) out[i * stride + j] = out[j * stride + i];
  return NULL;
}

// symEig(a, n, values, vectors): the eigendecomposition of the symmetric part of a (n x n, left unchanged) by
// LAPACK dsyevd, in symmetric.ts's convention: values descending, vectors[i * n + j] = component i of the unit
// eigenvector of values[j], each vector's largest-magnitude component positive. Returns false when LAPACK
// reports no convergence (values and vectors are then unspecified); a non-finite entry throws a RangeError.
static napi_value js_sym_eig(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (!get_args(env, info, 4, a)) return NULL;
  int64_t n64;
  double *A, *values, *vectors;
  if (!arg_int(env, a[1], 1, 46340, &n64, "n") || !arg_f64(env, a[0], n64 * n64, &A, "a") ||
      !arg_f64(env, a[2], n64, &values, "values") || !arg_f64(env, a[3], n64 * n64, &vectors, "vectors"))
    return NULL;
  const int n = (int)n64;
  double *w = (double *)malloc((size_t)n * n * sizeof(double)), *ev = (double *)malloc((size_t)n * sizeof(double));
  if (!w || !ev) {
    free(w);
    free(ev);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      const double v = 0.5 * (A[(size_t)i * n + j] + A[(size_t)j * n + i]);
      if (!isfinite(v)) {
        free(w);
        free(ev);
        char msg[96];
        snprintf(msg, sizeof msg, "symEig: non-finite entry at (%d, %d)", i, j);
        napi_throw_range_error(env, NULL, msg);
        return NULL;
      }
      w[(size_t)i * n + j] = w[(size_t)j * n + i] = v;
    }
  int lwork = -1, liwork = -1, infoCode = 0, iq = 0;
  double wq = 0;
  dsyevd_("V", "U", &n, w, &n, ev, &wq, &lwork, &iq, &liwork, &infoCode);
  lwork = (int)wq;
  liwork = iq;
  double *work = (double *)malloc((size_t)(lwork > 1 ? lwork : 1) * sizeof(double));
  int *iwork = (int *)malloc((size_t)(liwork > 1 ? liwork : 1) * sizeof(int));
  if (infoCode != 0 || !work || !iwork) {
    free(w), free(ev), free(work), free(iwork);
    napi_throw_error(env, NULL, infoCode ? "symEig: LAPACK workspace query failed" : "out of memory");
    return NULL;
  }
  dsyevd_("V", "U", &n, w, &n, ev, work, &lwork, iwork, &liwork, &infoCode);
  free(work);
  free(iwork);
  if (infoCode == 0) {
    // column-major output: eigenvector k (ascending) is w[k * n .. k * n + n)
    for (int j = 0; j < n; j++) {
      const double *src = w + (size_t)(n - 1 - j) * n;
      values[j] = ev[n - 1 - j];
      double big = 0;
      for (int i = 0; i < n; i++)
        if (fabs(src[i]) > fabs(big)) big = src[i];
      const double sign = big < 0 ? -1.0 : 1.0;
      for (int i = 0; i < n; i++) vectors[(size_t)i * n + j] = sign * src[i];
    }
  }
  free(w);
  free(ev);
  napi_value r;
  napi_get_boolean(env, infoCode == 0, &r);
  return r;
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
      {"firstForwardAct", NULL, js_first_forward_act, NULL, NULL, NULL, napi_default, NULL},
      {"headForward", NULL, js_head_forward, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXentR", NULL, js_softmax_xent_r, NULL, NULL, NULL, napi_default, NULL},
      {"headBackward", NULL, js_head_backward, NULL, NULL, NULL, napi_default, NULL},
      {"dgemm", NULL, js_dgemm, NULL, NULL, NULL, napi_default, NULL},
      {"gram", NULL, js_gram, NULL, NULL, NULL, napi_default, NULL},
      {"symEig", NULL, js_sym_eig, NULL, NULL, NULL, napi_default, NULL},
      {"regSSE", NULL, js_reg_sse, NULL, NULL, NULL, napi_default, NULL},
      {"regStep", NULL, js_reg_step, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
