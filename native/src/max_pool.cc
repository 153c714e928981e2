// MaxPool, the evaluation pass's BatchNorm(+ReLU)+MaxPool, and MaxPoolGrad over NHWC,
// channels innermost so the loops vectorise.
// The gradient goes to the first maximum of each window in row-major scan
// order, as TF.js's CPU kernel does.
#include <limits>

#include "batch_norm_affine.h"
#include "common.h"
#include "max_pool_indices.h"
#include "pool_geometry.h"

namespace ibc {

namespace {

// What a pool does to each cell before taking the maximum: nothing (maxPool), or the
// inference batch norm's affine map, then the ReLU when one follows it (batchNormMaxPool), in
// exactly the arithmetic of batchNorm (x * mul + add) and of unary's Relu (v < 0 ? 0 : v), so
// the fused pass gives the bits batchNorm, unary and maxPool give one after the other.
enum class CellMap { kNone, kAffine, kAffineRelu };

template <CellMap kMap>
IBC_INLINE float MapCell(float v, const float* mul, const float* add, int64_t ch) {
  if (kMap == CellMap::kNone) return v;
  const float y = v * mul[ch] + add[ch];
  if (kMap == CellMap::kAffine) return y;
  return y < 0.f ? 0.f : y;
}

// Every window lies inside the input, so no cell needs a bounds check: no padding reached.
bool Interior(const PoolGeometry& g) {
  return g.pT == 0 && g.pL == 0 && (g.outH - 1) * g.sH + (g.kH - 1) * g.dH < g.inH &&
         (g.outW - 1) * g.sW + (g.kW - 1) * g.dW < g.inW;
}

// One output row (image b, output line oh) of any geometry: cells outside the input skipped.
// Each output starts at -Infinity and takes a cell only when it is greater (a NaN never is), in
// row-major window order; every path below keeps this order, which decides between -0 and +0.
template <CellMap kMap>
IBC_INLINE void GenericRow(const PoolGeometry& g, const float* xs, float* ys, int64_t row, const float* mul,
                           const float* add) {
  const int64_t b = row / g.outH, oh = row % g.outH;
  for (int64_t ow = 0; ow < g.outW; ++ow) {
    float* out = ys + ((row * g.outW) + ow) * g.c;
    for (int64_t ch = 0; ch < g.c; ++ch) out[ch] = -std::numeric_limits<float>::infinity();
    g.ForEachWindowCell(b, oh, ow, [&](int64_t pixel) {
      const float* in = xs + pixel * g.c;
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const float v = MapCell<kMap>(in[ch], mul, add, ch);
        out[ch] = v > out[ch] ? v : out[ch];
      }
    });
  }
}

// The same row when every window is inside the input (the common 2x2 stride 2 pool, any
// unpadded one): pointer steps instead of index arithmetic and bounds checks, and for the
// usual channel counts (kC > 0) a fixed-length channel loop the compiler turns into whole
// vector instructions. The same cells in the same order, so the same bits.
template <int64_t kC, CellMap kMap>
IBC_INLINE void InteriorRow(const PoolGeometry& g, const float* __restrict xs, float* __restrict ys, int64_t row,
                            const float* __restrict mul, const float* __restrict add) {
  const int64_t c = kC > 0 ? kC : g.c;
  const int64_t line = g.inW * c;
  const int64_t b = row / g.outH, oh = row % g.outH;
  const float* top = xs + (b * g.inH + oh * g.sH) * line;
  float* __restrict out = ys + row * g.outW * c;
  const int64_t stepW = g.sW * c, cellH = g.dH * line, cellW = g.dW * c;
  for (int64_t ow = 0; ow < g.outW; ++ow, out += c, top += stepW) {
#pragma omp simd
    for (int64_t ch = 0; ch < c; ++ch) out[ch] = -std::numeric_limits<float>::infinity();
    const float* windowLine = top;
    for (int64_t kh = 0; kh < g.kH; ++kh, windowLine += cellH) {
      const float* in = windowLine;
      for (int64_t kw = 0; kw < g.kW; ++kw, in += cellW) {
#pragma omp simd
        for (int64_t ch = 0; ch < c; ++ch) {
          const float v = MapCell<kMap>(in[ch], mul, add, ch);
          out[ch] = v > out[ch] ? v : out[ch];
        }
      }
    }
  }
}

template <CellMap kMap>
IBC_INLINE void PoolRow(const PoolGeometry& g, bool interior, const float* xs, float* ys, int64_t row,
                        const float* mul, const float* add) {
  if (!interior) return GenericRow<kMap>(g, xs, ys, row, mul, add);
  switch (g.c) {
    case 8: return InteriorRow<8, kMap>(g, xs, ys, row, mul, add);
    case 16: return InteriorRow<16, kMap>(g, xs, ys, row, mul, add);
    case 32: return InteriorRow<32, kMap>(g, xs, ys, row, mul, add);
    case 64: return InteriorRow<64, kMap>(g, xs, ys, row, mul, add);
    default: return InteriorRow<0, kMap>(g, xs, ys, row, mul, add);
  }
}

// The OpenMP region lives here, in the function compiled once per instruction set, so its
// outlined body is compiled for that set too (the templates above inline into it).
IBC_VECTOR_CLONES void PoolWindows(const PoolGeometry& g, const float* xs, float* ys, CellMap map, const float* mul,
                                   const float* add) {
  const bool interior = Interior(g);
  const int64_t rows = g.n * g.outH;
#pragma omp parallel for schedule(static) if (g.InSize() > kParallelFloats)
  for (int64_t row = 0; row < rows; ++row) {
    switch (map) {
      case CellMap::kNone: PoolRow<CellMap::kNone>(g, interior, xs, ys, row, mul, add); break;
      case CellMap::kAffine: PoolRow<CellMap::kAffine>(g, interior, xs, ys, row, mul, add); break;
      case CellMap::kAffineRelu: PoolRow<CellMap::kAffineRelu>(g, interior, xs, ys, row, mul, add); break;
    }
  }
}

}  // namespace

// maxPool(x, out, geometry) -> status
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  F32 x, y;
  PoolGeometry g;
  if (!ReadPoolArgs(info, 0, 1, 2, &x, &y, &g)) return Result(info, kBadArguments);
  PoolWindows(g, x.data, y.data, CellMap::kNone, nullptr, nullptr);
  return Result(info, kOk);
}

// batchNormMaxPool(x, mean, variance, offset|null, scale|null, out, geometry, epsilon, relu) -> status
// maxPool of batchNorm's output (then unary Relu's when relu is 1) in one pass over x, the
// per-channel vectors of length 1 or the geometry's channel count: the same bits as the three
// kernels one after the other, without writing or reading the normalised map.
Napi::Value BatchNormMaxPool(const Napi::CallbackInfo& info) {
  F32 x, mean, variance, offset, scale, y;
  PoolGeometry g;
  double eps = 0;
  bool relu = false;
  if (!GetF32(info, 1, &mean) || !GetF32(info, 2, &variance) || !GetF32(info, 3, &offset, true) ||
      !GetF32(info, 4, &scale, true) || !ReadPoolArgs(info, 0, 5, 6, &x, &y, &g) || !GetNumber(info, 7, &eps) ||
      !GetFlag(info, 8, &relu) || !FitsChannels(mean, g.c) || !FitsChannels(variance, g.c) ||
      !FitsChannels(offset, g.c) || !FitsChannels(scale, g.c)) {
    return Result(info, kBadArguments);
  }
  std::vector<float> mul, add;
  BatchNormAffine(mean, variance, offset, scale, eps, g.c, &mul, &add);
  PoolWindows(g, x.data, y.data, relu ? CellMap::kAffineRelu : CellMap::kAffine, mul.data(), add.data());
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
          g.ForEachWindowCell(b, oh, ow, [&](int64_t pixel) {
            const int64_t base = pixel * g.c + c0;
            const float* in = xs + base;
            for (int64_t ch = 0; ch < cn; ++ch) {
              if (in[ch] > best[ch] || where[ch] < 0) {
                best[ch] = in[ch];
                where[ch] = base + ch;
              }
            }
          });
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
