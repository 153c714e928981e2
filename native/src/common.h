// Shared helpers for the ibc native kernels: status codes, argument access,
// the oneDNN engine/stream and a primitive cache keyed by shape.
//
// The boundary with JavaScript passes only typed arrays and numbers. Every
// kernel returns a status code (kOk or an error); nothing throws into JS.
#pragma once

#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ibc {

enum Status : int32_t {
  kOk = 0,
  kBadArguments = 1,
  kDnnlError = 2,
  kUnsupported = 3,
};

// Fused activations shared by conv and matmul (same numbering as the TS side).
enum Activation : int32_t {
  kLinear = 0,
  kRelu = 1,
  kRelu6 = 2,
  kElu = 3,
  kLeakyRelu = 4,
  kSigmoid = 5,
};

// The arithmetic of a convolution or matrix product. The arrays that cross the
// boundary are always float32: with kBf16 the kernel converts its operands
// (activations, filters, incoming gradients) to bfloat16 in the reorders it makes
// anyway, runs oneDNN's bf16 primitive (AVX512_BF16 or AMX instructions), and
// accumulates and writes float32. Passed as a trailing 0/1 argument; absent: kF32.
enum class Precision : int32_t { kF32 = 0, kBf16 = 1 };

// The three passes of a convolution: each chooses its algorithm and arithmetic on its own.
enum class ConvPass { kForward, kBackwardData, kBackwardWeights };

// How one pass of a convolution runs: Winograd (always float32) or direct, and the type of what
// the primitive reads (bf16 or float32; it always writes float32).
struct ConvAlgorithm {
  bool winograd;
  dnnl::memory::data_type operands;
};

// Reads the optional precision argument at `index` (absent or 0: float32, 1: bf16).
bool GetPrecision(const Napi::CallbackInfo& info, size_t index, Precision* out);
// The data type a primitive reads its operands in.
dnnl::memory::data_type OperandType(Precision p);
// Whether oneDNN dispatches native bf16 kernels here: its effective ISA has AVX512_BF16 (or AMX).
// Without them a bf16 primitive would run oneDNN's reference code (slower than float32), so a
// kernel asked for kBf16 then returns kUnsupported instead.
bool Bf16Supported();
// oneDNN's effective ISA, by name ("avx512_core_bf16", ...).
const char* EffectiveIsaName();

// Elementwise and reduction loops above this many floats are split across
// threads; below it an OpenMP region costs more than the second core saves.
constexpr int64_t kParallelFloats = 262144;

// Hot loops are compiled twice, for AVX2 and for baseline x86-64, and the
// loader picks one per machine. AVX2 does not bring FMA (that would need
// "fma" too), so both versions round every operation the same way.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IBC_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define IBC_VECTOR_CLONES
#endif

dnnl::engine& Engine();
dnnl::stream& Stream();

// A view of a Float32Array argument; null data when the argument is null/undefined.
struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

// A view of an Int32Array argument (an array a kernel reads or writes in place).
struct I32 {
  int32_t* data = nullptr;
  size_t length = 0;
};

bool GetF32(const Napi::CallbackInfo& info, size_t index, F32* out, bool optional = false);
bool GetI32View(const Napi::CallbackInfo& info, size_t index, I32* out);
// Copies an Int32Array argument (geometry, dims) into integers.
bool GetI32(const Napi::CallbackInfo& info, size_t index, std::vector<int64_t>* out);
bool GetNumber(const Napi::CallbackInfo& info, size_t index, double* out);
// A number that must be a whole count in [1, 2^31 - 1].
bool GetCount(const Napi::CallbackInfo& info, size_t index, int64_t* out);
// A number that must be 0 or 1.
bool GetFlag(const Napi::CallbackInfo& info, size_t index, bool* out);
Napi::Value Result(const Napi::CallbackInfo& info, int32_t status);

// Appends an eltwise post-op for a fused activation; false if unsupported.
bool AppendActivation(dnnl::post_ops* ops, int32_t activation, float alpha);

// A cache of prepared primitives, keyed by a string built from kernel name and
// every integer that determines the primitive. Creating a oneDNN primitive
// costs far more than running a small one, so each shape is prepared once.
template <typename Entry>
class PrimitiveCache {
 public:
  std::shared_ptr<Entry> Get(const std::string& key, const std::function<std::shared_ptr<Entry>()>& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
    std::shared_ptr<Entry> entry = make();
    if (entries_.size() > 512) entries_.clear();
    entries_[key] = entry;
    return entry;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;
};

std::string Key(const char* name, const std::vector<int64_t>& ints);

// Convolution geometry, packed by the TS adapter in this order (17 integers):
// n, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH,
// dilationW, padTop, padLeft, padBottom, padRight.
struct ConvGeometry {
  int64_t n, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW, pT, pL, pB, pR;
  static bool Parse(const std::vector<int64_t>& p, ConvGeometry* g);
  // The arrays as JavaScript holds them: float32, NHWC activations, HWIO filters.
  dnnl::memory::desc Src() const;
  dnnl::memory::desc Weights() const;
  dnnl::memory::desc Dst() const;
  // Weights in whatever layout (and the data type) the fastest implementation wants (relaid from HWIO per call).
  dnnl::memory::desc AnyWeights(dnnl::memory::data_type type = dnnl::memory::data_type::f32) const;
  dnnl::memory::dims Strides() const { return {sH, sW}; }
  dnnl::memory::dims Dilates() const { return {dH - 1, dW - 1}; }
  dnnl::memory::dims PadL() const { return {pT, pL}; }
  dnnl::memory::dims PadR() const;
  int64_t SrcSize() const { return n * inH * inW * inC; }
  int64_t WeightsSize() const { return kH * kW * inC * outC; }
  int64_t DstSize() const { return n * outH * outW * outC; }
  // Whether float32 training asks oneDNN for Winograd F(4x4, 3x3) instead of direct convolution (the
  // rule and the measurements behind it are in common.cc). Chosen per shape when the primitive is created.
  bool PreferWinograd() const;
  // Whether the layer could run Winograd: 3x3 stride 1, no dilation, 128+ channels on both sides in
  // multiples of 16 (PreferWinograd adds the map size; a bf16 run's rule in Choose uses it on smaller maps).
  bool WinogradShape() const;
  // The algorithm and arithmetic of one pass in a precision: float32 follows PreferWinograd; bf16
  // runs bf16 direct convolution except where float32 was measured faster (the rule is in common.cc).
  ConvAlgorithm Choose(ConvPass pass, Precision precision) const;
  // Images per call of the primitive for a pass: all n, except for a float32 Winograd pass of a bf16
  // run, which runs in chunks of images to bound Winograd's transform buffers (the rule is in common.cc).
  int64_t ChunkImages(ConvPass pass, Precision precision) const;
  // This geometry for `images` of its images, packed like the adapter packs it (for cache keys).
  ConvGeometry Chunk(int64_t images) const {
    ConvGeometry c = *this;
    c.n = images;
    return c;
  }
  std::vector<int64_t> Packed() const { return {n, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW, pT, pL, pB, pR}; }
  dnnl::algorithm Algorithm(bool winograd) const {
    return winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
  }
  // Activations as the primitive sees them: NHWC for direct convolution (in place when the type is
  // float32, else a converted copy); for Winograd, whatever blocked float32 layout it wants (relaid
  // from and to the NHWC arrays per call). `type` is the array's type in the primitive: bf16 for
  // what a bf16 primitive reads, float32 for what it writes.
  dnnl::memory::desc PrimitiveSrc(bool winograd, dnnl::memory::data_type type = dnnl::memory::data_type::f32) const;
  dnnl::memory::desc PrimitiveDst(bool winograd, dnnl::memory::data_type type = dnnl::memory::data_type::f32) const;
};

// Per-thread, grow-only buffers for the blocked copies a convolution call makes
// of its arrays (one slot per role, so one call's copies never overlap). Shared
// by all shapes: caching a copy per shape would hold hundreds of MB for VGG.
enum class ScratchSlot { kNone = -1, kWeights = 0, kSrc = 1, kDst = 2, kChunkSum = 3 };
void* Scratch(ScratchSlot slot, size_t bytes);

// A reorder between a user layout (e.g. HWIO in a JS array) and the layout a
// primitive chose (blocked, for the fast JIT kernels), with the buffer that
// holds the primitive's copy. `needed` is false when the layouts agree.
struct Relayout {
  bool needed = false;
  dnnl::memory::desc user;
  dnnl::memory::desc internal;
  dnnl::memory buffer;
  dnnl::reorder toInternal;
  dnnl::reorder toUser;
  ScratchSlot slot = ScratchSlot::kNone;  // where the copy lives: its own buffer (kNone) or a shared scratch slot
  static Relayout Make(const dnnl::memory::desc& user, const dnnl::memory::desc& internal, bool in, bool out,
                       ScratchSlot slot = ScratchSlot::kNone);
  // The memory the primitive reads: the user's data, or the blocked copy made from it. `copied`: the
  // scratch slot already holds this layout's copy of `data` (the previous chunk of the same call
  // made it), so no reorder runs: a filter is relaid once per call, not once per chunk of images.
  dnnl::memory In(float* data, bool copied = false);
  // The memory the primitive writes; call Finish to copy it to the user's array.
  dnnl::memory Out(float* data);
  // Copies the primitive's output (in its scratch slot, where Out put it) to the user's array.
  void Finish(float* data);
};

// Runs small problems on one thread: an OpenMP region costs microseconds on an
// idle machine but a scheduler time slice when the cores are oversubscribed,
// and small kernels gain nothing from a second thread. oneDNN fixes a
// primitive's thread count when it is created, so the limit must be in force
// both at creation and at execution (it is a function of the shape, so a
// cached primitive always sees the same limit).
class SmallProblemThreads {
 public:
  explicit SmallProblemThreads(double multiplyAdds);
  ~SmallProblemThreads();
 private:
  int previous_ = 0;
};

// Runs a function, turning oneDNN exceptions into a status code.
int32_t Guard(const std::function<int32_t()>& body);

}  // namespace ibc
