/**
 * Hand-built IRs for the GraphModel tests: one case per op configuration the
 * lowerings treat differently, and one small graph that chains every IR op
 * (with the attention taps) for the browser backends.
 */
import type { ModelIR } from '../../src/compiler/ir/ir.js';
import { NO_PADS, TinyIr } from '../onnx/helpers.js';

export interface OpCase {
  readonly name: string;
  readonly ir: ModelIR;
}

function single(name: string, build: (t: TinyIr) => string, input: readonly [number, number, number] = [7, 6, 3]): OpCase {
  const t = new TinyIr(input);
  return { name, ir: t.build({ logits: build(t) }) };
}

export const OP_CASES: readonly OpCase[] = [
  single('Conv2D stride 2, asymmetric pads, bias', (t) =>
    t.add('conv', 'Conv2D', { filters: 4, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], pads: { top: 0, bottom: 1, left: 1, right: 1 }, bias: true }, ['image'], [3, 3, 4]),
  ),
  single('Conv2D dilated 1x3, no bias', (t) =>
    t.add('conv', 'Conv2D', { filters: 2, kernel: [1, 3], stride: [1, 1], dilation: [2, 2], pads: { top: 0, bottom: 0, left: 2, right: 2 }, bias: false }, ['image'], [7, 6, 2]),
  ),
  single('Conv2D valid', (t) => t.add('conv', 'Conv2D', { filters: 3, kernel: [3, 2], stride: [1, 2], dilation: [1, 1], pads: NO_PADS, bias: true }, ['image'], [5, 3, 3])),
  single('BatchNorm on a map', (t) => t.add('bn', 'BatchNorm', { epsilon: 1e-3, momentum: 0.1 }, ['image'], [7, 6, 3])),
  single('BatchNorm on a vector', (t) => t.add('bn', 'BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [t.add('flat', 'Flatten', {}, ['image'], [126])], [126])),
  ...(['relu', 'sigmoid', 'tanh', 'leaky_relu', 'elu', 'gelu', 'softplus'] as const).map((fn) =>
    single(`Activation ${fn}`, (t) => t.add('act', 'Activation', { fn, ...(fn === 'leaky_relu' ? { alpha: 0.2 } : fn === 'elu' ? { alpha: 0.7 } : {}) }, ['image'], [7, 6, 3])),
  ),
  single('Activation elu default alpha', (t) => t.add('act', 'Activation', { fn: 'elu' }, ['image'], [7, 6, 3])),
  single('ShiftedSoftplus', (t) => t.add('ssp', 'ShiftedSoftplus', { shift: -5 }, ['image'], [7, 6, 3])),
  single('MaxPool 3/2 with pads', (t) => t.add('pool', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 0, bottom: 1, left: 0, right: 1 } }, ['image'], [3, 3, 3])),
  single('MaxPool 2/2 valid', (t) => t.add('pool', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: NO_PADS }, ['image'], [3, 3, 3])),
  single('AvgPool 3/2, pads excluded from the count', (t) => t.add('pool', 'AvgPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, ['image'], [4, 3, 3])),
  single('AvgPool 2/1 valid', (t) => t.add('pool', 'AvgPool', { size: [2, 2], stride: [1, 1], pads: NO_PADS }, ['image'], [6, 5, 3])),
  single('GlobalAvgPool', (t) => t.add('gap', 'GlobalAvgPool', {}, ['image'], [3])),
  single('AdaptiveAvgPool divisible 6x6 -> 3x2', (t) => t.add('aap', 'AdaptiveAvgPool', { size: [3, 2] }, ['image'], [3, 2, 3]), [6, 6, 3]),
  single('AdaptiveAvgPool 7x6 -> 3x4', (t) => t.add('aap', 'AdaptiveAvgPool', { size: [3, 4] }, ['image'], [3, 4, 3])),
  single('Dropout is the identity', (t) => t.add('drop', 'Dropout', { rate: 0.5 }, ['image'], [7, 6, 3])),
  single('Add', (t) => t.add('add', 'Add', {}, ['image', t.add('tanh', 'Activation', { fn: 'tanh' }, ['image'], [7, 6, 3])], [7, 6, 3])),
  single('Flatten (NHWC order)', (t) => t.add('flat', 'Flatten', {}, ['image'], [126])),
  single('Dense with bias', (t) => t.add('fc', 'Dense', { units: 5, bias: true }, [t.add('flat', 'Flatten', {}, ['image'], [126])], [5])),
  single('Dense without bias', (t) => t.add('fc', 'Dense', { units: 4, bias: false }, [t.add('gap', 'GlobalAvgPool', {}, ['image'], [3])], [4])),
  single('Slice of a map', (t) => t.add('slice', 'Slice', { begin: 1, size: 2 }, ['image'], [7, 6, 2])),
  single('Slice of a vector', (t) => t.add('slice', 'Slice', { begin: 2, size: 1 }, [t.add('gap', 'GlobalAvgPool', {}, ['image'], [3])], [1])),
  single('Sample is its mean', (t) => t.add('sample', 'Sample', { role: 'attention' }, ['image', t.add('sd', 'ShiftedSoftplus', { shift: -5 }, ['image'], [7, 6, 3])], [7, 6, 3])),
  single('SampleMean is the identity', (t) => t.add('mean', 'SampleMean', {}, ['image'], [7, 6, 3])),
  single('Quantize to the nearest anchor', (t) => {
    const a = t.add('sig', 'Activation', { fn: 'sigmoid' }, [t.add('slice', 'Slice', { begin: 0, size: 1 }, ['image'], [7, 6, 1])], [7, 6, 1]);
    return t.add('q', 'Quantize', { anchorCount: 5 }, [a], [7, 6, 1]);
  }),
  single('ResizeNearest up 7x6 -> 14x12', (t) => t.add('up', 'ResizeNearest', { size: [14, 12] }, ['image'], [14, 12, 3])),
  single('ResizeNearest 7x6 -> 3x5', (t) => t.add('rs', 'ResizeNearest', { size: [3, 5] }, ['image'], [3, 5, 3])),
  single('ResizeNearest 6x6 -> 4x4 (float scales inexact)', (t) => t.add('rs', 'ResizeNearest', { size: [4, 4] }, ['image'], [4, 4, 3]), [6, 6, 3]),
  single('Modulate', (t) => {
    const a = t.add('sig', 'Activation', { fn: 'sigmoid' }, [t.add('slice', 'Slice', { begin: 0, size: 1 }, ['image'], [7, 6, 1])], [7, 6, 1]);
    return t.add('mod', 'Modulate', {}, ['image', a], [7, 6, 3]);
  }),
];

/** Every IR op in one small graph, with attention taps: what the browser backends run. */
export function allOpsIr(): ModelIR {
  const t = new TinyIr([8, 8, 3]);
  const conv = t.add('conv', 'Conv2D', { filters: 4, kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pads: { top: 1, bottom: 1, left: 1, right: 1 }, bias: true }, ['image'], [8, 8, 4]);
  const bn = t.add('bn', 'BatchNorm', { epsilon: 1e-3, momentum: 0.1 }, [conv], [8, 8, 4]);
  const elu = t.add('elu', 'Activation', { fn: 'elu', alpha: 0.7 }, [bn], [8, 8, 4]);
  const gelu = t.add('gelu', 'Activation', { fn: 'gelu' }, [elu], [8, 8, 4]);
  const leaky = t.add('leaky', 'Activation', { fn: 'leaky_relu', alpha: 0.2 }, [gelu], [8, 8, 4]);
  const drop = t.add('drop', 'Dropout', { rate: 0.3 }, [leaky], [8, 8, 4]);
  const max = t.add('max', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 0, bottom: 1, left: 0, right: 1 } }, [drop], [4, 4, 4]);
  const avg = t.add('avg', 'AvgPool', { size: [3, 3], stride: [1, 1], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, [max], [4, 4, 4]);
  const tanh = t.add('tanh', 'Activation', { fn: 'tanh' }, [avg], [4, 4, 4]);
  const relu = t.add('relu', 'Activation', { fn: 'relu' }, [avg], [4, 4, 4]);
  const sum = t.add('sum', 'Add', {}, [tanh, relu], [4, 4, 4]);
  const head = t.add('head', 'Slice', { begin: 1, size: 1 }, [sum], [4, 4, 1]);
  const mu = t.add('mu', 'Activation', { fn: 'sigmoid' }, [head], [4, 4, 1]);
  const sd = t.add('sd', 'ShiftedSoftplus', { shift: -5 }, [head], [4, 4, 1]);
  const sample = t.add('sample', 'Sample', { role: 'attention' }, [mu, sd], [4, 4, 1]);
  const q = t.add('q', 'Quantize', { anchorCount: 6 }, [sample], [4, 4, 1]);
  const pooled = t.add('pooled', 'AdaptiveAvgPool', { size: [3, 3] }, [sum], [3, 3, 4]);
  const small = t.add('small', 'ResizeNearest', { size: [3, 3] }, [q], [3, 3, 1]);
  const mod = t.add('mod', 'Modulate', {}, [pooled, small], [3, 3, 4]);
  const soft = t.add('soft', 'Activation', { fn: 'softplus' }, [mod], [3, 3, 4]);
  const flat = t.add('flat', 'Flatten', {}, [soft], [36]);
  const fc1 = t.add('fc1', 'Dense', { units: 5, bias: true }, [flat], [5]);
  const gap = t.add('gap', 'GlobalAvgPool', {}, [soft], [4]);
  const fc2 = t.add('fc2', 'Dense', { units: 5, bias: false }, [gap], [5]);
  const both = t.add('both', 'Add', {}, [fc1, fc2], [5]);
  const bn2 = t.add('bn2', 'BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [both], [5]);
  const logits = t.add('logits', 'SampleMean', {}, [bn2], [5]);
  return t.build({ logits, attentionMean: mu, attentionSample: sample, attentionQuantized: q }, 5);
}
