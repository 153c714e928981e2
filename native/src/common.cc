#include "common.h"

#include <omp.h>

#include <algorithm>
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
// backward kernels at avx512_core_bf16), or the float32 algorithm (Winograd where PreferWinograd says
// so) where that is faster. oneDNN has no bf16 Winograd. Measured on the project's 2-core AMD EPYC
// (AVX512_BF16), 2 threads, N=32, 3x3 stride 1 'same', each pass with every reorder the kernels make
// (float32 NHWC in and out), bf16 and float32 interleaved in one process, 5 runs each. The figure is
// the CPU time of the call (user + system, both threads, OMP_WAIT_POLICY=passive), not its wall
// time: the machine is shared (load average 7-8 while measuring), and wall times scattered by 2-5x
// between runs (a wall-time table measured at load 15 last time disagreed with itself), while the CPU
// time of a call, which is what an idle machine's two cores would spend on it, repeated within a few
// percent (minimum and median agree). ms of CPU, minimum of 5, float32 (fp32 rule) / bf16 direct:
//   ic->oc@HxW    forward          bwd-data         bwd-weights
//   3->64@32       0.7 /  0.5       4.0 /  2.6       1.7 /  2.7
//   64->64@32     12.3 /  7.1      14.5 /  6.8      13.2 /  8.9
//   64->128@32    24.4 / 13.3      29.5 / 13.6      28.4 / 17.9
//   128->128@32   28.7 / 26.0 W    28.5 / 26.3 W    30.2 / 31.5 W
//   128->256@32   48.1 / 51.7 W    46.3 / 55.2 W    50.5 / 59.2 W
//   256->256@32   77.7 /103.6 W    77.4 /105.5 W   109.7 /119.2 W
//   256->1@16      3.1 /  2.2       0.4 /  0.5       4.5 /  5.7
//   256->512@16   44.5 / 54.3 W    45.3 / 60.6 W    51.1 / 76.9 W
//   512->512@16   83.0 /104.3 W    81.3 /124.8 W    86.3 /156.6 W
//   512->512@8    52.0 / 23.3      62.0 / 33.1      70.8 /143.8
//   512->512@4    24.8 /  9.0      17.6 /  7.8      20.5 / 28.7
//   512->512@2     7.8 /  4.6       6.5 /  4.1       8.3 / 13.0
// (W: float32 runs Winograd there.) So: forward and backward-data run float32 Winograd on the
// Winograd layers with 256 channels or more on either side (Winograd does 4x fewer multiplications
// there, more than bf16's 2x throughput makes up), bf16 everywhere else (128->128 Winograd layers
// included, where bf16 wins by about 9%); the filter gradient runs bf16 only on direct layers of 16
// to 128 input and at most 128 output channels (oneDNN 2.6's bf16 backward-weights kernel loses to
// float32 on wider layers, on small maps and on the 3-channel first layer). A function of the shape
// alone, so every run on a machine makes the same choice. docs/precision.md ("Winograd layers") says
// the same for users.
//
// Below 16x16 the fp32 rule runs direct convolution, but float32 Winograd on such maps beats both
// direct passes it was compared with above on the backward passes of wide layers. Measured later in
// the same way (CPU ms of the call with every reorder, N=32, 2 threads, load 3-5, minimum of 7-9
// runs, the variants interleaved in one process), float32 Winograd / float32 direct / bf16 direct:
//   ic->oc@HxW    forward              bwd-data             bwd-weights
//   256->256@8     6.9 / 11.4 /  6.3     6.6 / 12.7 /  7.1     6.7 / 13.0 / 11.3
//   512->512@8    20.2 / 51.1 / 23.2    20.3 / 60.1 / 29.8    23.9 / 59.7 /116.0
//   640->640@8    35.5 / 84.5 / 36.7    35.4 / 79.1 / 47.1    34.4 / 89.9 /207.4
//   256->256@4     3.0 /  3.5 /  2.5     3.1 /  2.6 /  1.7     2.5 /  3.3 /  5.8
//   512->512@4    11.7 / 23.2 /  9.4    13.3 / 19.7 /  9.7    10.7 / 15.7 /251.1
//   512->512@2    11.6 /  7.7 /  4.8    11.3 /  7.5 /  4.2    10.0 /  7.5 / 46.5
// So on layers that could run Winograd (3x3 stride 1, 128+ channels on both sides, multiples of 16)
// with 256 channels or more on either side, the input gradient also runs float32 Winograd on 8x8
// maps, and the filter gradient on 4x4 maps and larger (VGG-16-aib's three 512->512 layers at 8x8:
// about 2.5x less filter-gradient time); the forward pass stays bf16 below 16x16 (no clear winner at
// 8x8). 2x2 maps keep the rule above. In chunks of images like every float32 Winograd pass of a bf16
// run (ChunkImages); an 8x8 512-channel map is 2^15 floats per image, so VGG-16-aib's batch of 32 is
// one chunk, and its transforms take the scratchpad that its 16x16 layers' chunks of 8 images take.
bool ConvGeometry::WinogradShape() const {
  return kH == 3 && kW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1 && inC >= 128 && outC >= 128 &&
         inC % 16 == 0 && outC % 16 == 0;
}

ConvAlgorithm ConvGeometry::Choose(ConvPass pass, Precision precision) const {
  const ConvAlgorithm fp32{PreferWinograd(), dt::f32};
  if (precision == Precision::kF32) return fp32;
  const ConvAlgorithm bf16{false, dt::bf16};
  const ConvAlgorithm winograd{true, dt::f32};
  const bool wide = inC >= 256 || outC >= 256;
  const bool wideWinograd = PreferWinograd() && wide;
  const bool wideWinogradShape = WinogradShape() && wide;
  switch (pass) {
    case ConvPass::kForward: return wideWinograd ? fp32 : bf16;
    case ConvPass::kBackwardData:
      return wideWinograd || (wideWinogradShape && outH >= 8 && outW >= 8) ? winograd : bf16;
    case ConvPass::kBackwardWeights:
      if (wideWinogradShape && outH >= 4 && outW >= 4) return winograd;
      return !PreferWinograd() && inC >= 16 && inC <= 128 && outC <= 128 ? bf16 : fp32;
  }
  return bf16;
}

// A float32 Winograd pass chosen in a bf16 run (Choose above) runs on chunks of at most
// kWinogradChunkFloats floats of its largest activation (4 MB: 4 images of a 256-channel 32x32
// map, 8 of a 512-channel 16x16 one): oneDNN's Winograd keeps the transformed input and output
// tiles of the whole call in its scratchpad (36 floats per 4x4 output tile and channel, 2.25x the
// activation each), and ibc its blocked copies of both activations. Unchunked, at batch 32 on
// VGG-16-aib, that made a bf16 run's peak memory about 200 MB above bf16 direct convolution's
// (1054 against 865 MB); in chunks of 2^21 floats 842 MB, of 2^20 812 MB, below PyTorch's autocast
// bf16 (827 MB; bench/RESULTS.md). The price, in CPU time per pass measured as in the table above:
// about 5% at 2^21 and 5-20% at 2^20 (512-channel layers on 8 images), still well under bf16
// direct convolution's. The arithmetic per image is the same; the filter gradient adds the chunks'
// float32 sums in order. A float32 run does not chunk: its results stay what they were.
constexpr int64_t kWinogradChunkFloats = int64_t(1) << 20;

int64_t ConvGeometry::ChunkImages(ConvPass pass, Precision precision) const {
  if (precision != Precision::kBf16 || !Choose(pass, precision).winograd) return n;
  const int64_t perImage = std::max(inH * inW * inC, outH * outW * outC);
  return std::max<int64_t>(1, std::min(n, kWinogradChunkFloats / perImage));
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
  thread_local Block blocks[4];
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

dnnl::memory Relayout::In(float* data, bool copied) {
  dnnl::memory userMem(user, Engine(), data);
  if (!needed) return userMem;
  if (slot != ScratchSlot::kNone) buffer.set_data_handle(Scratch(slot, internal.get_size()));
  if (!copied || slot == ScratchSlot::kNone) toInternal.execute(Stream(), userMem, buffer);
  return buffer;
}

dnnl::memory Relayout::Out(float* data) {
  if (needed && slot != ScratchSlot::kNone) buffer.set_data_handle(Scratch(slot, internal.get_size()));
  return needed ? buffer : dnnl::memory(user, Engine(), data);
}

void Relayout::Finish(float* data) {
  if (!needed) return;
  // The slot's memory, also when another chunk's Relayout of this layout made the copy there.
  if (slot != ScratchSlot::kNone) buffer.set_data_handle(Scratch(slot, internal.get_size()));
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
