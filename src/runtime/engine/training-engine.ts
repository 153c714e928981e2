/**
 * The one interface between the training loop and whatever runs a model's
 * training steps: the TF.js executor (executor/executor-engine.ts, every
 * backend) or the compiled step (compiled/compiled-engine.ts, ibc-native).
 * choose-engine.ts picks one and makes it. The loop, the benchmark and the
 * tests drive both through this interface alone, so neither the loop nor a
 * job knows which engine it has.
 *
 * Contract:
 * - `step` takes one training step (forward in training mode with the IR's train sample
 *   count drawing from `noise`, the loss terms of the IR's LossSpec, gradients, the IR's
 *   gradient clipping, BatchNorm statistics, the optimizer update at `lr` times each
 *   parameter's lrScale, the weight average) and returns before its results are read: an
 *   engine on a GPU queues the work.
 * - `drain` hands back the results of the steps taken and not yet returned, in step order.
 *   'due' returns what the engine reads cheaply now (the compiled step: every step at once;
 *   the executor: a batch of them about once a second, since a read waits for all queued
 *   work); 'all' waits for every one. Results are never lost: a step's result comes back
 *   exactly once.
 * - `state` is valid between any two steps (not only at epoch ends), whether or not the
 *   results before it were drained; `restore` puts such a state back, so that the next
 *   steps are those the saved engine would have taken (the caller restores its random
 *   streams). Both carry the state in the checkpoint's format, the same for both engines.
 * - `predict` runs evaluation mode (BatchNorm on its running statistics, no dropout) on the
 *   live weights; inside `withAveragedWeights` on the averaged ones when the engine keeps an
 *   average. `evaluate` is `predict` (the same pass, the same draws) that also returns the
 *   LossSpec's terms of that pass against the batch's labels, in the training loss's
 *   arithmetic (the epoch's validation loss).
 * - The engine owns everything it allocates (tensors, arenas); `dispose` frees it, pending
 *   results included.
 */
import type { ModelIR, LossTermKind } from '../../compiler/ir/ir.js';
import type { Random } from '../../support/random.js';

/** Which engine runs the training steps (recorded in summary.json as training_step). */
export type EngineName = 'compiled' | 'tfjs';

/**
 * How an engine's parameters start: every parameter's values (a checkpoint's), or drawn from
 * the run's seed (init-params.ts), a pretrained trunk's values (weights="...") where given.
 */
export type InitialWeights = ReadonlyMap<string, Float32Array> | { readonly seed: number; readonly pretrained?: ReadonlyMap<string, Float32Array> };

/** A batch to evaluate: `count` normalised NHWC images. */
export interface PredictBatch {
  /** count * h * w * c floats. */
  readonly images: Float32Array;
  readonly count: number;
}

/** A training batch: images and their labels. */
export interface StepBatch extends PredictBatch {
  readonly labels: Int32Array;
}

export interface PredictOptions {
  /** n: 0 = the deterministic mean. */
  readonly samples: number;
  /** Required whenever something is drawn (samples > 0). */
  readonly noise?: Random;
}

export interface StepOptions {
  /** The schedule's rate for this step; each parameter trains at it times its lrScale. */
  readonly lr: number;
  /** The reparameterisation and dropout draws, taken in the executor's order. */
  readonly noise: Random;
  /** Measure the global gradient norm of this step (the step log's steps); always measured when the IR clips by norm. */
  readonly measureGradientNorm?: boolean;
}

/** One step's loss: the objective (in the LossSpec's unit) and each term's value before its weight (CE and KL in nats; 0 for a term the model lacks). */
export interface StepLoss {
  readonly total: number;
  readonly terms: Readonly<Record<LossTermKind, number>>;
}

/** One training step's results, read. */
export interface StepResult {
  readonly loss: StepLoss;
  /** The training pass's (sample-averaged) logits [batch, classes]. */
  readonly logits: Float32Array;
  /** The global L2 norm of the trainable parameters' gradients before clipping, when measured. */
  readonly gradientNorm?: number;
}

/**
 * One evaluation batch's results, read: the pass `predict` makes and the training loss's terms
 * computed on it. With n = `samples eval` draws: CE of the sample-averaged logits (mean over
 * the batch); KL, the analytic KL of each row of mu_z, sd_z (n B rows; B when n = 0) averaged;
 * vq and commit, the mean over the sampled map a (mu_a when n = 0) of (Q(a) - a)^2.
 */
export interface EvaluationResult {
  readonly loss: StepLoss;
  /** The (sample-averaged) logits [count, classes]; valid until the engine's next call. */
  readonly logits: Float32Array;
}

/** A saved optimizer: its step count and one Float32Array per named buffer ('<parameter>#m', '#v', '#momentum'). */
export interface OptimizerState {
  readonly kind: 'sgd' | 'adam';
  readonly step: number;
  readonly buffers: Readonly<Record<string, { readonly shape: readonly number[]; readonly values: Float32Array }>>;
}

/** A saved weight average: its decay and one shadow per trainable parameter. */
export interface EmaState {
  readonly decay: number;
  readonly shadows: Readonly<Record<string, { readonly shape: readonly number[]; readonly values: Float32Array }>>;
}

/** What an engine saves and restores: every parameter (buffers included), the optimizer, the weight average. */
export interface EngineState {
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly optimizer: OptimizerState;
  readonly ema?: EmaState;
}

/** Anything that gives a batch's evaluation logits: an engine, or the TF.js model of a finished run. */
export interface Predictor {
  readonly ir: ModelIR;
  /** The (sample-averaged) logits [count, classes], read; valid until the next call. */
  predict(batch: PredictBatch, options: PredictOptions): Promise<Float32Array>;
}

/** Time spent in one op (or kernel) of a profiled step. */
export interface OpTime {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

export interface TrainingEngine extends Predictor {
  readonly name: EngineName;
  step(batch: StepBatch, options: StepOptions): void;
  drain(which: 'due' | 'all'): Promise<readonly StepResult[]>;
  /** `predict` and the loss terms of that pass against `batch.labels` (EvaluationResult). */
  evaluate(batch: StepBatch, options: PredictOptions): Promise<EvaluationResult>;
  /** Runs `use` with the averaged weights in place (the live ones when the engine keeps no average), then puts the live ones back, even when `use` throws. */
  withAveragedWeights<T>(use: () => Promise<T>): Promise<T>;
  /** Every parameter's live value (buffers included), as copies. */
  weights(): Promise<Map<string, Float32Array>>;
  /** The weights evaluation uses when the engine keeps an average (averaged trainable parameters, live buffers); undefined otherwise. */
  averagedWeights(): Promise<Map<string, Float32Array> | undefined>;
  state(): Promise<EngineState>;
  /** Puts a state back; a state that does not fit (another model, another optimizer) is a plain Error naming why. */
  restore(state: EngineState): void;
  /**
   * Takes training steps on `batch` and times them per op (the compiled step: the mean of
   * `profiledSteps` steps) or per kernel (the executor: one step); largest first.
   */
  profile(batch: StepBatch, options: StepOptions): Promise<readonly OpTime[]>;
  /** How many steps `profile` averages over. */
  readonly profiledSteps: number;
  dispose(): void;
}

/** A step's loss from the [total, ce, kl, vq, commit] order both engines compute in. */
export function stepLoss(values: ArrayLike<number>): StepLoss {
  return {
    total: values[0] ?? NaN,
    terms: { crossEntropy: values[1] ?? NaN, kl: values[2] ?? NaN, vq: values[3] ?? NaN, commit: values[4] ?? NaN },
  };
}
