// MaxPool that also records where each maximum came from, and the gradient
// that scatters through those indices: the compiled training step's pair,
// which reads the input once in the forward pass and never in the backward.
// The recorded index is the first maximum of the window in row-major scan
// order (the rule maxPoolGrad applies), padding cells skipped; y is exactly
// what maxPool computes.
#include <algorithm>
#include <limits>

#include "common.h"
#include "pool_geometry.h"

namespace ibc {

// maxPoolArgmax(x, y, argmax: Int32Array, geometry) -> status
// argmax[i] is the flat index into x of output i's maximum, or -1 for a window
// made only of padding (whose y is -Infinity, as maxPool gives).
Napi::Value MaxPoolArgmax(const Napi::CallbackInfo& info) {
  F32 x, y;
  I32 argmax;
  PoolGeometry g;
  if (!ReadPoolArgs(info, 0, 1, 3, &x, &y, &g) || !GetI32View(info, 2, &argmax) ||
      (int64_t)argmax.length != g.OutSize() || g.InSize() > std::numeric_limits<int32_t>::max()) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  float* ys = y.data;
  int32_t* as = argmax.data;
  const int64_t rows = g.n * g.outH;
  const float lowest = -std::numeric_limits<float>::infinity();
#pragma omp parallel for schedule(static) if (g.InSize() > kParallelFloats)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / g.outH, oh = row % g.outH;
    std::vector<float> best((size_t)g.c);
    float* __restrict pbest = best.data();
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      float* __restrict out = ys + ((row * g.outW) + ow) * g.c;
      int32_t* __restrict where = as + ((row * g.outW) + ow) * g.c;
      for (int64_t ch = 0; ch < g.c; ++ch) {
        out[ch] = lowest;
        pbest[ch] = lowest;
        where[ch] = -1;
      }
      for (int64_t kh = 0; kh < g.kH; ++kh) {
        const int64_t ih = oh * g.sH - g.pT + kh * g.dH;
        if (ih < 0 || ih >= g.inH) continue;
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          const int64_t iw = ow * g.sW - g.pL + kw * g.dW;
          if (iw < 0 || iw >= g.inW) continue;
          const int32_t base = (int32_t)(((b * g.inH + ih) * g.inW + iw) * g.c);
          const float* __restrict in = xs + base;
          for (int64_t ch = 0; ch < g.c; ++ch) {
            const float v = in[ch];
            // maxPool's rule for y; maxPoolGrad's (first valid cell, then strictly greater) for the index.
            out[ch] = v > out[ch] ? v : out[ch];
            const bool take = v > pbest[ch] || where[ch] < 0;
            pbest[ch] = take ? v : pbest[ch];
            where[ch] = take ? base + (int32_t)ch : where[ch];
          }
        }
      }
    }
  }
  return Result(info, kOk);
}

// maxPoolGradArgmax(dy, argmax: Int32Array, dx, inSizePerImage, outSizePerImage) -> status
// dx = 0, then dx[argmax[i]] += dy[i] in order within each image (-1 is skipped).
// Images run in parallel: an index outside its own image is rejected (bad arguments).
Napi::Value MaxPoolGradArgmax(const Napi::CallbackInfo& info) {
  F32 dy, dx;
  I32 argmax;
  int64_t inSize = 0, outSize = 0;
  if (!GetF32(info, 0, &dy) || !GetI32View(info, 1, &argmax) || !GetF32(info, 2, &dx) || !GetCount(info, 3, &inSize) ||
      !GetCount(info, 4, &outSize)) {
    return Result(info, kBadArguments);
  }
  const int64_t images = (int64_t)dy.length / outSize;
  if (dy.length == 0 || argmax.length != dy.length || (int64_t)dy.length % outSize != 0 ||
      (int64_t)dx.length != images * inSize) {
    return Result(info, kBadArguments);
  }
  const float* dys = dy.data;
  const int32_t* as = argmax.data;
  float* dxs = dx.data;
  bool bad = false;
#pragma omp parallel for schedule(static) reduction(|| : bad) if ((int64_t)dx.length > kParallelFloats && images > 1)
  for (int64_t b = 0; b < images; ++b) {
    float* __restrict image = dxs + b * inSize;
    std::fill(image, image + inSize, 0.f);
    const int64_t first = b * inSize;
    const float* __restrict g = dys + b * outSize;
    const int32_t* __restrict where = as + b * outSize;
    for (int64_t i = 0; i < outSize; ++i) {
      const int64_t local = (int64_t)where[i] - first;
      if ((uint64_t)local < (uint64_t)inSize) {
        image[local] += g[i];
      } else if (where[i] != -1) {
        bad = true;
      }
    }
  }
  return Result(info, bad ? kBadArguments : kOk);
}

}  // namespace ibc
