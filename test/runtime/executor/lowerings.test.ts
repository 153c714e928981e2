/**
 * Every lowering against the reference interpreter, node by node, on tiny
 * random graphs (CPU backend). Tolerance: |tfjs - ref| <= 1e-5 + 1e-5 |ref|.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelIR, Op } from '../../../src/compiler/ir/ir.js';
import { OPS } from '../../../src/compiler/ir/ir.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { runGraph } from '../../../src/runtime/executor/executor.js';
import { runReference, type ReferenceOptions } from '../../../src/compiler/reference/interpret.js';
import { registerTfjsGradients } from '../../../src/runtime/executor/gradients.js';
import { Random } from '../../../src/support/random.js';
import { registerNativeBackend } from '../../../src/runtime/backends/native/index.js';
import { GraphBuilder, randomArray, randomParams, tinyAttentionIr } from '../../fixtures/tiny-ir.js';

const native = registerNativeBackend();
/** The suite runs on every backend this machine has: TF.js CPU always, ibc's oneDNN backend when built. */
const BACKENDS = ['cpu', ...(native.ok ? [native.name] : [])];

beforeAll(() => {
  registerTfjsGradients();
});

const ZERO = { top: 0, bottom: 0, left: 0, right: 0 };

interface Mode {
  readonly training: boolean;
  readonly samples: number;
  readonly seed?: number;
}

/** Runs both executors and compares every node; returns the ops that were checked. */
function compareAllNodes(ir: ModelIR, batch: number, mode: Mode, seed = 1): Set<Op> {
  expect(verifyIR(ir)).toEqual([]);
  const params = randomParams(ir, seed);
  const input = randomArray(batch * ir.inputShape[0] * ir.inputShape[1] * ir.inputShape[2], seed + 100);
  const refOptions: ReferenceOptions =
    mode.seed === undefined ? { training: false, samples: 0 } : { training: mode.training, samples: mode.samples, noise: Random.fromSeed(mode.seed) };
  const reference = runReference(ir, params, input, batch, refOptions);
  const checked = new Set<Op>();
  tf.tidy(() => {
    const tensors = new Map([...params].map(([k, v]) => [k, tf.tensor(v, [...ir.params.find((p) => p.name === k)!.shape])]));
    const x = tf.tensor4d(input, [batch, ...ir.inputShape]);
    const result = runGraph(
      ir,
      (name) => tensors.get(name)!,
      x,
      { training: mode.training, samples: mode.samples, ...(mode.seed === undefined ? {} : { noise: Random.fromSeed(mode.seed) }) },
      ir.nodes.map((n) => n.id),
    );
    for (const node of ir.nodes) {
      const got = result.outputs.get(node.id)!.dataSync();
      const want = reference.values.get(node.id)!;
      expect(got.length, `${node.id} (${node.op}) length`).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) - 1e-5 * Math.abs(want[i]!));
      expect(worst, `${node.id} (${node.op}) max excess error`).toBeLessThanOrEqual(1e-5);
      checked.add(node.op);
    }
  });
  return checked;
}

function spatialGraph(): ModelIR {
  const g = new GraphBuilder([7, 9, 3]);
  g.add(
    'conv_asym',
    'Conv2D',
    { filters: 4, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], pads: { top: 0, bottom: 1, left: 1, right: 0 }, bias: true },
    ['image'],
    { kernel: [3, 3, 3, 4], bias: [4] },
    [3, 4, 4],
  );
  g.add('conv_rect', 'Conv2D', { filters: 2, kernel: [2, 3], stride: [1, 2], dilation: [1, 1], pads: ZERO, bias: true }, ['image'], { kernel: [2, 3, 3, 2], bias: [2] }, [6, 4, 2]);
  const c = g.conv('conv_dilated', 'image', 4, 3, { dilation: 2, pad: 2, bias: false });
  g.conv('conv_dilated_strided', 'image', 2, 3, { dilation: 2, pad: 1, stride: 2 });
  g.add('maxpool_pad', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, [c], {}, [4, 5, 4]);
  g.add('avgpool_pad', 'AvgPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 0, left: 1, right: 0 } }, [c], {}, [3, 4, 4]);
  g.add('avgpool', 'AvgPool', { size: [2, 2], stride: [2, 2], pads: ZERO }, [c], {}, [3, 4, 4]);
  g.add('maxpool', 'MaxPool', { size: [2, 3], stride: [1, 2], pads: ZERO }, [c], {}, [6, 4, 4]);
  g.add('gap', 'GlobalAvgPool', {}, [c], {}, [4]);
  g.add('adaptive_down', 'AdaptiveAvgPool', { size: [3, 4] }, [c], {}, [3, 4, 4]);
  g.add('adaptive_up', 'AdaptiveAvgPool', { size: [8, 5] }, [c], {}, [8, 5, 4]);
  g.add('adaptive_same', 'AdaptiveAvgPool', { size: [7, 9] }, [c], {}, [7, 9, 4]);
  g.add('resize_down', 'ResizeNearest', { size: [4, 5] }, [c], {}, [4, 5, 4]);
  g.add('resize_up', 'ResizeNearest', { size: [10, 13] }, [c], {}, [10, 13, 4]);
  const bn = g.batchNorm('bn', c, 0.1);
  for (const fn of ['relu', 'sigmoid', 'tanh', 'gelu', 'softplus', 'elu'] as const) g.act(`act_${fn}`, bn, fn);
  g.act('act_leaky', bn, 'leaky_relu', 0.2);
  g.act('act_elu_alpha', bn, 'elu', 0.5);
  g.add('ssp_neg', 'ShiftedSoftplus', { shift: -5 }, [bn], {}, [7, 9, 4]);
  g.add('ssp_pos', 'ShiftedSoftplus', { shift: 30 }, [bn], {}, [7, 9, 4]);
  const sum = g.add('add', 'Add', {}, [bn, 'act_tanh'], {}, [7, 9, 4]);
  const flat = g.add('flatten', 'Flatten', {}, [sum], {}, [252]);
  const dropped = g.add('dropout', 'Dropout', { rate: 0.4 }, [flat], {}, [252]);
  const d = g.dense('dense', dropped, 6);
  const bn1 = g.batchNorm('bn_vector', d, 0.2);
  const s = g.add('slice', 'Slice', { begin: 1, size: 3 }, [bn1], {}, [3]);
  const logits = g.dense('dense_nobias', s, 2, false);
  return g.build({ logits }, {});
}

/** A map sampled n times meets an un-sampled residual branch: Add/Modulate tile the smaller batch. */
function broadcastGraph(): ModelIR {
  const g = new GraphBuilder([4, 4, 2]);
  const f = g.conv('f', 'image', 3, 3);
  const mu = g.act('mu', g.conv('att', f, 1, 3), 'sigmoid');
  const sd = g.add('sd', 'ShiftedSoftplus', { shift: -1 }, [g.conv('sd_conv', mu, 1, 3)], {}, [4, 4, 1]);
  const a = g.add('a', 'Sample', { role: 'attention' }, [mu, sd], {}, [4, 4, 1]);
  const q = g.add('q', 'Quantize', { anchorCount: 4 }, [a], { anchors: [4] }, [4, 4, 1]);
  const m = g.add('m', 'Modulate', {}, [f, q], {}, [4, 4, 3]);
  const r = g.add('r', 'Add', {}, [f, m], {}, [4, 4, 3]);
  const flat = g.add('flat', 'Flatten', {}, [r], {}, [48]);
  const out = g.dense('out', flat, 3);
  const logits = g.add('logits', 'SampleMean', {}, [out], {}, [3]);
  return g.build({ logits, attentionMean: mu, attentionSample: a, attentionQuantized: q }, {});
}

describe.each(BACKENDS)('TF.js lowerings vs the reference interpreter on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('spatial, normalisation, activation and dense ops in eval mode', () => {
    compareAllNodes(spatialGraph(), 2, { training: false, samples: 0 });
  });

  it('the same graph in training mode (batch statistics, seeded dropout)', () => {
    compareAllNodes(spatialGraph(), 3, { training: true, samples: 0, seed: 9 });
  });

  it('the attention model, deterministic mean', () => {
    compareAllNodes(tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.2, resize: true }), 2, { training: false, samples: 0 });
  });

  it('the attention model sampled n = 2 in training mode (tiling order, noise order, SampleMean)', () => {
    compareAllNodes(tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.2, resize: true }), 2, { training: true, samples: 2, seed: 5 });
    compareAllNodes(tinyAttentionIr({ batchNorm: true }), 3, { training: false, samples: 3, seed: 6 });
  });

  it('Add and Modulate tile the un-sampled operand', () => {
    compareAllNodes(broadcastGraph(), 2, { training: false, samples: 2, seed: 3 });
  });

  it('covers every IR op', () => {
    const seen = new Set<Op>();
    for (const ir of [spatialGraph(), tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.2, resize: true }), broadcastGraph()]) {
      for (const n of ir.nodes) seen.add(n.op);
    }
    expect(OPS.filter((op) => !seen.has(op))).toEqual([]);
  });
});
