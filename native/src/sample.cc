// The reparameterised Sample of the IB module, y[r, j] = mean[r % meanRows, j] + std[r % meanRows, j]
// * eps[r, j], for the compiled step (src/runtime/engine/compiled/ops/attention.ts), which draws
// eps. The arithmetic is JavaScript's: the product and the sum in double, one rounding to float
// (the product of two floats is exact in double), so y is the JavaScript loop's bit for bit.
#include <cstdint>

#include "common.h"

namespace ibc {

namespace {

// One tile: `n` floats of y from the same `n` floats of mean and std.
IBC_VECTOR_CLONES void SampleTile(const float* __restrict mean, const float* __restrict std, const float* __restrict eps,
                                  float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = (float)((double)mean[i] + (double)std[i] * (double)eps[i]);
}

bool Overlap(const F32& a, const F32& b) {
  return a.length > 0 && b.length > 0 && a.data < b.data + b.length && b.data < a.data + a.length;
}

}  // namespace

// sample(mean, std, eps, y) -> status: y (and eps) hold whole tiles of mean's rows (mean and std
// have the same length); tile t of y reads tile t of eps.
Napi::Value Sample(const Napi::CallbackInfo& info) {
  F32 mean, std, eps, y;
  if (!GetF32(info, 0, &mean) || !GetF32(info, 1, &std) || !GetF32(info, 2, &eps) || !GetF32(info, 3, &y) ||
      mean.length == 0 || std.length != mean.length || eps.length != y.length || y.length % mean.length != 0 ||
      Overlap(y, mean) || Overlap(y, std) || Overlap(y, eps)) {
    return Result(info, kBadArguments);
  }
  const int64_t tile = (int64_t)mean.length;
  const int64_t tiles = (int64_t)y.length / tile;
  const float* ms = mean.data;
  const float* ss = std.data;
  const float* es = eps.data;
  float* ys = y.data;
  // Memory-bound and a few hundred thousand floats at most in an IB model: one thread.
  for (int64_t t = 0; t < tiles; ++t) SampleTile(ms, ss, es + t * tile, ys + t * tile, tile);
  return Result(info, kOk);
}

}  // namespace ibc
