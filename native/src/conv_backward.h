// What Conv2DBackpropInput and Conv2DBackpropFilter share: reading and
// size-checking their three arrays and geometry, the forward descriptor oneDNN
// takes as a hint, and preparing and caching the backward primitive. Each
// kernel file supplies only what differs: which array is which, where the
// HWIO filter is relaid, and the execute arguments.
#ifndef IBC_CONV_BACKWARD_H_
#define IBC_CONV_BACKWARD_H_

#include "common.h"

namespace ibc {

// What an array of a backward call holds, for its size check against the geometry.
enum class ConvRole { kSrc, kWeights, kDst };

// A prepared backward primitive (convolution_backward_data or _weights) and the relayout of its HWIO filter.
template <typename Primitive>
struct ConvBackward {
  Primitive primitive;
  Relayout weights, src, dst;
};

// Reads (array, array, array, geometry) and checks each array's length against the size of its role.
inline bool ReadConvBackwardArgs(const Napi::CallbackInfo& info, const ConvRole (&roles)[3], F32 (&arrays)[3],
                                 std::vector<int64_t>* p, ConvGeometry* g) {
  if (!GetF32(info, 0, &arrays[0]) || !GetF32(info, 1, &arrays[1]) || !GetF32(info, 2, &arrays[2]) ||
      !GetI32(info, 3, p) || !ConvGeometry::Parse(*p, g)) {
    return false;
  }
  for (int i = 0; i < 3; i++) {
    const int64_t want = roles[i] == ConvRole::kSrc ? g->SrcSize() : roles[i] == ConvRole::kWeights ? g->WeightsSize() : g->DstSize();
    if ((int64_t)arrays[i].length != want) return false;
  }
  return true;
}

// op(array, array, array, geometry:Int32Array) -> status. `relayout(g, pd, entry)` makes the
// Relayouts of the filter and activations from the backward primitive descriptor; `execute(entry, g,
// arrays)` runs the primitive on the call's arrays. One cache per kernel
// (`Primitive` and the lambdas' types differ between the two callers).
template <typename Primitive, typename MakeRelayout, typename Execute>
Napi::Value RunConvBackward(const Napi::CallbackInfo& info, const char* cacheName, const ConvRole (&roles)[3],
                            MakeRelayout relayout, Execute execute) {
  static PrimitiveCache<ConvBackward<Primitive>> cache;
  F32 arrays[3];
  std::vector<int64_t> p;
  ConvGeometry g;
  if (!ReadConvBackwardArgs(info, roles, arrays, &p, &g)) return Result(info, kBadArguments);
  const SmallProblemThreads threads((double)g.DstSize() * g.inC * g.kH * g.kW);
  return Result(info, Guard([&]() -> int32_t {
    auto entry = cache.Get(Key(cacheName, p), [&]() {
      auto make = [&](bool winograd) {
        const dnnl::memory::desc src = g.PrimitiveSrc(winograd), dst = g.PrimitiveDst(winograd);
        dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, g.Algorithm(winograd), src,
                                           g.AnyWeights(), dst, g.Strides(), g.Dilates(), g.PadL(), g.PadR());
        dnnl::convolution_forward::primitive_desc fpd(fd, Engine());
        typename Primitive::desc d(g.Algorithm(winograd), src, g.AnyWeights(), dst, g.Strides(), g.Dilates(), g.PadL(),
                                   g.PadR());
        return typename Primitive::primitive_desc(d, Engine(), fpd);
      };
      typename Primitive::primitive_desc pd;
      bool made = false;
      if (g.PreferWinograd()) {
        try {
          pd = make(true);
          made = true;
        } catch (const dnnl::error&) {  // no Winograd on this CPU: direct
        }
      }
      if (!made) pd = make(false);
      auto e = std::make_shared<ConvBackward<Primitive>>();
      e->primitive = Primitive(pd);
      relayout(g, pd, *e);
      return e;
    });
    execute(*entry, g, arrays);
    Stream().wait();
    return kOk;
  }));
}

}  // namespace ibc

#endif  // IBC_CONV_BACKWARD_H_
