// AvgPool and AvgPoolGrad over NHWC. The forward pass averages over the cells
// inside the image; the gradient spreads dy / (kH * kW) over each window, which
// is what TF.js's CPU kernel computes (the two agree whenever windows do not
// cross the border, the only case the model builder emits).
#include "common.h"
#include "pool_geometry.h"

namespace ibc {

// avgPool(x, out, geometry) -> status
Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  F32 x, y;
  PoolGeometry g;
  if (!ReadPoolArgs(info, 0, 1, 2, &x, &y, &g)) return Result(info, kBadArguments);
  const float* xs = x.data;
  float* ys = y.data;
  const int64_t rows = g.n * g.outH;
#pragma omp parallel
  {
    std::vector<double> acc(g.c);
#pragma omp for schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t b = row / g.outH, oh = row % g.outH;
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        for (int64_t ch = 0; ch < g.c; ++ch) acc[ch] = 0.0;
        int64_t count = 0;
        g.ForEachWindowCell(b, oh, ow, [&](int64_t pixel) {
          const float* in = xs + pixel * g.c;
          for (int64_t ch = 0; ch < g.c; ++ch) acc[ch] += in[ch];
          ++count;
        });
        float* out = ys + ((row * g.outW) + ow) * g.c;
        const double scale = count > 0 ? 1.0 / count : 0.0;
        for (int64_t ch = 0; ch < g.c; ++ch) out[ch] = (float)(acc[ch] * scale);
      }
    }
  }
  return Result(info, kOk);
}

// avgPoolGrad(dy, dx, geometry) -> status
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  F32 dy, dx;
  PoolGeometry g;
  if (!ReadPoolArgs(info, 1, 0, 2, &dx, &dy, &g)) return Result(info, kBadArguments);
  const float* dys = dy.data;
  float* dxs = dx.data;
  const float scale = 1.f / (float)(g.kH * g.kW);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.n; ++b) {
    float* d = dxs + b * g.inH * g.inW * g.c;
    for (int64_t i = 0; i < g.inH * g.inW * g.c; ++i) d[i] = 0.f;
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        const float* grad = dys + ((b * g.outH + oh) * g.outW + ow) * g.c;
        g.ForEachWindowCell(b, oh, ow, [&](int64_t pixel) {
          float* out = dxs + pixel * g.c;
          for (int64_t ch = 0; ch < g.c; ++ch) out[ch] += grad[ch] * scale;
        });
      }
  }
  return Result(info, kOk);
}

}  // namespace ibc
