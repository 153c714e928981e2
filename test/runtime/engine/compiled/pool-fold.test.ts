/**
 * The evaluation plan runs a BatchNorm (and the ReLU fused into it) inside the max pool that
 * reads it alone (batchNormMaxPool). Its logits must be the unfused plan's bit for bit: the
 * twin IR below differs only by a Dropout of rate 0 between the BatchNorm(+ReLU) and the pool,
 * an alias that computes nothing but keeps the pool from folding. Both agree with the reference
 * interpreter, in training and inference, before and after a training step moves the running
 * statistics the folded pool reads.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import type { OptimizerSpec } from '../../../../src/compiler/spec/resolved-spec.js';
import { crossEntropyLoss } from '../../../../src/compiler/ir/loss.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { Random } from '../../../../src/support/random.js';
import type { NativeAddon } from '../../../../src/runtime/engine/backends/native/addon.js';
import { CompiledTrainingStep } from '../../../../src/runtime/engine/compiled/compiled-step.js';
import { NO_PADS, TinyIr, randomWeights } from '../../../fixtures/onnx.js';
import { HAVE_NATIVE, nativeAddonForTests, relativeError } from '../../../fixtures/native.js';

const SGD: OptimizerSpec = { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 };
const BATCH = 4;

let kernels: NativeAddon;
beforeAll(() => {
  const loaded = nativeAddonForTests();
  if (loaded) kernels = loaded;
});

/**
 * conv 3x3 -> BatchNorm -> ReLU -> MaxPool 2/2 (odd 9x7: the fast path, a row and a column left
 * over) -> conv 1x1 -> BatchNorm -> MaxPool 3/2 padded (the generic loop, no ReLU) -> dense.
 * With `unfused`, a rate-0 Dropout sits before each pool.
 */
function convBnPoolIr(unfused: boolean, tapReluAs?: 'attentionMean'): ModelIR {
  const t = new TinyIr([9, 7, 3]);
  const gap = (id: string, input: string, shape: readonly number[]): string => (unfused ? t.add(`${id}/gap`, 'Dropout', { rate: 0 }, [input], shape) : input);
  const conv1 = t.add('conv1', 'Conv2D', { filters: 8, kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pads: { top: 1, bottom: 1, left: 1, right: 1 }, bias: true }, ['image'], [9, 7, 8]);
  const bn1 = t.add('bn1', 'BatchNorm', { epsilon: 1e-3, momentum: 0.1 }, [conv1], [9, 7, 8]);
  const relu1 = t.add('relu1', 'Activation', { fn: 'relu' }, [bn1], [9, 7, 8]);
  const pool1 = t.add('pool1', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: NO_PADS }, [gap('pool1', relu1, [9, 7, 8])], [4, 3, 8]);
  const conv2 = t.add('conv2', 'Conv2D', { filters: 3, kernel: [1, 1], stride: [1, 1], dilation: [1, 1], pads: NO_PADS, bias: false }, [pool1], [4, 3, 3]);
  const bn2 = t.add('bn2', 'BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [conv2], [4, 3, 3]);
  const pool2 = t.add('pool2', 'MaxPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, [gap('pool2', bn2, [4, 3, 3])], [2, 2, 3]);
  const flat = t.add('flat', 'Flatten', {}, [pool2], [12]);
  const logits = t.add('logits', 'Dense', { units: 4, bias: true }, [flat], [4]);
  return { ...t.build({ logits, ...(tapReluAs ? { [tapReluAs]: relu1 } : {}) }, 4), loss: crossEntropyLoss(4) };
}

function evalLabels(step: CompiledTrainingStep): readonly string[] {
  return step['planFor'](BATCH, 0, 'eval').forwardLabels;
}

/** Small integers (ties, and zeros after the ReLU), one image with a NaN pixel and one with -0s. */
function awkwardImages(): Float32Array {
  const images = Random.fromSeed(41).fillNormal(new Float32Array(BATCH * 9 * 7 * 3)).map((v) => Math.round(v * 2));
  images[9 * 7 * 3 + 20] = Number.NaN;
  for (let i = 2 * 9 * 7 * 3; i < 2 * 9 * 7 * 3 + 30; i += 3) images[i] = -0;
  return images;
}

describe.skipIf(!HAVE_NATIVE)('evaluation plan: BatchNorm(+ReLU) folded into the MaxPool that reads it', () => {
  it('folds both stages in evaluation, none in training, and none in the twin', () => {
    const ir = convBnPoolIr(false);
    const weights = randomWeights(ir, 3);
    const folded = new CompiledTrainingStep(ir, SGD, kernels, weights);
    expect(evalLabels(folded)).toEqual(['Conv2D', 'BatchNorm+ReLU+MaxPool', 'Conv2D', 'BatchNorm+MaxPool', 'Dense']);
    expect(folded['planFor'](BATCH, 0, 'train').forwardLabels).toEqual(['Conv2D', 'BatchNorm+ReLU', 'MaxPool', 'Conv2D', 'BatchNorm', 'MaxPool', 'Dense']);
    const twin = new CompiledTrainingStep(convBnPoolIr(true), SGD, kernels, weights);
    expect(evalLabels(twin)).toEqual(['Conv2D', 'BatchNorm+ReLU', 'MaxPool', 'Conv2D', 'BatchNorm', 'MaxPool', 'Dense']);
  });

  it('does not fold a BatchNorm+ReLU whose value is a tap (the evaluation keeps taps)', () => {
    const ir = convBnPoolIr(false, 'attentionMean');
    const step = new CompiledTrainingStep(ir, SGD, kernels, randomWeights(ir, 3));
    expect(evalLabels(step)).toEqual(['Conv2D', 'BatchNorm+ReLU', 'MaxPool', 'Conv2D', 'BatchNorm+MaxPool', 'Dense']);
  });

  it("gives the unfused plan's logits bit for bit (NaN, -0, ties), also after a training step moves the running statistics", () => {
    const weights = randomWeights(convBnPoolIr(false), 5);
    const folded = new CompiledTrainingStep(convBnPoolIr(false), SGD, kernels, weights);
    const twin = new CompiledTrainingStep(convBnPoolIr(true), SGD, kernels, weights);
    const images = awkwardImages();
    const first = folded.infer(images, BATCH, 0, undefined).slice();
    expect(first).toEqual(twin.infer(images, BATCH, 0, undefined));
    // A step on finite images, the same on both (no fold in training), then evaluation again.
    const clean = Random.fromSeed(42).fillNormal(new Float32Array(images.length));
    const labels = Int32Array.from([0, 1, 2, 3]);
    folded.step(clean, labels, 0, undefined, SGD.lr);
    twin.step(clean, labels, 0, undefined, SGD.lr);
    expect(folded.weights()).toEqual(twin.weights());
    const after = folded.infer(images, BATCH, 0, undefined).slice();
    expect(after).not.toEqual(first);
    expect(after).toEqual(twin.infer(images, BATCH, 0, undefined));
  });

  it("training and inference logits equal the reference interpreter's", () => {
    const ir = convBnPoolIr(false);
    const weights = randomWeights(ir, 7);
    const step = new CompiledTrainingStep(ir, SGD, kernels, weights);
    const images = Random.fromSeed(43).fillNormal(new Float32Array(BATCH * 9 * 7 * 3));
    const inferred = step.infer(images, BATCH, 0, undefined).slice();
    expect(relativeError(inferred, runReference(ir, weights, images, BATCH, { training: false, samples: 0 }).logits)).toBeLessThan(1e-4);
    const trained = step.gradients(images, Int32Array.from([3, 2, 1, 0]), 0, undefined).logits.slice();
    expect(relativeError(trained, runReference(ir, weights, images, BATCH, { training: true, samples: 0, noise: Random.fromSeed(1) }).logits)).toBeLessThan(1e-4);
  });
});
