// Training-mode batch norm over the innermost (channel) axis with an optional
// fused ReLU, for the compiled training step (called directly on its buffers).
// Forward: one pass for the batch statistics, one to normalise. Backward: one
// pass for the two per-channel sums, one for dx. Both passes run over the flat
// [rows, channels] view of channel_blocks.h so they vectorise for any channel
// count, and the statistics are the same for any thread count.
#include <cmath>
#include <cstring>

#include "channel_blocks.h"
#include "common.h"

namespace ibc {

namespace {

float Or(const F32& v, int64_t ch, float fallback) { return v.data ? v.data[ch] : fallback; }

// keep ? value : 0, as a bit mask: a select that GCC always turns into vector
// code (a plain `keep ? value : 0.f` can become a conditional load and a branch).
inline float PassWhere(bool keep, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits &= keep ? 0xffffffffu : 0u;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// The loops over one group of `n` floats (see channel_blocks.h). Free functions
// with restrict parameters: GCC then vectorises them without run-time alias checks
// (inside the lambdas it gave up on the number of checks needed).

void ShiftedSums(int64_t n, const float* __restrict x, const float* __restrict shift, float* __restrict s1,
                 float* __restrict s2) {
  for (int64_t j = 0; j < n; ++j) {
    const float d = x[j] - shift[j];
    s1[j] += d;
    s2[j] += d * d;
  }
}

void Normalise(int64_t n, bool relu, const float* __restrict x, const float* __restrict m, const float* __restrict k,
               const float* __restrict b, float* __restrict y) {
  if (relu) {
    for (int64_t j = 0; j < n; ++j) {
      const float v = (x[j] - m[j]) * k[j] + b[j];
      y[j] = v < 0.f ? 0.f : v;
    }
  } else {
    for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m[j]) * k[j] + b[j];
  }
}

// s1 += dyr, s2 += dyr * xhat, with dyr = dy masked by y > 0 when y is given.
void GradSums(int64_t n, const float* __restrict dy, const float* __restrict y, const float* __restrict x,
              const float* __restrict m, const float* __restrict r, float* __restrict s1, float* __restrict s2) {
  if (y) {
    for (int64_t j = 0; j < n; ++j) {
      const float g = PassWhere(y[j] > 0.f, dy[j]);
      s1[j] += g;
      s2[j] += g * ((x[j] - m[j]) * r[j]);
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      s1[j] += dy[j];
      s2[j] += dy[j] * ((x[j] - m[j]) * r[j]);
    }
  }
}

// dx = k * (dyr - a - xhat * b).
void GradApply(int64_t n, const float* __restrict dy, const float* __restrict y, const float* __restrict x,
               const float* __restrict m, const float* __restrict r, const float* __restrict k,
               const float* __restrict a, const float* __restrict b, float* __restrict dx) {
  if (y) {
    for (int64_t j = 0; j < n; ++j) {
      const float g = PassWhere(y[j] > 0.f, dy[j]);
      dx[j] = k[j] * (g - a[j] - ((x[j] - m[j]) * r[j]) * b[j]);
    }
  } else {
    for (int64_t j = 0; j < n; ++j) dx[j] = k[j] * (dy[j] - a[j] - ((x[j] - m[j]) * r[j]) * b[j]);
  }
}

}  // namespace

// batchNormReluTrain(x, scale|null, offset|null, y, mean, variance, channels, epsilon, relu) -> status
// mean and variance (biased) are the per-channel batch statistics;
// y = (x - mean) / sqrt(variance + epsilon) * scale + offset, then max(y, 0) when relu is 1.
Napi::Value BatchNormReluTrain(const Napi::CallbackInfo& info) {
  F32 x, scale, offset, y, mean, variance;
  double eps = 0;
  int64_t c = 0;
  bool relu = false;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &scale, true) || !GetF32(info, 2, &offset, true) || !GetF32(info, 3, &y) ||
      !GetF32(info, 4, &mean) || !GetF32(info, 5, &variance) || !GetCount(info, 6, &c) ||
      !GetNumber(info, 7, &eps) || !GetFlag(info, 8, &relu) || !(eps >= 0)) {
    return Result(info, kBadArguments);
  }
  if (x.length == 0 || (int64_t)x.length % c != 0 || y.length != x.length || (int64_t)mean.length != c ||
      (int64_t)variance.length != c || (scale.data && (int64_t)scale.length != c) ||
      (offset.data && (int64_t)offset.length != c)) {
    return Result(info, kBadArguments);
  }
  const int64_t rows = (int64_t)x.length / c;
  const ChannelBlocks cb(rows, c);
  // Sums of x - x[first row] rather than of x: the one-pass variance then does
  // not lose digits when the mean is large against the spread.
  const std::vector<float> shift = cb.Tile(x.data);
  const float* xs = x.data;
  const float* sh = shift.data();
  std::vector<double> sums((size_t)(2 * c));
  SumChannels<2>(cb, sums.data(), [&](int64_t offset0, int64_t length, float* const* acc) {
    ShiftedSums(length, xs + offset0, sh, acc[0], acc[1]);
  });
  std::vector<float> m(c), k(c), b(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double dm = sums[ch] / rows;
    const double v = std::max(0.0, sums[c + ch] / rows - dm * dm);
    m[ch] = (float)(shift[ch] + dm);
    mean.data[ch] = m[ch];
    variance.data[ch] = (float)v;
    k[ch] = (float)(Or(scale, ch, 1.f) / std::sqrt(v + eps));
    b[ch] = Or(offset, ch, 0.f);
  }
  const std::vector<float> mt = cb.Tile(m.data()), kt = cb.Tile(k.data()), bt = cb.Tile(b.data());
  float* ys = y.data;
  ForEachGroup(cb, [&](int64_t offset0, int64_t length) {
    Normalise(length, relu, xs + offset0, mt.data(), kt.data(), bt.data(), ys + offset0);
  });
  return Result(info, kOk);
}

// batchNormReluTrainGrad(dy, x, y|null, mean, variance, scale|null, dx, dscale, doffset, channels, epsilon, relu) -> status
// With relu 1, y is the forward output and dy counts only where y > 0. Then the
// closed-form gradient through the batch statistics: xhat = (x - mean) * rstd,
// doffset = sum dyr, dscale = sum dyr * xhat, dx = scale * rstd / N * (N dyr - doffset - xhat dscale).
Napi::Value BatchNormReluTrainGrad(const Napi::CallbackInfo& info) {
  F32 dy, x, y, mean, variance, scale, dx, dscale, doffset;
  double eps = 0;
  int64_t c = 0;
  bool relu = false;
  if (!GetF32(info, 0, &dy) || !GetF32(info, 1, &x) || !GetF32(info, 2, &y, true) || !GetF32(info, 3, &mean) ||
      !GetF32(info, 4, &variance) || !GetF32(info, 5, &scale, true) || !GetF32(info, 6, &dx) ||
      !GetF32(info, 7, &dscale) || !GetF32(info, 8, &doffset) || !GetCount(info, 9, &c) ||
      !GetNumber(info, 10, &eps) || !GetFlag(info, 11, &relu) || !(eps >= 0)) {
    return Result(info, kBadArguments);
  }
  if (x.length == 0 || (int64_t)x.length % c != 0 || dy.length != x.length || dx.length != x.length ||
      (relu && (!y.data || y.length != x.length)) || (y.data && y.length != x.length) ||
      (int64_t)mean.length != c || (int64_t)variance.length != c || (int64_t)dscale.length != c ||
      (int64_t)doffset.length != c || (scale.data && (int64_t)scale.length != c)) {
    return Result(info, kBadArguments);
  }
  const int64_t rows = (int64_t)x.length / c;
  const ChannelBlocks cb(rows, c);
  std::vector<float> rstd(c);
  for (int64_t ch = 0; ch < c; ++ch) rstd[ch] = (float)(1.0 / std::sqrt((double)variance.data[ch] + eps));
  const std::vector<float> mt = cb.Tile(mean.data), rt = cb.Tile(rstd.data());
  const float* xs = x.data;
  const float* dys = dy.data;
  const float* ys = relu ? y.data : nullptr;  // the mask, only with relu
  std::vector<double> sums((size_t)(2 * c));
  SumChannels<2>(cb, sums.data(), [&](int64_t offset0, int64_t length, float* const* acc) {
    GradSums(length, dys + offset0, ys ? ys + offset0 : nullptr, xs + offset0, mt.data(), rt.data(), acc[0], acc[1]);
  });
  std::vector<float> k(c), a(c), b(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    doffset.data[ch] = (float)sums[ch];
    dscale.data[ch] = (float)sums[c + ch];
    k[ch] = Or(scale, ch, 1.f) * rstd[ch];
    a[ch] = (float)(sums[ch] / rows);
    b[ch] = (float)(sums[c + ch] / rows);
  }
  const std::vector<float> kt = cb.Tile(k.data()), at = cb.Tile(a.data()), bt = cb.Tile(b.data());
  float* dxs = dx.data;
  ForEachGroup(cb, [&](int64_t offset0, int64_t length) {
    GradApply(length, dys + offset0, ys ? ys + offset0 : nullptr, xs + offset0, mt.data(), rt.data(), kt.data(), at.data(),
              bt.data(), dxs + offset0);
  });
  return Result(info, kOk);
}

}  // namespace ibc
