// Conv2DBackpropInput: the gradient of a convolution with respect to its input.
#include "common.h"

namespace ibc {
namespace {

struct ConvBackwardData {
  dnnl::convolution_backward_data primitive;
  Relayout weights;
};

PrimitiveCache<ConvBackwardData>& Cache() {
  static PrimitiveCache<ConvBackwardData> cache;
  return cache;
}

}  // namespace

// conv2dBackpropInput(dy, filter, dx, geometry) -> status
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  F32 dy, w, dx;
  std::vector<int64_t> p;
  ConvGeometry g;
  if (!GetF32(info, 0, &dy) || !GetF32(info, 1, &w) || !GetF32(info, 2, &dx) || !GetI32(info, 3, &p) ||
      !ConvGeometry::Parse(p, &g)) {
    return Result(info, kBadArguments);
  }
  if ((int64_t)dy.length != g.DstSize() || (int64_t)w.length != g.WeightsSize() || (int64_t)dx.length != g.SrcSize()) {
    return Result(info, kBadArguments);
  }
  const SmallProblemThreads threads((double)g.DstSize() * g.inC * g.kH * g.kW);
  return Result(info, Guard([&]() -> int32_t {
    auto entry = Cache().Get(Key("conv_bwd_data", p), [&]() {
      dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                         g.Src(), g.AnyWeights(), g.Dst(), g.Strides(), g.Dilates(), g.PadL(), g.PadR());
      dnnl::convolution_forward::primitive_desc fpd(fd, Engine());
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, g.Src(), g.AnyWeights(), g.Dst(),
                                              g.Strides(), g.Dilates(), g.PadL(), g.PadR());
      dnnl::convolution_backward_data::primitive_desc pd(d, Engine(), fpd);
      auto e = std::make_shared<ConvBackwardData>();
      e->primitive = dnnl::convolution_backward_data(pd);
      e->weights = Relayout::Make(g.Weights(), pd.weights_desc(), true, false);
      return e;
    });
    dnnl::memory diffDst(g.Dst(), Engine(), dy.data);
    dnnl::memory wei = entry->weights.In(w.data);
    dnnl::memory diffSrc(g.Src(), Engine(), dx.data);
    entry->primitive.execute(Stream(), {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, diffSrc}});
    Stream().wait();
    return kOk;
  }));
}

}  // namespace ibc
