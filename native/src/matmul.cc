// BatchMatMul and _FusedMatMul (bias + activation as post-ops). Transposes are
// expressed as strides, so operands are read in place; in bf16 precision the
// primitive reads bf16 copies of a and b (same strides) and writes float32.
#include "common.h"

namespace ibc {
namespace {

struct MatMul {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c, bias;
  // bf16 precision: the copies the primitive reads, converted from a and b per call.
  Relayout aCopy, bCopy;
};

PrimitiveCache<MatMul>& Cache() {
  static PrimitiveCache<MatMul> cache;
  return cache;
}

}  // namespace

// matmul(a, b, bias|null, out, [batchA, batchB, m, n, k, transposeA, transposeB], activation, alpha, precision?) -> status
// a is [batchA, m, k] (or [batchA, k, m] transposed), b is [batchB, k, n] (or [batchB, n, k]);
// a batch of 1 broadcasts. bias has n elements.
Napi::Value MatMulKernel(const Napi::CallbackInfo& info) {
  F32 a, b, bias, c;
  std::vector<int64_t> p;
  double activation = 0, alpha = 0;
  Precision precision;
  if (!GetF32(info, 0, &a) || !GetF32(info, 1, &b) || !GetF32(info, 2, &bias, true) || !GetF32(info, 3, &c) ||
      !GetI32(info, 4, &p) || p.size() != 7 || !GetNumber(info, 5, &activation) || !GetNumber(info, 6, &alpha) ||
      !GetPrecision(info, 7, &precision)) {
    return Result(info, kBadArguments);
  }
  if (precision == Precision::kBf16 && !Bf16Supported()) return Result(info, kUnsupported);
  const int64_t ba = p[0], bb = p[1], m = p[2], n = p[3], k = p[4];
  const bool ta = p[5] != 0, tb = p[6] != 0;
  const int64_t batch = ba > bb ? ba : bb;
  if (ba <= 0 || bb <= 0 || m <= 0 || n <= 0 || k <= 0 || (ba != bb && ba != 1 && bb != 1)) return Result(info, kBadArguments);
  if ((int64_t)a.length != ba * m * k || (int64_t)b.length != bb * k * n || (int64_t)c.length != batch * m * n ||
      (bias.data && (int64_t)bias.length != n)) {
    return Result(info, kBadArguments);
  }
  const SmallProblemThreads threads((double)batch * m * n * k);
  return Result(info, Guard([&]() -> int32_t {
    std::vector<int64_t> keyInts(p);
    keyInts.push_back(bias.data ? 1 : 0);
    keyInts.push_back((int64_t)activation);
    keyInts.push_back((int64_t)(alpha * 1e6));
    keyInts.push_back((int64_t)precision);
    auto entry = Cache().Get(Key("matmul", keyInts), [&]() {
      using dt = dnnl::memory::data_type;
      auto e = std::make_shared<MatMul>();
      const dnnl::memory::dims aStrides = ta ? dnnl::memory::dims{m * k, 1, m} : dnnl::memory::dims{m * k, k, 1};
      const dnnl::memory::dims bStrides = tb ? dnnl::memory::dims{k * n, 1, k} : dnnl::memory::dims{k * n, n, 1};
      e->a = dnnl::memory::desc({ba, m, k}, dt::f32, aStrides);
      e->b = dnnl::memory::desc({bb, k, n}, dt::f32, bStrides);
      e->c = dnnl::memory::desc({batch, m, n}, dt::f32, dnnl::memory::dims{m * n, n, 1});
      if (bias.data) e->bias = dnnl::memory::desc({1, 1, n}, dt::f32, dnnl::memory::dims{n, n, 1});
      // The operands as the primitive reads them: the arrays themselves, or bf16 copies with their strides.
      const dnnl::memory::desc pa({ba, m, k}, OperandType(precision), aStrides);
      const dnnl::memory::desc pb({bb, k, n}, OperandType(precision), bStrides);
      e->aCopy = Relayout::Make(e->a, pa, true, false, ScratchSlot::kSrc);
      e->bCopy = Relayout::Make(e->b, pb, true, false, ScratchSlot::kWeights);
      dnnl::matmul::desc d = bias.data ? dnnl::matmul::desc(pa, pb, e->bias, e->c) : dnnl::matmul::desc(pa, pb, e->c);
      dnnl::post_ops ops;
      dnnl::primitive_attr attr;
      if (!AppendActivation(&ops, (int32_t)activation, (float)alpha)) throw dnnl::error(dnnl_invalid_arguments, "act");
      attr.set_post_ops(ops);
      dnnl::matmul::primitive_desc pd(d, attr, Engine());
      e->primitive = dnnl::matmul(pd);
      return e;
    });
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, entry->aCopy.In(a.data)},
                                               {DNNL_ARG_WEIGHTS, entry->bCopy.In(b.data)},
                                               {DNNL_ARG_DST, dnnl::memory(entry->c, Engine(), c.data)}};
    if (bias.data) args[DNNL_ARG_BIAS] = dnnl::memory(entry->bias, Engine(), bias.data);
    entry->primitive.execute(Stream(), args);
    Stream().wait();
    return kOk;
  }));
}

}  // namespace ibc
