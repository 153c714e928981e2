// Training-mode batch norm over the innermost (channel) axis, as two kernels
// that each read the activations twice: the forward pass computes the batch
// statistics and normalises; the backward pass computes the closed-form
// gradient (through the batch mean and variance) for x, scale and offset.
// Statistics accumulate in double per thread, then combine.
#include <omp.h>

#include <cmath>

#include "common.h"

namespace ibc {

namespace {

// Per-channel sums of f(row, channel) over all rows, accumulated in double.
template <typename F>
void ChannelSums(int64_t rows, int64_t channels, int count, double* out, F f) {
  const int threads = rows * channels > 65536 ? omp_get_max_threads() : 1;
  std::vector<double> partial((size_t)threads * count * channels, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double* mine = partial.data() + (size_t)t * count * channels;
    const int64_t begin = rows * t / nt, end = rows * (t + 1) / nt;
    for (int64_t r = begin; r < end; ++r) f(r, mine);
  }
  for (int64_t j = 0; j < count * channels; ++j) {
    double acc = 0;
    for (int t = 0; t < threads; ++t) acc += partial[(size_t)t * count * channels + j];
    out[j] = acc;
  }
}

float Or(const F32& v, int64_t ch, float fallback) { return v.data ? v.data[ch] : fallback; }

}  // namespace

// batchNormTrain(x, scale|null, offset|null, y, mean, variance, channels, epsilon) -> status
// mean and variance (biased) are per channel.
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  F32 x, scale, offset, y, mean, variance;
  double channelsD = 0, eps = 0;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &scale, true) || !GetF32(info, 2, &offset, true) || !GetF32(info, 3, &y) ||
      !GetF32(info, 4, &mean) || !GetF32(info, 5, &variance) || !GetNumber(info, 6, &channelsD) || !GetNumber(info, 7, &eps)) {
    return Result(info, kBadArguments);
  }
  const int64_t c = (int64_t)channelsD;
  if (c <= 0 || x.length == 0 || x.length % c != 0 || y.length != x.length || (int64_t)mean.length != c ||
      (int64_t)variance.length != c || (scale.data && (int64_t)scale.length != c) || (offset.data && (int64_t)offset.length != c)) {
    return Result(info, kBadArguments);
  }
  const int64_t rows = (int64_t)x.length / c;
  const float* xs = x.data;
  std::vector<double> sums(2 * c);
  ChannelSums(rows, c, 2, sums.data(), [&](int64_t r, double* acc) {
    const float* row = xs + r * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      acc[ch] += row[ch];
      acc[c + ch] += (double)row[ch] * row[ch];
    }
  });
  std::vector<float> mul(c), add(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double m = sums[ch] / rows;
    const double v = std::max(0.0, sums[c + ch] / rows - m * m);
    mean.data[ch] = (float)m;
    variance.data[ch] = (float)v;
    const double k = Or(scale, ch, 1.f) / std::sqrt(v + eps);
    mul[ch] = (float)k;
    add[ch] = (float)(Or(offset, ch, 0.f) - m * k);
  }
  float* ys = y.data;
  const float* pm = mul.data();
  const float* pa = add.data();
#pragma omp parallel for schedule(static) if (rows * c > 262144)
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = xs + r * c;
    float* out = ys + r * c;
    for (int64_t ch = 0; ch < c; ++ch) out[ch] = in[ch] * pm[ch] + pa[ch];
  }
  return Result(info, kOk);
}

// batchNormTrainGrad(dy, x, mean, variance, scale|null, dx, dscale, doffset, channels, epsilon) -> status
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  F32 dy, x, mean, variance, scale, dx, dscale, doffset;
  double channelsD = 0, eps = 0;
  if (!GetF32(info, 0, &dy) || !GetF32(info, 1, &x) || !GetF32(info, 2, &mean) || !GetF32(info, 3, &variance) ||
      !GetF32(info, 4, &scale, true) || !GetF32(info, 5, &dx) || !GetF32(info, 6, &dscale) || !GetF32(info, 7, &doffset) ||
      !GetNumber(info, 8, &channelsD) || !GetNumber(info, 9, &eps)) {
    return Result(info, kBadArguments);
  }
  const int64_t c = (int64_t)channelsD;
  if (c <= 0 || x.length == 0 || x.length % c != 0 || dy.length != x.length || dx.length != x.length ||
      (int64_t)mean.length != c || (int64_t)variance.length != c || (int64_t)dscale.length != c ||
      (int64_t)doffset.length != c || (scale.data && (int64_t)scale.length != c)) {
    return Result(info, kBadArguments);
  }
  const int64_t rows = (int64_t)x.length / c;
  std::vector<float> rstd(c);
  for (int64_t ch = 0; ch < c; ++ch) rstd[ch] = (float)(1.0 / std::sqrt((double)variance.data[ch] + eps));
  const float* xs = x.data;
  const float* dys = dy.data;
  const float* pm = mean.data;
  const float* pr = rstd.data();
  std::vector<double> sums(2 * c);
  ChannelSums(rows, c, 2, sums.data(), [&](int64_t r, double* acc) {
    const float* xr = xs + r * c;
    const float* gr = dys + r * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      acc[ch] += gr[ch];
      acc[c + ch] += (double)gr[ch] * ((xr[ch] - pm[ch]) * pr[ch]);
    }
  });
  std::vector<float> k(c), a(c), b(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    doffset.data[ch] = (float)sums[ch];
    dscale.data[ch] = (float)sums[c + ch];
    k[ch] = Or(scale, ch, 1.f) * pr[ch];
    a[ch] = (float)(sums[ch] / rows);
    b[ch] = (float)(sums[c + ch] / rows);
  }
  float* dxs = dx.data;
  const float* pk = k.data();
  const float* pa = a.data();
  const float* pb = b.data();
#pragma omp parallel for schedule(static) if (rows * c > 262144)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = xs + r * c;
    const float* gr = dys + r * c;
    float* out = dxs + r * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      const float xhat = (xr[ch] - pm[ch]) * pr[ch];
      out[ch] = pk[ch] * (gr[ch] - pa[ch] - xhat * pb[ch]);
    }
  }
  return Result(info, kOk);
}

}  // namespace ibc
