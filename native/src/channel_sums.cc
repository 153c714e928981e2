// Per-channel sums over the rows of [rows, channels] data (NHWC flattened):
// the bias gradients of the compiled training step. Float sums over fixed
// blocks of rows, combined in double in block order (channel_blocks.h), so the
// result is accurate and the same for any thread count.
#include "channel_blocks.h"
#include "common.h"

namespace ibc {

// channelSums(x, out, channels) -> status
Napi::Value ChannelSumsKernel(const Napi::CallbackInfo& info) {
  F32 x, out;
  int64_t c = 0;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &out) || !GetCount(info, 2, &c) || x.length == 0 ||
      (int64_t)x.length % c != 0 || (int64_t)out.length != c) {
    return Result(info, kBadArguments);
  }
  const ChannelBlocks cb((int64_t)x.length / c, c);
  const float* xs = x.data;
  std::vector<double> sums((size_t)c);
  SumChannels<1>(cb, sums.data(), [&](int64_t offset, int64_t length, float* const* acc) {
    const float* __restrict in = xs + offset;
    float* __restrict s = acc[0];
    for (int64_t j = 0; j < length; ++j) s[j] += in[j];
  });
  for (int64_t ch = 0; ch < c; ++ch) out.data[ch] = (float)sums[ch];
  return Result(info, kOk);
}

}  // namespace ibc
