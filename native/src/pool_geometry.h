// Pooling geometry, packed by the TS adapter in this order (14 integers):
// n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

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
