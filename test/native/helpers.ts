/** Shared by the native kernel tests: seeded data and a CPU-vs-native comparison. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerNativeBackend, nativeUnavailableReason } from '../../src/runtime/backends/native/index.js';
import type { NativeBackend } from '../../src/runtime/backends/native/index.js';
import { registerTfjsGradients } from '../../src/runtime/executor/gradients.js';

registerTfjsGradients();

export const NATIVE_REASON = nativeUnavailableReason();
export const HAVE_NATIVE = NATIVE_REASON === undefined;
if (!HAVE_NATIVE) console.warn(`native kernel tests skipped: ${NATIVE_REASON}`);

export function setupNative(): string {
  const r = registerNativeBackend();
  if (!r.ok) throw new Error(r.reason);
  return r.name;
}

/** A small deterministic generator (mulberry32) for test data only. */
export function randomArray(size: number, seed: number, low = -1, high = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = low + (high - low) * u;
  }
  return out;
}

/** max|a-b| / max(max|b|, 1e-6): the relative error of a whole result. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0, scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

export interface Outcome {
  readonly values: Float32Array[];
  readonly shapes: number[][];
  readonly fallbacks: Map<string, number>;
}

/** Runs `f` on a backend with fresh tensors built from `inputs` and reads every output. */
export async function runOn(backendName: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Outcome> {
  await tf.setBackend(backendName);
  const backend = tf.backend() as NativeBackend;
  const before = new Map(backend.fallbacks ?? []);
  const result = tf.tidy(f);
  const list = Array.isArray(result) ? result : [result];
  const values = list.map((t) => t.dataSync() as Float32Array);
  const shapes = list.map((t) => t.shape);
  tf.dispose(list);
  const fallbacks = new Map<string, number>();
  for (const [k, v] of backend.fallbacks ?? []) if (v !== (before.get(k) ?? 0)) fallbacks.set(k, v - (before.get(k) ?? 0));
  return { values, shapes, fallbacks };
}

/** Runs on the CPU and the native backend; returns the worst relative error and the native fallbacks. */
export async function compare(f: () => tf.Tensor | tf.Tensor[]): Promise<{ error: number; fallbacks: Map<string, number> }> {
  const name = setupNative();
  const cpu = await runOn('cpu', f);
  const native = await runOn(name, f);
  let error = 0;
  for (let i = 0; i < cpu.values.length; i++) {
    if (cpu.shapes[i].join('x') !== native.shapes[i].join('x')) return { error: Infinity, fallbacks: native.fallbacks };
    error = Math.max(error, relativeError(native.values[i], cpu.values[i]));
  }
  return { error, fallbacks: native.fallbacks };
}
