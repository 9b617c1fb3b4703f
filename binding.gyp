{
  # The portable code is compiled for baseline x86-64; the AVX2 and AVX-512 micro-kernels are static
  # libraries with per-file ISA flags, linked in and chosen at run time (native/src/cpu.cc).
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    # -fno-math-errno: sqrt never sets errno here (nothing reads it), so its loops vectorise (RMSprop, Adam).
    "cflags": ["-O3", "-fno-math-errno", "-fPIC", "-Wall", "-Wextra"],
    "cflags_cc": ["-O3", "-fno-math-errno", "-std=c++17", "-fPIC", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra"],
  },
  "targets": [
    {
      "target_name": "convkit_avx2",
      "type": "static_library",
      "sources": ["native/src/ukernel_avx2.cc"],
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", { "cflags_cc": ["-mavx2", "-mfma"] }]],
    },
    {
      "target_name": "convkit_avx512",
      "type": "static_library",
      "sources": ["native/src/ukernel_avx512.cc"],
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {
        "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"],
      }]],
    },
    {
      "target_name": "convkit",
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "dependencies": ["convkit_avx2", "convkit_avx512"],
          "defines": ["CK_X86_KERNELS"],
        }],
      ],
      "sources": [
        "native/src/binding.cc",
        "native/src/conv.cc",
        "native/src/conv_pool.cc",
        "native/src/cpu.cc",
        "native/src/depthwise.cc",
        "native/src/elementwise.cc",
        "native/src/gemm.cc",
        "native/src/image.cc",
        "native/src/optimizers.cc",
        "native/src/pool.cc",
        "native/src/reduce.cc",
        "native/src/shape.cc",
        "native/src/softmax.cc",
        "native/src/threadpool.cc",
        "native/src/ukernel_generic.cc",
        "native/src/winograd.cc",
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "libraries": ["-pthread"],
    },
  ],
}
