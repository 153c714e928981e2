// MaxPool and MaxPoolGrad over NHWC, channels innermost so the loops vectorise.
// The gradient goes to the first maximum of each window in row-major scan
// order, as TF.js's CPU kernel does.
#include <limits>

#include "common.h"
#include "max_pool_indices.h"
#include "pool_geometry.h"

namespace ibc {

// maxPool(x, out, geometry) -> status
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  F32 x, y;
  PoolGeometry g;
  if (!ReadPoolArgs(info, 0, 1, 2, &x, &y, &g)) return Result(info, kBadArguments);
  const float* xs = x.data;
  float* ys = y.data;
  const int64_t rows = g.n * g.outH;
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / g.outH, oh = row % g.outH;
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      float* out = ys + ((row * g.outW) + ow) * g.c;
      for (int64_t ch = 0; ch < g.c; ++ch) out[ch] = -std::numeric_limits<float>::infinity();
      for (int64_t kh = 0; kh < g.kH; ++kh) {
        const int64_t ih = oh * g.sH - g.pT + kh * g.dH;
        if (ih < 0 || ih >= g.inH) continue;
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          const int64_t iw = ow * g.sW - g.pL + kw * g.dW;
          if (iw < 0 || iw >= g.inW) continue;
          const float* in = xs + ((b * g.inH + ih) * g.inW + iw) * g.c;
          for (int64_t ch = 0; ch < g.c; ++ch) out[ch] = in[ch] > out[ch] ? in[ch] : out[ch];
        }
      }
    }
  }
  return Result(info, kOk);
}

// maxPoolGrad(dy, x, dx, geometry) -> status
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  F32 dy, x, dx;
  std::vector<int64_t> p;
  PoolGeometry g;
  if (!GetF32(info, 0, &dy) || !GetF32(info, 1, &x) || !GetF32(info, 2, &dx) || !GetI32(info, 3, &p) ||
      !PoolGeometry::Parse(p, &g) || (int64_t)x.length != g.InSize() || (int64_t)dx.length != g.InSize() ||
      (int64_t)dy.length != g.OutSize()) {
    return Result(info, kBadArguments);
  }
  if (g.InSize() <= std::numeric_limits<int32_t>::max()) {
    // Find every window's maximum first, then scatter: the same sums in the same
    // order as the loop below (per input cell, in output order), several times faster.
    std::vector<int32_t> where((size_t)g.OutSize());
    MaxPoolIndices(g, x.data, nullptr, where.data());
    ScatterByIndex(dy.data, where.data(), dx.data, g.n, g.inH * g.inW * g.c, g.outH * g.outW * g.c);
    return Result(info, kOk);
  }
  const float* xs = x.data;
  const float* dys = dy.data;
  float* dxs = dx.data;
  // Windows of one image may overlap, so each image (and channel block) is one task.
  const int64_t cBlock = 64;
  const int64_t blocks = (g.c + cBlock - 1) / cBlock;
#pragma omp parallel
  {
    std::vector<float> best(cBlock);
    std::vector<int64_t> where(cBlock);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < g.n * blocks; ++task) {
      const int64_t b = task / blocks, c0 = (task % blocks) * cBlock;
      const int64_t cn = std::min(cBlock, g.c - c0);
      for (int64_t ih = 0; ih < g.inH; ++ih)
        for (int64_t iw = 0; iw < g.inW; ++iw) {
          float* d = dxs + ((b * g.inH + ih) * g.inW + iw) * g.c + c0;
          for (int64_t ch = 0; ch < cn; ++ch) d[ch] = 0.f;
        }
      for (int64_t oh = 0; oh < g.outH; ++oh) {
        for (int64_t ow = 0; ow < g.outW; ++ow) {
          for (int64_t ch = 0; ch < cn; ++ch) {
            best[ch] = -std::numeric_limits<float>::infinity();
            where[ch] = -1;
          }
          for (int64_t kh = 0; kh < g.kH; ++kh) {
            const int64_t ih = oh * g.sH - g.pT + kh * g.dH;
            if (ih < 0 || ih >= g.inH) continue;
            for (int64_t kw = 0; kw < g.kW; ++kw) {
              const int64_t iw = ow * g.sW - g.pL + kw * g.dW;
              if (iw < 0 || iw >= g.inW) continue;
              const int64_t base = ((b * g.inH + ih) * g.inW + iw) * g.c + c0;
              const float* in = xs + base;
              for (int64_t ch = 0; ch < cn; ++ch) {
                if (in[ch] > best[ch] || where[ch] < 0) {
                  best[ch] = in[ch];
                  where[ch] = base + ch;
                }
              }
            }
          }
          const float* grad = dys + ((b * g.outH + oh) * g.outW + ow) * g.c + c0;
          for (int64_t ch = 0; ch < cn; ++ch)
            if (where[ch] >= 0) dxs[where[ch]] += grad[ch];
        }
      }
    }
  }
  return Result(info, kOk);
}

}  // namespace ibc
