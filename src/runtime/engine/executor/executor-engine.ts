/**
 * The TF.js executor behind the TrainingEngine interface: the model's
 * train-step gradients (tfjs-model.ts), the optimizer (optimizers.ts) and the
 * weight average (ema.ts), on whatever TF.js backend is active.
 *
 * Nothing is read from the device inside a step: each step's loss terms and
 * logits stay there and `drain('due')` reads them together, asynchronously,
 * about once a second or when too many wait (on a GPU a read waits for all
 * queued work; a synchronous read is impossible on WebGPU in Node).
 */
import * as tf from '../tfjs-core.js';
import type { ModelIR, TrainingIR } from '../../../compiler/ir/ir.js';
import { stepLoss, type EngineState, type EvaluationResult, type InitialWeights, type OpTime, type PredictBatch, type PredictOptions, type StepBatch, type StepOptions, type StepResult, type TrainingEngine } from '../training-engine.js';
import { createTfjsModel, disposeTrainStep, type TfjsModel } from './tfjs-model.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { WeightEma } from './ema.js';
import { clipGradients, globalGradientNorm } from './clip-gradients.js';
import type { GradientClipIR } from '../../../compiler/ir/ir.js';
import { initParams } from '../init-params.js';

/** How often `drain('due')` reads step results back (progress lags by at most this much). */
const READ_INTERVAL_MS = 1000;
/** Bound on the steps waiting to be read (their logits are kept on the device). */
const MAX_PENDING_STEPS = 64;

/** Values per step in PendingStep.terms. */
const STEP_VALUES = 6;

/** One step's results, on the device until they are read. */
interface PendingStep {
  /** [total, ce, kl, vq, commit, gradient norm (NaN when not measured)]. */
  readonly terms: tf.Tensor1D;
  readonly logits: tf.Tensor2D;
}

/** Reads the loss terms and logits of several steps in two asynchronous reads. */
async function readStepResults(steps: readonly PendingStep[]): Promise<[Float32Array, Float32Array]> {
  const [terms, logits] = tf.tidy(() => [tf.concat(steps.map((p) => p.terms)), tf.concat(steps.map((p) => tf.reshape(p.logits, [-1])))]);
  try {
    const [t, l] = await Promise.all([terms.data(), logits.data()]);
    return [t as Float32Array, l as Float32Array];
  } finally {
    tf.dispose([terms, logits]);
  }
}

export class ExecutorEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly profiledSteps = 1;
  readonly ir: ModelIR;
  private readonly model: TfjsModel;
  private readonly optimizer: Optimizer;
  private readonly ema: WeightEma | undefined;
  private readonly clip: GradientClipIR | undefined;
  private pending: PendingStep[] = [];
  private lastRead = performance.now();

  constructor(training: TrainingIR, initial: InitialWeights) {
    this.ir = training.model;
    this.clip = training.clip;
    this.model = createTfjsModel(this.ir, 'seed' in initial ? initParams(this.ir, initial.seed, initial.pretrained) : initial);
    const variables = this.model.trainableVariables();
    try {
      this.optimizer = createOptimizer(training.optimizer, variables);
      this.ema = training.weightAverage ? new WeightEma(training.weightAverage.decay, variables) : undefined;
    } catch (error) {
      this.model.dispose();
      throw error;
    }
  }

  step(batch: StepBatch, options: StepOptions): void {
    const [h, w, c] = this.ir.inputShape;
    const images = tf.tensor4d(batch.images, [batch.count, h, w, c]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const result = this.model.trainStepGradients(images, labels, { samples: this.ir.samples.train, noise: options.noise });
    images.dispose();
    labels.dispose();
    const measure = options.measureGradientNorm === true || this.clip?.kind === 'norm';
    const norm = measure ? globalGradientNorm(result.gradients) : undefined;
    let clipped: Map<string, tf.Tensor> | undefined;
    try {
      const { total, ce, kl, vq, commit } = result.loss;
      this.pending.push({ terms: tf.tidy(() => tf.stack([total, ce, kl, vq, commit, norm ?? tf.scalar(NaN)]) as tf.Tensor1D), logits: tf.clone(result.logits) });
      clipped = this.clip ? clipGradients(result.gradients, this.clip, norm) : undefined;
      this.optimizer.step(clipped ?? result.gradients, options.lr);
    } finally {
      disposeTrainStep(result);
      if (norm) norm.dispose();
      if (clipped) tf.dispose([...clipped.values()]);
    }
    this.ema?.update();
  }

  async drain(which: 'due' | 'all'): Promise<readonly StepResult[]> {
    if (which === 'due' && this.pending.length < MAX_PENDING_STEPS && performance.now() - this.lastRead < READ_INTERVAL_MS) return [];
    const steps = this.pending;
    this.pending = [];
    this.lastRead = performance.now();
    if (steps.length === 0) return [];
    const sizes = steps.map((p) => p.logits.size);
    let terms: Float32Array;
    let logits: Float32Array;
    try {
      [terms, logits] = await readStepResults(steps);
    } finally {
      for (const p of steps) tf.dispose([p.terms, p.logits]);
    }
    let offset = 0;
    return sizes.map((size, i) => {
      const rows = logits.subarray(offset, offset + size);
      offset += rows.length;
      const values = terms.subarray(STEP_VALUES * i, STEP_VALUES * (i + 1));
      const norm = values[5] ?? NaN;
      return { loss: stepLoss(values), logits: rows, ...(Number.isNaN(norm) ? {} : { gradientNorm: norm }) };
    });
  }

  predict(batch: PredictBatch, options: PredictOptions): Promise<Float32Array> {
    return this.model.predict(batch, options);
  }

  async evaluate(batch: StepBatch, options: PredictOptions): Promise<EvaluationResult> {
    const { terms, logits } = await this.model.evaluate(batch, options);
    return { loss: stepLoss(terms), logits };
  }

  withAveragedWeights<T>(use: () => Promise<T>): Promise<T> {
    return this.ema ? this.ema.withAveraged(use) : use();
  }

  weights(): Promise<Map<string, Float32Array>> {
    return this.model.readWeights();
  }

  async averagedWeights(): Promise<Map<string, Float32Array> | undefined> {
    if (!this.ema) return undefined;
    const weights = await this.model.readWeights();
    for (const [name, shadow] of Object.entries((await this.ema.readState()).shadows)) weights.set(name, shadow.values);
    return weights;
  }

  async state(): Promise<EngineState> {
    const weights = await this.model.readWeights();
    const optimizer = await this.optimizer.readState();
    return { weights, optimizer, ...(this.ema ? { ema: await this.ema.readState() } : {}) };
  }

  restore(state: EngineState): void {
    this.model.setWeights(state.weights);
    this.optimizer.setState(state.optimizer);
    if (this.ema) {
      if (!state.ema) throw new Error('the spec asks for an EMA of weights, the checkpoint has none');
      this.ema.setState(state.ema);
    }
  }

  /** One step under tf.profile: milliseconds per kernel name (op scopes around kernels skipped). */
  async profile(batch: StepBatch, options: StepOptions): Promise<readonly OpTime[]> {
    const info = await tf.profile(async () => {
      this.step(batch, options);
      await this.drain('all');
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
    return [...byName.entries()].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
  }

  dispose(): void {
    for (const p of this.pending) tf.dispose([p.terms, p.logits]);
    this.pending = [];
    this.optimizer.dispose();
    this.ema?.dispose();
    this.model.dispose();
  }
}
