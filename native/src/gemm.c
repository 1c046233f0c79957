// The float32 products: OpenBLAS sgemm split over the lab's own threads (bit-identical at any thread count), the
// sgemm binding, and the OOD network's first layer (784 -> hidden) with its bias, ReLU or R-pass mask fused.
#include "precond_native.h"
#include <pthread.h>

// ---------------------------------------------------------------------------------------------------------------
// Threads. OpenBLAS itself runs single-threaded: its own threading picks different kernels for different thread
// counts, which changes the last bits. Instead each product is cut into fixed blocks of ROWBLK rows of C (the same
// blocks at any thread count), each block one single-threaded sgemm, and the blocks are shared out over g_threads
// pthreads. So results are bit-identical at any thread count (test/unit/native.test.ts checks 1 vs 2).
// ROWBLK must be a multiple of the row unroll of every sgemm micro-kernel OpenBLAS may pick: rows past the last
// full unroll go through a tail kernel that sums in another order, so a block edge that is not a multiple would
// change the bits of the rows before it. Haswell's and Zen's kernels unroll 24 rows, SkylakeX's 32 (others 16 or
// fewer): 64 broke the bits under OPENBLAS_CORETYPE=Haswell, 96 = lcm(24, 32) holds for every core type.

#include <pthread.h>
#define ROWBLK 96
int g_threads = 1;

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

void gemm(int ta, int tb, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb,
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

bool gemm_args(napi_env env, napi_callback_info info, bool f32, GemmArgs *g) {
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

napi_value js_sgemm(napi_env env, napi_callback_info info) {
  GemmArgs g;
  if (!gemm_args(env, info, true, &g)) return NULL;
  if (g.m && g.n)
    gemm(g.ta, g.tb, (int)g.m, (int)g.n, (int)g.k, (float)g.alpha, (float *)g.A, (int)g.lda, (float *)g.B, (int)g.ldb,
         (float)g.beta, (float *)g.C, (int)g.ldc);
  return NULL;
}

// The elementwise passes around the first-layer products, with their sizes as values and restrict pointers: with
// the sizes read through pointers (the argument checks take their addresses) GCC assumed every store might change
// them and compiled scalar loops with a branch per entry (a third of the forward's time on the OOD network).
// zT[j, i] = s[j, i] + b[j], then (act) ReLU, or zero where mask[j, i] <= 0 when mask is given.
DISPATCH static void bias_rows(const float *restrict s, const float *restrict b, const double *restrict mask,
                               double *restrict zT, int64_t h, int64_t n, int act) {
  for (int64_t j = 0; j < h; j++) {
    const double bias = b[j];
    const float *restrict sr = s + j * n;
    double *restrict zr = zT + j * n;
    if (mask) {
      const double *restrict mr = mask + j * n;
      for (int64_t i = 0; i < n; i++) zr[i] = mr[i] > 0 ? (double)sr[i] + bias : 0.0;
    } else if (act) {
      for (int64_t i = 0; i < n; i++) {
        const double z = (double)sr[i] + bias;
        zr[i] = z > 0 ? z : 0.0;
      }
    } else {
      for (int64_t i = 0; i < n; i++) zr[i] = (double)sr[i] + bias;
    }
  }
}

/* out[i] = (float)in[i] */
DISPATCH static void narrow(const double *restrict in, float *restrict out, int64_t len) {
  for (int64_t i = 0; i < len; i++) out[i] = (float)in[i];
}

// firstForward(W, b, xT, zT, scratch, h, d, n): zT (h x n, float64) = W (h x d) xT (d x n) + b, through sgemm.
napi_value js_first_forward(napi_env env, napi_callback_info info) {
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
  bias_rows(s, b, NULL, zT, h, n, 0);
  return NULL;
}

// firstWeightGrad(coefT, x, out, scratch, h, n, d): out (h x d) = coefT (h x n, float64) x (n x d), through sgemm.
napi_value js_first_weight_grad(napi_env env, napi_callback_info info) {
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
  narrow(c, s, h * n);
  gemm(0, 0, (int)h, (int)d, (int)n, 1.0f, s, (int)n, x, (int)d, 0.0f, out, (int)d);
  return NULL;
}

// firstForwardAct(W, b, xT, zT, scratch, h, d, n, maskT): zT = W xT + b as firstForward, then ReLU in the same pass
// (maskT null), or zeroed where maskT <= 0 (the R-pass: maskT is the forward's activations, h x n).
napi_value js_first_forward_act(napi_env env, napi_callback_info info) {
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
  bias_rows(s, b, mask, zT, h, n, 1);
  return NULL;
}

// firstForwardPair(W, V, b, bv, xT, zT, rzT, wst, scratch, h, d, n): the forward and the R-pass first layers of a
// Hessian-vector product in one product [W; V] xT (2h x n; one packing of xT instead of two, and a taller product):
// zT = relu(W xT + b) as firstForwardAct, rzT = V xT + bv where zT > 0, else 0. wst (2h x d) and scratch (2h x n)
// are the caller's float32 scratch.
napi_value js_first_forward_pair(napi_env env, napi_callback_info info) {
  napi_value a[12];
  if (!get_args(env, info, 12, a)) return NULL;
  int64_t h, d, n;
  float *W, *V, *b, *bv, *xT, *wst, *s;
  double *zT, *rzT;
  if (!arg_int(env, a[9], 1, MAXDIM, &h, "h") || !arg_int(env, a[10], 1, MAXDIM, &d, "d") ||
      !arg_int(env, a[11], 1, MAXDIM, &n, "n") || !arg_f32(env, a[0], h * d, &W, "W") ||
      !arg_f32(env, a[1], h * d, &V, "V") || !arg_f32(env, a[2], h, &b, "b") || !arg_f32(env, a[3], h, &bv, "bv") ||
      !arg_f32(env, a[4], d * n, &xT, "xT") || !arg_f64(env, a[5], h * n, &zT, "zT") ||
      !arg_f64(env, a[6], h * n, &rzT, "rzT") || !arg_f32(env, a[7], 2 * h * d, &wst, "wst") ||
      !arg_f32(env, a[8], 2 * h * n, &s, "scratch"))
    return NULL;
  memcpy(wst, W, (size_t)(h * d) * sizeof(float));
  memcpy(wst + h * d, V, (size_t)(h * d) * sizeof(float));
  gemm(0, 0, (int)(2 * h), (int)n, (int)d, 1.0f, wst, (int)d, xT, (int)n, 0.0f, s, (int)n);
  bias_rows(s, b, NULL, zT, h, n, 1);
  bias_rows(s + h * n, bv, zT, rzT, h, n, 1);
  return NULL;
}

// firstWeightGradPair(coefT, coef2T, x, out, out2, scratch, tmp, h, n, d): out = coefT x and out2 = coef2T x
// (h x d each; coefT, coef2T h x n float64) as one product [coefT; coef2T] x through the float32 scratch (2h x n)
// and tmp (2h x d).
napi_value js_first_weight_grad_pair(napi_env env, napi_callback_info info) {
  napi_value a[10];
  if (!get_args(env, info, 10, a)) return NULL;
  int64_t h, n, d;
  double *c1, *c2;
  float *x, *out, *out2, *s, *tmp;
  if (!arg_int(env, a[7], 1, MAXDIM, &h, "h") || !arg_int(env, a[8], 1, MAXDIM, &n, "n") ||
      !arg_int(env, a[9], 1, MAXDIM, &d, "d") || !arg_f64(env, a[0], h * n, &c1, "coefT") ||
      !arg_f64(env, a[1], h * n, &c2, "coef2T") || !arg_f32(env, a[2], n * d, &x, "x") ||
      !arg_f32(env, a[3], h * d, &out, "out") || !arg_f32(env, a[4], h * d, &out2, "out2") ||
      !arg_f32(env, a[5], 2 * h * n, &s, "scratch") || !arg_f32(env, a[6], 2 * h * d, &tmp, "tmp"))
    return NULL;
  narrow(c1, s, h * n);
  narrow(c2, s + h * n, h * n);
  gemm(0, 0, (int)(2 * h), (int)d, (int)n, 1.0f, s, (int)n, x, (int)d, 0.0f, tmp, (int)d);
  memcpy(out, tmp, (size_t)(h * d) * sizeof(float));
  memcpy(out2, tmp + h * d, (size_t)(h * d) * sizeof(float));
  return NULL;
}
