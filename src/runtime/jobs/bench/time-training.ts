/**
 * Times training steps of a compiled model on the active TF.js backend: random
 * images and labels from the seeded generator, the model's train-step
 * gradients and the spec's optimizer update, timed after warm-up steps (the
 * first steps build native primitives and grow TF.js's buffers).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelIR } from '../../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../../compiler/spec/resolved-spec.js';
import { createTfjsModel, disposeTrainStep } from '../../engine/executor/tfjs-model.js';
import { initParams } from '../../engine/init-params.js';
import { createOptimizer } from '../../engine/executor/optimizers.js';
import { Random } from '../../../support/random.js';
import type { NativeAddon } from '../../engine/backends/native/addon.js';
import { CompiledTrainingStep } from '../../engine/compiled/compiled-step.js';
import type { Precision } from '../../engine/precision.js';

export interface TimingOptions {
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly seed: number;
  /** Also run one profiled step and return time per kernel. */
  readonly profile?: boolean;
  /** Time the compiled step (src/runtime/engine/compiled/) on these native kernels instead of the TF.js executor. */
  readonly kernels?: NativeAddon;
  /** The compiled step's precision (default fp32). */
  readonly precision?: Precision;
}

export interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

export interface TrainingTiming {
  readonly msPerStep: number;
  readonly imagesPerSecond: number;
  /** Milliseconds per kernel name over one step, largest first (with `profile`). */
  readonly kernels?: readonly KernelTime[];
}

/** Random images and labels from the seeded generator: what every timed step trains on. */
function benchBatch(ir: ModelIR, options: TimingOptions): { images: Float32Array; labels: Int32Array; root: Random } {
  const root = Random.fromSeed(options.seed);
  const [h, w, c] = ir.inputShape;
  const images = root.derive('bench-images').fillNormal(new Float32Array(options.batch * h * w * c));
  const labelStream = root.derive('bench-labels');
  const labels = Int32Array.from({ length: options.batch }, () => Math.floor(labelStream.next() * ir.classes) % ir.classes);
  return { images, labels, root };
}

/** Steps averaged over when profiling the compiled step (one step's op times are too small to read alone). */
export const PROFILED_STEPS = 10;

function timeCompiledSteps(spec: ResolvedSpec, ir: ModelIR, options: TimingOptions, kernels: NativeAddon): TrainingTiming {
  const { images, labels, root } = benchBatch(ir, options);
  const noise = root.derive('noise');
  const lr = spec.train.optimizer.lr;
  const step = new CompiledTrainingStep(ir, spec.train.optimizer, kernels, { seed: options.seed }, options.precision ?? 'fp32');
  for (let i = 0; i < options.warmup; i++) step.step(images, labels, ir.samples.train, noise, lr);
  const start = process.hrtime.bigint();
  for (let i = 0; i < options.steps; i++) step.step(images, labels, ir.samples.train, noise, lr);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / options.steps;
  let profile: KernelTime[] | undefined;
  if (options.profile) {
    const byLabel = new Map<string, { ms: number; calls: number }>();
    for (let i = 0; i < PROFILED_STEPS; i++) {
      step.profiledStep(images, labels, ir.samples.train, noise, lr, (label, took) => {
        const entry = byLabel.get(label) ?? { ms: 0, calls: 0 };
        entry.ms += took / PROFILED_STEPS;
        entry.calls += 1 / PROFILED_STEPS;
        byLabel.set(label, entry);
      });
    }
    profile = [...byLabel].map(([kernel, e]) => ({ kernel, ms: e.ms, calls: Math.round(e.calls) })).sort((a, b) => b.ms - a.ms);
  }
  return { msPerStep: ms, imagesPerSecond: (1000 * options.batch) / ms, ...(profile ? { kernels: profile } : {}) };
}

export async function timeTrainingSteps(spec: ResolvedSpec, ir: ModelIR, options: TimingOptions): Promise<TrainingTiming> {
  if (options.kernels) return timeCompiledSteps(spec, ir, options, options.kernels);
  const model = createTfjsModel(ir, initParams(ir, options.seed));
  const optimizer = createOptimizer(spec.train.optimizer, model.trainableVariables(), ir.quantization);
  const [h, w, c] = ir.inputShape;
  const batch = benchBatch(ir, options);
  const images = tf.tensor4d(batch.images, [options.batch, h, w, c]);
  const labels = tf.tensor1d(batch.labels, 'int32');
  const noise = batch.root.derive('noise');
  const lr = spec.train.optimizer.lr;
  // Steps are queued without reading anything back; `finish` waits for the last loss, which on
  // a GPU backend (one in-order queue) means waiting for every step queued before it.
  let last: tf.Tensor | undefined;
  const step = (): void => {
    const result = model.trainStepGradients(images, labels, { samples: ir.samples.train, noise });
    optimizer.step(result.gradients, lr);
    last?.dispose();
    last = tf.clone(result.loss.total);
    disposeTrainStep(result);
  };
  const finish = async (): Promise<void> => {
    if (last) await last.data();
  };
  try {
    for (let i = 0; i < options.warmup; i++) step();
    await finish();
    const start = process.hrtime.bigint();
    for (let i = 0; i < options.steps; i++) step();
    await finish();
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / options.steps;
    let kernels: KernelTime[] | undefined;
    if (options.profile) {
      const info = await tf.profile(async () => {
        step();
        await finish();
      });
      const byName = new Map<string, { ms: number; calls: number }>();
      const backendName = tf.getBackend();
      for (const k of info.kernels) {
        // The profile also lists op scopes (customGrad ops such as fusedConv2d__op) around kernels: skip them.
        if (!tf.getKernel(k.name, backendName)) continue;
        const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        entry.calls += 1;
        byName.set(k.name, entry);
      }
      kernels = [...byName.entries()].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
    }
    return { msPerStep: ms, imagesPerSecond: (1000 * options.batch) / ms, ...(kernels ? { kernels } : {}) };
  } finally {
    tf.dispose([images, labels]);
    last?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
