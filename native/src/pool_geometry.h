// Pooling geometry, packed by the TS adapter in this order (14 integers):
// n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

#define IBC_INLINE inline __attribute__((always_inline))

namespace ibc {

struct PoolGeometry {
  int64_t n, inH, inW, c, outH, outW, kH, kW, sH, sW, dH, dW, pT, pL;
  static bool Parse(const std::vector<int64_t>& p, PoolGeometry* g) {
    if (p.size() != 14) return false;
    *g = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]};
    for (size_t i = 0; i < 12; ++i) if (p[i] <= 0) return false;
    return true;
  }
  int64_t InSize() const { return n * inH * inW * c; }
  int64_t OutSize() const { return n * outH * outW * c; }
  // Calls visit(pixel) for each cell of output (b, oh, ow)'s window that lies inside the image, in
  // row-major window order (the order every max-pool path keeps: it decides ties, and -0 against +0);
  // pixel is the cell's index over (n, inH, inW), so its channels start at pixel * c in NHWC.
  template <typename Visit>
  IBC_INLINE void ForEachWindowCell(int64_t b, int64_t oh, int64_t ow, Visit&& visit) const {
    for (int64_t kh = 0; kh < kH; ++kh) {
      const int64_t ih = oh * sH - pT + kh * dH;
      if (ih < 0 || ih >= inH) continue;
      for (int64_t kw = 0; kw < kW; ++kw) {
        const int64_t iw = ow * sW - pL + kw * dW;
        if (iw < 0 || iw >= inW) continue;
        visit((b * inH + ih) * inW + iw);
      }
    }
  }
};

// Reads the arguments shared by the pooling kernels: an image-sized array (NHWC input or
// its gradient), a pooled-sized array (output or its gradient) and the packed geometry,
// at the given argument positions. False when any is missing or the sizes disagree.
inline bool ReadPoolArgs(const Napi::CallbackInfo& info, int imageArg, int pooledArg, int geometryArg,
                         F32* image, F32* pooled, PoolGeometry* g) {
  std::vector<int64_t> p;
  return GetF32(info, imageArg, image) && GetF32(info, pooledArg, pooled) && GetI32(info, geometryArg, &p) &&
         PoolGeometry::Parse(p, g) && (int64_t)image->length == g->InSize() &&
         (int64_t)pooled->length == g->OutSize();
}

}  // namespace ibc
