// Sum / Mean / Max / Min over the middle axis of an [outer, r, inner] view.
// The TS adapter maps TF.js's reduction axes to that view when the reduced axes
// are contiguous (e.g. N,H,W of an NHWC tensor: outer 1, inner C), so no
// transpose is needed. Sums accumulate in double, as TF.js's JS loops do.
#include <algorithm>
#include <cmath>
#include <limits>

#include <omp.h>

#include "common.h"

namespace ibc {

namespace {
enum ReduceOp : int32_t { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };
}  // namespace

// reduce(op, x, out, [outer, r, inner]) -> status
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  double opD = 0;
  F32 x, y;
  std::vector<int64_t> p;
  if (!GetNumber(info, 0, &opD) || !GetF32(info, 1, &x) || !GetF32(info, 2, &y) || !GetI32(info, 3, &p) ||
      p.size() != 3) {
    return Result(info, kBadArguments);
  }
  const int64_t outer = p[0], r = p[1], inner = p[2];
  const int32_t op = (int32_t)opD;
  if (outer <= 0 || r <= 0 || inner <= 0 || (int64_t)x.length != outer * r * inner || (int64_t)y.length != outer * inner ||
      op < kSum || op > kMin) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  float* ys = y.data;
  const bool isSum = op == kSum || op == kMean;
  const double post = op == kMean ? 1.0 / (double)r : 1.0;
  const double init = isSum ? 0.0 : (op == kMax ? -std::numeric_limits<double>::infinity()
                                                : std::numeric_limits<double>::infinity());
  auto combine = [op](double acc, double v) {
    if (op == kSum || op == kMean) return acc + v;
    if (std::isnan(v) || std::isnan(acc)) return (double)NAN;
    return op == kMax ? std::max(acc, v) : std::min(acc, v);
  };
  if (inner == 1) {
    // Row reductions: one contiguous run per output.
#pragma omp parallel for schedule(static) if (outer * r > 32768)
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = xs + o * r;
      double acc = init;
      if (isSum) {
        for (int64_t i = 0; i < r; ++i) acc += row[i];
      } else {
        for (int64_t i = 0; i < r; ++i) acc = combine(acc, row[i]);
      }
      ys[o] = (float)(acc * post);
    }
    return Result(info, kOk);
  }
  // Column reductions: each thread reduces a slice of the rows into its own
  // partial vector, then the partials are combined.
  const int threads = (outer * r * inner > 32768) ? omp_get_max_threads() : 1;
  std::vector<double> partial((size_t)threads * outer * inner, init);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    double* mine = partial.data() + (size_t)t * outer * inner;
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t begin = r * t / nt, end = r * (t + 1) / nt;
      double* acc = mine + o * inner;
      for (int64_t i = begin; i < end; ++i) {
        const float* row = xs + (o * r + i) * inner;
        if (isSum) {
          for (int64_t c = 0; c < inner; ++c) acc[c] += row[c];
        } else {
          for (int64_t c = 0; c < inner; ++c) acc[c] = combine(acc[c], row[c]);
        }
      }
    }
  }
  for (int64_t j = 0; j < outer * inner; ++j) {
    double acc = partial[j];
    for (int t = 1; t < threads; ++t) acc = combine(acc, partial[(size_t)t * outer * inner + j]);
    ys[j] = (float)(acc * post);
  }
  return Result(info, kOk);
}

}  // namespace ibc
