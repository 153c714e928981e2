/**
 * The 'ibc-native' backend: TF.js's CPU backend (same tensor storage, every CPU
 * kernel available) whose hot kernels are replaced by native ones.
 */
import type { DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';

export const NATIVE_BACKEND_NAME = 'ibc-native';

export class NativeBackend extends MathBackendCPU {
  /** How often each native kernel fell back to the CPU kernel (tests and profiles read it). */
  readonly fallbacks = new Map<string, number>();

  constructor(readonly addon: NativeAddon) {
    super();
  }

  /** The float32 values behind a tensor, or undefined if it is not float32. */
  f32(t: TensorInfo): Float32Array | undefined {
    if (t.dtype !== 'float32') return undefined;
    const values = this.data.get(t.dataId).values;
    if (values instanceof Float32Array) return values;
    // TF.js's CPU Cast from bool/int32 to float32 shares the integer storage; read it as floats.
    if (values instanceof Uint8Array || values instanceof Int32Array) {
      const out = new Float32Array(values.length);
      return this.addon.castToFloat(values, out) === 0 ? out : undefined;
    }
    return undefined;
  }

  /** Wraps a filled output array as a tensor of this backend. */
  output(shape: readonly number[], values: Float32Array, dtype: DataType = 'float32'): TensorInfo {
    return this.makeTensorInfo([...shape], dtype, values);
  }

  noteFallback(kernel: string): void {
    this.fallbacks.set(kernel, (this.fallbacks.get(kernel) ?? 0) + 1);
  }
}

/** What a native kernel adapter receives: the CPU kernel to fall back to, and the call. */
export interface NativeKernelArgs {
  readonly inputs: Record<string, TensorInfo | undefined>;
  readonly attrs: NamedAttrMap;
  readonly backend: NativeBackend;
}

/**
 * A native kernel: returns its outputs, or undefined when this call is outside
 * what the native code handles (dtype, layout, a rare option), in which case
 * the CPU kernel runs instead.
 */
export interface NativeKernel {
  readonly kernelName: string;
  /** False for calls that are the CPU kernel's by design (not counted as fallbacks); default true. */
  readonly accepts?: (args: NativeKernelArgs) => boolean;
  readonly run: (args: NativeKernelArgs) => TensorInfo | TensorInfo[] | undefined;
}

/** Throws for a status that means the adapter passed bad arguments: that is a bug in ibc. */
export function check(kernel: string, status: number): boolean {
  if (status === 0) return true;
  if (status === 1) throw new Error(`internal error in ibc's native ${kernel} kernel: bad arguments (please report this bug)`);
  return false;
}

export type { KernelFunc };
