/**
 * Times training steps of a compiled model on the chosen engine (through the
 * TrainingEngine interface): random images and labels from the seeded
 * generator, the spec's optimizer at its base rate, timed after warm-up steps
 * (the first steps build native primitives and grow TF.js's buffers). Steps
 * are queued without reading anything back, and the clock stops when the last
 * step's result has been read: on a GPU backend (one in-order queue) that
 * means every step queued before it has run.
 */
import type { ModelIR } from '../../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../../compiler/spec/resolved-spec.js';
import { buildTraining } from '../../../compiler/network/build-training.js';
import { Random } from '../../../support/random.js';
import { createTrainingEngine, type StepChoice } from '../../engine/choose-engine.js';
import type { OpTime, StepBatch } from '../../engine/training-engine.js';

export { PROFILED_STEPS } from '../../engine/compiled/compiled-engine.js';

export interface TimingOptions {
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly seed: number;
  /** Also time per op (the compiled step) or per kernel (the TF.js executor). */
  readonly profile?: boolean;
  /** What runs the steps (chooseStepEngine). */
  readonly engine: StepChoice;
}

export type KernelTime = OpTime;

export interface TrainingTiming {
  readonly msPerStep: number;
  readonly imagesPerSecond: number;
  /** Milliseconds per op or kernel name over one step, largest first (with `profile`). */
  readonly kernels?: readonly KernelTime[];
}

/** Random images and labels from the seeded generator: what every timed step trains on. */
function benchBatch(ir: ModelIR, options: TimingOptions): { batch: StepBatch; root: Random } {
  const root = Random.fromSeed(options.seed);
  const [h, w, c] = ir.inputShape;
  const images = root.derive('bench-images').fillNormal(new Float32Array(options.batch * h * w * c));
  const labelStream = root.derive('bench-labels');
  const labels = Int32Array.from({ length: options.batch }, () => Math.floor(labelStream.next() * ir.classes) % ir.classes);
  return { batch: { images, labels, count: options.batch }, root };
}

export async function timeTrainingSteps(spec: ResolvedSpec, ir: ModelIR, options: TimingOptions): Promise<TrainingTiming> {
  const { batch, root } = benchBatch(ir, options);
  const step = { lr: spec.train.optimizer.lr, noise: root.derive('noise') };
  const engine = createTrainingEngine(options.engine, buildTraining(spec, ir), { seed: options.seed });
  try {
    for (let i = 0; i < options.warmup; i++) engine.step(batch, step);
    await engine.drain('all');
    const start = process.hrtime.bigint();
    for (let i = 0; i < options.steps; i++) engine.step(batch, step);
    await engine.drain('all');
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / options.steps;
    const kernels = options.profile ? await engine.profile(batch, step) : undefined;
    return { msPerStep: ms, imagesPerSecond: (1000 * options.batch) / ms, ...(kernels ? { kernels } : {}) };
  } finally {
    engine.dispose();
  }
}
