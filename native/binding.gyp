{
  "targets": [
    {
      "target_name": "ibc_native",
      "sources": [
        "src/addon.cc",
        "src/common.cc",
        "src/conv2d.cc",
        "src/conv2d_backprop_input.cc",
        "src/conv2d_backprop_filter.cc",
        "src/matmul.cc",
        "src/max_pool.cc",
        "src/avg_pool.cc",
        "src/batch_norm.cc",
        "src/batch_norm_train.cc",
        "src/binary.cc",
        "src/unary.cc",
        "src/reduce.cc",
        "src/compare.cc",
        "src/sgd.cc",
        "src/batch_norm_relu_train.cc",
        "src/max_pool_argmax.cc",
        "src/adam.cc",
        "src/channel_sums.cc",
        "src/accumulate.cc",
        "src/nearest_anchor.cc",
        "src/softplus.cc",
        "src/sample.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fopenmp", "-fexceptions"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"]
    }
  ]
}
