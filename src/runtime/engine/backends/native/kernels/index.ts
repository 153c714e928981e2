/** The one explicit registration list of native kernels. */
import type { NativeKernel } from '../backend.js';
import { conv2d } from './conv2d.js';
import { fusedConv2d } from './fused-conv2d.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { batchMatMul } from './batch-matmul.js';
import { fusedMatMul } from './fused-matmul.js';
import { maxPool } from './max-pool.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { avgPool } from './avg-pool.js';
import { avgPoolGrad } from './avg-pool-grad.js';
import { batchNorm } from './batch-norm.js';
import { add, sub, multiply, realDiv, maximum, minimum, squaredDifference } from './binary.js';
import {
  relu, relu6, sigmoid, tanh, exp, log, sqrt, rsqrt, square, neg, abs, step, elu, softplus, leakyRelu, reciprocal,
} from './unary.js';
import { sum, mean, max, min } from './reduce.js';
import { greater, greaterEqual, less, lessEqual, equal } from './compare.js';
import { cast } from './cast.js';
import { batchNormTrain, batchNormTrainGrad } from './batch-norm-train.js';
import { sgdStep } from './sgd-step.js';
import { reluGrad } from './relu-grad.js';

export const NATIVE_KERNELS: readonly NativeKernel[] = [
  conv2d, fusedConv2d, conv2dBackpropInput, conv2dBackpropFilter,
  batchMatMul, fusedMatMul,
  maxPool, maxPoolGrad, avgPool, avgPoolGrad,
  batchNorm,
  add, sub, multiply, realDiv, maximum, minimum, squaredDifference,
  relu, relu6, sigmoid, tanh, exp, log, sqrt, rsqrt, square, neg, abs, step, elu, softplus, leakyRelu, reciprocal,
  sum, mean, max, min,
  greater, greaterEqual, less, lessEqual, equal,
  cast,
  batchNormTrain, batchNormTrainGrad,
  sgdStep,
  reluGrad,
];
