/**
 * SGD on the native backend takes each parameter's update in one kernel
 * (IbcSgdStep); on the CPU backend it composes TF.js ops. Both must leave the
 * same weights and momentum after several steps, with both parameter groups
 * (anchors at a scaled rate, frozen anchors untouched).
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createOptimizer, type OptimizedVariable } from '../../../../src/runtime/engine/executor/optimizers.js';
import { nativeUnavailableReason, registerNativeBackend } from '../../../../src/runtime/engine/backends/native/index.js';
import type { OptimizerSpec } from '../../../../src/compiler/spec/resolved-spec.js';

const NATIVE_REASON = nativeUnavailableReason();
const skipNote = NATIVE_REASON === undefined ? '' : ` (skipped: ${NATIVE_REASON})`;

/** Deterministic test data (a linear congruential sequence in [-1, 1)). */
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Trace {
  readonly weights: Record<string, Float32Array>;
  readonly buffers: Record<string, Float32Array>;
  readonly kernels: string[];
}

const ANCHORS = 'quantizer/anchors';
const SHAPES: Record<string, readonly number[]> = {
  'conv/kernel': [3, 3, 4, 8],
  'dense/bias': [10],
  'big/kernel': [300, 1001], // above the kernel's threshold for threads
  [ANCHORS]: [20],
};

/** The anchors' learning-rate scale, and whether they train (frozen ones are non-trainable variables, as a model makes them). */
interface AnchorCase {
  readonly lrScale: number;
  readonly trainable: boolean;
}

/** Five steps of one optimizer on `backend` with fixed gradients per step and a decaying rate. */
async function trace(backend: string, spec: OptimizerSpec, anchors: AnchorCase | undefined): Promise<Trace> {
  await tf.setBackend(backend);
  const vars: OptimizedVariable[] = Object.entries(SHAPES).map(([name, shape], i) => ({
    name,
    variable: tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), 10 + i), [...shape]), name !== ANCHORS || anchors?.trainable !== false, `${backend}-${name}-${Math.random()}`),
    lrScale: name === ANCHORS && anchors ? anchors.lrScale : 1,
  }));
  const opt = createOptimizer(spec, vars);
  const kernels = new Set<string>();
  for (let step = 0; step < 5; step++) {
    const grads = new Map<string, tf.Tensor>();
    vars.forEach((v, i) => grads.set(v.name, tf.tensor(values(v.variable.size, 100 * step + i), v.variable.shape)));
    const profile = await tf.profile(() => opt.step(grads, 0.1 / (step + 1)));
    for (const k of profile.kernelNames) kernels.add(k);
    tf.dispose([...grads.values()]);
  }
  const weights: Record<string, Float32Array> = {};
  for (const v of vars) weights[v.name] = v.variable.dataSync() as Float32Array;
  const buffers: Record<string, Float32Array> = {};
  for (const [name, b] of Object.entries(opt.getState().buffers)) buffers[name] = b.values;
  opt.dispose();
  for (const v of vars) v.variable.dispose();
  return { weights, buffers, kernels: [...kernels] };
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0, scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return a.length === b.length ? diff / scale : Infinity;
}

const sgd = (momentum: number, nesterov: boolean, weightDecay: number): OptimizerSpec => ({ kind: 'sgd', lr: 0.1, momentum, nesterov, weightDecay });

describe.skipIf(NATIVE_REASON !== undefined)(`SGD: one native kernel (ibc-native) vs composed ops (cpu)${skipNote}`, () => {
  const cases: { title: string; spec: OptimizerSpec; anchors?: AnchorCase }[] = [
    { title: 'momentum + weight decay, anchors at 10x the rate', spec: sgd(0.9, false, 5e-4), anchors: { trainable: true, lrScale: 10 } },
    { title: 'nesterov, no weight decay', spec: sgd(0.9, true, 0) },
    { title: 'no momentum, weight decay, frozen anchors', spec: sgd(0, false, 1e-2), anchors: { trainable: false, lrScale: 1 } },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const registered = registerNativeBackend();
      if (!registered.ok) throw new Error(registered.reason);
      const cpu = await trace('cpu', c.spec, c.anchors);
      const native = await trace(registered.name, c.spec, c.anchors);
      await tf.setBackend('cpu');

      expect(native.kernels).toContain('IbcSgdStep');
      expect(native.kernels).not.toContain('Multiply');
      expect(cpu.kernels).not.toContain('IbcSgdStep');
      expect(Object.keys(native.weights)).toEqual(Object.keys(cpu.weights));
      for (const name of Object.keys(cpu.weights)) {
        expect(maxRelativeError(native.weights[name]!, cpu.weights[name]!), name).toBeLessThan(1e-6);
      }
      expect(Object.keys(native.buffers).sort()).toEqual(Object.keys(cpu.buffers).sort());
      for (const name of Object.keys(cpu.buffers)) {
        expect(maxRelativeError(native.buffers[name]!, cpu.buffers[name]!), name).toBeLessThan(1e-6);
      }
      if (c.anchors && !c.anchors.trainable) {
        // Frozen anchors: untouched on both paths, and no momentum buffer for them.
        expect(Array.from(native.weights[ANCHORS]!)).toEqual(Array.from(values(20, 13)));
        expect(Object.keys(native.buffers).some((k) => k.startsWith(ANCHORS))).toBe(false);
      }
    });
  }
});
