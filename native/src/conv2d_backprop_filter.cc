// Conv2DBackpropFilter: the gradient of a convolution with respect to its HWIO filter.
#include "common.h"

namespace ibc {
namespace {

struct ConvBackwardWeights {
  dnnl::convolution_backward_weights primitive;
  Relayout weights;
};

PrimitiveCache<ConvBackwardWeights>& Cache() {
  static PrimitiveCache<ConvBackwardWeights> cache;
  return cache;
}

}  // namespace

// conv2dBackpropFilter(x, dy, dw, geometry) -> status
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  F32 x, dy, dw;
  std::vector<int64_t> p;
  ConvGeometry g;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &dy) || !GetF32(info, 2, &dw) || !GetI32(info, 3, &p) ||
      !ConvGeometry::Parse(p, &g)) {
    return Result(info, kBadArguments);
  }
  if ((int64_t)x.length != g.SrcSize() || (int64_t)dy.length != g.DstSize() || (int64_t)dw.length != g.WeightsSize()) {
    return Result(info, kBadArguments);
  }
  const SmallProblemThreads threads((double)g.DstSize() * g.inC * g.kH * g.kW);
  return Result(info, Guard([&]() -> int32_t {
    auto entry = Cache().Get(Key("conv_bwd_weights", p), [&]() {
      dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                         g.Src(), g.AnyWeights(), g.Dst(), g.Strides(), g.Dilates(), g.PadL(), g.PadR());
      dnnl::convolution_forward::primitive_desc fpd(fd, Engine());
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, g.Src(), g.AnyWeights(), g.Dst(),
                                                 g.Strides(), g.Dilates(), g.PadL(), g.PadR());
      dnnl::convolution_backward_weights::primitive_desc pd(d, Engine(), fpd);
      auto e = std::make_shared<ConvBackwardWeights>();
      e->primitive = dnnl::convolution_backward_weights(pd);
      e->weights = Relayout::Make(g.Weights(), pd.diff_weights_desc(), false, true);
      return e;
    });
    dnnl::memory src(g.Src(), Engine(), x.data);
    dnnl::memory diffDst(g.Dst(), Engine(), dy.data);
    dnnl::memory diffWei = entry->weights.Out(dw.data);
    entry->primitive.execute(Stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, diffWei}});
    entry->weights.Finish(dw.data);
    Stream().wait();
    return kOk;
  }));
}

}  // namespace ibc
