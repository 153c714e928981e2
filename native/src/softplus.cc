// The shifted softplus of the IB module's std heads, y = softplus(x + shift), and its gradient
// dx = dy * sigmoid(x + shift), for the compiled step (src/runtime/engine/compiled/ops/elementwise.ts).
//
// The arithmetic is JavaScript's: z = x + shift in double (the shift is a double attribute), the
// function in double, one rounding to float at the end. Rounding z to float instead would move
// exp(z) by |z| float ulps where softplus(z) ~ exp(z) (z = -80: ~100 ulps), so the loops work in
// double. std::exp and std::log1p are calls GCC cannot vectorise (a scalar native version gained
// little over the JavaScript loop); Exp and Log1p below are branch-free (range reduction,
// polynomial, selects) so each loop compiles to vector code, and accurate to ~1e-13 relative: far
// below a float ulp (6e-8), so a result differs from the JavaScript loop's by at most one ulp,
// and only where the double value lies within ~1e-13 of a float rounding boundary.
#include <cstdint>
#include <cstring>

#include "common.h"

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
// series to r^11 / 11! (truncation < 1e-14 relative), scaled by 2^k built in the exponent bits.
inline double Exp(double w) {
  const double kd = w * kLog2e + kRoundMagic;
  const double k = kd - kRoundMagic;
  const double r = (w - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 39916800.0;
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
// formed); the series to s^25 / 25 leaves < 2e-14 relative.
inline double Log1p(double t) {
  const double s = t / (2.0 + t);
  const double s2 = s * s;
  double q = 1.0 / 25.0;
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

// softplus(z) = max(z, 0) + log1p(exp(-|z|)), as the JavaScript loop writes it; NaN stays NaN.
inline float SoftplusOf(float x, double shift) {
  const double z = (double)x + shift;
  const double a = Select(z < 0.0, -z, z);
  const double t = Exp(Clamp(-a, -kExpLimit, kExpLimit));
  const double y = Select(z > 0.0, z, 0.0) + Log1p(t);
  return (float)Select(z != z, z, y);
}

// sigmoid(z) = 1 / (1 + exp(-z)); NaN stays NaN.
inline double SigmoidOf(float x, double shift) {
  const double z = (double)x + shift;
  const double s = 1.0 / (1.0 + Exp(Clamp(-z, -kExpLimit, kExpLimit)));
  return Select(z != z, z, s);
}

// The loops over one range, compiled for AVX2 and baseline x86-64 (common.h). Free functions with
// restrict parameters, so GCC vectorises them without run-time alias checks.
IBC_VECTOR_CLONES void SoftplusRange(const float* __restrict x, float* __restrict y, int64_t n, double shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = SoftplusOf(x[i], shift);
}

IBC_VECTOR_CLONES void GradRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                 int64_t n, double shift) {
  for (int64_t i = 0; i < n; ++i) dx[i] = (float)((double)dy[i] * SigmoidOf(x[i], shift));
}

IBC_VECTOR_CLONES void GradAddRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                                    int64_t n, double shift) {
  for (int64_t i = 0; i < n; ++i) dx[i] = (float)((double)dx[i] + (double)dy[i] * SigmoidOf(x[i], shift));
}

// Whether two arrays share memory (the loops' restrict parameters forbid it).
bool Overlap(const F32& a, const F32& b) {
  return a.length > 0 && b.length > 0 && a.data < b.data + b.length && b.data < a.data + a.length;
}

// Runs body(begin, length) over [0, n): one call below kParallelFloats, else fixed chunks split
// across threads (a loop per range rather than `parallel for simd if()`: unary.cc explains why).
constexpr int64_t kChunk = 16384;

template <typename Body>
void ForRanges(int64_t n, Body body) {
  if (n <= kParallelFloats) {
    body(0, n);
    return;
  }
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    body(begin, (n - begin) < kChunk ? n - begin : kChunk);
  }
}

}  // namespace

// shiftedSoftplus(x, y, shift) -> status: y = softplus(x + shift).
Napi::Value ShiftedSoftplus(const Napi::CallbackInfo& info) {
  F32 x, y;
  double shift = 0;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &y) || !GetNumber(info, 2, &shift) || x.length != y.length ||
      Overlap(x, y)) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  float* ys = y.data;
  ForRanges((int64_t)x.length, [&](int64_t begin, int64_t length) { SoftplusRange(xs + begin, ys + begin, length, shift); });
  return Result(info, kOk);
}

// shiftedSoftplusGrad(x, dy, dx, shift, add) -> status: dx = dy * sigmoid(x + shift), or dx += it
// when add is 1.
Napi::Value ShiftedSoftplusGrad(const Napi::CallbackInfo& info) {
  F32 x, dy, dx;
  double shift = 0;
  bool add = false;
  if (!GetF32(info, 0, &x) || !GetF32(info, 1, &dy) || !GetF32(info, 2, &dx) || !GetNumber(info, 3, &shift) ||
      !GetFlag(info, 4, &add) || dy.length != x.length || dx.length != x.length ||
      Overlap(dx, x) || Overlap(dx, dy)) {
    return Result(info, kBadArguments);
  }
  const float* xs = x.data;
  const float* dys = dy.data;
  float* dxs = dx.data;
  ForRanges((int64_t)x.length, [&](int64_t begin, int64_t length) {
    if (add) {
      GradAddRange(xs + begin, dys + begin, dxs + begin, length, shift);
    } else {
      GradRange(xs + begin, dys + begin, dxs + begin, length, shift);
    }
  });
  return Result(info, kOk);
}

}  // namespace ibc
