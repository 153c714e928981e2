// The quantizer's nearest anchor, exactly as compiler/ir/index-maps.ts nearestAnchorIndex scans:
// the squared distance in double (the same rounding as JavaScript's), the first smallest one wins
// (ties to the lowest index), and a NaN value takes anchor 0. Branch-free selects: a scan whose
// comparisons mispredicted cost an IB model's evaluation more than its convolutions.
#include <limits>

#include "common.h"

namespace ibc {

// nearestAnchor(values, anchors, index: Int32Array, out: Float32Array | null) -> status:
// index[i] = the nearest anchor of values[i]; out[i] = its value, when out is given.
Napi::Value NearestAnchor(const Napi::CallbackInfo& info) {
  F32 values, anchors, out;
  I32 index;
  if (!GetF32(info, 0, &values) || !GetF32(info, 1, &anchors) || !GetI32View(info, 2, &index) ||
      !GetF32(info, 3, &out, true) || index.length != values.length || anchors.length == 0 ||
      (out.data != nullptr && out.length != values.length)) {
    return Result(info, kBadArguments);
  }
  const int64_t n = (int64_t)values.length;
  const int64_t k = (int64_t)anchors.length;
  const float* __restrict vs = values.data;
  const float* __restrict as = anchors.data;
  int32_t* __restrict is = index.data;
  float* __restrict os = out.data;
#pragma omp parallel for schedule(static) if (n * k > kParallelFloats)
  for (int64_t i = 0; i < n; ++i) {
    const double v = vs[i];
    int32_t best = 0;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < k; ++j) {
      const double diff = v - (double)as[j];
      const double d = diff * diff;
      const bool nearer = d < bestDistance;
      best = nearer ? (int32_t)j : best;
      bestDistance = nearer ? d : bestDistance;
    }
    is[i] = best;
    if (os != nullptr) os[i] = as[best];
  }
  return Result(info, kOk);
}

}  // namespace ibc
