// The explicit registration list of native kernels exported to JavaScript.
#include <omp.h>

#include "common.h"

namespace ibc {

Napi::Value Conv2D(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info);
Napi::Value MatMulKernel(const Napi::CallbackInfo& info);
Napi::Value MaxPool(const Napi::CallbackInfo& info);
Napi::Value BatchNormMaxPool(const Napi::CallbackInfo& info);
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info);
Napi::Value AvgPool(const Napi::CallbackInfo& info);
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info);
Napi::Value BatchNorm(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value Compare(const Napi::CallbackInfo& info);
Napi::Value CastToFloat(const Napi::CallbackInfo& info);
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info);
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info);
Napi::Value SgdStep(const Napi::CallbackInfo& info);
Napi::Value BatchNormReluTrain(const Napi::CallbackInfo& info);
Napi::Value BatchNormReluTrainGrad(const Napi::CallbackInfo& info);
Napi::Value MaxPoolArgmax(const Napi::CallbackInfo& info);
Napi::Value MaxPoolGradArgmax(const Napi::CallbackInfo& info);
Napi::Value AdamStep(const Napi::CallbackInfo& info);
Napi::Value ChannelSumsKernel(const Napi::CallbackInfo& info);
Napi::Value Accumulate(const Napi::CallbackInfo& info);
Napi::Value NearestAnchor(const Napi::CallbackInfo& info);
Napi::Value ShiftedSoftplus(const Napi::CallbackInfo& info);
Napi::Value ShiftedSoftplusGrad(const Napi::CallbackInfo& info);
Napi::Value Sample(const Napi::CallbackInfo& info);

namespace {

// info() -> {dnnl: "2.6.3", cpuRuntime, threads: number, isa: "avx512_core_bf16", bf16: boolean}
// (isa: oneDNN's effective ISA, which ONEDNN_MAX_CPU_ISA can lower; bf16: whether its native bf16
// kernels run here, which the bf16 precision of conv2d, the backprop kernels and matmul requires).
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  const dnnl_version_t* v = dnnl_version();
  out.Set("dnnl", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  out.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : "other");
  out.Set("threads", omp_get_max_threads());
  out.Set("isa", EffectiveIsaName());
  out.Set("bf16", Bf16Supported());
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } kernels[] = {
      {"info", Info},
      {"conv2d", Conv2D},
      {"conv2dBackpropInput", Conv2DBackpropInput},
      {"conv2dBackpropFilter", Conv2DBackpropFilter},
      {"matmul", MatMulKernel},
      {"maxPool", MaxPool},
      {"batchNormMaxPool", BatchNormMaxPool},
      {"maxPoolGrad", MaxPoolGrad},
      {"avgPool", AvgPool},
      {"avgPoolGrad", AvgPoolGrad},
      {"batchNorm", BatchNorm},
      {"binary", Binary},
      {"unary", Unary},
      {"reduce", Reduce},
      {"compare", Compare},
      {"castToFloat", CastToFloat},
      {"batchNormTrain", BatchNormTrain},
      {"batchNormTrainGrad", BatchNormTrainGrad},
      {"sgdStep", SgdStep},
      {"batchNormReluTrain", BatchNormReluTrain},
      {"batchNormReluTrainGrad", BatchNormReluTrainGrad},
      {"maxPoolArgmax", MaxPoolArgmax},
      {"maxPoolGradArgmax", MaxPoolGradArgmax},
      {"adamStep", AdamStep},
      {"channelSums", ChannelSumsKernel},
      {"accumulate", Accumulate},
      {"nearestAnchor", NearestAnchor},
      {"shiftedSoftplus", ShiftedSoftplus},
      {"shiftedSoftplusGrad", ShiftedSoftplusGrad},
      {"sample", Sample},
  };
  for (const auto& k : kernels) exports.Set(k.name, Napi::Function::New(env, k.fn, k.name));
  return exports;
}

}  // namespace ibc

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ibc::Init(env, exports); }

NODE_API_MODULE(ibc_native, InitAddon)
