// Conv2DBackpropInput: the gradient of a convolution with respect to its input.
#include "conv_backward.h"

namespace ibc {

// conv2dBackpropInput(dy, filter, dx, geometry) -> status
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  using Primitive = dnnl::convolution_backward_data;
  static const ConvRole roles[3] = {ConvRole::kDst, ConvRole::kWeights, ConvRole::kSrc};
  return RunConvBackward<Primitive>(
      info, "conv_bwd_data", roles,
      [](const ConvGeometry& g, const Primitive::primitive_desc& pd, ConvBackward<Primitive>& e) {
        e.weights = Relayout::Make(g.Weights(), pd.weights_desc(), true, false, ScratchSlot::kWeights);
        e.dst = Relayout::Make(g.Dst(), pd.diff_dst_desc(), true, false, ScratchSlot::kDst);
        e.src = Relayout::Make(g.Src(), pd.diff_src_desc(), false, true, ScratchSlot::kSrc);
      },
      [](ConvBackward<Primitive>& entry, const ConvGeometry& g, F32 (&arrays)[3], const dnnl::memory& wei) {
        const F32& dy = arrays[0];
        const F32& dx = arrays[2];
        dnnl::memory diffDst = entry.dst.In(dy.data);
        dnnl::memory diffSrc = entry.src.Out(dx.data);
        entry.primitive.execute(Stream(), {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, diffSrc}});
        entry.src.Finish(dx.data);
      });
}

}  // namespace ibc
