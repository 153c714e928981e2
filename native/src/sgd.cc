// One SGD step with momentum, Nesterov and L2 weight decay in one pass, with
// PyTorch's semantics: g = grad + wd * p; buf = momentum * buf + g;
// g = nesterov ? g + momentum * buf : buf; p = p - lr * g. (Without momentum,
// buf is neither read nor written and g is used directly.)
#include "common.h"

namespace ibc {

// sgdStep(param, grad, buf|null, newParam, newBuf|null, lr, momentum, weightDecay, nesterov) -> status
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  F32 p, g, buf, np, nb;
  double lr = 0, momentum = 0, wd = 0, nesterov = 0;
  if (!GetF32(info, 0, &p) || !GetF32(info, 1, &g) || !GetF32(info, 2, &buf, true) || !GetF32(info, 3, &np) ||
      !GetF32(info, 4, &nb, true) || !GetNumber(info, 5, &lr) || !GetNumber(info, 6, &momentum) ||
      !GetNumber(info, 7, &wd) || !GetNumber(info, 8, &nesterov)) {
    return Result(info, kBadArguments);
  }
  const int64_t n = (int64_t)p.length;
  const bool useBuf = buf.data != nullptr;
  if ((int64_t)g.length != n || (int64_t)np.length != n || useBuf != (nb.data != nullptr) ||
      (useBuf && ((int64_t)buf.length != n || (int64_t)nb.length != n))) {
    return Result(info, kBadArguments);
  }
  const float flr = (float)lr, fm = (float)momentum, fwd = (float)wd;
  const bool nest = nesterov != 0;
  const float* ps = p.data;
  const float* gs = g.data;
  const float* bs = buf.data;
  float* nps = np.data;
  float* nbs = nb.data;
#pragma omp parallel for schedule(static) if (n > 262144)
  for (int64_t i = 0; i < n; ++i) {
    float d = gs[i] + fwd * ps[i];
    if (useBuf) {
      const float b = fm * bs[i] + d;
      nbs[i] = b;
      d = nest ? d + fm * b : b;
    }
    nps[i] = ps[i] - flr * d;
  }
  return Result(info, kOk);
}

}  // namespace ibc
