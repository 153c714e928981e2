// Elementwise unary ops (activations and the math the gradients use).
#include <cmath>

#include "common.h"

namespace ibc {

namespace {

enum class UnaryOp : int32_t {
  kRelu = 0,
  kRelu6 = 1,
  kSigmoid = 2,
  kTanh = 3,
  kExp = 4,
  kLog = 5,
  kSqrt = 6,
  kRsqrt = 7,
  kSquare = 8,
  kNeg = 9,
  kAbs = 10,
  kStep = 11,
  kElu = 12,
  kSoftplus = 13,
  kLeakyRelu = 14,
  kReciprocal = 15,
};

// Every loop here is written twice, serial below kParallelFloats and parallel above, not as one
// `omp parallel for simd ... if (n > kParallelFloats)`: GCC 12 (without -march) ran that pragma's
// serial case about 50 times slower than either loop (a ReLU over 128k floats: 0.56 ms against
// 0.011 ms), and every tensor of a small model's batch is that size.
template <typename F>
void Run(const float* __restrict x, float* __restrict y, int64_t n, F f) {
  if (n > kParallelFloats) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  }
}

// As Run, for the ops with a parameter, which is passed to `f` rather than captured: GCC kept a
// branch per element in Step's select, and did not vectorise a lambda capturing alpha.
template <typename F>
void RunWith(const float* __restrict x, float* __restrict y, int64_t n, float alpha, F f) {
  if (n > kParallelFloats) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i], alpha);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i], alpha);
  }
}

// NaN stays NaN, as in TF.js.
inline float StepOf(float v, float alpha) {
  const float r = v > 0.f ? 1.f : alpha;
  return v != v ? v : r;
}

inline float LeakyReluOf(float v, float alpha) {
  const float m = alpha * v;
  return v < 0.f ? m : v;
}

// TF.js's softplus: exact for moderate x, x itself above ~15.9 and exp(x) below ~-15.9.
float Softplus(float x) {
  const float epsilon = 1.1920928955078125e-7f;
  const float threshold = std::log(epsilon) + 2.0f;
  if (x > -threshold) return x;
  if (x < threshold) return std::exp(x);
  return std::log1p(std::exp(x));
}

}  // namespace

// unary(op, x, out, alpha) -> status
Napi::Value Unary(const Napi::CallbackInfo& info) {
  double opD = 0, alphaD = 0;
  F32 x, y;
  if (!GetNumber(info, 0, &opD) || !GetF32(info, 1, &x) || !GetF32(info, 2, &y) || !GetNumber(info, 3, &alphaD) ||
      x.length != y.length) {
    return Result(info, kBadArguments);
  }
  const float alpha = (float)alphaD;
  const float* xs = x.data;
  float* ys = y.data;
  const int64_t n = (int64_t)x.length;
  switch ((UnaryOp)(int32_t)opD) {
    case UnaryOp::kRelu: Run(xs, ys, n, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case UnaryOp::kRelu6: Run(xs, ys, n, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); }); break;
    case UnaryOp::kSigmoid: Run(xs, ys, n, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
    case UnaryOp::kTanh: Run(xs, ys, n, [](float v) { return std::tanh(v); }); break;
    case UnaryOp::kExp: Run(xs, ys, n, [](float v) { return std::exp(v); }); break;
    case UnaryOp::kLog: Run(xs, ys, n, [](float v) { return std::log(v); }); break;
    case UnaryOp::kSqrt: Run(xs, ys, n, [](float v) { return std::sqrt(v); }); break;
    case UnaryOp::kRsqrt: Run(xs, ys, n, [](float v) { return 1.f / std::sqrt(v); }); break;
    case UnaryOp::kSquare: Run(xs, ys, n, [](float v) { return v * v; }); break;
    case UnaryOp::kNeg: Run(xs, ys, n, [](float v) { return -v; }); break;
    case UnaryOp::kAbs: Run(xs, ys, n, [](float v) { return std::fabs(v); }); break;
    case UnaryOp::kStep: RunWith(xs, ys, n, alpha, [](float v, float a) { return StepOf(v, a); }); break;
    case UnaryOp::kElu: Run(xs, ys, n, [](float v) { return v >= 0.f ? v : std::expm1(v); }); break;
    case UnaryOp::kSoftplus: Run(xs, ys, n, [](float v) { return Softplus(v); }); break;
    case UnaryOp::kLeakyRelu: RunWith(xs, ys, n, alpha, [](float v, float a) { return LeakyReluOf(v, a); }); break;
    case UnaryOp::kReciprocal: Run(xs, ys, n, [](float v) { return 1.f / v; }); break;
    default: return Result(info, kUnsupported);
  }
  return Result(info, kOk);
}

}  // namespace ibc
