// Broadcasting elementwise binary ops. The TS adapter collapses the broadcast
// into at most kMaxRank dimensions with per-operand strides (0 where an operand
// is broadcast); the innermost dimension is a tight loop.
#include <algorithm>
#include <cmath>

#include "common.h"

namespace ibc {

namespace {

constexpr int kMaxRank = 6;

enum BinaryOp : int32_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMaximum = 4, kMinimum = 5, kSquaredDifference = 6, kReluGrad = 7 };

template <typename F>
void Run(const float* a, const float* b, float* out, int rank, const int64_t* dims, const int64_t* sa,
         const int64_t* sb, F f) {
  const int64_t inner = dims[rank - 1];
  const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
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
    const float* __restrict pa = a + offA;
    const float* __restrict pb = b + offB;
    float* __restrict po = out + o * inner;
    // `omp simd`: without it GCC keeps a branch per element for the select-style ops.
    if (ia == 1 && ib == 1) {
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], pb[i]);
    } else if (ia == 1 && ib == 0) {
      const float vb = pb[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], vb);
    } else if (ia == 0 && ib == 1) {
      const float va = pa[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) po[i] = f(va, pb[i]);
    } else {
      for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i * ia], pb[i * ib]);
    }
  }
}

}  // namespace

// binary(op, a, b, out, [rank, dims..., stridesA..., stridesB...]) -> status
// For large contiguous single-dimension inputs the work is split so both cores run.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  double opD = 0;
  F32 a, b, out;
  std::vector<int64_t> p;
  if (!GetNumber(info, 0, &opD) || !GetF32(info, 1, &a) || !GetF32(info, 2, &b) || !GetF32(info, 3, &out) ||
      !GetI32(info, 4, &p) || p.empty()) {
    return Result(info, kBadArguments);
  }
  int rank = (int)p[0];
  if (rank < 1 || rank > kMaxRank || (int64_t)p.size() != 1 + 3 * rank) return Result(info, kBadArguments);
  int64_t dims[kMaxRank + 1], sa[kMaxRank + 1], sb[kMaxRank + 1];
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
  if ((int64_t)out.length != total || maxA >= (int64_t)a.length || maxB >= (int64_t)b.length) return Result(info, kBadArguments);
  // A single long row: split it into rows so the outer loop can go parallel.
  if (rank == 1 && dims[0] >= 65536 && (sa[0] <= 1) && (sb[0] <= 1)) {
    const int64_t n = dims[0], chunk = 4096;
    if (n % chunk == 0) {
      rank = 2;
      dims[0] = n / chunk;
      dims[1] = chunk;
      sa[1] = sa[0];
      sb[1] = sb[0];
      sa[0] = sa[0] * chunk;
      sb[0] = sb[0] * chunk;
    }
  }
  const float* pa = a.data;
  const float* pb = b.data;
  float* po = out.data;
  switch ((int32_t)opD) {
    case kAdd: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return x + y; }); break;
    case kSub: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return x - y; }); break;
    case kMul: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return x * y; }); break;
    case kDiv: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return x / y; }); break;
    case kMaximum: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : (x >= y ? x : y); }); break;
    case kMinimum: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : (x <= y ? x : y); }); break;
    case kSquaredDifference: Run(pa, pb, po, rank, dims, sa, sb, [](float x, float y) { return (x - y) * (x - y); }); break;
    // a = dy, b = the ReLU's input: dy where x > 0, else 0 (TF.js: dy * step(x)).
    case kReluGrad: Run(pa, pb, po, rank, dims, sa, sb, [](float g, float x) { const float s = x > 0.f ? 1.f : 0.f; return g * (x != x ? x : s); }); break;
    default: return Result(info, kUnsupported);
  }
  return Result(info, kOk);
}

}  // namespace ibc
