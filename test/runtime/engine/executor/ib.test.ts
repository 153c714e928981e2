/**
 * The information-bottleneck pieces of the TF.js target against values
 * computed by hand (docs/method.md): both KL forms, the quantizer (nearest anchor,
 * ties, straight-through gradient, which loss terms reach the anchors),
 * residual modulation, multi-sample averaging, batch norm train/eval, the
 * loss composition, and memory hygiene.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { klReference, klStandard, crossEntropy } from '../../../../src/runtime/engine/executor/losses.js';
import { lowerNode, quantizeHard, quantizeStraightThrough, type ExecutorLoweringContext } from '../../../../src/runtime/engine/executor/lowerings.js';
import { registerTfjsGradients } from '../../../../src/runtime/engine/executor/gradients.js';
import { createTfjsModel, disposeForward, disposeLoss, disposeTrainStep } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import type { IrNode } from '../../../../src/compiler/ir/ir.js';
import { crossEntropyLoss } from '../../../../src/compiler/ir/loss.js';
import { Random } from '../../../../src/support/random.js';
import { registerNativeBackend } from '../../../../src/runtime/engine/backends/native/index.js';
import { TinyIrBuilder, randomArray, randomParams, tinyAttentionIr } from '../../../fixtures/tiny-ir.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTfjsGradients();
});

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!)));
};

describe('KL', () => {
  const mu = [0.5, -1, 2, 0];
  const sd = [0.2, 1, 0.5, 1.5];
  it('standard: sum_k 0.5 (mu^2 + sd^2 - 1 - 2 ln sd), mean over rows', () => {
    let row0 = 0;
    let row1 = 0;
    for (let k = 0; k < 2; k++) row0 += 0.5 * (mu[k]! ** 2 + sd[k]! ** 2 - 1 - 2 * Math.log(sd[k]!));
    for (let k = 2; k < 4; k++) row1 += 0.5 * (mu[k]! ** 2 + sd[k]! ** 2 - 1 - 2 * Math.log(sd[k]!));
    const got = tf.tidy(() => klStandard(tf.tensor2d(mu, [2, 2]), tf.tensor2d(sd, [2, 2])).dataSync()[0]!);
    expect(got).toBeCloseTo((row0 + row1) / 2, 5);
  });
  it("reference: sum_k 0.5 (mu^2 + e^{2 sd} - 1 - 2 sd), mean over rows", () => {
    let total = 0;
    for (let k = 0; k < 4; k++) total += 0.5 * (mu[k]! ** 2 + Math.exp(2 * sd[k]!) - 1 - 2 * sd[k]!);
    const got = tf.tidy(() => klReference(tf.tensor2d(mu, [2, 2]), tf.tensor2d(sd, [2, 2])).dataSync()[0]!);
    expect(got).toBeCloseTo(total / 2, 5);
  });
  it('cross-entropy in nats', () => {
    const logits = [1, 2, 0.5, -1, 0, 3];
    const labels = [1, 2];
    let want = 0;
    for (let r = 0; r < 2; r++) {
      const row = logits.slice(r * 3, r * 3 + 3);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      want += lse - row[labels[r]!]!;
    }
    const got = tf.tidy(() => crossEntropy(tf.tensor2d(logits, [2, 3]), tf.tensor1d(labels, 'int32'), 3).dataSync()[0]!);
    expect(got).toBeCloseTo(want / 2, 5);
  });
});

describe('quantizer', () => {
  const anchors = [0, 0.5, 1];
  it('maps to the nearest anchor; ties go to the lowest index', () => {
    const a = [-0.3, 0.2, 0.25, 0.26, 0.75, 0.9, 1.7];
    const got = tf.tidy(() => quantizeStraightThrough(tf.tensor1d(a), tf.tensor1d(anchors)).dataSync());
    expect(Array.from(got)).toEqual([0, 0, 0, 0.5, 0.5, 1, 1]);
    const hard = tf.tidy(() => quantizeHard(tf.tensor1d(a), tf.tensor1d(anchors)).dataSync());
    expect(Array.from(hard)).toEqual([0, 0, 0, 0.5, 0.5, 1, 1]);
  });
  it('straight-through: d a_q / d a = 1 and no gradient to the anchors', () => {
    const weights = [1, -2, 3, 0.5];
    const [ga, gv] = tf.tidy(() => {
      const f = (a: tf.Tensor, v: tf.Tensor): tf.Scalar => tf.sum(tf.mul(quantizeStraightThrough(a, v), tf.tensor1d(weights)));
      const [da, dv] = tf.grads(f)([tf.tensor1d([0.1, 0.4, 0.8, 2]), tf.tensor1d(anchors)]);
      return [da!.dataSync(), dv!.dataSync()];
    });
    expect(Array.from(ga)).toEqual(weights);
    expect(Array.from(gv)).toEqual([0, 0, 0]);
  });

  function anchorGradient(vqWeight: number, commitWeight: number): { grad: Float32Array; a: Float32Array; v: Float32Array } {
    const ir = tinyAttentionIr({ quantize: true, loss: { ib: { beta: 0.01, klScale: 0.5, klForm: 'standard' }, quantization: { vqWeight, commitWeight } } });
    const params = randomParams(ir, 3);
    const model = createTfjsModel(ir, params);
    const images = tf.tensor4d(randomArray(2 * 72, 4), [2, 6, 6, 2]);
    const labels = tf.tensor1d([1, 2], 'int32');
    const out = model.forward(images, { training: true, samples: 1, noise: Random.fromSeed(2) });
    const a = Float32Array.from(out.taps.attentionSample!.dataSync());
    disposeForward(out);
    const step = model.trainStepGradients(images, labels, { samples: 1, noise: Random.fromSeed(2) });
    const grad = Float32Array.from(step.gradients.get('att/quantize/anchors')!.dataSync());
    disposeTrainStep(step);
    model.dispose();
    tf.dispose([images, labels]);
    return { grad, a, v: params.get('att/quantize/anchors')! };
  }

  it('anchors get gradient from the vq term only: d vq / d v_k = 2 mean((v_k - a) [k* = k])', () => {
    const { grad, a, v } = anchorGradient(1, 0);
    const want = new Float64Array(v.length);
    for (const value of a) {
      let best = 0;
      for (let k = 1; k < v.length; k++) if ((value - v[k]!) ** 2 < (value - v[best]!) ** 2) best = k;
      want[best]! += (2 * (v[best]! - value)) / a.length;
    }
    close(grad, want, 1e-5);
    expect(want.some((g) => Math.abs(g) > 1e-3)).toBe(true);
  });

  it('CE, KL and commit give the anchors no gradient', () => {
    const { grad } = anchorGradient(0, 1);
    expect(Array.from(grad)).toEqual([0, 0, 0]);
  });
});

function context(overrides: Partial<ExecutorLoweringContext>): ExecutorLoweringContext {
  return {
    training: false,
    samples: 0,
    batch: 1,
    input: tf.scalar(0),
    param: () => {
      throw new Error('no params');
    },
    noise: () => {
      throw new Error('no noise');
    },
    recordStatistics: () => undefined,
    ...overrides,
  };
}

describe('modulation and sampling', () => {
  it('Modulate is f + f * a, broadcast over channels', () => {
    const f = [1, 2, 3, 4, 5, 6, 7, 8]; // [1, 2, 2, 2]
    const a = [0.5, 0, -1, 2]; // [1, 2, 2, 1]
    const node = { id: 'm', op: 'Modulate', attrs: {}, inputs: [], params: {}, shape: [2, 2, 2] } as IrNode<'Modulate'>;
    const got = tf.tidy(() => lowerNode(node, [tf.tensor4d(f, [1, 2, 2, 2]), tf.tensor4d(a, [1, 2, 2, 1])], context({})).dataSync());
    expect(Array.from(got)).toEqual([1.5, 3, 3, 4, 0, 0, 21, 24]);
  });

  it('n = 2: attention draws tile sample-major, latent draws tile again, logits average over the n*n draws', () => {
    // x = [m, s] per example -> a = m + s*eps1 -> [zm, zs] = a * w + c -> z = zm + zs*eps2 -> logit = z.
    const g = new TinyIrBuilder([1, 1, 2]);
    const flat = g.add('flat', 'Flatten', {}, ['image'], {}, [2]);
    const m = g.add('m', 'Slice', { begin: 0, size: 1 }, [flat], {}, [1]);
    const s = g.add('s', 'Slice', { begin: 1, size: 1 }, [flat], {}, [1]);
    const a = g.add('a', 'Sample', { role: 'attention' }, [m, s], {}, [1]);
    const d = g.dense('d', a, 2);
    const zm = g.add('zm', 'Slice', { begin: 0, size: 1 }, [d], {}, [1]);
    const zs = g.add('zs', 'Slice', { begin: 1, size: 1 }, [d], {}, [1]);
    const z = g.add('z', 'Sample', { role: 'latent' }, [zm, zs], {}, [1]);
    const logits = g.add('logits', 'SampleMean', {}, [z], {}, [1]);
    const ir = g.build({ logits, latentMean: zm, latentStd: zs }, { ib: { beta: 0, klScale: 1, klForm: 'standard' } });
    const w = [0.7, -0.3];
    const c = [0.1, 0.4];
    const model = createTfjsModel(ir, new Map([['d/kernel', new Float32Array(w)], ['d/bias', new Float32Array(c)]]));
    const x = [0.2, 0.5, -1, 2, 3, 0.1]; // B = 3
    const B = 3;
    const n = 2;
    const images = tf.tensor4d(x, [B, 1, 1, 2]);
    const out = model.forward(images, { training: false, samples: n, noise: Random.fromSeed(17) });
    const got = out.logits.dataSync().slice();
    expect(out.taps.latentMean!.shape).toEqual([n * B, 1]);
    disposeForward(out);

    const rng = Random.fromSeed(17);
    const eps1 = Array.from({ length: n * B }, () => rng.normal());
    const eps2 = Array.from({ length: n * n * B }, () => rng.normal());
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let s1 = 0; s1 < n; s1++) {
        const r1 = s1 * B + b;
        const av = x[2 * b]! + x[2 * b + 1]! * eps1[r1]!;
        const zmv = av * w[0]! + c[0]!;
        const zsv = av * w[1]! + c[1]!;
        for (let s2 = 0; s2 < n; s2++) sum += zmv + zsv * eps2[s2 * (n * B) + r1]!;
      }
      want.push(sum / (n * n));
    }
    close(got, want, 1e-5);
    model.dispose();
    images.dispose();
  });
});

const native = registerNativeBackend();
/** The batch-norm lowering takes a backend's own training kernel when it has one (ibc-native does). */
const BACKENDS = ['cpu', ...(native.ok ? [native.name] : [])];

describe.each(BACKENDS)('batch norm on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  it('training normalises with batch statistics; the step updates moving stats PyTorch-style; eval uses them', () => {
    const g = new TinyIrBuilder([1, 1, 2]);
    const flat = g.add('flat', 'Flatten', {}, ['image'], {}, [2]);
    const bn = g.batchNorm('bn', flat, 0.1);
    const logits = g.dense('out', bn, 2);
    const ir = g.build({ logits }, {});
    const params = new Map([
      ['bn/gamma', new Float32Array([2, 0.5])],
      ['bn/beta', new Float32Array([0.1, -0.2])],
      ['bn/movingMean', new Float32Array([1, -1])],
      ['bn/movingVariance', new Float32Array([4, 0.25])],
      ['out/kernel', new Float32Array([1, 0, 0, 1])],
      ['out/bias', new Float32Array([0, 0])],
    ]);
    const model = createTfjsModel(ir, params);
    const x = [1, 2, 3, 5, 8, -1, 0, 4]; // 4 rows, 2 channels
    const images = tf.tensor4d(x, [4, 1, 1, 2]);
    const labels = tf.tensor1d([0, 1, 1, 0], 'int32');
    const col = (k: number): number[] => [0, 1, 2, 3].map((r) => x[r * 2 + k]!);
    const mean = [0, 1].map((k) => col(k).reduce((s, v) => s + v, 0) / 4);
    const biased = [0, 1].map((k) => col(k).reduce((s, v) => s + (v - mean[k]!) ** 2, 0) / 4);

    const train = model.forward(images, { training: true, samples: 0 });
    const wantTrain = x.map((v, i) => ((v - mean[i % 2]!) / Math.sqrt(biased[i % 2]! + 1e-5)) * params.get('bn/gamma')![i % 2]! + params.get('bn/beta')![i % 2]!);
    close(train.logits.dataSync(), wantTrain);
    disposeForward(train);
    // forward never touches the buffers
    expect(Array.from(model.getWeights().get('bn/movingMean')!)).toEqual([1, -1]);

    disposeTrainStep(model.trainStepGradients(images, labels, { samples: 0 }));
    const weights = model.getWeights();
    close(weights.get('bn/movingMean')!, [0.9 * 1 + 0.1 * mean[0]!, 0.9 * -1 + 0.1 * mean[1]!]);
    close(weights.get('bn/movingVariance')!, [0.9 * 4 + 0.1 * ((biased[0]! * 4) / 3), 0.9 * 0.25 + 0.1 * ((biased[1]! * 4) / 3)]);
    expect(model.trainableVariables().map((t) => t.name)).toEqual(['bn/gamma', 'bn/beta', 'out/kernel', 'out/bias']);

    const evalOut = model.forward(images, { training: false, samples: 0 });
    const mm = weights.get('bn/movingMean')!;
    const mv = weights.get('bn/movingVariance')!;
    const wantEval = x.map((v, i) => ((v - mm[i % 2]!) / Math.sqrt(mv[i % 2]! + 1e-5)) * params.get('bn/gamma')![i % 2]! + params.get('bn/beta')![i % 2]!);
    close(evalOut.logits.dataSync(), wantEval);
    disposeForward(evalOut);
    model.dispose();
    tf.dispose([images, labels]);
  });
});

describe('batch norm with given statistics under a gradient tape', () => {
  it('the FusedBatchNorm gradient equals the gradient of the written-out formula', () => {
    const shape: [number, number, number, number] = [2, 3, 2, 3];
    const x = randomArray(36, 1);
    const w = randomArray(36, 2);
    const stats = [randomArray(3, 3), Float32Array.from(randomArray(3, 4), (v) => 0.5 + Math.abs(v)), randomArray(3, 5), randomArray(3, 6)];
    const grads = (fused: boolean): Float32Array[] =>
      tf.tidy(() => {
        const f = (xx: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor): tf.Scalar => {
          const y = fused
            ? tf.batchNorm(xx as tf.Tensor4D, mean, variance, offset, scale, 1e-3)
            : tf.add(tf.mul(tf.mul(tf.sub(xx, mean), tf.rsqrt(tf.add(variance, 1e-3))), scale), offset);
          return tf.sum(tf.mul(y, tf.tensor(w, shape)));
        };
        const inputs = [tf.tensor(x, shape), ...stats.map((s) => tf.tensor1d(s))];
        return tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)(inputs).map((g) => Float32Array.from(g.dataSync()));
      });
    const fused = grads(true);
    const plain = grads(false);
    for (let i = 0; i < 5; i++) close(fused[i]!, plain[i]!, 1e-4);
  });
});

describe('loss composition and memory', () => {
  it('total = CE/ln2 + beta c KL/ln2 + lambda_vq vq + lambda_c commit', () => {
    const ir = tinyAttentionIr({ quantize: true, batchNorm: true });
    const model = createTfjsModel(ir, randomParams(ir, 6));
    const images = tf.tensor4d(randomArray(3 * 72, 7), [3, 6, 6, 2]);
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    const out = model.forward(images, { training: true, samples: 1, noise: Random.fromSeed(1) });
    const loss = model.loss(out, labels);
    const [total, ce, kl, vq, commit] = [loss.total, loss.ce, loss.kl, loss.vq, loss.commit].map((t) => t.dataSync()[0]!);
    expect(total).toBeCloseTo(ce! / Math.LN2 + (0.01 * 0.5 * kl!) / Math.LN2 + 0.4 * vq! + 0.1 * commit!, 5);
    // vq and commit have the same value (they differ only in where the gradient goes)
    expect(vq).toBeCloseTo(commit!, 6);
    const a = Float32Array.from(out.taps.attentionSample!.dataSync());
    const q = Float32Array.from(out.taps.attentionQuantized!.dataSync());
    expect(vq).toBeCloseTo(a.reduce((s, v, i) => s + (v - q[i]!) ** 2, 0) / a.length, 6);
    disposeLoss(loss);
    disposeForward(out);
    model.dispose();
    tf.dispose([images, labels]);
  });

  it('a baseline trains on plain CE (nats)', () => {
    const ir0 = tinyAttentionIr();
    const ir = { ...ir0, taps: { logits: ir0.taps.logits }, loss: crossEntropyLoss(ir0.classes) };
    const model = createTfjsModel(ir, randomParams(ir, 6));
    const images = tf.tensor4d(randomArray(2 * 72, 7), [2, 6, 6, 2]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const step = model.trainStepGradients(images, labels, { samples: 0 });
    expect(step.loss.total.dataSync()[0]).toBe(step.loss.ce.dataSync()[0]);
    expect(step.loss.kl.dataSync()[0]).toBe(0);
    disposeTrainStep(step);
    model.dispose();
    tf.dispose([images, labels]);
  });

  it('forward, loss, train steps and weight round-trips leave no tensors behind', () => {
    const ir = tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.3, resize: true });
    const images = tf.tensor4d(randomArray(2 * 72, 9), [2, 6, 6, 2]);
    const labels = tf.tensor1d([2, 0], 'int32');
    const before = tf.memory().numTensors;
    const model = createTfjsModel(ir, randomParams(ir, 2));
    const withModel = tf.memory().numTensors;
    expect(withModel - before).toBe(ir.params.length);
    for (let i = 0; i < 3; i++) {
      const noise = Random.fromSeed(i);
      disposeTrainStep(model.trainStepGradients(images, labels, { samples: 2, noise }));
      const out = model.forward(images, { training: false, samples: 0 });
      disposeLoss(model.loss(out, labels));
      disposeForward(out);
      model.setWeights(model.getWeights());
      expect(tf.memory().numTensors).toBe(withModel);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, labels]);
  });
});
