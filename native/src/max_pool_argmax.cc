// MaxPool that also records where each maximum came from, and the gradient
// that scatters through those indices: the compiled training step's pair,
// which reads the input once in the forward pass and never in the backward.
// The recorded index is the first maximum of the window in row-major scan
// order (the rule maxPoolGrad applies), padding cells skipped; y is exactly
// what maxPool computes.
#include <algorithm>
#include <limits>

#include "common.h"
#include "max_pool_indices.h"

namespace ibc {

namespace {

// One window cell's channels into the running maximum of one output pixel: y by
// maxPool's rule, the index by maxPoolGrad's (the first valid cell, then only a
// strictly greater value). Restrict parameters let the channel loops vectorise
// without run-time alias checks. (A compile-time channel count made GCC unroll
// them into branches, 8x slower.)
inline void FirstCell(int64_t c, const float* __restrict in, int32_t base, float* __restrict out,
                      float* __restrict best, int32_t* __restrict where) {
  const float lowest = -std::numeric_limits<float>::infinity();
#pragma omp simd
  for (int64_t ch = 0; ch < c; ++ch) {
    const float v = in[ch];
    out[ch] = v > lowest ? v : lowest;
    best[ch] = v;
    where[ch] = base + (int32_t)ch;
  }
}

inline void NextCell(int64_t c, const float* __restrict in, int32_t base, float* __restrict out,
                     float* __restrict best, int32_t* __restrict where) {
#pragma omp simd
  for (int64_t ch = 0; ch < c; ++ch) {
    const float v = in[ch];
    out[ch] = v > out[ch] ? v : out[ch];
    const bool take = v > best[ch];
    best[ch] = take ? v : best[ch];
    where[ch] = take ? base + (int32_t)ch : where[ch];
  }
}

// Every window lies inside the input: no cell needs a bounds check (no padding reached).
bool Interior(const PoolGeometry& g) {
  return g.pT == 0 && g.pL == 0 && (g.outH - 1) * g.sH + (g.kH - 1) * g.dH < g.inH &&
         (g.outW - 1) * g.sW + (g.kW - 1) * g.dW < g.inW;
}

// One output row of an interior geometry: the same cells in the same order as the loop in
// MaxPoolIndices (the first cell is always the window's top-left), without bounds checks or
// index products per cell. With a fixed channel count (kC > 0: the usual 8/16/32/64) the running
// maximum, best value and index live in local arrays the compiler keeps in vector registers;
// otherwise FirstCell and NextCell run on the scratch as in the generic loop.
template <int64_t kC>
inline __attribute__((always_inline)) void InteriorRow(const PoolGeometry& g, const float* xs, float* ys, int32_t* as,
                                                       int64_t row, float* scratch) {
  const int64_t c = kC > 0 ? kC : g.c;
  const int64_t line = g.inW * c;
  const int64_t b = row / g.outH, oh = row % g.outH;
  int32_t top = (int32_t)((b * g.inH + oh * g.sH) * line);
  const int32_t stepW = (int32_t)(g.sW * c), cellH = (int32_t)(g.dH * line), cellW = (int32_t)(g.dW * c);
  const float lowest = -std::numeric_limits<float>::infinity();
  for (int64_t ow = 0; ow < g.outW; ++ow, top += stepW) {
    // Without ys (maxPoolGrad wants the indices alone) the maxima go to the scratch, or nowhere.
    float* out = ys ? ys + ((row * g.outW) + ow) * c : (kC == 0 ? scratch + c : nullptr);
    int32_t* where = as + ((row * g.outW) + ow) * c;
    if (kC == 0) {
      FirstCell(c, xs + top, top, out, scratch, where);
      int32_t windowLine = top;
      for (int64_t kh = 0; kh < g.kH; ++kh, windowLine += cellH) {
        int32_t base = windowLine;
        for (int64_t kw = 0; kw < g.kW; ++kw, base += cellW)
          if (kh != 0 || kw != 0) NextCell(c, xs + base, base, out, scratch, where);
      }
      continue;
    }
    float o[kC > 0 ? kC : 1], best[kC > 0 ? kC : 1];
    int32_t at[kC > 0 ? kC : 1];
    const float* first = xs + top;
#pragma omp simd
    for (int64_t ch = 0; ch < kC; ++ch) {
      const float v = first[ch];
      o[ch] = v > lowest ? v : lowest;
      best[ch] = v;
      at[ch] = top + (int32_t)ch;
    }
    int32_t windowLine = top;
    for (int64_t kh = 0; kh < g.kH; ++kh, windowLine += cellH) {
      int32_t base = windowLine;
      for (int64_t kw = 0; kw < g.kW; ++kw, base += cellW) {
        if (kh == 0 && kw == 0) continue;
        const float* in = xs + base;
#pragma omp simd
        for (int64_t ch = 0; ch < kC; ++ch) {
          const float v = in[ch];
          o[ch] = v > o[ch] ? v : o[ch];
          const bool take = v > best[ch];
          best[ch] = take ? v : best[ch];
          at[ch] = take ? base + (int32_t)ch : at[ch];
        }
      }
    }
    if (ys) {
#pragma omp simd
      for (int64_t ch = 0; ch < kC; ++ch) out[ch] = o[ch];
    }
#pragma omp simd
    for (int64_t ch = 0; ch < kC; ++ch) where[ch] = at[ch];
  }
}

}  // namespace

IBC_VECTOR_CLONES void MaxPoolIndices(const PoolGeometry& g, const float* xs, float* ys, int32_t* as) {
  const int64_t c = g.c;
  const int64_t rows = g.n * g.outH;
  const float lowest = -std::numeric_limits<float>::infinity();
  const bool interior = Interior(g);
#pragma omp parallel for schedule(static) if (g.InSize() > kParallelFloats / 4)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / g.outH, oh = row % g.outH;
    if (interior && (c == 8 || c == 16 || c == 32 || c == 64)) {  // no scratch: the row keeps its maxima in registers
      switch (c) {
        case 8: InteriorRow<8>(g, xs, ys, as, row, nullptr); break;
        case 16: InteriorRow<16>(g, xs, ys, as, row, nullptr); break;
        case 32: InteriorRow<32>(g, xs, ys, as, row, nullptr); break;
        default: InteriorRow<64>(g, xs, ys, as, row, nullptr); break;
      }
      continue;
    }
    std::vector<float> scratch((size_t)(ys ? c : 2 * c));
    if (interior) {
      InteriorRow<0>(g, xs, ys, as, row, scratch.data());
      continue;
    }
    float* __restrict pbest = scratch.data();
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      float* __restrict out = ys ? ys + ((row * g.outW) + ow) * c : scratch.data() + c;
      int32_t* __restrict where = as + ((row * g.outW) + ow) * c;
      bool first = true;
      g.ForEachWindowCell(b, oh, ow, [&](int64_t pixel) {
        const int32_t base = (int32_t)(pixel * c);
        if (first) {
          FirstCell(c, xs + base, base, out, pbest, where);
          first = false;
        } else {
          NextCell(c, xs + base, base, out, pbest, where);
        }
      });
      if (first) {  // only padding in the window
        for (int64_t ch = 0; ch < c; ++ch) {
          out[ch] = lowest;
          where[ch] = -1;
        }
      }
    }
  }
}

// With `keep` (the pooled output), dy[i] is scattered only where keep[i] > 0: the ReLU before
// the pool, whose output at the argmax is the pooled value, masked in the same pass.
bool ScatterByIndex(const float* dys, const int32_t* as, float* dxs, int64_t images, int64_t inSize, int64_t outSize,
                    const float* keep) {
  bool bad = false;
#pragma omp parallel for schedule(static) reduction(|| : bad) if (images * inSize > kParallelFloats / 4 && images > 1)
  for (int64_t b = 0; b < images; ++b) {
    float* __restrict image = dxs + b * inSize;
    std::fill(image, image + inSize, 0.f);
    const int64_t first = b * inSize;
    const float* __restrict g = dys + b * outSize;
    const int32_t* __restrict where = as + b * outSize;
    const float* __restrict k = keep ? keep + b * outSize : nullptr;
    for (int64_t i = 0; i < outSize; ++i) {
      const int64_t local = (int64_t)where[i] - first;
      if ((uint64_t)local < (uint64_t)inSize) {
        if (!k || k[i] > 0.f) image[local] += g[i];
      } else if (where[i] != -1) {
        bad = true;
      }
    }
  }
  return !bad;
}

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
  MaxPoolIndices(g, x.data, y.data, argmax.data);
  return Result(info, kOk);
}

// maxPoolGradArgmax(dy, argmax: Int32Array, dx, inSizePerImage, outSizePerImage, keep|null) -> status
// dx = 0, then dx[argmax[i]] += dy[i] in order within each image (-1 is skipped).
// Images run in parallel: an index outside its own image is rejected (bad arguments).
Napi::Value MaxPoolGradArgmax(const Napi::CallbackInfo& info) {
  F32 dy, dx, keep;
  I32 argmax;
  int64_t inSize = 0, outSize = 0;
  if (!GetF32(info, 0, &dy) || !GetI32View(info, 1, &argmax) || !GetF32(info, 2, &dx) || !GetCount(info, 3, &inSize) ||
      !GetCount(info, 4, &outSize) || !GetF32(info, 5, &keep, true)) {
    return Result(info, kBadArguments);
  }
  const int64_t images = (int64_t)dy.length / outSize;
  if (dy.length == 0 || argmax.length != dy.length || (int64_t)dy.length % outSize != 0 ||
      (int64_t)dx.length != images * inSize || (keep.data && keep.length != dy.length)) {
    return Result(info, kBadArguments);
  }
  return Result(info, ScatterByIndex(dy.data, argmax.data, dx.data, images, inSize, outSize, keep.data) ? kOk : kBadArguments);
}

}  // namespace ibc
