// The module's entry point: library facts (info), the thread budget (setThreads) and the exported functions.
#include "precond_native.h"

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
napi_value js_info(napi_env env, napi_callback_info info) {
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
napi_value js_set_threads(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int64_t t;
  if (!get_args(env, info, 1, a) || !arg_int(env, a[0], 1, 1024, &t, "threads")) return NULL;
  g_threads = (int)t;
  return num(env, g_threads);
}

napi_value Init(napi_env env, napi_value exports) {
  openblas_set_num_threads(1); // threads are the lab's (gemm above); OpenBLAS's own would change the bits
  g_threads = 1;
  napi_property_descriptor props[] = {
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"firstForward", NULL, js_first_forward, NULL, NULL, NULL, napi_default, NULL},
      {"firstWeightGrad", NULL, js_first_weight_grad, NULL, NULL, NULL, napi_default, NULL},
      {"firstForwardAct", NULL, js_first_forward_act, NULL, NULL, NULL, napi_default, NULL},
      {"firstForwardPair", NULL, js_first_forward_pair, NULL, NULL, NULL, napi_default, NULL},
      {"firstWeightGradPair", NULL, js_first_weight_grad_pair, NULL, NULL, NULL, napi_default, NULL},
      {"headForward", NULL, js_head_forward, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXentR", NULL, js_softmax_xent_r, NULL, NULL, NULL, napi_default, NULL},
      {"headBackward", NULL, js_head_backward, NULL, NULL, NULL, napi_default, NULL},
      {"accuracy", NULL, js_accuracy, NULL, NULL, NULL, napi_default, NULL},
      {"dgemm", NULL, js_dgemm, NULL, NULL, NULL, napi_default, NULL},
      {"gram", NULL, js_gram, NULL, NULL, NULL, napi_default, NULL},
      {"symEig", NULL, js_sym_eig, NULL, NULL, NULL, napi_default, NULL},
      {"regSSE", NULL, js_reg_sse, NULL, NULL, NULL, napi_default, NULL},
      {"regStep", NULL, js_reg_step, NULL, NULL, NULL, napi_default, NULL},
      {"lbfgsDirection", NULL, js_lbfgs_direction, NULL, NULL, NULL, napi_default, NULL},
      {"lbfgsPair", NULL, js_lbfgs_pair, NULL, NULL, NULL, napi_default, NULL},
      {"lbfgsMove", NULL, js_lbfgs_move, NULL, NULL, NULL, napi_default, NULL},
      {"lbfgsPenalty", NULL, js_lbfgs_penalty, NULL, NULL, NULL, napi_default, NULL},
      {"mtSigns", NULL, js_mt_signs, NULL, NULL, NULL, napi_default, NULL},
      {"adahessianUpdate", NULL, js_adahessian_update, NULL, NULL, NULL, napi_default, NULL},
      {"gdUpdate", NULL, js_gd_update, NULL, NULL, NULL, napi_default, NULL},
      {"spread", NULL, js_spread, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
