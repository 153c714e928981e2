// Per-channel sums over [rows, channels] data (NHWC flattened), shared by the
// compiled training step's kernels (batch-norm statistics, bias gradients).
//
// The data is read as a flat array in groups of `k` rows, `width` = k * channels
// floats, chosen so that width is a multiple of 16 floats (or one row, for 64
// channels or more): every inner loop then runs over `width` contiguous floats
// with per-position accumulators, which vectorises whatever the channel count
// (1, 3, 17...), with no per-channel loop of length 8 or 3 in the hot path.
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
  int64_t width = 1;  // floats per group: k * channels
  int64_t total = 0;  // rows * channels
  int64_t blockFloats = 0;
  int64_t blocks = 0;

  ChannelBlocks(int64_t rowCount, int64_t channelCount) : rows(rowCount), channels(channelCount) {
    // Wide rows are long enough loops by themselves (and a multiple-of-16 group
    // of a prime channel count could outgrow the L1 cache).
    k = channels >= 64 ? 1 : 16 / std::gcd<int64_t>(channels, 16);
    while (k * channels < 64) k *= 2;
    width = k * channels;
    total = rows * channels;
    blockFloats = kGroupsPerBlock * width;
    blocks = (total + blockFloats - 1) / blockFloats;
  }

  // Lower than the elementwise threshold: two passes with more arithmetic per float.
  bool Parallel() const { return total > kParallelFloats / 4 && blocks > 1; }

  // The first block of thread t of nt: contiguous, equal shares.
  int64_t FirstBlock(int t, int nt) const { return blocks * t / nt; }

  // A per-position array of `width` floats repeating one value per channel.
  std::vector<float> Tile(const float* perChannel) const {
    std::vector<float> out((size_t)width);
    for (int64_t j = 0; j < width; ++j) out[(size_t)j] = perChannel[j % channels];
    return out;
  }
};

// Sums kCount per-channel quantities. `accumulate(offset, length, acc)` is called
// once per block (flat offset `offset`, a multiple of width; `length` floats,
// whole groups but for the array's last block): for each group of the block it
// adds, at each position j of the group (channel j % channels), the group's
// kCount values into acc[q][j] (float arrays of `width`). `out` receives
// kCount * channels doubles (quantity-major).
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
    const int64_t first = cb.FirstBlock(omp_get_thread_num(), omp_get_num_threads());
    const int64_t last = cb.FirstBlock(omp_get_thread_num() + 1, omp_get_num_threads());
    for (int64_t b = first; b < last; ++b) {
      std::fill(store.begin(), store.end(), 0.f);
      const int64_t begin = b * cb.blockFloats, end = std::min(cb.total, begin + cb.blockFloats);
      accumulate(begin, end - begin, acc);
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

// Runs `apply(offset, length)` once per block (same blocks as SumChannels), in
// parallel for large problems; each block is written by one thread only. Each
// thread takes the same blocks as in SumChannels but from the last one back, so
// it starts on the data its previous pass left in its cache.
template <typename Apply>
void ForEachBlock(const ChannelBlocks& cb, Apply apply) {
#pragma omp parallel if (cb.Parallel())
  {
    const int64_t first = cb.FirstBlock(omp_get_thread_num(), omp_get_num_threads());
    const int64_t last = cb.FirstBlock(omp_get_thread_num() + 1, omp_get_num_threads());
    for (int64_t b = last - 1; b >= first; --b) {
      const int64_t begin = b * cb.blockFloats;
      apply(begin, std::min(cb.blockFloats, cb.total - begin));
    }
  }
}

}  // namespace ibc
