// Conv2DBackpropFilter: the gradient of a convolution with respect to its HWIO filter.
#include "conv_backward.h"

namespace ibc {

// conv2dBackpropFilter(x, dy, dw, geometry) -> status
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  using Primitive = dnnl::convolution_backward_weights;
  static const ConvRole roles[3] = {ConvRole::kSrc, ConvRole::kDst, ConvRole::kWeights};
  return RunConvBackward<Primitive>(
      info, "conv_bwd_weights", roles,
      [](const ConvGeometry& g, const Primitive::primitive_desc& pd, ConvBackward<Primitive>& e) {
        e.weights = Relayout::Make(g.Weights(), pd.diff_weights_desc(), false, true, ScratchSlot::kWeights);
        e.src = Relayout::Make(g.Src(), pd.src_desc(), true, false, ScratchSlot::kSrc);
        e.dst = Relayout::Make(g.Dst(), pd.diff_dst_desc(), true, false, ScratchSlot::kDst);
      },
      [](ConvBackward<Primitive>& entry, const ConvGeometry& g, F32 (&arrays)[3], const dnnl::memory& diffWei) {
        const F32& x = arrays[0];
        const F32& dy = arrays[1];
        dnnl::memory src = entry.src.In(x.data);
        dnnl::memory diffDst = entry.dst.In(dy.data);
        entry.primitive.execute(Stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, diffWei}});
      });
}

}  // namespace ibc
