// One Adam step in place, with torch.optim.Adam's semantics as
// src/runtime/engine/executor/optimizers.ts computes them through TF.js: every operation
// in float32 and in the same order, each scalar rounded to float32 first, so
// the native and TF.js paths agree to the last bit or close to it.
//   g = grad + param * weightDecay          (only when weightDecay != 0)
//   m = m * beta1 + g * (1 - beta1)
//   v = v * beta2 + (g * g) * (1 - beta2)
//   param = param - (m / (sqrt(v) / biasCorrection2Sqrt + epsilon)) * stepSize
// stepSize = lr / (1 - beta1^t) and biasCorrection2Sqrt = sqrt(1 - beta2^t) come from the caller.
#include <cmath>

#include "common.h"

namespace ibc {

// adamStep(param, grad, m, v, stepSize, beta1, beta2, epsilon, weightDecay, biasCorrection2Sqrt) -> status
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  F32 p, g, m, v;
  double stepSize = 0, beta1 = 0, beta2 = 0, epsilon = 0, wd = 0, bc2Sqrt = 0;
  if (!GetF32(info, 0, &p) || !GetF32(info, 1, &g) || !GetF32(info, 2, &m) || !GetF32(info, 3, &v) ||
      !GetNumber(info, 4, &stepSize) || !GetNumber(info, 5, &beta1) || !GetNumber(info, 6, &beta2) ||
      !GetNumber(info, 7, &epsilon) || !GetNumber(info, 8, &wd) || !GetNumber(info, 9, &bc2Sqrt)) {
    return Result(info, kBadArguments);
  }
  const int64_t n = (int64_t)p.length;
  if ((int64_t)g.length != n || (int64_t)m.length != n || (int64_t)v.length != n) return Result(info, kBadArguments);
  // The scalars as TF.js sees them: JS numbers (1 - beta1 computed in double) made float32 tensors.
  const float fb1 = (float)beta1, fb1c = (float)(1 - beta1), fb2 = (float)beta2, fb2c = (float)(1 - beta2);
  const float feps = (float)epsilon, fwd = (float)wd, fbc2 = (float)bc2Sqrt, fstep = (float)stepSize;
  const bool decay = wd != 0;
  float* ps = p.data;
  const float* gs = g.data;
  float* ms = m.data;
  float* vs = v.data;
#pragma omp parallel for schedule(static) if (n > kParallelFloats)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = decay ? gs[i] + ps[i] * fwd : gs[i];
    const float mi = ms[i] * fb1 + gi * fb1c;
    const float vi = vs[i] * fb2 + (gi * gi) * fb2c;
    ms[i] = mi;
    vs[i] = vi;
    const float denom = std::sqrt(vi) / fbc2 + feps;
    ps[i] = ps[i] - (mi / denom) * fstep;
  }
  return Result(info, kOk);
}

}  // namespace ibc
