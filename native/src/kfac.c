#include "precond_native.h"

// ---------------------------------------------------------------------------------------------------------------
// K-FAC's float64 linear algebra (src/lab/optim/kfac.ts on the native backend): products, Gram matrices and the
// symmetric eigendecompositions of its Kronecker factors, through OpenBLAS's dgemm/dsyrk and LAPACK's dsyevd
// (bundled in libopenblas). All single-threaded, so the bits do not depend on the thread budget.

// dgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha op(A) op(B) + beta C, row-major.
napi_value js_dgemm(napi_env env, napi_callback_info info) {
  GemmArgs g;
  if (!gemm_args(env, info, false, &g)) return NULL;
  if (g.m && g.n)
    cblas_dgemm(RowMajor, g.ta ? Trans : NoTrans, g.tb ? Trans : NoTrans, (int)g.m, (int)g.n, (int)g.k, g.alpha,
                (double *)g.A, (int)g.lda, (double *)g.B, (int)g.ldb, g.beta, (double *)g.C, (int)g.ldc);
  return NULL;
}

// gram(rows, m, n, out, stride): out[i * stride + j] = sum_b rows[i, b] rows[j, b] for i, j < m (rows: m x n),
// both triangles, through dsyrk.
napi_value js_gram(napi_env env, napi_callback_info info) {
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
napi_value js_sym_eig(napi_env env, napi_callback_info info) {
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
