#include "common.h"

#include <omp.h>

#include <cstdlib>
#include <new>

namespace ibc {

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

bool GetF32(const Napi::CallbackInfo& info, size_t index, F32* out, bool optional) {
  if (index >= info.Length()) return optional;
  Napi::Value v = info[index];
  if (optional && (v.IsNull() || v.IsUndefined())) return true;
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (t.TypedArrayType() != napi_float32_array) return false;
  Napi::Float32Array f = v.As<Napi::Float32Array>();
  out->data = f.Data();
  out->length = f.ElementLength();
  return true;
}

bool GetI32View(const Napi::CallbackInfo& info, size_t index, I32* out) {
  if (index >= info.Length()) return false;
  Napi::Value v = info[index];
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (t.TypedArrayType() != napi_int32_array) return false;
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  out->data = a.Data();
  out->length = a.ElementLength();
  return true;
}

bool GetI32(const Napi::CallbackInfo& info, size_t index, std::vector<int64_t>* out) {
  if (index >= info.Length()) return false;
  Napi::Value v = info[index];
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (t.TypedArrayType() != napi_int32_array) return false;
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  out->assign(a.Data(), a.Data() + a.ElementLength());
  return true;
}

bool GetNumber(const Napi::CallbackInfo& info, size_t index, double* out) {
  if (index >= info.Length() || !info[index].IsNumber()) return false;
  *out = info[index].As<Napi::Number>().DoubleValue();
  return true;
}

bool GetCount(const Napi::CallbackInfo& info, size_t index, int64_t* out) {
  double v = 0;
  if (!GetNumber(info, index, &v) || !(v >= 1 && v <= 2147483647.0) || v != (double)(int64_t)v) return false;
  *out = (int64_t)v;
  return true;
}

bool GetFlag(const Napi::CallbackInfo& info, size_t index, bool* out) {
  double v = 0;
  if (!GetNumber(info, index, &v) || (v != 0 && v != 1)) return false;
  *out = v == 1;
  return true;
}

bool GetPrecision(const Napi::CallbackInfo& info, size_t index, Precision* out) {
  *out = Precision::kF32;
  if (index >= info.Length() || info[index].IsUndefined()) return true;
  double v = 0;
  if (!GetNumber(info, index, &v) || (v != 0 && v != 1)) return false;
  *out = v == 1 ? Precision::kBf16 : Precision::kF32;
  return true;
}

dnnl::memory::data_type OperandType(Precision p) {
  return p == Precision::kBf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
}

bool Bf16Supported() {
  // The ISA values are nested bit masks: every ISA's bits include those of the ones it extends.
  const unsigned isa = (unsigned)dnnl::get_effective_cpu_isa();
  return (isa & (unsigned)dnnl::cpu_isa::avx512_core_bf16) == (unsigned)dnnl::cpu_isa::avx512_core_bf16;
}

const char* EffectiveIsaName() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "unknown";
  }
}

Napi::Value Result(const Napi::CallbackInfo& info, int32_t status) {
  return Napi::Number::New(info.Env(), status);
}

bool AppendActivation(dnnl::post_ops* ops, int32_t activation, float alpha) {
  switch (activation) {
    case kLinear: return true;
    case kRelu: ops->append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); return true;
    case kRelu6: ops->append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); return true;
    case kElu: ops->append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); return true;
    case kLeakyRelu: ops->append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); return true;
    case kSigmoid: ops->append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); return true;
    default: return false;
  }
}

std::string Key(const char* name, const std::vector<int64_t>& ints) {
  std::string key(name);
  for (int64_t v : ints) {
    key.push_back(':');
    key += std::to_string(v);
  }
  return key;
}

bool ConvGeometry::Parse(const std::vector<int64_t>& p, ConvGeometry* g) {
  if (p.size() != 17) return false;
  *g = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16]};
  for (size_t i = 0; i < 13; ++i) if (p[i] <= 0) return false;
  return true;
}

// oneDNN wants the right/bottom padding that makes its own output-size formula
// give exactly outH/outW; TF's 'valid' and some explicit paddings leave a
// remainder that TF drops, which here becomes a smaller (possibly negative) pad.
dnnl::memory::dims ConvGeometry::PadR() const {
  int64_t effH = (kH - 1) * dH + 1, effW = (kW - 1) * dW + 1;
  return {(outH - 1) * sH + effH - inH - pT, (outW - 1) * sW + effW - inW - pL};
}

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::memory::desc ConvGeometry::Src() const { return {{n, inC, inH, inW}, dt::f32, tag::nhwc}; }
dnnl::memory::desc ConvGeometry::Weights() const { return {{outC, inC, kH, kW}, dt::f32, tag::hwio}; }
dnnl::memory::desc ConvGeometry::AnyWeights(dt type) const { return {{outC, inC, kH, kW}, type, tag::any}; }
dnnl::memory::desc ConvGeometry::Dst() const { return {{n, outC, outH, outW}, dt::f32, tag::nhwc}; }

// Winograd F(4x4, 3x3) (oneDNN 2.6's jit_wino_4x3 on avx512_core) against direct convolution,
// measured on the project's 2-core AVX-512 machine (shared, so noisy), 2 threads, N=32, 3x3 stride 1
// 'same', ms, min of 3 runs x 3-6 repeats, Winograd timed with the reorders it needs (NHWC <->
// nChw16c activations, HWIO -> blocked filter), direct with its filter relayout:
//   ic->oc@HxW     fwd direct/wino   bwd-data direct/wino   bwd-weights direct/wino
//   64->64@32         7 / 5             8 / 5                8 / 5
//   64->128@32       15 / 9            19 / 10              17 / 10
//   128->128@32      33 / 30           74 / 60              72 / 57
//   128->256@32     125 / 80          151 / 92             129 / 93
//   256->256@32     116 / 164         286 / 156            261 / 172
//   256->512@16     131 / 60          127 / 88             132 / 59
//   512->512@16     231 / 136         236 / 145            264 / 135
//   512->512@8       64 / 68           72 / 68              70 / 65
// Single runs scattered by up to 2x with the machine's load; in the VGG-16-bn step itself (the
// ONEDNN_VERBOSE sum over one step, same load) the convolutions selected below took 2272 ms direct
// and 1000 ms Winograd, plus 127 ms more of reorders. The rule keeps the shapes that won in every run: >= 128
// channels at >= 16x16 (64-channel layers and 8x8 maps won in some runs and lost in others; they are
// a small share of the step). Winograd's error against direct was <= 8e-5 of the largest output.
// oneDNN's Winograd partitions work statically, so results are reproducible for a fixed thread count.
bool ConvGeometry::PreferWinograd() const {
  return kH == 3 && kW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1 && inC >= 128 && outC >= 128 &&
         inC % 16 == 0 && outC % 16 == 0 && outH >= 16 && outW >= 16;
}

// In bf16 precision, per pass: bf16 direct convolution (oneDNN 2.6's brgconv forward and jit_bf16
// backward kernels at avx512_core_bf16), or float32 where that was measured faster. oneDNN has no
// bf16 Winograd. Measured on the project's 2-core AMD EPYC (AVX512_BF16), 2 threads, N=32, 3x3
// stride 1 'same', ms per pass with every reorder the kernels make (float32 NHWC in and out),
// minimum of 3 interleaved runs while the machine was shared (load average about 15, so about 5x
// an idle machine's times; the ratios are what the rule uses):
//   ic->oc@HxW     forward bf16/f32/wino   bwd-data bf16/f32/wino   bwd-weights bf16/f32/wino
//   64->64@32          22 /  52 /  28          48 /  65 /  75           29 /  40 / 123
//   64->128@32         60 / 108 /  64          67 / 142 /  95          106 /  83 /  75
//   128->128@32       134 / 162 / 187         101 / 218 / 187          110 / 122 / 180
//   128->256@32        80 / 303 / 118          80 / 508 / 153          206 / 422 / 160
//   256->256@32       227 / 347 / 246         276 / 449 / 234          316 / 514 / 324
//   256->512@16       122 / 252 / 155         174 / 321 / 145          167 / 334 / 148
//   512->512@16       304 / 640 / 201         194 / 755 / 224          300 / 784 / 258
//   512->512@8         93 / 118 / 125          72 / 148 / 109          234 / 143 /  91
//   512->512@4         32 /  52 /  45          16 /  31 /  30           36 /  36 /  33
//   512->512@2         56 /  26 /  41          22 /  36 /  78           63 /  26 /  29
// bf16 wins the forward and backward-data passes but for 512->512 forward on 16x16 maps (Winograd),
// and the filter gradient only for layers of at most 128 channels: oneDNN 2.6's bf16
// backward-weights kernel loses to float32 on wider layers and small maps. The rule below keeps those
// three choices (float32 passes follow the float32 rule: Winograd where PreferWinograd says so).
// docs/precision.md ("Winograd layers") says the same for users.
ConvAlgorithm ConvGeometry::Choose(ConvPass pass, Precision precision) const {
  const ConvAlgorithm fp32{PreferWinograd(), dt::f32};
  if (precision == Precision::kF32) return fp32;
  const ConvAlgorithm bf16{false, dt::bf16};
  switch (pass) {
    case ConvPass::kForward: return PreferWinograd() && inC >= 512 && outC >= 512 ? fp32 : bf16;
    case ConvPass::kBackwardData: return bf16;
    case ConvPass::kBackwardWeights: return inC <= 128 && outC <= 128 ? bf16 : fp32;
  }
  return bf16;
}

dnnl::memory::desc ConvGeometry::PrimitiveSrc(bool winograd, dt type) const {
  return winograd ? dnnl::memory::desc({n, inC, inH, inW}, dt::f32, tag::any) : dnnl::memory::desc({n, inC, inH, inW}, type, tag::nhwc);
}

dnnl::memory::desc ConvGeometry::PrimitiveDst(bool winograd, dt type) const {
  return winograd ? dnnl::memory::desc({n, outC, outH, outW}, dt::f32, tag::any)
                  : dnnl::memory::desc({n, outC, outH, outW}, type, tag::nhwc);
}

void* Scratch(ScratchSlot slot, size_t bytes) {
  struct Block {
    void* data = nullptr;
    size_t size = 0;
    ~Block() { std::free(data); }
  };
  thread_local Block blocks[3];
  Block& b = blocks[(int)slot];
  if (b.size < bytes) {
    std::free(b.data);
    b.size = (bytes + 63) / 64 * 64;
    b.data = std::aligned_alloc(64, b.size);
    if (!b.data) {
      b.size = 0;
      throw std::bad_alloc();
    }
  }
  return b.data;
}

Relayout Relayout::Make(const dnnl::memory::desc& user, const dnnl::memory::desc& internal, bool in, bool out,
                        ScratchSlot slot) {
  Relayout r;
  r.user = user;
  r.internal = internal;
  r.needed = user != internal;
  r.slot = slot;
  if (r.needed) {
    r.buffer = slot == ScratchSlot::kNone ? dnnl::memory(internal, Engine())
                                          : dnnl::memory(internal, Engine(), DNNL_MEMORY_NONE);
    dnnl::memory userMem(user, Engine(), DNNL_MEMORY_NONE);
    if (in) r.toInternal = dnnl::reorder(userMem, r.buffer);
    if (out) r.toUser = dnnl::reorder(r.buffer, userMem);
  }
  return r;
}

dnnl::memory Relayout::In(float* data) {
  dnnl::memory userMem(user, Engine(), data);
  if (!needed) return userMem;
  if (slot != ScratchSlot::kNone) buffer.set_data_handle(Scratch(slot, internal.get_size()));
  toInternal.execute(Stream(), userMem, buffer);
  return buffer;
}

dnnl::memory Relayout::Out(float* data) {
  if (needed && slot != ScratchSlot::kNone) buffer.set_data_handle(Scratch(slot, internal.get_size()));
  return needed ? buffer : dnnl::memory(user, Engine(), data);
}

void Relayout::Finish(float* data) {
  if (!needed) return;
  dnnl::memory userMem(user, Engine(), data);
  toUser.execute(Stream(), buffer, userMem);
}

SmallProblemThreads::SmallProblemThreads(double multiplyAdds) {
  previous_ = omp_get_max_threads();
  if (multiplyAdds < 4.0e6) omp_set_num_threads(1);
}

SmallProblemThreads::~SmallProblemThreads() { omp_set_num_threads(previous_); }

int32_t Guard(const std::function<int32_t()>& body) {
  try {
    return body();
  } catch (const dnnl::error&) {
    return kDnnlError;
  } catch (...) {
    return kDnnlError;
  }
}

}  // namespace ibc
