// Broadcasting comparisons (Greater, GreaterEqual, Less, LessEqual, Equal) of
// float32 operands into TF.js's bool storage (one byte per element). Same
// collapsed layout as binary.cc.
#include <cmath>

#include "common.h"

namespace ibc {

namespace {

constexpr int kMaxRank = 6;
enum CompareOp : int32_t { kGreater = 0, kGreaterEqual = 1, kLess = 2, kLessEqual = 3, kEqual = 4 };

template <typename F>
void Run(const float* a, const float* b, uint8_t* out, int rank, const int64_t* dims, const int64_t* sa,
         const int64_t* sb, F f) {
  const int64_t inner = dims[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; ++d) outer *= dims[d];
#pragma omp parallel for schedule(static) if (outer * inner > 262144)
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offA = 0, offB = 0, rest = o;
    for (int d = rank - 2; d >= 0; --d) {
      const int64_t i = rest % dims[d];
      rest /= dims[d];
      offA += i * sa[d];
      offB += i * sb[d];
    }
    const float* pa = a + offA;
    const float* pb = b + offB;
    uint8_t* po = out + o * inner;
    for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i * ia], pb[i * ib]) ? 1 : 0;
  }
}

}  // namespace

// compare(op, a, b, out:Uint8Array, [rank, dims..., stridesA..., stridesB...]) -> status
Napi::Value Compare(const Napi::CallbackInfo& info) {
  double opD = 0;
  F32 a, b;
  std::vector<int64_t> p;
  if (!GetNumber(info, 0, &opD) || !GetF32(info, 1, &a) || !GetF32(info, 2, &b) || info.Length() < 5 ||
      !info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      !GetI32(info, 4, &p) || p.empty()) {
    return Result(info, kBadArguments);
  }
  Napi::Uint8Array out = info[3].As<Napi::Uint8Array>();
  const int rank = (int)p[0];
  if (rank < 1 || rank > kMaxRank || (int64_t)p.size() != 1 + 3 * rank) return Result(info, kBadArguments);
  int64_t dims[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  int64_t total = 1, maxA = 0, maxB = 0;
  for (int d = 0; d < rank; ++d) {
    dims[d] = p[1 + d];
    sa[d] = p[1 + rank + d];
    sb[d] = p[1 + 2 * rank + d];
    if (dims[d] <= 0 || sa[d] < 0 || sb[d] < 0) return Result(info, kBadArguments);
    total *= dims[d];
    maxA += (dims[d] - 1) * sa[d];
    maxB += (dims[d] - 1) * sb[d];
  }
  if ((int64_t)out.ElementLength() != total || maxA >= (int64_t)a.length || maxB >= (int64_t)b.length) {
    return Result(info, kBadArguments);
  }
  uint8_t* po = out.Data();
  switch ((int32_t)opD) {
    case kGreater: Run(a.data, b.data, po, rank, dims, sa, sb, [](float x, float y) { return x > y; }); break;
    case kGreaterEqual: Run(a.data, b.data, po, rank, dims, sa, sb, [](float x, float y) { return x >= y; }); break;
    case kLess: Run(a.data, b.data, po, rank, dims, sa, sb, [](float x, float y) { return x < y; }); break;
    case kLessEqual: Run(a.data, b.data, po, rank, dims, sa, sb, [](float x, float y) { return x <= y; }); break;
    case kEqual: Run(a.data, b.data, po, rank, dims, sa, sb, [](float x, float y) { return x == y; }); break;
    default: return Result(info, kUnsupported);
  }
  return Result(info, kOk);
}

// castToFloat(x:Uint8Array|Int32Array, out:Float32Array) -> status
Napi::Value CastToFloat(const Napi::CallbackInfo& info) {
  F32 out;
  if (info.Length() < 2 || !info[0].IsTypedArray() || !GetF32(info, 1, &out)) return Result(info, kBadArguments);
  Napi::TypedArray x = info[0].As<Napi::TypedArray>();
  if (x.ElementLength() != out.length) return Result(info, kBadArguments);
  const int64_t n = (int64_t)out.length;
  float* po = out.data;
  if (x.TypedArrayType() == napi_uint8_array) {
    const uint8_t* px = info[0].As<Napi::Uint8Array>().Data();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) po[i] = (float)px[i];
  } else if (x.TypedArrayType() == napi_int32_array) {
    const int32_t* px = info[0].As<Napi::Int32Array>().Data();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) po[i] = (float)px[i];
  } else {
    return Result(info, kBadArguments);
  }
  return Result(info, kOk);
}

}  // namespace ibc
