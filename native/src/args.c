// Node-API argument helpers shared by every kernel file: typed arrays checked for element type and length,
// integers and numbers checked for range, each failure thrown as a TypeError/RangeError naming the argument.
#include "precond_native.h"

// ---------------------------------------------------------------------------------------------------------------
// Argument helpers

napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "native call failed");
  return NULL;
}

/* A typed-array argument of the given element type with at least `need` entries; throws a JS error naming it. */
bool arg_typed(napi_env env, napi_value v, size_t need, napi_typedarray_type want, const char *kind, void **out,
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

/* Entries of a typed array (checked by arg_typed or its wrappers first): an array argument that sets a length. */
size_t typed_len(napi_env env, napi_value v) {
  size_t len = 0;
  napi_get_typedarray_info(env, v, NULL, &len, NULL, NULL, NULL);
  return len;
}

bool arg_f32(napi_env env, napi_value v, size_t need, float **out, const char *name) {
  return arg_typed(env, v, need, napi_float32_array, "Float32Array", (void **)out, name);
}

bool arg_f64(napi_env env, napi_value v, size_t need, double **out, const char *name) {
  return arg_typed(env, v, need, napi_float64_array, "Float64Array", (void **)out, name);
}

bool arg_int(napi_env env, napi_value v, int64_t lo, int64_t hi, int64_t *out, const char *name) {
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

bool arg_num(napi_env env, napi_value v, double *out, const char *name) {
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out)) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a finite number", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
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

napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

/* Optional typed arrays: null/undefined gives NULL (and true). */
bool opt_f32(napi_env env, napi_value v, size_t need, float **out, const char *name) {
  if (is_nullish(env, v)) return (*out = NULL), true;
  return arg_f32(env, v, need, out, name);
}
bool opt_f64(napi_env env, napi_value v, size_t need, double **out, const char *name) {
  if (is_nullish(env, v)) return (*out = NULL), true;
  return arg_f64(env, v, need, out, name);
}

/* A float32 matrix widened to float64 (malloc'd; NULL when out of memory, with a JS error thrown). */
double *widen(napi_env env, const float *src, size_t len) {
  double *d = (double *)malloc((len ? len : 1) * sizeof(double));
  if (!d) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < len; i++) d[i] = src[i];
  return d;
}
