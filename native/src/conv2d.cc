// Conv2D and FusedConv2D forward (bias and activation fused as oneDNN post-ops),
// reading NHWC activations and HWIO filters in place; in bf16 precision, reading
// bf16 copies of them made per call and writing float32.
#include "common.h"

#include <algorithm>

namespace ibc {
namespace {

struct ConvForward {
  dnnl::convolution_forward primitive;
  Relayout weights, src, dst;
};

PrimitiveCache<ConvForward>& Cache() {
  static PrimitiveCache<ConvForward> cache;
  return cache;
}

// One call of the forward primitive on the images of `g` (all of a call's, or one chunk of them).
// `previous`: the prepared primitive of the call's previous chunk (null for the first): where its
// filter copy has this chunk's layout, the copy in the scratch slot is used again. Returns this chunk's.
std::shared_ptr<ConvForward> ConvForwardChunk(const ConvGeometry& g, const F32& bias, double activation, double alpha,
                                              Precision precision, float* xData, float* wData, float* yData,
                                              const ConvForward* previous) {
  std::vector<int64_t> keyInts = g.Packed();
  keyInts.push_back(bias.data ? 1 : 0);
  keyInts.push_back((int64_t)activation);
  keyInts.push_back((int64_t)(alpha * 1e6));
  keyInts.push_back((int64_t)precision);
  auto entry = Cache().Get(Key("conv_fwd", keyInts), [&]() {
    dnnl::memory::desc biasMd = bias.data ? dnnl::memory::desc({g.outC}, dnnl::memory::data_type::f32,
                                                                 dnnl::memory::format_tag::x)
                                          : dnnl::memory::desc();
    dnnl::post_ops ops;
    dnnl::primitive_attr attr;
    if (!AppendActivation(&ops, (int32_t)activation, (float)alpha)) throw dnnl::error(dnnl_invalid_arguments, "act");
    attr.set_post_ops(ops);
    const ConvAlgorithm chosen = g.Choose(ConvPass::kForward, precision);
    auto make = [&](bool winograd) {
      // Winograd is float32 only; a bf16 direct convolution reads bf16 and writes float32.
      const dnnl::memory::data_type operands = winograd ? dnnl::memory::data_type::f32 : chosen.operands;
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, g.Algorithm(winograd),
                                        g.PrimitiveSrc(winograd, operands), g.AnyWeights(operands), biasMd,
                                        g.PrimitiveDst(winograd), g.Strides(), g.Dilates(), g.PadL(), g.PadR());
      return dnnl::convolution_forward::primitive_desc(d, attr, Engine());
    };
    dnnl::convolution_forward::primitive_desc pd;
    bool made = false;
    if (chosen.winograd) {
      try {
        pd = make(true);
        made = true;
      } catch (const dnnl::error&) {  // no Winograd for this CPU or post-op: direct
      }
    }
    if (!made) pd = make(false);
    auto e = std::make_shared<ConvForward>();
    e->primitive = dnnl::convolution_forward(pd);
    e->weights = Relayout::Make(g.Weights(), pd.weights_desc(), true, false, ScratchSlot::kWeights);
    e->src = Relayout::Make(g.Src(), pd.src_desc(), true, false, ScratchSlot::kSrc);
    e->dst = Relayout::Make(g.Dst(), pd.dst_desc(), false, true, ScratchSlot::kDst);
    return e;
  });
  dnnl::memory src = entry->src.In(xData);
  const bool copied = previous && previous->weights.needed && previous->weights.internal == entry->weights.internal;
  dnnl::memory wei = entry->weights.In(wData, copied);
  dnnl::memory dst = entry->dst.Out(yData);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
  if (bias.data) {
    args[DNNL_ARG_BIAS] = dnnl::memory({{g.outC}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::x},
                                       Engine(), bias.data);
  }
  entry->primitive.execute(Stream(), args);
  entry->dst.Finish(yData);
  Stream().wait();
  return entry;
}

}  // namespace

// conv2d(x, filter, bias|null, out, geometry:Int32Array, activation, alpha, precision?) -> status
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  F32 x, w, bias, y;
  std::vector<int64_t> p;
  double activation = 0, alpha = 0;
  Precision precision;
  ConvGeometry g;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &w) || !GetF32(info, 2, &bias, true) || !GetF32(info, 3, &y) ||
      !GetI32(info, 4, &p) || !GetNumber(info, 5, &activation) || !GetNumber(info, 6, &alpha) ||
      !GetPrecision(info, 7, &precision) || !ConvGeometry::Parse(p, &g)) {
    return Result(info, kBadArguments);
  }
  if (precision == Precision::kBf16 && !Bf16Supported()) return Result(info, kUnsupported);
  if ((int64_t)x.length != g.SrcSize() || (int64_t)w.length != g.WeightsSize() || (int64_t)y.length != g.DstSize() ||
      (bias.data && (int64_t)bias.length != g.outC)) {
    return Result(info, kBadArguments);
  }
  const SmallProblemThreads threads((double)g.DstSize() * g.inC * g.kH * g.kW);
  const int64_t chunk = g.ChunkImages(ConvPass::kForward, precision);
  return Result(info, Guard([&]() -> int32_t {
    std::shared_ptr<ConvForward> previous;
    for (int64_t first = 0; first < g.n; first += chunk) {
      const ConvGeometry c = g.Chunk(std::min(chunk, g.n - first));
      previous = ConvForwardChunk(c, bias, activation, alpha, precision, x.data + first * (g.SrcSize() / g.n),
                                  w.data, y.data + first * (g.DstSize() / g.n), previous.get());
    }
    return kOk;
  }));
}

}  // namespace ibc
