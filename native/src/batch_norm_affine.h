// Inference batch norm as a per-channel affine map, y = x * mul + add, computed in one place
// for batchNorm and batchNormMaxPool so both round every value the same way.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "common.h"

namespace ibc {

// A per-channel vector of length 1 or `channels`; a missing one is `fallback`.
inline float ChannelAt(const F32& v, int64_t ch, float fallback) {
  if (!v.data) return fallback;
  return v.length == 1 ? v.data[0] : v.data[ch];
}
inline bool FitsChannels(const F32& v, int64_t channels) {
  return !v.data || v.length == 1 || (int64_t)v.length == channels;
}

// mul = scale / sqrt(variance + eps), add = offset - mean * mul, per channel.
inline void BatchNormAffine(const F32& mean, const F32& variance, const F32& offset, const F32& scale, double eps,
                            int64_t channels, std::vector<float>* mul, std::vector<float>* add) {
  mul->resize((size_t)channels);
  add->resize((size_t)channels);
  for (int64_t ch = 0; ch < channels; ++ch) {
    const float inv = ChannelAt(scale, ch, 1.f) / std::sqrt(ChannelAt(variance, ch, 0.f) + (float)eps);
    (*mul)[ch] = inv;
    (*add)[ch] = ChannelAt(offset, ch, 0.f) - ChannelAt(mean, ch, 0.f) * inv;
  }
}

}  // namespace ibc
