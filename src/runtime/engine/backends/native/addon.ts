/**
 * Loads the native addon (a build from source, or the package's prebuilt one:
 * locate.ts) and describes its boundary. Only typed arrays and numbers cross it; every kernel returns a
 * status code and writes into an output array the TypeScript side allocated.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { packageRoot } from '../../../../host/package-root.js';
import { BUILD_FROM_SOURCE, explainLoadError, locateAddon, type AddonLocation, type AddonProblem } from './locate.js';

/** Status codes returned by native kernels (native/src/common.h). */
export const STATUS = { ok: 0, badArguments: 1, dnnlError: 2, unsupported: 3 } as const;
export type Status = number;

type F32 = Float32Array;

export interface NativeInfo {
  readonly dnnl: string;
  readonly cpuRuntime: string;
  readonly threads: number;
  /**
   * oneDNN's effective instruction set ("avx512_core_bf16", ...); the ONEDNN_MAX_CPU_ISA environment
   * variable can lower it. Absent from addons built before it was reported.
   */
  readonly isa?: string;
  /**
   * Whether oneDNN runs native bf16 kernels here (AVX512_BF16 or AMX), which PRECISION.bf16 requires.
   * Absent from addons built before bf16 support (precision.ts refuses bf16 on them).
   */
  readonly bf16?: boolean;
}

/**
 * The arithmetic of conv2d, its two backprop kernels and matmul: their trailing `precision`
 * argument. Arrays are float32 either way; with bf16 a kernel converts what it reads to
 * bfloat16, runs oneDNN's bf16 primitive and accumulates and writes float32. A bf16 call on a
 * CPU without native bf16 kernels returns STATUS.unsupported.
 */
export const PRECISION = { fp32: 0, bf16: 1 } as const;
export type PrecisionCode = (typeof PRECISION)[keyof typeof PRECISION];

/** The op codes of `unary` (native/src/unary.cc's UnaryOp). */
export const UNARY_OPS = {
  Relu: 0, Relu6: 1, Sigmoid: 2, Tanh: 3, Exp: 4, Log: 5, Sqrt: 6, Rsqrt: 7, Square: 8, Neg: 9, Abs: 10,
  Step: 11, Elu: 12, Softplus: 13, LeakyRelu: 14, Reciprocal: 15,
} as const;

/** The op codes of `binary` (native/src/binary.cc's BinaryOp); TF.js's kernel names where they are TF.js kernels. */
export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, ReluGrad: 7 } as const;

export interface NativeAddon {
  info(): NativeInfo;
  conv2d(x: F32, filter: F32, bias: F32 | null, out: F32, geometry: Int32Array, activation: number, alpha: number, precision?: PrecisionCode): Status;
  conv2dBackpropInput(dy: F32, filter: F32, dx: F32, geometry: Int32Array, precision?: PrecisionCode): Status;
  conv2dBackpropFilter(x: F32, dy: F32, dw: F32, geometry: Int32Array, precision?: PrecisionCode): Status;
  matmul(a: F32, b: F32, bias: F32 | null, out: F32, dims: Int32Array, activation: number, alpha: number, precision?: PrecisionCode): Status;
  maxPool(x: F32, out: F32, geometry: Int32Array): Status;
  /**
   * maxPool of batchNorm's output (inference: running statistics), then of unary Relu's when relu
   * is 1, in one pass over x: the same bits as the kernels one after the other. The per-channel
   * vectors have length 1 or the geometry's channel count.
   */
  batchNormMaxPool(x: F32, mean: F32, variance: F32, offset: F32 | null, scale: F32 | null, out: F32, geometry: Int32Array, epsilon: number, relu: number): Status;
  maxPoolGrad(dy: F32, x: F32, dx: F32, geometry: Int32Array): Status;
  avgPool(x: F32, out: F32, geometry: Int32Array): Status;
  avgPoolGrad(dy: F32, dx: F32, geometry: Int32Array): Status;
  batchNorm(x: F32, mean: F32, variance: F32, offset: F32 | null, scale: F32 | null, out: F32, channels: number, epsilon: number): Status;
  binary(op: number, a: F32, b: F32, out: F32, layout: Int32Array): Status;
  unary(op: number, x: F32, out: F32, alpha: number): Status;
  reduce(op: number, x: F32, out: F32, view: Int32Array): Status;
  compare(op: number, a: F32, b: F32, out: Uint8Array, layout: Int32Array): Status;
  castToFloat(x: Uint8Array | Int32Array, out: F32): Status;
  batchNormTrain(x: F32, scale: F32 | null, offset: F32 | null, y: F32, mean: F32, variance: F32, channels: number, epsilon: number): Status;
  sgdStep(param: F32, grad: F32, buf: F32 | null, newParam: F32, newBuf: F32 | null, lr: number, momentum: number, weightDecay: number, nesterov: number): Status;
  batchNormTrainGrad(dy: F32, x: F32, mean: F32, variance: F32, scale: F32 | null, dx: F32, dscale: F32, doffset: F32, channels: number, epsilon: number): Status;

  // Kernels of the compiled training step, called directly on its preallocated
  // buffers. Outputs must not overlap inputs unless a kernel says it works in place.
  // [rows, channels] arrays are NHWC tensors flattened; flags (relu) are 0 or 1.

  /** Training-mode batch norm with batch statistics (biased variance) written to mean/variance, then ReLU when relu is 1. */
  batchNormReluTrain(x: F32, scale: F32 | null, offset: F32 | null, y: F32, mean: F32, variance: F32, channels: number, epsilon: number, relu: number): Status;
  /** Its gradient; with relu 1, y is the forward output and dy counts only where y > 0 (y may be null when relu is 0). */
  batchNormReluTrainGrad(dy: F32, x: F32, y: F32 | null, mean: F32, variance: F32, scale: F32 | null, dx: F32, dscale: F32, doffset: F32, channels: number, epsilon: number, relu: number): Status;
  /** maxPool that also writes, per output, the flat index into x of the window's first maximum (-1 for an all-padding window). */
  maxPoolArgmax(x: F32, y: F32, argmax: Int32Array, geometry: Int32Array): Status;
  /**
   * dx = 0, then dx[argmax[i]] += dy[i]; every index must lie in its own image (or be -1). With
   * `keep` (the pool's output), only where keep[i] > 0: the mask of a ReLU before the pool.
   */
  maxPoolGradArgmax(dy: F32, argmax: Int32Array, dx: F32, inSizePerImage: number, outSizePerImage: number, keep?: F32 | null): Status;
  /** torch.optim.Adam in place on param, m, v, in float32 in the order optimizers.ts computes it; stepSize = lr / (1 - beta1^t). */
  adamStep(param: F32, grad: F32, m: F32, v: F32, stepSize: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, biasCorrection2Sqrt: number): Status;
  /** out[c] = sum over rows of x[row, c]. */
  channelSums(x: F32, out: F32, channels: number): Status;
  /** dst += src elementwise. */
  accumulate(dst: F32, src: F32): Status;
  /** index[i] = the anchor nearest values[i] (compiler/ir/index-maps.ts nearestAnchorIndex, exactly); out[i] = its value when given. */
  nearestAnchor(values: F32, anchors: F32, index: Int32Array, out: F32 | null): Status;
  /**
   * y = softplus(x + shift) by the formula of compiled/ops/elementwise.ts in double, rounded once, except
   * at the indices it lists in undecided (x's length + 1: [count, index...]), where its double lies
   * too near a float rounding boundary to know JavaScript's float: the caller computes those.
   */
  shiftedSoftplus(x: F32, y: F32, shift: number, undecided: Int32Array): Status;
  /** dx = dy * sigmoid(x + shift), or dx += it when add is 1, likewise (an undecided dx keeps its value). */
  shiftedSoftplusGrad(x: F32, dy: F32, dx: F32, shift: number, add: number, undecided: Int32Array): Status;
  /** y = mean + std * eps, mean and std (equal lengths) tiled over y's length, in double and rounded once (the JavaScript loop's result exactly). */
  sample(mean: F32, std: F32, eps: F32, y: F32): Status;
}

export type LoadResult =
  | { readonly ok: true; readonly addon: NativeAddon; readonly location: AddonLocation }
  | {
      readonly ok: false;
      /** Why, then the fix: one sentence for messages that print a single reason. */
      readonly reason: string;
      readonly why: string;
      /** One command line that fixes it. */
      readonly fix: string;
    };

function failure(problem: AddonProblem): LoadResult {
  return { ok: false, reason: `${problem.why}; to fix it: ${problem.fix}`, why: problem.why, fix: problem.fix };
}

/** Where this installation's addon is: the checkout's own build, else the package's prebuilt one. */
export function findAddon(): AddonLocation | AddonProblem {
  return locateAddon({ root: packageRoot(), platform: process.platform, arch: process.arch, exists: existsSync });
}

function givenAddon(path: string): AddonLocation | AddonProblem {
  return existsSync(path) ? { path, origin: 'built' } : { why: `the native kernels are not built (${path} is missing)`, fix: BUILD_FROM_SOURCE };
}

/**
 * Loads the addon (Node caches it); failures become a reason and a fix, never
 * an exception. `path` loads that file instead (tests), as a build from source.
 */
export function loadAddon(path?: string): LoadResult {
  const found = path === undefined ? findAddon() : givenAddon(path);
  if (!('path' in found)) return failure(found);
  try {
    const require = createRequire(import.meta.url);
    const addon = require(found.path) as NativeAddon;
    addon.info();
    return { ok: true, addon, location: found };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failure(explainLoadError(message, found));
  }
}
