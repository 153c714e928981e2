/**
 * The compiled training step against the TF.js executor (on TF.js's own CPU
 * backend: an oracle that shares no kernel with it), op by op and step by
 * step: loss terms, logits, every parameter's gradient, the BatchNorm running
 * statistics, the optimizer update, and the noise drawn (same Random state,
 * same draws); and every op's training and inference forward pass against
 * the reference interpreter. Plus: a rerun is bit-identical, state round-trips
 * in the TF.js optimizer's format, and a parameter read by two nodes is refused.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { IrNode, ModelIR, ParamSpec } from '../../../../src/compiler/ir/ir.js';
import type { OptimizerSpec } from '../../../../src/compiler/spec/resolved-spec.js';
import { paramShapes } from '../../../../src/compiler/ir/op-facts.js';
import { crossEntropyLoss } from '../../../../src/compiler/ir/loss.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { Random } from '../../../../src/support/random.js';
import type { NativeAddon } from '../../../../src/runtime/engine/backends/native/addon.js';
import { createTfjsModel, disposeTrainStep } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { createOptimizer } from '../../../../src/runtime/engine/executor/optimizers.js';
import { CompiledTrainingStep, compiledStepSupport } from '../../../../src/runtime/engine/compiled/compiled-step.js';
import { OP_CASES, allOpsIr } from '../../../fixtures/graph-model-irs.js';
import { compileFile, SPECS } from '../../../fixtures/graph-model.js';
import { randomWeights, scaledWeights } from '../../../fixtures/onnx.js';
import { HAVE_NATIVE, nativeAddonForTests, relativeError } from '../../../fixtures/native.js';

const ADAM: OptimizerSpec = { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
const SGD: OptimizerSpec = { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 };

let kernels: NativeAddon;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const loaded = nativeAddonForTests();
  if (loaded) kernels = loaded;
});

function denseParams(id: string, inputs: number, units: number): ParamSpec[] {
  return Object.entries(paramShapes('Dense', { units, bias: true }, [[inputs]])).map(([role, shape]) => ({
    name: `${id}/${role}`, shape: shape, init: { kind: 'zeros' }, trainable: true, group: 'weights', fanIn: inputs, fanOut: units, lrScale: 1,
  }));
}

/**
 * An op case's IR between a trainable stem (a 1x1 convolution, so that every op's input
 * gradient is computed and checked) and a classifier head (flatten, dense to `classes`).
 */
function withHead(ir: ModelIR, classes = 3): ModelIR {
  const channels = ir.inputShape[2];
  const stem: IrNode = {
    id: 'stem', op: 'Conv2D', attrs: { filters: channels, kernel: [1, 1], stride: [1, 1], dilation: [1, 1], pads: { top: 0, bottom: 0, left: 0, right: 0 }, bias: true },
    inputs: ['image'], params: { kernel: 'stem/kernel', bias: 'stem/bias' }, shape: ir.inputShape,
  };
  const stemParams: ParamSpec[] = Object.entries(paramShapes('Conv2D', stem.attrs as IrNode<'Conv2D'>['attrs'], [ir.inputShape])).map(([role, shape]) => ({
    name: `stem/${role}`, shape: shape, init: { kind: 'zeros' }, trainable: true, group: 'weights', fanIn: channels, fanOut: channels, lrScale: 1,
  }));
  const rewired = ir.nodes.map((n) => (n.op === 'Input' ? n : { ...n, inputs: n.inputs.map((i) => (i === 'image' ? 'stem' : i)) }));
  return addHead({ ...ir, nodes: [rewired[0]!, stem, ...rewired.slice(1)], params: [...stemParams, ...ir.params] }, classes);
}

function addHead(ir: ModelIR, classes: number): ModelIR {
  const last = ir.nodes.find((n) => n.id === ir.taps.logits)!;
  const width = last.shape.reduce((a, b) => a * b, 1);
  const flat: IrNode = { id: 'head/flat', op: 'Flatten', attrs: {}, inputs: [last.id], params: {}, shape: [width] };
  const params = denseParams('head/fc', width, classes);
  const fc: IrNode = { id: 'head/fc', op: 'Dense', attrs: { units: classes, bias: true }, inputs: [flat.id], params: { kernel: 'head/fc/kernel', bias: 'head/fc/bias' }, shape: [classes] };
  return { ...ir, classes, nodes: [...ir.nodes, flat, fc], params: [...ir.params, ...params], taps: { ...ir.taps, logits: fc.id }, loss: crossEntropyLoss(classes) };
}

interface Batch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

function batchFor(ir: ModelIR, batch: number, seed: number): Batch {
  const rng = Random.fromSeed(seed).derive('batch');
  const [h, w, c] = ir.inputShape;
  const images = rng.fillNormal(new Float32Array(batch * h * w * c));
  const labels = Int32Array.from({ length: batch }, () => rng.int(Math.max(1, ir.classes)));
  return { images, labels };
}

interface StepResult {
  readonly terms: number[];
  readonly logits: Float32Array;
  readonly gradients: Map<string, Float32Array>;
  readonly after: Map<string, Float32Array>;
  readonly noiseAfter: number;
}

/** One step on the TF.js executor (CPU backend): gradients, then the optimizer's update. */
function tfjsStep(ir: ModelIR, weights: Map<string, Float32Array>, b: Batch, samples: number, optimizer: OptimizerSpec): StepResult {
  const model = createTfjsModel(ir, weights);
  const opt = createOptimizer(optimizer, model.trainableVariables());
  const noise = Random.fromSeed(7);
  const [h, w, c] = ir.inputShape;
  const images = tf.tensor4d(b.images, [b.labels.length, h, w, c]);
  const labels = tf.tensor1d(b.labels, 'int32');
  try {
    const result = model.trainStepGradients(images, labels, { samples, noise });
    const l = result.loss;
    const terms = [l.total, l.ce, l.kl, l.vq, l.commit].map((t) => t.dataSync()[0]!);
    const logits = Float32Array.from(result.logits.dataSync());
    const gradients = new Map([...result.gradients].map(([name, g]) => [name, Float32Array.from(g.dataSync())]));
    opt.step(result.gradients, optimizer.lr);
    disposeTrainStep(result);
    return { terms, logits, gradients, after: model.getWeights(), noiseAfter: noise.next() };
  } finally {
    tf.dispose([images, labels]);
    opt.dispose();
    model.dispose();
  }
}

function compiledStep(ir: ModelIR, weights: Map<string, Float32Array>, b: Batch, samples: number, optimizer: OptimizerSpec): StepResult {
  const step = new CompiledTrainingStep(ir, optimizer, kernels, weights);
  const noise = Random.fromSeed(7);
  const out = step.gradients(b.images, b.labels, samples, noise);
  const terms = [...out.terms];
  const logits = out.logits.slice();
  const gradients = step.parameterGradients();
  const noiseAfter = noise.next();
  // The update alone: the same gradients, applied by the arena optimizer.
  const fresh = new CompiledTrainingStep(ir, optimizer, kernels, weights);
  fresh.step(b.images, b.labels, samples, Random.fromSeed(7), optimizer.lr);
  return { terms, logits, gradients, after: fresh.weights(), noiseAfter };
}

/**
 * The worst relative error over named arrays, each scaled by the larger of its own magnitude
 * and 1e-3 of the largest magnitude of them all: a gradient that is zero in exact arithmetic
 * (a bias before a batch norm) is rounding noise on both sides, not a value to compare.
 */
function worst(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): { name: string; error: number } {
  let largest = 0;
  for (const values of b.values()) for (const v of values) largest = Math.max(largest, Math.abs(v));
  let found = { name: '', error: 0 };
  for (const [name, values] of b) {
    const mine = a.get(name);
    let diff = mine && mine.length === values.length ? 0 : Infinity;
    let scale = 1e-3 * largest + 1e-12;
    values.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(mine![i]! - v));
      scale = Math.max(scale, Math.abs(v));
    });
    if (!(diff / scale <= found.error)) found = { name, error: diff / scale };
  }
  return found;
}

function expectSameStep(ir: ModelIR, weights: Map<string, Float32Array>, b: Batch, samples: number, optimizer: OptimizerSpec, tolerance = 2e-4): void {
  const reference = tfjsStep(ir, weights, b, samples, optimizer);
  const compiled = compiledStep(ir, weights, b, samples, optimizer);
  compiled.terms.forEach((t, i) => expect(Math.abs(t - reference.terms[i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(reference.terms[i]!))));
  expect(relativeError(compiled.logits, reference.logits)).toBeLessThan(tolerance);
  expect(compiled.gradients.size).toBe(reference.gradients.size);
  const g = worst(compiled.gradients, reference.gradients);
  expect(g.error, `gradient of ${g.name}`).toBeLessThan(tolerance * 10);
  // Adam moves a parameter by about lr whatever the size of its gradient, so a gradient that is
  // rounding noise (zero in exact arithmetic) moves it by +-lr on either side, at random: those
  // are checked to have moved no more than that; every other parameter must agree.
  let largest = 0;
  for (const v of reference.gradients.values()) for (const x of v) largest = Math.max(largest, Math.abs(x));
  const noise = new Set([...reference.gradients].filter(([, v]) => v.every((x) => Math.abs(x) < 1e-3 * largest)).map(([name]) => name));
  const compared = (m: Map<string, Float32Array>): Map<string, Float32Array> => new Map([...m].filter(([name]) => !noise.has(name)));
  const w = worst(compared(compiled.after), compared(reference.after));
  expect(w.error, `${w.name} after the update`).toBeLessThan(tolerance);
  for (const name of noise) {
    const before = weights.get(name)!;
    compiled.after.get(name)!.forEach((v, i) => expect(Math.abs(v - before[i]!)).toBeLessThanOrEqual(1.01 * optimizer.lr + 1e-6));
  }
  expect(compiled.noiseAfter).toBe(reference.noiseAfter);
}

describe.skipIf(!HAVE_NATIVE)('compiled training step against the TF.js executor', () => {
  for (const c of OP_CASES) {
    it(`${c.name}: loss, logits, gradients and the update agree`, () => {
      const ir = withHead(c.ir);
      expectSameStep(ir, randomWeights(ir, 3), batchFor(ir, 4, 11), 0, ADAM);
    });
  }

  it('every op in one graph, with dropout and 2 attention samples (noise drawn in the same order), under SGD with momentum and weight decay', () => {
    const ir = allOpsIr();
    expectSameStep(ir, randomWeights(ir, 5), batchFor(ir, 3, 12), 2, SGD);
  });
  for (const name of ['fashion-small-baseline', 'fashion-small-aib', 'fashion-small-aib-qt']) {
    it(`${name}: one training step agrees at batch 8`, () => {
      const { spec, ir } = compileFile(join(SPECS, `${name}.ibspec`));
      expectSameStep(ir, scaledWeights(ir, 9), batchFor(ir, 8, 13), ir.samples.train, spec.train.optimizer, 5e-4);
    });
  }

  const inferenceCases: [string, () => { ir: ModelIR; samples: number }][] = [
    ['every op in one graph, 3 samples', () => ({ ir: allOpsIr(), samples: 3 })],
    ['every op in one graph, deterministic (0 samples)', () => ({ ir: allOpsIr(), samples: 0 })],
    ['fashion-small-aib-qt, 4 samples', () => ({ ir: compileFile(join(SPECS, 'fashion-small-aib-qt.ibspec')).ir, samples: 4 })],
  ];
  for (const [name, make] of inferenceCases) {
    it(`inference (running statistics, no dropout, arrays reused): ${name} gives the executor's logits and draws`, () => {
      const { ir, samples } = make();
      const weights = ir.name === 'tiny' ? randomWeights(ir, 8) : scaledWeights(ir, 8);
      const b = batchFor(ir, 5, 15);
      const model = createTfjsModel(ir, weights);
      const [h, w, c] = ir.inputShape;
      const images = tf.tensor4d(b.images, [5, h, w, c]);
      const tfjsNoise = Random.fromSeed(3);
      const out = model.forward(images, { training: false, samples, noise: tfjsNoise });
      const expected = Float32Array.from(out.logits.dataSync());
      tf.dispose([images, out.logits, ...Object.values(out.taps)]);
      model.dispose();
      const step = new CompiledTrainingStep(ir, ADAM, kernels, weights);
      const noise = Random.fromSeed(3);
      const first = step.infer(b.images, 5, samples, noise).slice();
      expect(relativeError(first, expected)).toBeLessThan(1e-4);
      expect(noise.next()).toBe(tfjsNoise.next());
      // A second call reuses the plan and its arrays: same draws, same logits.
      expect(step.infer(b.images, 5, samples, Random.fromSeed(3))).toEqual(first);
    });
  }

  // The forward passes against the reference interpreter directly (the definition of the ops):
  // every op case in training mode (batch statistics, dropout and samples drawn from the same
  // stream) and in inference mode.
  for (const c of [...OP_CASES.map((o) => ({ name: o.name, ir: withHead(o.ir), samples: 0 })), { name: 'every op in one graph', ir: allOpsIr(), samples: 2 }]) {
    it(`${c.name}: training and inference logits equal the reference interpreter's`, () => {
      const weights = randomWeights(c.ir, 6);
      const b = batchFor(c.ir, 3, 16);
      const step = new CompiledTrainingStep(c.ir, ADAM, kernels, weights);
      // Inference first: a training pass moves the BatchNorm running statistics.
      const inferred = step.infer(b.images, 3, 0, undefined).slice();
      expect(relativeError(inferred, runReference(c.ir, weights, b.images, 3, { training: false, samples: 0 }).logits)).toBeLessThan(1e-4);
      const trained = step.gradients(b.images, b.labels, c.samples, Random.fromSeed(9)).logits.slice();
      const reference = runReference(c.ir, weights, b.images, 3, { training: true, samples: c.samples, noise: Random.fromSeed(9) });
      expect(relativeError(trained, reference.logits)).toBeLessThan(1e-4);
    });
  }

  it('is bit-identical when rerun from the same state, and its optimizer state round-trips in the TF.js format', () => {
    const { spec, ir } = compileFile(join(SPECS, 'fashion-small-aib-qt.ibspec'));
    const weights = scaledWeights(ir, 4);
    const b = batchFor(ir, 6, 14);
    const run = (): { weights: Map<string, Float32Array>; terms: number[]; step: CompiledTrainingStep } => {
      const step = new CompiledTrainingStep(ir, spec.train.optimizer, kernels, weights);
      const noise = Random.fromSeed(1);
      let terms: number[] = [];
      for (let i = 0; i < 3; i++) terms = [...step.step(b.images, b.labels, 1, noise, 1e-3).terms];
      return { weights: step.weights(), terms, step };
    };
    const first = run();
    const second = run();
    expect(second.terms).toEqual(first.terms);
    for (const [name, values] of first.weights) expect(second.weights.get(name), name).toEqual(values);

    const state = first.step.optimizerState();
    expect(state.step).toBe(3);
    expect(Object.keys(state.buffers).some((k) => k.endsWith('#m'))).toBe(true);
    const restored = new CompiledTrainingStep(ir, spec.train.optimizer, kernels, first.weights);
    restored.setOptimizerState(state);
    expect(restored.optimizerState()).toEqual(state);
    // The TF.js optimizer reads the same state.
    const model = createTfjsModel(ir, first.weights);
    const tfjs = createOptimizer(spec.train.optimizer, model.trainableVariables());
    tfjs.setState(state);
    expect(tfjs.steps()).toBe(3);
    tfjs.dispose();
    model.dispose();
  });

  it('refuses a model whose parameter two nodes read', () => {
    const ir = withHead(OP_CASES[0]!.ir);
    const conv = ir.nodes.find((n) => n.id === 'conv')!;
    const second: IrNode = { ...conv, id: 'conv-again', inputs: ['image'] };
    const shared: ModelIR = { ...ir, nodes: [...ir.nodes, second] };
    expect(compiledStepSupport(shared)).toMatch(/conv\/kernel' is read by 2 nodes/);
  });
});
