// Per-channel sums over [rows, channels] data (NHWC flattened), shared by the
// compiled training step's kernels (batch-norm statistics, bias gradients).
//
// The data is read as a flat array in groups of `k` rows, `width` = k * channels
// floats, chosen so that width is a multiple of 16 floats: every inner loop then
// runs over `width` contiguous floats with per-position accumulators, which
// vectorises whatever the channel count (1, 3, 17...), with no per-channel loop
// of length 8 or 3 in the hot path.
//
// Accuracy and determinism: rows are cut into fixed blocks of kGroupsPerBlock
// groups (independent of the thread count). Within a block each accumulator sums
// at most kGroupsPerBlock floats in float; each block's sums are folded per
// channel into double, and the blocks are combined in double in block order on
// one thread. The result is therefore the same for any thread count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "common.h"

namespace ibc {

struct ChannelBlocks {
  static constexpr int64_t kGroupsPerBlock = 32;
  int64_t rows = 0, channels = 0;
  int64_t k = 1;      // rows per group
  int64_t width = 1;  // floats per group: k * channels, a multiple of 16
  int64_t total = 0;  // rows * channels
  int64_t blockFloats = 0;
  int64_t blocks = 0;

  ChannelBlocks(int64_t rowCount, int64_t channelCount) : rows(rowCount), channels(channelCount) {
    k = 16 / std::gcd<int64_t>(channels, 16);
    while (k * channels < 64) k *= 2;
    width = k * channels;
    total = rows * channels;
    blockFloats = kGroupsPerBlock * width;
    blocks = (total + blockFloats - 1) / blockFloats;
  }

  bool Parallel() const { return total > kParallelFloats && blocks > 1; }

  // A per-position array of `width` floats repeating one value per channel.
  std::vector<float> Tile(const float* perChannel) const {
    std::vector<float> out((size_t)width);
    for (int64_t j = 0; j < width; ++j) out[(size_t)j] = perChannel[j % channels];
    return out;
  }
};

// Sums kCount per-channel quantities. `accumulate(offset, length, acc)` adds, for
// positions j < length of the group starting at flat offset `offset` (a multiple
// of width, so position j is channel j % channels), its kCount values into
// acc[q][j] (float arrays of `width`). `out` receives kCount * channels doubles
// (quantity-major).
template <int kCount, typename Accumulate>
void SumChannels(const ChannelBlocks& cb, double* out, Accumulate accumulate) {
  const int64_t c = cb.channels, w = cb.width;
  std::vector<double> partial((size_t)(cb.blocks * kCount * c), 0.0);
  double* parts = partial.data();
#pragma omp parallel if (cb.Parallel())
  {
    std::vector<float> store((size_t)(kCount * w));
    float* acc[kCount];
    for (int q = 0; q < kCount; ++q) acc[q] = store.data() + q * w;
#pragma omp for schedule(static)
    for (int64_t b = 0; b < cb.blocks; ++b) {
      std::fill(store.begin(), store.end(), 0.f);
      const int64_t begin = b * cb.blockFloats, end = std::min(cb.total, begin + cb.blockFloats);
      for (int64_t offset = begin; offset < end; offset += w) accumulate(offset, std::min(w, end - offset), acc);
      double* mine = parts + b * kCount * c;
      for (int q = 0; q < kCount; ++q)
        for (int64_t i = 0; i < cb.k; ++i)
          for (int64_t ch = 0; ch < c; ++ch) mine[q * c + ch] += acc[q][i * c + ch];
    }
  }
  std::fill(out, out + kCount * c, 0.0);
  for (int64_t b = 0; b < cb.blocks; ++b)
    for (int64_t j = 0; j < kCount * c; ++j) out[j] += parts[b * kCount * c + j];
}

// Runs `apply(offset, length)` over every group (same flat view as SumChannels),
// in parallel for large problems. Each group is written by one thread only.
template <typename Apply>
void ForEachGroup(const ChannelBlocks& cb, Apply apply) {
  const int64_t groups = (cb.total + cb.width - 1) / cb.width;
#pragma omp parallel for schedule(static) if (cb.Parallel())
  for (int64_t gi = 0; gi < groups; ++gi) {
    const int64_t offset = gi * cb.width;
    apply(offset, std::min(cb.width, cb.total - offset));
  }
}

}  // namespace ibc
