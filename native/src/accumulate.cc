// dst += src elementwise: the compiled training step adds a second gradient
// contribution into a buffer (a tensor used by two consumers).
#include "common.h"

namespace ibc {

// accumulate(dst, src) -> status; dst and src have the same length and do not overlap.
Napi::Value Accumulate(const Napi::CallbackInfo& info) {
  F32 dst, src;
  if (!GetF32(info, 0, &dst) || !GetF32(info, 1, &src) || dst.length != src.length) return Result(info, kBadArguments);
  const int64_t n = (int64_t)dst.length;
  float* __restrict d = dst.data;
  const float* __restrict s = src.data;
#pragma omp parallel for schedule(static) if (n > kParallelFloats)
  for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  return Result(info, kOk);
}

}  // namespace ibc
