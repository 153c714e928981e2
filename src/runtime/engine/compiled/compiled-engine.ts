/**
 * The compiled training step (compiled-step.ts) behind the TrainingEngine
 * interface: steps run synchronously on the CPU, so every step's result is
 * ready as it returns and `drain('due')` hands it back at once; evaluation
 * runs the step's inference plan. It keeps no weight average (choose-engine.ts
 * gives runs with one to the executor).
 */
import type { GradientClipIR, ModelIR, TrainingIR } from '../../../compiler/ir/ir.js';
import type { NativeAddon } from '../backends/native/addon.js';
import { stepLoss, type EngineState, type EvaluationResult, type InitialWeights, type OpTime, type PredictBatch, type PredictOptions, type StepBatch, type StepOptions, type StepResult, type TrainingEngine } from '../training-engine.js';
import { CompiledTrainingStep } from './compiled-step.js';
import type { Precision } from '../precision.js';

/** Steps averaged over when profiling (one step's op times are too small to read alone). */
export const PROFILED_STEPS = 10;

export class CompiledEngine implements TrainingEngine {
  readonly name = 'compiled' as const;
  readonly profiledSteps = PROFILED_STEPS;
  readonly ir: ModelIR;
  private readonly compiled: CompiledTrainingStep;
  private readonly clip: GradientClipIR | undefined;
  private pending: StepResult[] = [];

  /** `precision`: the arithmetic of the convolutions and matrix products (precision.ts); fp32 unless the run asks for bf16. */
  constructor(training: TrainingIR, kernels: NativeAddon, initial: InitialWeights, precision: Precision = 'fp32') {
    if (training.weightAverage) throw new Error('the compiled step keeps no weight average; choose-engine gives such runs the TF.js executor');
    this.ir = training.model;
    this.clip = training.clip;
    this.compiled = new CompiledTrainingStep(training.model, training.optimizer, kernels, initial, precision);
  }

  step(batch: StepBatch, options: StepOptions): void {
    // The update is fused into the backward pass unless the whole gradient is needed first (its norm, clipping).
    if (this.clip || options.measureGradientNorm === true) {
      const outcome = this.compiled.stepWithGradientNorm(batch.images, batch.labels, this.ir.samples.train, options.noise, options.lr, this.clip);
      this.pending.push({ loss: stepLoss(outcome.terms), logits: outcome.logits.slice(), gradientNorm: outcome.gradientNorm });
      return;
    }
    const outcome = this.compiled.step(batch.images, batch.labels, this.ir.samples.train, options.noise, options.lr);
    // The plan's logits array is reused by the next step of this size: keep a copy.
    this.pending.push({ loss: stepLoss(outcome.terms), logits: outcome.logits.slice() });
  }

  drain(_which: 'due' | 'all'): Promise<readonly StepResult[]> {
    const ready = this.pending;
    this.pending = [];
    return Promise.resolve(ready);
  }

  predict(batch: PredictBatch, options: PredictOptions): Promise<Float32Array> {
    return Promise.resolve(this.compiled.infer(batch.images, batch.count, options.samples, options.noise));
  }

  evaluate(batch: StepBatch, options: PredictOptions): Promise<EvaluationResult> {
    const outcome = this.compiled.evaluate(batch.images, batch.labels, options.samples, options.noise);
    return Promise.resolve({ loss: stepLoss(outcome.terms), logits: outcome.logits });
  }

  withAveragedWeights<T>(use: () => Promise<T>): Promise<T> {
    return use();
  }

  weights(): Promise<Map<string, Float32Array>> {
    return Promise.resolve(this.compiled.weights());
  }

  averagedWeights(): Promise<Map<string, Float32Array> | undefined> {
    return Promise.resolve(undefined);
  }

  state(): Promise<EngineState> {
    return Promise.resolve({ weights: this.compiled.weights(), optimizer: this.compiled.optimizerState() });
  }

  restore(state: EngineState): void {
    this.compiled.setWeights(state.weights);
    this.compiled.setOptimizerState(state.optimizer);
  }

  profile(batch: StepBatch, options: StepOptions): Promise<readonly OpTime[]> {
    const byLabel = new Map<string, { ms: number; calls: number }>();
    for (let i = 0; i < PROFILED_STEPS; i++) {
      this.compiled.profiledStep(batch.images, batch.labels, this.ir.samples.train, options.noise, options.lr, (label, took) => {
        const entry = byLabel.get(label) ?? { ms: 0, calls: 0 };
        entry.ms += took / PROFILED_STEPS;
        entry.calls += 1 / PROFILED_STEPS;
        byLabel.set(label, entry);
      });
    }
    return Promise.resolve([...byLabel].map(([kernel, e]) => ({ kernel, ms: e.ms, calls: Math.round(e.calls) })).sort((a, b) => b.ms - a.ms));
  }

  dispose(): void {
    this.pending = [];
  }
}
