/**
 * A training step compiled from the IR (issue 14): forward, loss, backward and
 * the optimizer update for every parameter, run as direct native kernel calls
 * over arrays allocated once, with no TF.js engine (tape, tensor tracking,
 * disposal) in between. The TF.js executor remains the reference it is tested
 * against, op by op and step by step, and the path for every backend but
 * ibc-native.
 *
 * The step owns the weights while it trains; `weights()` hands out copies
 * (checkpoints, the run's figures). compiled-engine.ts puts it behind the
 * TrainingEngine interface. A plan is made per batch size
 * (an epoch's last batch is usually smaller); all plans share the parameters
 * and the optimizer.
 */
import type { GradientClipIR, ModelIR, OptimizerIR } from '../../../compiler/ir/ir.js';
import type { Random } from '../../../support/random.js';
import type { NativeAddon } from '../backends/native/addon.js';
import type { InitialWeights, OptimizerState } from '../training-engine.js';
import { lossAndGradients, lossValues, type LossValues } from './loss.js';
import { ArenaOptimizer } from './optimizer.js';
import { clipGradientsInPlace, gradientNorm } from './clip-gradients.js';
import { createParameterArena, parameterView, type ParameterArena } from './parameters.js';
import { initParamsInto } from '../init-params.js';
import { planTrainingStep, type ParameterUpdate, type StepPlan, type StepShape } from './plan.js';
import type { Precision } from '../precision.js';

export interface StepOutcome {
  /** [total, ce, kl, vq, commit], as the TF.js path's loss terms. */
  readonly terms: LossValues;
  /** The step's (sample-averaged) logits [batch, classes]; valid until the next step of this batch size. */
  readonly logits: Float32Array;
}

/** Runs one op (`run`), named `label`; profiles time it. */
type OpTimer = (label: string, run: () => void) => void;
const untimed: OpTimer = (_label, run) => run();

/** Why the compiled step cannot run this model, or undefined when it can. */
export function compiledStepSupport(ir: ModelIR): string | undefined {
  const users = new Map<string, number>();
  for (const node of ir.nodes) for (const name of Object.values(node.params)) users.set(name!, (users.get(name!) ?? 0) + 1);
  const shared = [...users].find(([, n]) => n > 1);
  if (shared) return `parameter '${shared[0]}' is read by ${shared[1]} nodes`;
  return undefined;
}

export class CompiledTrainingStep {
  private readonly arena: ParameterArena;
  private readonly optimizer: ArenaOptimizer;
  private readonly plans = new Map<string, StepPlan>();

  /**
   * `weights`: every parameter's values, or a seed to initialise them with (in place: no second
   * copy of a large model). `precision`: the arithmetic of convolutions and matrix products in
   * every plan, training and inference (default fp32; bf16 needs kernels whose info().bf16 is
   * true, see precision.ts). Parameters, gradients and optimizer state are float32 either way.
   */
  constructor(
    readonly ir: ModelIR,
    optimizer: OptimizerIR,
    private readonly kernels: NativeAddon,
    weights: InitialWeights,
    readonly precision: Precision = 'fp32',
  ) {
    const reason = compiledStepSupport(ir);
    if (reason) throw new Error(`the compiled step cannot run this model: ${reason}`);
    this.arena = createParameterArena(ir);
    if ('seed' in weights) initParamsInto(ir, weights.seed, (name) => parameterView(this.arena, name), weights.pretrained);
    else this.setWeights(weights);
    this.optimizer = new ArenaOptimizer(optimizer, this.arena, kernels);
  }

  /**
   * One training step: forward (training mode, `samples` draws from `noise`), loss, gradients,
   * BN statistics, and the update at rate `lr`, fused into the backward pass: each layer's
   * parameters are updated as soon as their gradient is complete (the same arithmetic as
   * `gradients` followed by the optimizer). `time` wraps every op (profiles).
   */
  step(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined, lr: number, time: OpTimer = untimed): StepOutcome {
    const update = this.optimizer.begin(lr);
    const outcome = this.run(this.planFor(labels.length, samples, 'train', true), images, labels, noise, update, time);
    this.optimizer.finish();
    return outcome;
  }

  /**
   * `step` with the whole gradient in hand before the update (the update is not fused into
   * the backward pass): its global L2 norm measured, the gradients clipped when `clip` is
   * given, then the update. Without clipping the arithmetic is `step`'s.
   */
  stepWithGradientNorm(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined, lr: number, clip: GradientClipIR | undefined): StepOutcome & { readonly gradientNorm: number } {
    const outcome = this.gradients(images, labels, samples, noise);
    const grads = this.arena.grads;
    const norm = gradientNorm(grads);
    if (clip) clipGradientsInPlace(grads, clip, norm);
    this.optimizer.step(lr);
    return { ...outcome, gradientNorm: norm };
  }

  /** The step without the optimizer update: the gradients are left in `parameterGradients()`. */
  gradients(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined): StepOutcome {
    return this.run(this.planFor(labels.length, samples), images, labels, noise, undefined, untimed);
  }

  /** Forward, loss, backward of a training plan; with `update`, the plan's fused updates and then the rest. */
  private run(plan: StepPlan, images: Float32Array, labels: Int32Array, noise: Random | undefined, update: ParameterUpdate | undefined, time: OpTimer): StepOutcome {
    this.load(plan, images);
    plan.useNoise(noise);
    plan.useUpdate(update);
    try {
      plan.forward.forEach((op, i) => time(`${plan.forwardLabels[i]} forward`, op.forward));
      let terms: LossValues | undefined;
      time('loss', () => {
        for (const g of plan.zeroBeforeBackward) g.fill(0);
        terms = lossAndGradients(this.ir.loss, plan.taps, labels);
      });
      plan.backward.forEach((op, i) => time(plan.backwardLabels[i]!, op.backward!));
      if (update) {
        time('optimizer update (anchors)', () => {
          for (const s of plan.updatedAtEnd) update(s.offset, s.length, s.lrScale, this.arena.grads.subarray(s.offset, s.offset + s.length));
        });
      }
      return { terms: terms!, logits: plan.taps.logits.data };
    } finally {
      plan.useNoise(undefined);
      plan.useUpdate(undefined);
    }
  }

  /** `step` with every op timed: `record(label, ms)` per forward op ("Conv2D forward"), per backward op, the loss and the update. */
  profiledStep(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined, lr: number, record: (label: string, ms: number) => void): StepOutcome {
    return this.step(images, labels, samples, noise, lr, (label, op) => {
      const start = performance.now();
      op();
      record(label, performance.now() - start);
    });
  }

  /**
   * The evaluation forward pass on the current weights: BatchNorm on the running statistics,
   * no dropout, `samples` draws from `noise` (the TF.js executor's draws, in its order).
   * Returns the (sample-averaged) logits [batch, classes], valid until the next call of this size.
   */
  infer(images: Float32Array, batch: number, samples: number, noise: Random | undefined): Float32Array {
    const plan = this.planFor(batch, samples, 'eval');
    this.load(plan, images);
    plan.useNoise(noise);
    try {
      for (const op of plan.forward) op.forward();
      return plan.taps.logits.data;
    } finally {
      plan.useNoise(undefined);
    }
  }

  /**
   * `infer`, then the loss terms of that same pass against `labels` (lossValues: the training
   * loss's arithmetic on the evaluation pass's taps, no gradient written). The logits are
   * valid until the next call of this size.
   */
  evaluate(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined): StepOutcome {
    const logits = this.infer(images, labels.length, samples, noise);
    return { terms: lossValues(this.ir.loss, this.planFor(labels.length, samples, 'eval').taps, labels), logits };
  }

  private load(plan: StepPlan, images: Float32Array): void {
    if (images.length !== plan.input.data.length) throw new Error(`a batch of ${plan.input.rows} images needs ${plan.input.data.length} values, got ${images.length}`);
    plan.input.data.set(images);
  }

  /** d total / d parameter of the last step, by name, for every trainable parameter (copies). */
  parameterGradients(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, slot] of this.arena.slots) {
      if (slot.lrScale !== undefined) out.set(name, this.arena.grads.slice(slot.offset, slot.offset + slot.length));
    }
    return out;
  }

  /** Every parameter's value (buffers included), as copies, in the IR's order (the executor's: checkpoints list them so). */
  weights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const p of this.ir.params) out.set(p.name, parameterView(this.arena, p.name).slice());
    return out;
  }

  /** Sets the given parameters (a subset is fine); unknown names and wrong sizes are bugs. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    for (const [name, values] of weights) {
      const view = parameterView(this.arena, name);
      if (values.length !== view.length) throw new Error(`parameter '${name}' has ${values.length} values, expected ${view.length}`);
      view.set(values);
    }
  }

  optimizerState(): OptimizerState {
    return this.optimizer.getState();
  }

  setOptimizerState(state: OptimizerState): void {
    this.optimizer.setState(state);
  }

  private planFor(batch: number, samples: number, mode: StepShape['mode'] = 'train', fusedUpdate = false): StepPlan {
    const key = `${mode} ${batch} ${samples} ${fusedUpdate}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = planTrainingStep(this.ir, { batch, samples, mode, fusedUpdate, precision: this.precision }, this.arena, this.kernels);
      this.plans.set(key, plan);
    }
    return plan;
  }
}
