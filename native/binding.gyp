{
  "targets": [
    {
      "target_name": "precond_native",
      "sources": [
        "src/args.c",
        "src/gemm.c",
        "src/ood_head.c",
        "src/regression.c",
        "src/kfac.c",
        "src/lbfgs.c",
        "src/optim.c",
        "src/module.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-fno-strict-aliasing", "-ffp-contract=fast", "-fopenmp-simd", "-Wno-psabi"],
      "cflags!": ["-O2"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lopenblas"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3"] }
    }
  ]
}
