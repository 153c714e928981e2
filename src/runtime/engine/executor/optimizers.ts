/**
 * SGD (momentum, Nesterov) and Adam with PyTorch's semantics, over named TF.js
 * variables: every trainable variable trains at the step's rate times its
 * parameter's lrScale (ParamSpec); non-trainable variables (frozen
 * parameters) are never touched. Weight decay is L2 added to the gradient, as
 * torch.optim.SGD/Adam do (not decoupled). All state is named tensors so a
 * checkpoint can hold it and a resumed run continues bit for bit.
 */
import * as tf from '../tfjs-core.js';
import type { OptimizerIR } from '../../../compiler/ir/ir.js';
import { SGD_STEP } from '../backends/native/ops.js';
import type { OptimizerState } from '../training-engine.js';

export interface OptimizedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
  /** The parameter's rate scale (ParamSpec.lrScale). */
  readonly lrScale: number;
}

export interface Optimizer {
  readonly kind: 'sgd' | 'adam';
  /** Applies one update at base rate `lr` from gradients keyed by variable name. Missing gradients leave a variable unchanged. */
  step(gradients: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  /** Number of steps taken so far. */
  steps(): number;
  getState(): OptimizerState;
  /** getState() read asynchronously (the WebGPU backend cannot read synchronously in Node). */
  readState(): Promise<OptimizerState>;
  /** Restores a state from getState(); throws a plain Error on a mismatch (the caller turns it into a diagnostic). */
  setState(state: OptimizerState): void;
  dispose(): void;
}

interface Slot {
  readonly target: OptimizedVariable;
  readonly lrScale: number;
}

function slotsFor(variables: readonly OptimizedVariable[]): Slot[] {
  const slots: Slot[] = [];
  for (const v of variables) {
    // Frozen parameters (the CUB reference's anchors) are never touched, weight decay included.
    if (!v.variable.trainable) continue;
    slots.push({ target: v, lrScale: v.lrScale });
  }
  return slots;
}

/** A lazily created, named, non-trainable buffer per variable. */
class BufferSet {
  private readonly map = new Map<string, tf.Variable>();
  constructor(private readonly suffix: string) {}

  get(slot: Slot): tf.Variable {
    const key = slot.target.name;
    let b = this.map.get(key);
    if (!b) {
      const source = slot.target.variable;
      b = tf.tidy(() => tf.variable(tf.zerosLike(source), false, undefined, 'float32'));
      this.map.set(key, b);
    }
    return b;
  }

  save(out: Record<string, { shape: readonly number[]; values: Float32Array }>): void {
    for (const [name, b] of this.map) {
      out[`${name}#${this.suffix}`] = { shape: b.shape.slice(), values: b.dataSync() as Float32Array };
    }
  }

  async read(out: Record<string, { shape: readonly number[]; values: Float32Array }>): Promise<void> {
    const entries = [...this.map];
    const values = await Promise.all(entries.map(([, b]) => b.data()));
    entries.forEach(([name, b], i) => {
      out[`${name}#${this.suffix}`] = { shape: b.shape.slice(), values: values[i] as Float32Array };
    });
  }

  load(slots: readonly Slot[], buffers: OptimizerState['buffers']): void {
    this.dispose();
    for (const slot of slots) {
      const saved = buffers[`${slot.target.name}#${this.suffix}`];
      if (!saved) continue; // never updated before the checkpoint: starts at zero, as it would have
      const shape = slot.target.variable.shape;
      if (saved.values.length !== slot.target.variable.size) {
        throw new Error(`optimizer buffer '${slot.target.name}#${this.suffix}' has ${saved.values.length} values, the variable has ${slot.target.variable.size}`);
      }
      this.map.set(slot.target.name, tf.tidy(() => tf.variable(tf.tensor(saved.values, shape, 'float32'), false)));
    }
  }

  dispose(): void {
    for (const b of this.map.values()) b.dispose();
    this.map.clear();
  }
}

/** Whether the active backend can take this parameter's whole update in one kernel. */
function oneKernelStep(param: tf.Variable, grad: tf.Tensor): boolean {
  return param.dtype === 'float32' && grad.dtype === 'float32' && grad.size === param.size
    && tf.getKernel(SGD_STEP, tf.getBackend()) !== undefined;
}

class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  private count = 0;
  private readonly momentum = new BufferSet('momentum');

  constructor(
    private readonly slots: readonly Slot[],
    private readonly settings: Extract<OptimizerIR, { kind: 'sgd' }>,
  ) {}

  step(gradients: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.settings;
    for (const slot of this.slots) {
      const grad = gradients.get(slot.target.name);
      if (!grad) continue;
      const p = slot.target.variable;
      const rate = lr * slot.lrScale;
      const buf = momentum !== 0 ? this.momentum.get(slot) : undefined;
      tf.tidy(() => {
        if (oneKernelStep(p, grad)) {
          // Same update in one pass; the kernel's outputs are fresh tensors the variables adopt.
          const inputs: tf.NamedTensorMap = buf ? { param: p, grad, buf } : { param: p, grad };
          const [nextParam, nextBuf] = tf.engine().runKernel(SGD_STEP, inputs, { lr: rate, momentum, weightDecay, nesterov }) as tf.Tensor[];
          if (buf) buf.assign(nextBuf!);
          p.assign(nextParam!);
          return;
        }
        let g: tf.Tensor = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
        if (buf) {
          // PyTorch: buf = momentum * buf + g (first step: buf = g, the same with buf starting at 0).
          const nextBuf = tf.add(tf.mul(buf, momentum), g);
          buf.assign(nextBuf);
          g = nesterov ? tf.add(g, tf.mul(nextBuf, momentum)) : nextBuf;
        }
        p.assign(tf.sub(p, tf.mul(g, rate)));
      });
    }
    this.count++;
  }

  steps(): number {
    return this.count;
  }

  getState(): OptimizerState {
    const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    this.momentum.save(buffers);
    return { kind: 'sgd', step: this.count, buffers };
  }

  async readState(): Promise<OptimizerState> {
    const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    await this.momentum.read(buffers);
    return { kind: 'sgd', step: this.count, buffers };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== 'sgd') throw new Error(`the checkpoint holds ${state.kind} state, the spec asks for sgd`);
    this.momentum.load(this.slots, state.buffers);
    this.count = state.step;
  }

  dispose(): void {
    this.momentum.dispose();
  }
}

class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  private count = 0;
  private readonly m = new BufferSet('m');
  private readonly v = new BufferSet('v');

  constructor(
    private readonly slots: readonly Slot[],
    private readonly settings: Extract<OptimizerIR, { kind: 'adam' }>,
  ) {}

  step(gradients: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    const t = this.count + 1;
    // torch.optim.Adam: step_size = lr / (1 - b1^t); denom = sqrt(v) / sqrt(1 - b2^t) + eps.
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (const slot of this.slots) {
      const grad = gradients.get(slot.target.name);
      if (!grad) continue;
      const p = slot.target.variable;
      const m = this.m.get(slot);
      const v = this.v.get(slot);
      const stepSize = (lr * slot.lrScale) / bc1;
      tf.tidy(() => {
        const g = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
        const nextM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
        m.assign(nextM);
        v.assign(nextV);
        const denom = tf.add(tf.div(tf.sqrt(nextV), bc2Sqrt), epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(nextM, denom), stepSize)));
      });
    }
    this.count = t;
  }

  steps(): number {
    return this.count;
  }

  getState(): OptimizerState {
    const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    this.m.save(buffers);
    this.v.save(buffers);
    return { kind: 'adam', step: this.count, buffers };
  }

  async readState(): Promise<OptimizerState> {
    const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    await this.m.read(buffers);
    await this.v.read(buffers);
    return { kind: 'adam', step: this.count, buffers };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== 'adam') throw new Error(`the checkpoint holds ${state.kind} state, the spec asks for adam`);
    this.m.load(this.slots, state.buffers);
    this.v.load(this.slots, state.buffers);
    this.count = state.step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

export function createOptimizer(settings: OptimizerIR, variables: readonly OptimizedVariable[]): Optimizer {
  const slots = slotsFor(variables);
  return settings.kind === 'sgd' ? new Sgd(slots, settings) : new Adam(slots, settings);
}
