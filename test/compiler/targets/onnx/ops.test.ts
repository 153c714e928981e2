/**
 * Every IR op exported alone (or with the one or two helper ops it needs to
 * get valid inputs) in a tiny graph, run in onnxruntime-node at batch 1 and 3
 * and compared with the reference interpreter (and the TF.js executor) in
 * inference mode, within 1e-5, at the oldest
 * supported opset, at the opsets where a lowering changes form (18: ReduceMean
 * axes as an input; 20: Gelu) and at the default.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import { exportOnnx } from '../../../../src/compiler/targets/onnx/export.js';
import { MAX_OPSET, MIN_OPSET } from '../../../../src/compiler/targets/onnx/opset.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { NO_PADS, TinyIr, maxAbsDiff, randomImages, randomWeights, runOnnx, runTfjs, useCpuBackend } from '../../../fixtures/onnx.js';

const OPSETS = [...new Set([MIN_OPSET, 17, 18, 19, 20, MAX_OPSET])];
const TOL = 1e-5;

interface Case {
  readonly name: string;
  readonly ir: ModelIR;
}

function single(name: string, build: (t: TinyIr) => string, input: readonly [number, number, number] = [7, 6, 3]): Case {
  const t = new TinyIr(input);
  const out = build(t);
  return { name, ir: t.build({ logits: out }) };
}

const activationCases = (['relu', 'sigmoid', 'tanh', 'leaky_relu', 'elu', 'gelu', 'softplus'] as const).map((fn) =>
  single(`Activation ${fn}`, (t) => t.add('act', 'Activation', { fn, ...(fn === 'leaky_relu' ? { alpha: 0.2 } : fn === 'elu' ? { alpha: 0.7 } : {}) }, ['image'], [7, 6, 3])),
);

const cases: Case[] = [
  single('Conv2D stride 2, asymmetric same pads, bias', (t) =>
    t.add('conv', 'Conv2D', { filters: 4, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], pads: { top: 0, bottom: 1, left: 1, right: 1 }, bias: true }, ['image'], [3, 3, 4]),
  ),
  single('Conv2D dilated 1x3 no bias', (t) =>
    t.add('conv', 'Conv2D', { filters: 2, kernel: [1, 3], stride: [1, 1], dilation: [2, 2], pads: { top: 0, bottom: 0, left: 2, right: 2 }, bias: false }, ['image'], [7, 6, 2]),
  ),
  single('BatchNorm on a map', (t) =>
    t.add('bn', 'BatchNorm', { epsilon: 1e-3, momentum: 0.1 }, ['image'], [7, 6, 3]),
  ),
  single('BatchNorm on a vector', (t) => {
    const f = t.add('flat', 'Flatten', {}, ['image'], [126]);
    return t.add('bn', 'BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [f], [126]);
  }),
  ...activationCases,
  single('Activation elu default alpha', (t) => t.add('act', 'Activation', { fn: 'elu' }, ['image'], [7, 6, 3])),
  single('ShiftedSoftplus', (t) => t.add('ssp', 'ShiftedSoftplus', { shift: -5 }, ['image'], [7, 6, 3])),
  single('MaxPool 3/2 with pads', (t) => t.add('pool', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 0, bottom: 1, left: 0, right: 1 } }, ['image'], [3, 3, 3])),
  single('MaxPool 2/2 valid', (t) => t.add('pool', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: NO_PADS }, ['image'], [3, 3, 3])),
  single('AvgPool 3/2 pads excluded', (t) => t.add('pool', 'AvgPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, ['image'], [4, 3, 3])),
  single('GlobalAvgPool', (t) => t.add('gap', 'GlobalAvgPool', {}, ['image'], [3])),
  single('AdaptiveAvgPool divisible 6x6 -> 3x2', (t) => t.add('aap', 'AdaptiveAvgPool', { size: [3, 2] }, ['image'], [3, 2, 3]), [6, 6, 3]),
  single('AdaptiveAvgPool 7x6 -> 3x4', (t) => t.add('aap', 'AdaptiveAvgPool', { size: [3, 4] }, ['image'], [3, 4, 3])),
  single('AdaptiveAvgPool 5x7 -> 3x3', (t) => t.add('aap', 'AdaptiveAvgPool', { size: [3, 3] }, ['image'], [3, 3, 3]), [5, 7, 3]),
  single('Dropout is the identity', (t) => t.add('drop', 'Dropout', { rate: 0.5 }, ['image'], [7, 6, 3])),
  single('Add', (t) => {
    const y = t.add('tanh', 'Activation', { fn: 'tanh' }, ['image'], [7, 6, 3]);
    return t.add('add', 'Add', {}, ['image', y], [7, 6, 3]);
  }),
  single('Flatten (NHWC order)', (t) => t.add('flat', 'Flatten', {}, ['image'], [126])),
  single('Dense with bias', (t) => {
    const f = t.add('flat', 'Flatten', {}, ['image'], [126]);
    return t.add('fc', 'Dense', { units: 5, bias: true }, [f], [5]);
  }),
  single('Dense without bias', (t) => {
    const f = t.add('gap', 'GlobalAvgPool', {}, ['image'], [3]);
    return t.add('fc', 'Dense', { units: 4, bias: false }, [f], [4]);
  }),
  single('Slice of a map', (t) => t.add('slice', 'Slice', { begin: 1, size: 2 }, ['image'], [7, 6, 2])),
  single('Slice of a vector', (t) => {
    const f = t.add('gap', 'GlobalAvgPool', {}, ['image'], [3]);
    return t.add('slice', 'Slice', { begin: 2, size: 1 }, [f], [1]);
  }),
  single('Sample is its mean', (t) => {
    const sd = t.add('sd', 'ShiftedSoftplus', { shift: -5 }, ['image'], [7, 6, 3]);
    return t.add('sample', 'Sample', { role: 'attention' }, ['image', sd], [7, 6, 3]);
  }),
  single('SampleMean is the identity', (t) => t.add('mean', 'SampleMean', {}, ['image'], [7, 6, 3])),
  single('Quantize to nearest anchor', (t) => {
    const s = t.add('slice', 'Slice', { begin: 0, size: 1 }, ['image'], [7, 6, 1]);
    const a = t.add('sig', 'Activation', { fn: 'sigmoid' }, [s], [7, 6, 1]);
    return t.add('q', 'Quantize', { anchorCount: 5 }, [a], [7, 6, 1]);
  }),
  single('ResizeNearest up 7x6 -> 14x12', (t) => t.add('up', 'ResizeNearest', { size: [14, 12] }, ['image'], [14, 12, 3])),
  single('ResizeNearest 7x6 -> 3x5', (t) => t.add('rs', 'ResizeNearest', { size: [3, 5] }, ['image'], [3, 5, 3])),
  single('ResizeNearest 6x6 -> 4x4 (float scales inexact)', (t) => t.add('rs', 'ResizeNearest', { size: [4, 4] }, ['image'], [4, 4, 3]), [6, 6, 3]),
  single('ResizeNearest down 8x8 -> 2x2', (t) => t.add('rs', 'ResizeNearest', { size: [2, 2] }, ['image'], [2, 2, 3]), [8, 8, 3]),
  single('Modulate', (t) => {
    const s = t.add('slice', 'Slice', { begin: 0, size: 1 }, ['image'], [7, 6, 1]);
    const a = t.add('sig', 'Activation', { fn: 'sigmoid' }, [s], [7, 6, 1]);
    return t.add('mod', 'Modulate', {}, ['image', a], [7, 6, 3]);
  }),
];

beforeAll(useCpuBackend);

describe('each IR op in onnxruntime-node matches the reference interpreter and TF.js', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const weights = randomWeights(c.ir, 11);
      for (const opset of OPSETS) {
        const result = exportOnnx(c.ir, weights, { opset, meta: { specName: 'tiny', specHash: 'test' } });
        expect(result.diagnostics).toEqual([]);
        const { bytes } = result.value!;
        for (const batch of [1, 3]) {
          const images = randomImages(batch, c.ir.inputShape, 100 + batch);
          const onnxOut = await runOnnx(bytes, images, [batch, ...c.ir.inputShape]);
          const reference = runReference(c.ir, weights, images, batch, { training: false, samples: 0 }).values.get(c.ir.taps.logits)!;
          const tfjs = runTfjs(c.ir, weights, images, batch, [c.ir.taps.logits]).get(c.ir.taps.logits)!;
          const got = onnxOut.logits!;
          expect(got.dims).toEqual([batch, ...c.ir.nodes[c.ir.nodes.length - 1]!.shape]);
          expect(maxAbsDiff(got.data, reference), `${c.name} vs reference at opset ${opset}, batch ${batch}`).toBeLessThanOrEqual(TOL);
          expect(maxAbsDiff(got.data, tfjs), `${c.name} vs TF.js at opset ${opset}, batch ${batch}`).toBeLessThanOrEqual(TOL);
        }
      }
    });
  }
});
