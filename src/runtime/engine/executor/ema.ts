/**
 * Exponential moving average of the trained weights (CUB reference: decay
 * 0.999): shadow = decay * shadow + (1 - decay) * weight after every step.
 * Evaluation swaps the shadow values in and back out; BN moving statistics are
 * not averaged (they are already averages) and stay as they are.
 */
import * as tf from '../tfjs-core.js';
import type { EmaState } from '../training-engine.js';

/** A variable the average follows. */
export interface AveragedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

export class WeightEma {
  private readonly shadows = new Map<string, tf.Variable>();

  constructor(
    private readonly decay: number,
    private readonly variables: readonly AveragedVariable[],
  ) {
    for (const v of variables) {
      const source = v.variable;
      this.shadows.set(v.name, tf.tidy(() => tf.variable(source.clone(), false)));
    }
  }

  update(): void {
    const d = this.decay;
    for (const v of this.variables) {
      const shadow = this.shadows.get(v.name)!;
      tf.tidy(() => shadow.assign(tf.add(tf.mul(shadow, d), tf.mul(v.variable, 1 - d))));
    }
  }

  /** Runs `fn` with the averaged weights in place, then restores the live weights, even when fn throws. */
  async withAveraged<T>(fn: () => Promise<T>): Promise<T> {
    const saved = this.variables.map((v) => tf.tidy(() => v.variable.clone()));
    try {
      for (const v of this.variables) v.variable.assign(this.shadows.get(v.name)!);
      return await fn();
    } finally {
      this.variables.forEach((v, i) => v.variable.assign(saved[i]!));
      for (const s of saved) s.dispose();
    }
  }

  getState(): EmaState {
    const shadows: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    for (const [name, s] of this.shadows) shadows[name] = { shape: s.shape.slice(), values: s.dataSync() as Float32Array };
    return { decay: this.decay, shadows };
  }

  /** getState() read asynchronously (the WebGPU backend cannot read synchronously in Node). */
  async readState(): Promise<EmaState> {
    const entries = [...this.shadows];
    const values = await Promise.all(entries.map(([, s]) => s.data()));
    const shadows: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
    entries.forEach(([name, s], i) => (shadows[name] = { shape: s.shape.slice(), values: values[i] as Float32Array }));
    return { decay: this.decay, shadows };
  }

  setState(state: EmaState): void {
    for (const v of this.variables) {
      const saved = state.shadows[v.name];
      if (!saved) throw new Error(`the checkpoint has no EMA value for '${v.name}'`);
      if (saved.values.length !== v.variable.size) throw new Error(`EMA value for '${v.name}' has ${saved.values.length} values, the variable has ${v.variable.size}`);
      const shadow = this.shadows.get(v.name)!;
      tf.tidy(() => shadow.assign(tf.tensor(saved.values, v.variable.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const s of this.shadows.values()) s.dispose();
    this.shadows.clear();
  }
}
