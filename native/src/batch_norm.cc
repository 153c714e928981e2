// FusedBatchNorm (TF.js's batchNorm kernel): y = (x - mean) * scale / sqrt(variance + eps) + offset,
// the per-channel vectors repeating along x's innermost axis.
#include "batch_norm_affine.h"
#include "common.h"

namespace ibc {

// batchNorm(x, mean, variance, offset|null, scale|null, out, channels, epsilon) -> status
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  F32 x, mean, variance, offset, scale, y;
  double channelsD = 0, eps = 0;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &mean) || !GetF32(info, 2, &variance) ||
      !GetF32(info, 3, &offset, true) || !GetF32(info, 4, &scale, true) || !GetF32(info, 5, &y) ||
      !GetNumber(info, 6, &channelsD) || !GetNumber(info, 7, &eps)) {
    return Result(info, kBadArguments);
  }
  const int64_t channels = (int64_t)channelsD;
  if (channels <= 0 || x.length != y.length || x.length % channels != 0 || !FitsChannels(mean, channels) ||
      !FitsChannels(variance, channels) || !FitsChannels(offset, channels) || !FitsChannels(scale, channels)) {
    return Result(info, kBadArguments);
  }
  std::vector<float> mul, add;
  BatchNormAffine(mean, variance, offset, scale, eps, channels, &mul, &add);
  const int64_t rows = (int64_t)x.length / channels;
  const float* xs = x.data;
  float* ys = y.data;
  const float* m = mul.data();
  const float* a = add.data();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = xs + r * channels;
    float* out = ys + r * channels;
    for (int64_t ch = 0; ch < channels; ++ch) out[ch] = in[ch] * m[ch] + a[ch];
  }
  return Result(info, kOk);
}

}  // namespace ibc
