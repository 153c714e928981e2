/**
 * TF.js core, loaded with `require` and re-exported: every module of ibc
 * takes TF.js from here, never with an ES `import` of the package.
 *
 * Why: `@tensorflow/tfjs-core` is a CommonJS bundle of 1.2 MB, and an ES
 * `import` of a CommonJS module first scans its whole source for export names
 * (Node's cjs-module-lexer), even when it is already loaded: measured, about
 * 140 ms on top of the 60 ms the load itself takes, paid by every command that
 * touches TF.js (`ibc train` among them). `require` skips the scan.
 *
 * The values are the ones ibc uses (a name missing here is a type error where
 * it is used); the types are all of TF.js's. A class used both as a value and
 * as a type is exported as both.
 */
import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';

const core = createRequire(import.meta.url)('@tensorflow/tfjs-core') as typeof TfCore;

export type * from '@tensorflow/tfjs-core';

export const {
  abs, add, argMax, argMin, avgPool, backend, backend_util, batchNorm, cast, clipByValue, clone, concat, customGrad, dispose, div, elu, enableProdMode, engine, env, erf, exp,
  expandDims, fill, findBackendFactory, fused, gather, getBackend, getGradient, getKernel, getKernelsForBackend, grad, greater, greaterEqual, keep, leakyRelu, less, log, log1p,
  logSoftmax, matMul, maxPool, maximum, mean, minimum, moments, mul, neg, oneHot, ones, onesLike, pad, pow, profile, ready, registerBackend, registerGradient, registerKernel, relu,
  removeBackend, reshape, rsqrt, scalar, setBackend, sigmoid, sign, slice, sqrt, square, squaredDifference, stack, step, sub, sum, tanh, tensor, tensor1d, tensor2d, tensor4d, tidy,
  tile, transpose, unregisterKernel, unsortedSegmentSum, util, variable, variableGrads, where, zeros, zerosLike,
  Tensor, Variable, KernelBackend,
} = core;
export type Tensor<R extends TfCore.Rank = TfCore.Rank> = TfCore.Tensor<R>;
export type Variable<R extends TfCore.Rank = TfCore.Rank> = TfCore.Variable<R>;
export type KernelBackend = TfCore.KernelBackend;
