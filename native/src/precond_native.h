#ifndef PRECOND_NATIVE_H
#define PRECOND_NATIVE_H
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
//
// Files: args.c (argument checks), gemm.c (threaded sgemm, the OOD first layer), ood_head.c (the OOD network's
// output layer and softmax), regression.c (Experiment 1), kfac.c (float64 BLAS/LAPACK), lbfgs.c (L-BFGS's
// two-loop recursion and per-iteration passes), optim.c (the optimizers'
// per-parameter loops: the probe's random signs, AdaHessian's and GD's updates, the denominators' spread), module.c (info, threads,
// the export table). This header is the one place for what they share: OpenBLAS/LAPACK declarations, the vector
// types and dispatch attribute, the argument helpers and the functions module.c exports. A new kernel: a js_*
// function in the file of its concern, its prototype below, a row in module.c's table, its type in
// src/lab/native/addon.ts.
#include <math.h>
#include <node_api.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>

// OpenBLAS entry points, declared here so that only libopenblas.so is needed at build time (no cblas.h path).
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
extern void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);
extern void openblas_set_num_threads(int n);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

extern void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                        const double *b, int ldb, double beta, double *c, int ldc);
extern void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda,
                        double beta, double *c, int ldc);
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info);

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

#define CHECK(call)                                                                                                   \
  do {                                                                                                                \
    if ((call) != napi_ok) return throw_last(env);                                                                    \
  } while (0)

#define MAXDIM 1000000000LL

// The 13 arguments of sgemm and dgemm, checked once for both by gemm_args (gemm.c).
typedef struct {
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  void *A, *B, *C;
} GemmArgs;

extern int g_threads; // the lab's thread budget for products (setThreads)

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

// args.c
napi_value throw_last(napi_env env);
bool arg_typed(napi_env env, napi_value v, size_t need, napi_typedarray_type want, const char *kind, void **out,
                      const char *name);
size_t typed_len(napi_env env, napi_value v);
bool arg_f32(napi_env env, napi_value v, size_t need, float **out, const char *name);
bool arg_f64(napi_env env, napi_value v, size_t need, double **out, const char *name);
bool arg_int(napi_env env, napi_value v, int64_t lo, int64_t hi, int64_t *out, const char *name);
bool arg_num(napi_env env, napi_value v, double *out, const char *name);
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
napi_value num(napi_env env, double d);
bool is_nullish(napi_env env, napi_value v);
bool opt_f32(napi_env env, napi_value v, size_t need, float **out, const char *name);
bool opt_f64(napi_env env, napi_value v, size_t need, double **out, const char *name);
double *widen(napi_env env, const float *src, size_t len);
// gemm.c
void gemm(int ta, int tb, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc);
bool gemm_args(napi_env env, napi_callback_info info, bool f32, GemmArgs *g);
napi_value js_sgemm(napi_env env, napi_callback_info info);
napi_value js_first_forward(napi_env env, napi_callback_info info);
napi_value js_first_weight_grad(napi_env env, napi_callback_info info);
napi_value js_first_forward_act(napi_env env, napi_callback_info info);
napi_value js_first_forward_pair(napi_env env, napi_callback_info info);
napi_value js_first_weight_grad_pair(napi_env env, napi_callback_info info);
// regression.c
napi_value js_reg_sse(napi_env env, napi_callback_info info);
napi_value js_reg_step(napi_env env, napi_callback_info info);
// ood_head.c
napi_value js_head_forward(napi_env env, napi_callback_info info);
napi_value js_softmax_xent(napi_env env, napi_callback_info info);
napi_value js_softmax_xent_r(napi_env env, napi_callback_info info);
napi_value js_head_backward(napi_env env, napi_callback_info info);
napi_value js_accuracy(napi_env env, napi_callback_info info);
// kfac.c
napi_value js_dgemm(napi_env env, napi_callback_info info);
napi_value js_gram(napi_env env, napi_callback_info info);
napi_value js_sym_eig(napi_env env, napi_callback_info info);
// lbfgs.c
napi_value js_lbfgs_direction(napi_env env, napi_callback_info info);
napi_value js_lbfgs_pair(napi_env env, napi_callback_info info);
napi_value js_lbfgs_move(napi_env env, napi_callback_info info);
napi_value js_lbfgs_penalty(napi_env env, napi_callback_info info);
// optim.c
napi_value js_mt_signs(napi_env env, napi_callback_info info);
napi_value js_adahessian_update(napi_env env, napi_callback_info info);
napi_value js_gd_update(napi_env env, napi_callback_info info);
napi_value js_spread(napi_env env, napi_callback_info info);
napi_value js_sum_squares(napi_env env, napi_callback_info info);

#endif
