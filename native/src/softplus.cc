// The shifted softplus of the IB module's std heads, y = softplus(x + shift), and its gradient
// dx = dy * sigmoid(x + shift), for the compiled step (src/runtime/engine/compiled/ops/elementwise.ts),
// giving the JavaScript loops' results bit for bit.
//
// The arithmetic is JavaScript's: z = x + shift in double (the shift is a double attribute), the
// function in double, one rounding to float at the end (rounding z to float instead would move
// exp(z) by |z| float ulps where softplus(z) ~ exp(z)). std::exp and std::log1p are calls GCC
// cannot vectorise (a scalar native version gained little over the JavaScript loop); Exp and Log1p
// below are branch-free (range reduction, polynomial, selects), so each loop compiles to vector
// code. Their doubles differ from JavaScript's by a few double ulps, which changes the float only
// when the value lies that close to a float rounding boundary: the kernel detects those values
// (a few per million) and lists them, and the caller computes them in JavaScript.
#include <cstdint>
#include <cstring>

#include "common.h"

// The results must be JavaScript's roundings (dx + dy * s is two of them): no fused multiply-add
// here on targets whose baseline has one (x86-64's clones have none either way).
#pragma GCC optimize("fp-contract=off")

namespace ibc {

namespace {

// exp's argument is clamped to [-kExpLimit, kExpLimit], where 2^k stays a normal double. Beyond
// it every result here rounds to what the exact one would in float: softplus(z) = exp(z) < 1e-300
// rounds to 0, log1p(exp(-|z|)) < 1e-300 vanishes beside max(z, 0), and sigmoid(z) = 1 / (1 +
// exp(-z)) is 1 or below 1e-300, which any float gradient times rounds to 0.
constexpr double kExpLimit = 708.0;
constexpr double kLog2e = 1.4426950408889634074;
// ln 2 in two parts: the high part has trailing zero bits, so k * kLn2Hi is exact for |k| < 2^11.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
// Adding 1.5 * 2^52 rounds a double of magnitude < 2^51 to an integer, which then sits in the
// low mantissa bits: rounding and the integer's bits without a conversion instruction.
constexpr double kRoundMagic = 6755399441055744.0;

// c ? a : b as a bit mask: GCC turns a plain `c ? a : b` of doubles into a branch here (it may
// not evaluate a trapping operation on a path that did not), which stops the loop vectorising.
inline double Select(bool c, double a, double b) {
  uint64_t ab, bb;
  std::memcpy(&ab, &a, sizeof ab);
  std::memcpy(&bb, &b, sizeof bb);
  const uint64_t mask = c ? ~uint64_t{0} : uint64_t{0};
  const uint64_t bits = (ab & mask) | (bb & ~mask);
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// v clamped to [lo, hi]; NaN becomes lo (the callers pass a NaN through on their own).
inline double Clamp(double v, double lo, double hi) {
  const double a = Select(v < lo, lo, v);
  return Select(a > hi, hi, a);
}

// e^w for w in [-kExpLimit, kExpLimit]: w = k ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
// series to r^13 / 13! (truncation < 1e-17 relative), scaled by 2^k built in the exponent bits.
inline double Exp(double w) {
  const double kd = w * kLog2e + kRoundMagic;
  const double k = kd - kRoundMagic;
  const double r = (w - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // kd's low mantissa bits hold 2^51 + k; adding the bias and shifting by 52 leaves (k + 1023)
  // in the exponent field (k + 1023 is in [1, 2046] for the clamped w) and a zero mantissa.
  uint64_t bits;
  std::memcpy(&bits, &kd, sizeof bits);
  const uint64_t scaleBits = (bits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &scaleBits, sizeof scale);
  return p * scale;
}

// log(1 + t) for t in [0, 1]: with s = t / (2 + t), log(1 + t) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5
// + ...), s <= 1/3. Every term is positive, so tiny t keeps full relative precision (no 1 + t is
// formed); the series to s^35 / 35 leaves < 1e-17 relative.
inline double Log1p(double t) {
  const double s = t / (2.0 + t);
  const double s2 = s * s;
  double q = 1.0 / 35.0;
  q = q * s2 + 1.0 / 33.0;
  q = q * s2 + 1.0 / 31.0;
  q = q * s2 + 1.0 / 29.0;
  q = q * s2 + 1.0 / 27.0;
  q = q * s2 + 1.0 / 25.0;
  q = q * s2 + 1.0 / 23.0;
  q = q * s2 + 1.0 / 21.0;
  q = q * s2 + 1.0 / 19.0;
  q = q * s2 + 1.0 / 17.0;
  q = q * s2 + 1.0 / 15.0;
  q = q * s2 + 1.0 / 13.0;
  q = q * s2 + 1.0 / 11.0;
  q = q * s2 + 1.0 / 9.0;
  q = q * s2 + 1.0 / 7.0;
  q = q * s2 + 1.0 / 5.0;
  q = q * s2 + 1.0 / 3.0;
  const double twoS = s + s;
  return twoS + twoS * s2 * q;
}

// Exp, Log1p and the double operations around them are within 4e-16 of the exact log1p term and
// exponential (measured over 2e7 arguments against long double), JavaScript's Math.exp and
// Math.log1p within about as much: the two lie within kTolerance (relative, 15 times that) of each
// other. What follows them is the same correctly rounded double arithmetic on both sides, so a
// result is JavaScript's double when that arithmetic gives one double for any term within
// kTolerance of this kernel's (`certain` below); otherwise a sum with the term may round one
// double ulp (kUlp relative) the other way. Where the interval that leaves around the result
// straddles a float rounding boundary (a few in a million values, and NaN ones), this kernel
// cannot tell which float JavaScript's double rounds to: it lists the index as undecided and the
// caller computes that value with JavaScript's own formula, so the output is the loop's bit for bit.
constexpr double kTolerance = 0x1p-46;
constexpr double kUlp = 0x1p-52;

inline double Abs(double v) { return Select(v < 0.0, -v, v); }

inline bool Undecided(double v, double error) { return (float)(v - error) != (float)(v + error); }

// The loops over one range, compiled for AVX2 and baseline x86-64 (common.h). Free functions with
// restrict parameters, so GCC vectorises them without run-time alias checks. Each marks undecided
// elements in `flags` and returns how many it marked.

// y = max(z, 0) + l with l = log1p(exp(-|z|)). Certain where the sum rounds alike for l's whole
// interval (z = x + shift often lies on a float rounding boundary, l far below its ulp); else
// JavaScript's y is within kTolerance l + one ulp.
IBC_VECTOR_CLONES int32_t SoftplusRange(const float* __restrict x, float* __restrict y, uint8_t* __restrict flags,
                                        int64_t n, double shift) {
  int32_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double z = (double)x[i] + shift;
    const double m = Select(z > 0.0, z, 0.0);
    const double l = Log1p(Exp(Clamp(-Abs(z), -kExpLimit, kExpLimit)));  // >= 0, or NaN
    const double v = m + l;
    const bool certain = m + l * (1.0 - kTolerance) == m + l * (1.0 + kTolerance);  // false for NaN
    const bool undecided = !certain & Undecided(v, kTolerance * l + kUlp * v);  // & and | here: no branch
    y[i] = (float)v;
    flags[i] = undecided;
    count += undecided;
  }
  return count;
}

// dx = dy * s, or dx + dy * s when Add, with s = 1 / (1 + e), e = exp(-z). Certain where 1 + e
// rounds alike for e's whole interval (then s, the product and the sum are JavaScript's exactly;
// this covers z above ~37, where s = 1, and tiny |z|, where e = 1 exactly on both sides, and where
// dx + dy * s often lies on a float rounding boundary); else the product is within kTolerance and
// a sum within one more ulp. An undecided dx keeps its value, for the caller to add to.
template <bool Add>
inline bool GradElement(float x, float dy, float* dx, double shift) {
  const double z = (double)x + shift;
  const double e = Exp(Clamp(-z, -kExpLimit, kExpLimit));
  const double p = (double)dy * (1.0 / (1.0 + e));
  const double v = Add ? (double)*dx + p : p;
  const bool exactE = Abs(z) < 0x1p-55;  // e^-z rounds to 1 in both
  const bool certain = exactE | (1.0 + e * (1.0 - kTolerance) == 1.0 + e * (1.0 + kTolerance));
  const bool undecided = !certain & Undecided(v, kTolerance * Abs(p) + (Add ? kUlp * Abs(v) : 0.0));
  *dx = (float)Select(undecided, (double)*dx, v);
  return undecided;
}

// Add: dx += the gradient (else dx = it); one clone set per mode, so neither loop tests it per element.
template <bool Add>
IBC_VECTOR_CLONES int32_t GradRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                    uint8_t* __restrict flags, int64_t n, double shift) {
  int32_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool undecided = GradElement<Add>(x[i], dy[i], dx + i, shift);
    flags[i] = undecided;
    count += undecided;
  }
  return count;
}

// Whether two arrays share memory (the loops' restrict parameters forbid it).
bool Overlap(const F32& a, const F32& b) {
  return a.length > 0 && b.length > 0 && a.data < b.data + b.length && b.data < a.data + a.length;
}

// Runs range(begin, length, flags) -> count over [0, n) in chunks (on several threads above
// kParallelFloats: a loop per chunk rather than `parallel for simd if()`, which unary.cc explains),
// then lists the flagged indices of each chunk that has any in undecided[1..] and their number in
// undecided[0]. The list has room for every index, so it never overflows; its order is unspecified.
constexpr int64_t kChunk = 4096;

template <typename Range>
void RunListingUndecided(int64_t n, int32_t* undecided, Range range) {
  int32_t listed = 0;
  auto chunk = [&](int64_t c) {
    uint8_t flags[kChunk];
    const int64_t begin = c * kChunk;
    const int64_t length = (n - begin) < kChunk ? n - begin : kChunk;
    if (range(begin, length, flags) == 0) return;
    for (int64_t i = 0; i < length; ++i) {
      if (!flags[i]) continue;
      int32_t slot;
#pragma omp atomic capture
      slot = listed++;
      undecided[1 + slot] = (int32_t)(begin + i);
    }
  };
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  if (n > kParallelFloats) {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) chunk(c);
  } else {
    for (int64_t c = 0; c < chunks; ++c) chunk(c);
  }
  undecided[0] = listed;
}

}  // namespace

// shiftedSoftplus(x, y, shift, undecided: Int32Array of x's length + 1) -> status:
// y = softplus(x + shift), except at the undecided[0] indices listed after it, which the caller
// computes (their y is written but may be one float step from JavaScript's).
Napi::Value ShiftedSoftplus(const Napi::CallbackInfo& info) {
  F32 x, y;
  I32 undecided;
  double shift = 0;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &y) || !GetNumber(info, 2, &shift) || !GetI32View(info, 3, &undecided) ||
      x.length != y.length || undecided.length != x.length + 1 || x.length > 0x7ffffffe || Overlap(x, y)) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  float* ys = y.data;
  RunListingUndecided((int64_t)x.length, undecided.data, [&](int64_t begin, int64_t length, uint8_t* flags) {
    return SoftplusRange(xs + begin, ys + begin, flags, length, shift);
  });
  return Result(info, kOk);
}

// shiftedSoftplusGrad(x, dy, dx, shift, add, undecided) -> status: dx = dy * sigmoid(x + shift),
// or dx += it when add is 1, except at the listed undecided indices (as shiftedSoftplus), whose dx
// keeps its value when add is 1, so that the caller can add there itself.
Napi::Value ShiftedSoftplusGrad(const Napi::CallbackInfo& info) {
  F32 x, dy, dx;
  I32 undecided;
  double shift = 0;
  bool add = false;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &dy) || !GetF32(info, 2, &dx) || !GetNumber(info, 3, &shift) ||
      !GetFlag(info, 4, &add) || !GetI32View(info, 5, &undecided) || dy.length != x.length || dx.length != x.length ||
      undecided.length != x.length + 1 || x.length > 0x7ffffffe || Overlap(dx, x) || Overlap(dx, dy)) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  const float* dys = dy.data;
  float* dxs = dx.data;
  RunListingUndecided((int64_t)x.length, undecided.data, [&](int64_t begin, int64_t length, uint8_t* flags) {
    return add ? GradRange<true>(xs + begin, dys + begin, dxs + begin, flags, length, shift)
               : GradRange<false>(xs + begin, dys + begin, dxs + begin, flags, length, shift);
  });
  return Result(info, kOk);
}

}  // namespace ibc
