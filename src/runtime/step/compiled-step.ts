/**
 * A training step compiled from the IR (issue 14): forward, loss, backward and
 * the optimizer update for every parameter, run as direct native kernel calls
 * over arrays allocated once, with no TF.js engine (tape, tensor tracking,
 * disposal) in between. The TF.js executor remains the reference it is tested
 * against, op by op and step by step, and the path for every backend but
 * ibc-native.
 *
 * The step owns the weights while it trains; `weights()` hands copies to the
 * TF.js model for evaluation and checkpoints. A plan is made per batch size
 * (an epoch's last batch is usually smaller); all plans share the parameters
 * and the optimizer.
 */
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { OptimizerSpec } from '../../compiler/spec/resolved-spec.js';
import type { Random } from '../../support/random.js';
import type { NativeAddon } from '../backends/native/addon.js';
import type { OptimizerState } from '../train/optimizers.js';
import { lossAndGradients, type LossValues } from './loss.js';
import { ArenaOptimizer } from './optimizer.js';
import { createParameterArena, parameterView, type ParameterArena } from './parameters.js';
import { planTrainingStep, type StepPlan, type StepShape } from './plan.js';

export interface StepOutcome {
  /** [total, ce, kl, vq, commit], as the TF.js path's loss terms. */
  readonly terms: LossValues;
  /** The step's (sample-averaged) logits [batch, classes]; valid until the next step of this batch size. */
  readonly logits: Float32Array;
}

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

  constructor(
    readonly ir: ModelIR,
    optimizer: OptimizerSpec,
    private readonly kernels: NativeAddon,
    weights: ReadonlyMap<string, Float32Array>,
  ) {
    const reason = compiledStepSupport(ir);
    if (reason) throw new Error(`the compiled step cannot run this model: ${reason}`);
    this.arena = createParameterArena(ir);
    this.setWeights(weights);
    this.optimizer = new ArenaOptimizer(optimizer, this.arena, kernels);
  }

  /** One training step: forward (training mode, `samples` draws from `noise`), loss, gradients, BN statistics, update at rate `lr`. */
  step(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined, lr: number): StepOutcome {
    const outcome = this.gradients(images, labels, samples, noise);
    this.optimizer.step(lr);
    return outcome;
  }

  /** The step without the optimizer update: the gradients are left in `parameterGradients()`. */
  gradients(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined): StepOutcome {
    const plan = this.planFor(labels.length, samples);
    this.load(plan, images);
    plan.useNoise(noise);
    try {
      for (const op of plan.forward) op.forward();
      for (const g of plan.zeroBeforeBackward) g.fill(0);
      const terms = lossAndGradients(this.ir.loss, this.ir.quantization, plan.taps, labels);
      for (const op of plan.backward) op.backward!();
      return { terms, logits: plan.taps.logits.data };
    } finally {
      plan.useNoise(undefined);
    }
  }

  /**
   * `step` with every op timed: `record(label, ms)` per forward op ("Conv2D forward"),
   * per backward op, the loss and the optimizer update. Same results as `step`.
   */
  profiledStep(images: Float32Array, labels: Int32Array, samples: number, noise: Random | undefined, lr: number, record: (label: string, ms: number) => void): StepOutcome {
    const plan = this.planFor(labels.length, samples);
    const timed = <T>(label: string, f: () => T): T => {
      const start = performance.now();
      const value = f();
      record(label, performance.now() - start);
      return value;
    };
    this.load(plan, images);
    plan.useNoise(noise);
    try {
      plan.forward.forEach((op, i) => timed(`${plan.forwardLabels[i]} forward`, op.forward));
      const terms = timed('loss', () => {
        for (const g of plan.zeroBeforeBackward) g.fill(0);
        return lossAndGradients(this.ir.loss, this.ir.quantization, plan.taps, labels);
      });
      plan.backward.forEach((op, i) => timed(`${plan.backwardLabels[i]} backward`, op.backward!));
      timed('optimizer update', () => this.optimizer.step(lr));
      return { terms, logits: plan.taps.logits.data };
    } finally {
      plan.useNoise(undefined);
    }
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

  /** Every parameter's value (buffers included), as copies. */
  weights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const name of this.arena.slots.keys()) out.set(name, parameterView(this.arena, name).slice());
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

  optimizerSteps(): number {
    return this.optimizer.steps();
  }

  /** Floats held by the plans' values, gradients and work arrays, plus parameters, gradients and optimizer state. */
  floats(): number {
    let n = this.arena.values.length + this.arena.grads.length * 3;
    for (const plan of this.plans.values()) n += plan.floats;
    return n;
  }

  private planFor(batch: number, samples: number, mode: StepShape['mode'] = 'train'): StepPlan {
    const key = `${mode} ${batch} ${samples}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = planTrainingStep(this.ir, { batch, samples, mode }, this.arena, this.kernels);
      this.plans.set(key, plan);
    }
    return plan;
  }
}
