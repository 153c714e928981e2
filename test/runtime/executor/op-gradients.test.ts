/**
 * The backward pass of each lowering against finite differences: a graph
 * image -> conv (the parameter under test) -> OP -> global average -> dense,
 * so that the loss depends on the op's every output. Quantize is excluded
 * (straight-through: its true derivative is zero almost everywhere; see
 * ib.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import { createTfjsModel, disposeForward, disposeLoss, disposeTrainStep } from '../../../src/runtime/executor/model.js';
import { Random } from '../../../src/support/random.js';
import { registerNativeBackend } from '../../../src/runtime/backends/native/index.js';
import { GraphBuilder, randomArray, randomParams } from '../../fixtures/tiny-ir.js';

const native = registerNativeBackend();
/** TF.js CPU always; ibc's oneDNN backend (native backward kernels) when it is built. */
const BACKENDS = ['cpu', ...(native.ok ? [native.name] : [])];

const ZERO = { top: 0, bottom: 0, left: 0, right: 0 };

/** Adds the op under test after a 3x3 conv on a 7x8x2 image; returns the node whose output feeds the head. */
type Body = (g: GraphBuilder, c: string) => string;

function graph(body: Body): ModelIR {
  const g = new GraphBuilder([7, 8, 2]);
  const c = g.conv('c', 'image', 3, 3);
  const out = body(g, c);
  const shape = g.shape(out);
  const pooled = shape.length === 3 ? g.add('gap', 'GlobalAvgPool', {}, [out], {}, [shape[2]!]) : out;
  const d = g.dense('head', pooled, 3);
  const logits = g.add('logits', 'SampleMean', {}, [d], {}, [3]);
  return g.build({ logits }, {});
}

const cases: [string, Body, number?][] = [
  ['Conv2D stride 2, asymmetric pads', (g, c) =>
    g.add('op', 'Conv2D', { filters: 2, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], pads: { top: 0, bottom: 1, left: 1, right: 0 }, bias: true }, [c], { kernel: [3, 3, 3, 2], bias: [2] }, [4, 4, 2])],
  ['Conv2D dilation 2', (g, c) => g.conv('op', c, 2, 3, { dilation: 2, pad: 2 })],
  ['Conv2D dilation 2 stride 2', (g, c) => g.conv('op', c, 2, 3, { dilation: 2, pad: 1, stride: 2 })],
  ['MaxPool with padding', (g, c) => g.add('op', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, [c], {}, [4, 4, 3])],
  ['AvgPool with padding (excluded cells)', (g, c) => g.add('op', 'AvgPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 0, left: 1, right: 1 } }, [c], {}, [3, 4, 3])],
  ['AvgPool valid', (g, c) => g.add('op', 'AvgPool', { size: [2, 2], stride: [2, 2], pads: ZERO }, [c], {}, [3, 4, 3])],
  ['AdaptiveAvgPool', (g, c) => g.add('op', 'AdaptiveAvgPool', { size: [3, 5] }, [c], {}, [3, 5, 3])],
  ['ResizeNearest up', (g, c) => g.add('op', 'ResizeNearest', { size: [10, 11] }, [c], {}, [10, 11, 3])],
  ['ResizeNearest down', (g, c) => g.add('op', 'ResizeNearest', { size: [3, 5] }, [c], {}, [3, 5, 3])],
  ['BatchNorm (training)', (g, c) => g.batchNorm('op', c)],
  ['gelu', (g, c) => g.act('op', c, 'gelu')],
  ['elu alpha 0.5', (g, c) => g.act('op', c, 'elu', 0.5)],
  ['elu', (g, c) => g.act('op', c, 'elu')],
  ['leaky_relu', (g, c) => g.act('op', c, 'leaky_relu', 0.1)],
  ['tanh', (g, c) => g.act('op', c, 'tanh')],
  ['sigmoid', (g, c) => g.act('op', c, 'sigmoid')],
  ['softplus', (g, c) => g.act('op', c, 'softplus')],
  ['ShiftedSoftplus', (g, c) => g.add('op', 'ShiftedSoftplus', { shift: -2 }, [c], {}, [7, 8, 3])],
  ['Add', (g, c) => g.add('op', 'Add', {}, [c, g.act('t', c, 'tanh')], {}, [7, 8, 3])],
  ['Flatten, Dense, Slice', (g, c) => {
    const f = g.add('f', 'Flatten', {}, [c], {}, [168]);
    return g.add('op', 'Slice', { begin: 2, size: 4 }, [g.dense('d', f, 7)], {}, [4]);
  }],
  ['Sample (n = 2) and Modulate with tiling', (g, c) => {
    const mu = g.act('mu', g.conv('m', c, 1, 3), 'sigmoid');
    const sd = g.add('sd', 'ShiftedSoftplus', { shift: -1 }, [g.conv('s', mu, 1, 3)], {}, [7, 8, 1]);
    const a = g.add('a', 'Sample', { role: 'attention' }, [mu, sd], {}, [7, 8, 1]);
    return g.add('op', 'Modulate', {}, [c, a], {}, [7, 8, 3]);
  }],
];

function check(ir: ModelIR, names: readonly string[]): void {
  const params = randomParams(ir, 31);
  const model = createTfjsModel(ir, params);
  const images = tf.tensor4d(randomArray(3 * 7 * 8 * 2, 32), [3, 7, 8, 2]);
  const labels = tf.tensor1d([2, 0, 1], 'int32');
  const options = { samples: 2, noise: Random.fromSeed(5) };
  const step = model.trainStepGradients(images, labels, { ...options, updateStatistics: false });
  const analytic = new Map([...step.gradients].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
  disposeTrainStep(step);
  const loss = (): number => {
    const out = model.forward(images, { training: true, samples: 2, noise: Random.fromSeed(5) });
    const l = model.loss(out, labels);
    const v = l.total.dataSync()[0]!;
    disposeLoss(l);
    disposeForward(out);
    return v;
  };
  const h = 2e-3;
  for (const name of names) {
    const base = params.get(name)!;
    for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
      const at = (delta: number): number => {
        const p = base.slice();
        p[i]! += delta;
        model.setWeights(new Map([[name, p]]));
        return loss();
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      model.setWeights(new Map([[name, base]]));
      const a = analytic.get(name)![i]!;
      expect(Math.abs(a - numeric), `${name}[${i}]: analytic ${a}, numeric ${numeric}`).toBeLessThanOrEqual(1e-2 * Math.max(Math.abs(a), Math.abs(numeric)) + 3e-4);
    }
  }
  model.dispose();
  tf.dispose([images, labels]);
}

describe.each(BACKENDS)('each lowering backward vs finite differences on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  it.each(cases)('%s', (_label, body) => {
    const ir = graph(body);
    const names = ir.params.filter((p) => p.group === 'weights' && p.name !== 'head/bias').map((p) => p.name);
    check(ir, names);
  });
});
