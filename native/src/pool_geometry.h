// Pooling geometry, packed by the TS adapter in this order (14 integers):
// n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft.
#pragma once

#include <cstdint>
#include <vector>

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

}  // namespace ibc
