// What Conv2DBackpropInput and Conv2DBackpropFilter share: reading and
// size-checking their three arrays and geometry, the forward descriptor oneDNN
// takes as a hint, and preparing and caching the backward primitive. Each
// kernel file supplies only what differs: which array is which, where the
// HWIO filter is relaid, and the execute arguments.
#ifndef IBC_CONV_BACKWARD_H_
#define IBC_CONV_BACKWARD_H_

#include "common.h"

#include <algorithm>

namespace ibc {

// What an array of a backward call holds, for its size check against the geometry.
enum class ConvRole { kSrc, kWeights, kDst };

// Which of the two backward primitives: the gradient of the input (data) or of the filter (weights).
template <typename Primitive> struct ConvBackwardKind;
template <> struct ConvBackwardKind<dnnl::convolution_backward_data> {
  static constexpr bool kData = true;
  static constexpr ConvPass kPass = ConvPass::kBackwardData;
};
template <> struct ConvBackwardKind<dnnl::convolution_backward_weights> {
  static constexpr bool kData = false;
  static constexpr ConvPass kPass = ConvPass::kBackwardWeights;
};

// A prepared backward primitive (convolution_backward_data or _weights) and the relayout of its HWIO filter.
template <typename Primitive>
struct ConvBackward {
  Primitive primitive;
  Relayout weights, src, dst;
};

// Reads (array, array, array, geometry, precision?) and checks each array's length against the size of its role.
inline bool ReadConvBackwardArgs(const Napi::CallbackInfo& info, const ConvRole (&roles)[3], F32 (&arrays)[3],
                                 std::vector<int64_t>* p, ConvGeometry* g, Precision* precision) {
  if (!GetF32(info, 0, &arrays[0]) || !GetF32(info, 1, &arrays[1]) || !GetF32(info, 2, &arrays[2]) ||
      !GetI32(info, 3, p) || !GetPrecision(info, 4, precision) || !ConvGeometry::Parse(*p, g)) {
    return false;
  }
  for (int i = 0; i < 3; i++) {
    const int64_t want = roles[i] == ConvRole::kSrc ? g->SrcSize() : roles[i] == ConvRole::kWeights ? g->WeightsSize() : g->DstSize();
    if ((int64_t)arrays[i].length != want) return false;
  }
  return true;
}

// op(array, array, array, geometry:Int32Array, precision?) -> status. In bf16 precision the
// primitive reads bf16 copies of the arrays it reads (the incoming gradient, the filter or the
// input) and writes float32. `relayout(g, pd, entry)` makes the Relayouts of the filter and
// activations from the backward primitive descriptor; `execute(entry, g, arrays, weights)` runs the
// primitive on the call's arrays, with `weights` the filter memory prepared here: the filter
// relaid once per call (the input gradient), or where this chunk's filter gradient goes (the
// filter gradient, copied to the HWIO array once per call). One cache per kernel (`Primitive` and
// the lambdas' types differ between the two callers).
template <typename Primitive, typename MakeRelayout, typename Execute>
Napi::Value RunConvBackward(const Napi::CallbackInfo& info, const char* cacheName, const ConvRole (&roles)[3],
                            MakeRelayout relayout, Execute execute) {
  using Entry = ConvBackward<Primitive>;
  static PrimitiveCache<Entry> cache;
  F32 arrays[3];
  std::vector<int64_t> p;
  ConvGeometry g;
  Precision precision;
  if (!ReadConvBackwardArgs(info, roles, arrays, &p, &g, &precision)) return Result(info, kBadArguments);
  if (precision == Precision::kBf16 && !Bf16Supported()) return Result(info, kUnsupported);
  const SmallProblemThreads threads((double)g.DstSize() * g.inC * g.kH * g.kW);
  constexpr ConvPass pass = ConvBackwardKind<Primitive>::kPass;
  constexpr bool kData = ConvBackwardKind<Primitive>::kData;
  const int64_t chunk = g.ChunkImages(pass, precision);
  int filter = 0;
  while (roles[filter] != ConvRole::kWeights) filter++;
  return Result(info, Guard([&]() -> int32_t {
    auto entryFor = [&](const ConvGeometry& c) {
      std::vector<int64_t> keyInts = c.Packed();
      keyInts.push_back((int64_t)precision);
      return cache.Get(Key(cacheName, keyInts), [&]() {
        const ConvAlgorithm chosen = c.Choose(pass, precision);
        auto make = [&](bool winograd) {
          // What the primitive reads is bf16 when the pass runs in bf16 (Winograd: always float32);
          // what it writes (the input or filter gradient) is float32, and its descriptor says so below.
          const dnnl::memory::data_type operands = winograd ? dnnl::memory::data_type::f32 : chosen.operands;
          const dnnl::memory::desc src = c.PrimitiveSrc(winograd, operands), dst = c.PrimitiveDst(winograd, operands);
          const dnnl::memory::desc weights = c.AnyWeights(operands);
          dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, c.Algorithm(winograd), src, weights, dst,
                                             c.Strides(), c.Dilates(), c.PadL(), c.PadR());
          dnnl::convolution_forward::primitive_desc fpd(fd, Engine());
          typename Primitive::desc d = kData
              ? typename Primitive::desc(c.Algorithm(winograd), c.PrimitiveSrc(winograd), weights, dst, c.Strides(),
                                         c.Dilates(), c.PadL(), c.PadR())
              : typename Primitive::desc(c.Algorithm(winograd), src, c.AnyWeights(), dst, c.Strides(), c.Dilates(),
                                         c.PadL(), c.PadR());
          return typename Primitive::primitive_desc(d, Engine(), fpd);
        };
        typename Primitive::primitive_desc pd;
        bool made = false;
        if (chosen.winograd) {
          try {
            pd = make(true);
            made = true;
          } catch (const dnnl::error&) {  // no Winograd on this CPU: direct
          }
        }
        if (!made) pd = make(false);
        auto e = std::make_shared<Entry>();
        e->primitive = Primitive(pd);
        relayout(c, pd, *e);
        return e;
      });
    };
    // The prepared primitives of a full chunk and of the last, shorter one (the same when the chunk
    // divides the batch). Where both keep the filter in one blocked layout, the filter is relaid
    // once per call: the input gradient's chunks read one copy of it, and the filter gradient's
    // chunks add their sums in that layout (in chunk order, the additions the HWIO sums would make)
    // and the total is copied to the HWIO array once.
    const std::shared_ptr<Entry> full = entryFor(g.Chunk(std::min(chunk, g.n)));
    const std::shared_ptr<Entry> tail = g.n > chunk && g.n % chunk != 0 ? entryFor(g.Chunk(g.n % chunk)) : full;
    const bool oneLayout = full->weights.needed && tail->weights.needed && full->weights.internal == tail->weights.internal;
    const bool blockedSums = !kData && oneLayout && g.n > chunk && full->weights.slot != ScratchSlot::kNone;
    for (int64_t first = 0; first < g.n; first += chunk) {
      const ConvGeometry c = g.Chunk(std::min(chunk, g.n - first));
      Entry& entry = c.n == std::min(chunk, g.n) ? *full : *tail;
      // The chunk's images of each activation; the filter is the whole call's, except that the filter
      // gradient of every chunk after the first is computed aside and added (ChunkImages, common.cc).
      F32 views[3];
      for (int i = 0; i < 3; i++) {
        views[i] = arrays[i];
        if (roles[i] == ConvRole::kSrc) views[i] = {arrays[i].data + first * (g.SrcSize() / g.n), (size_t)c.SrcSize()};
        if (roles[i] == ConvRole::kDst) views[i] = {arrays[i].data + first * (g.DstSize() / g.n), (size_t)c.DstSize()};
      }
      float* const dw = arrays[filter].data;
      if (kData) {
        execute(entry, c, views, entry.weights.In(dw, first > 0 && oneLayout));
        Stream().wait();
        continue;
      }
      if (blockedSums) {
        // Chunk 0 writes the running sum in the weights slot; each later chunk writes beside it and adds.
        const dnnl::memory::desc& blocked = entry.weights.internal;
        if (first == 0) {
          execute(entry, c, views, entry.weights.Out(dw));
          Stream().wait();
          continue;
        }
        const size_t count = blocked.get_size() / sizeof(float);
        float* part = static_cast<float*>(Scratch(ScratchSlot::kChunkSum, blocked.get_size()));
        execute(entry, c, views, dnnl::memory(blocked, Engine(), part));
        Stream().wait();
        // The running sum: where Out put chunk 0's gradient (the relayout's own scratch slot).
        float* __restrict sum = static_cast<float*>(Scratch(entry.weights.slot, blocked.get_size()));
        for (size_t j = 0; j < count; ++j) sum[j] += part[j];
        continue;
      }
      float* target = dw;
      if (first > 0) target = static_cast<float*>(Scratch(ScratchSlot::kChunkSum, sizeof(float) * (size_t)g.WeightsSize()));
      execute(entry, c, views, entry.weights.Out(target));
      entry.weights.Finish(target);
      Stream().wait();
      if (target != dw) {
        float* __restrict sum = dw;
        const int64_t count = g.WeightsSize();
        for (int64_t j = 0; j < count; ++j) sum[j] += target[j];
      }
    }
    if (blockedSums) {
      tail->weights.Finish(arrays[filter].data);
      Stream().wait();
    }
    return kOk;
  }));
}

}  // namespace ibc

#endif  // IBC_CONV_BACKWARD_H_
