/**
 * Adam and SGD (momentum, Nesterov, L2 weight decay) over the parameter
 * arena, with torch.optim's semantics and the same arithmetic as
 * the executor's optimizers.ts: one native call per rate segment per step. State is
 * saved in that optimizer's format (`name#m`, `name#v`, `name#momentum`), so a
 * checkpoint written by either training path resumes on the other.
 */
import type { OptimizerIR } from '../../../compiler/ir/ir.js';
import type { NativeAddon } from '../backends/native/addon.js';
import type { OptimizerState } from '../training-engine.js';
import { ok } from './op.js';
import type { ParameterArena } from './parameters.js';

export class ArenaOptimizer {
  private count = 0;
  /** Adam: first and second moments; SGD: the momentum buffer (first only). */
  private readonly first: Float32Array;
  private readonly second: Float32Array;

  constructor(
    private readonly spec: OptimizerIR,
    private readonly arena: ParameterArena,
    private readonly kernels: NativeAddon,
  ) {
    const n = arena.grads.length;
    this.first = new Float32Array(spec.kind === 'adam' || spec.momentum !== 0 ? n : 0);
    this.second = new Float32Array(spec.kind === 'adam' ? n : 0);
  }

  get kind(): 'sgd' | 'adam' {
    return this.spec.kind;
  }

  steps(): number {
    return this.count;
  }

  /** One update of every trainable parameter from the arena's gradients: one call per rate segment. */
  step(lr: number): void {
    const update = this.begin(lr);
    for (const seg of this.arena.segments) update(seg.offset, seg.length, seg.lrScale, this.arena.grads.subarray(seg.offset, seg.offset + seg.length));
    this.finish();
  }

  /**
   * Starts a step at base rate `lr`: the returned function updates the parameters at
   * [offset, offset + length) of the arena from `grad` (a step fused into the backward pass
   * updates each parameter as soon as its gradient is complete). `finish` ends the step.
   */
  begin(lr: number): (offset: number, length: number, lrScale: number, grad: Float32Array) => void {
    const t = this.count + 1;
    const { values } = this.arena;
    const spec = this.spec;
    return (offset, length, lrScale, grad) => {
      const end = offset + length;
      const p = values.subarray(offset, end);
      const rate = lr * lrScale;
      if (spec.kind === 'adam') {
        const { beta1, beta2, epsilon, weightDecay } = spec;
        const stepSize = rate / (1 - Math.pow(beta1, t));
        const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        ok(this.kernels.adamStep(p, grad, this.first.subarray(offset, end), this.second.subarray(offset, end), stepSize, beta1, beta2, epsilon, weightDecay, bc2Sqrt), 'adamStep');
      } else {
        const { momentum, nesterov, weightDecay } = spec;
        const buf = momentum !== 0 ? this.first.subarray(offset, end) : null;
        ok(this.kernels.sgdStep(p, grad, buf, p, buf, rate, momentum, weightDecay, nesterov ? 1 : 0), 'sgdStep');
      }
    };
  }

  finish(): void {
    this.count += 1;
  }

  private bufferNames(): [string, Float32Array][] {
    if (this.spec.kind === 'adam') return [['m', this.first], ['v', this.second]];
    return this.spec.momentum !== 0 ? [['momentum', this.first]] : [];
  }

  getState(): OptimizerState {
    const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    for (const [suffix, array] of this.bufferNames()) {
      for (const [name, slot] of this.arena.slots) {
        if (slot.lrScale === undefined) continue;
        buffers[`${name}#${suffix}`] = { shape: slot.spec.shape.slice(), values: array.slice(slot.offset, slot.offset + slot.length) };
      }
    }
    return { kind: this.spec.kind, step: this.count, buffers };
  }

  /** Restores getState()'s (or the executor optimizer's) state; a buffer it lacks starts at zero, as it would have. */
  setState(state: OptimizerState): void {
    if (state.kind !== this.spec.kind) throw new Error(`the checkpoint holds ${state.kind} state, the spec asks for ${this.spec.kind}`);
    for (const [suffix, array] of this.bufferNames()) {
      array.fill(0);
      for (const [name, slot] of this.arena.slots) {
        if (slot.lrScale === undefined) continue;
        const saved = state.buffers[`${name}#${suffix}`];
        if (!saved) continue;
        if (saved.values.length !== slot.length) throw new Error(`optimizer buffer '${name}#${suffix}' has ${saved.values.length} values, the variable has ${slot.length}`);
        array.set(saved.values, slot.offset);
      }
    }
    this.count = state.step;
  }
}
