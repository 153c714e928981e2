/**
 * The 'ibc-native' backend: TF.js's CPU backend (same tensor storage, every CPU
 * kernel available) whose hot kernels are replaced by native ones.
 */
import type { DataId, DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { totalmem } from 'node:os';
import { MathBackendCPU } from '../../tfjs-backend-cpu.js';
import type { NativeAddon } from './addon.js';

export const NATIVE_BACKEND_NAME = 'ibc-native';

/**
 * The most memory kept for reuse in freed output arrays: an eighth of the
 * machine's memory (3 GiB on a 24 GiB machine holds every array of a VGG16-bn
 * step at batch 32, so a steady-state step allocates nothing new).
 */
const POOL_LIMIT_BYTES = Math.floor(totalmem() / 8);

export class NativeBackend extends MathBackendCPU {
  /** How often each native kernel fell back to the CPU kernel (tests and profiles read it). */
  readonly fallbacks = new Map<string, number>();

  /**
   * Output arrays of disposed tensors, by length, for reuse. A fresh array
   * costs a page fault per 4 KiB on first write, which for the large
   * activations of a training step costs as much as the kernel itself.
   * Only arrays this backend allocated and never let out are reused:
   * `escaped` holds those returned by dataSync()/data() or given to a CPU
   * kernel (which may keep a view, as Slice does).
   */
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  private readonly owned = new WeakSet<Float32Array>();
  private readonly escaped = new WeakSet<object>();
  /** Output arrays allocated fresh (pool misses), and their bytes, since the backend started. */
  readonly allocations = { fresh: 0, freshBytes: 0, reused: 0 };

  constructor(readonly addon: NativeAddon) {
    super();
  }

  /** An output array of `length` floats: reused when one is free, otherwise new. Contents are undefined: kernels overwrite all of it. */
  allocate(length: number): Float32Array {
    const free = this.pool.get(length);
    const reused = free?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      this.allocations.reused++;
      return reused;
    }
    const out = new Float32Array(length);
    this.allocations.fresh++;
    this.allocations.freshBytes += out.byteLength;
    this.owned.add(out);
    return out;
  }

  /** Marks the storage of tensors handed to code that may keep a reference to it. */
  markEscaped(tensors: readonly (TensorInfo | undefined)[]): void {
    for (const t of tensors) {
      if (!t || !this.data.has(t.dataId)) continue;
      const values = this.data.get(t.dataId).values;
      if (values) this.escaped.add(values as object);
    }
  }

  override readSync(dataId: DataId): ReturnType<MathBackendCPU['readSync']> {
    const values = super.readSync(dataId);
    if (typeof values === 'object' && values !== null) this.escaped.add(values as object);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const deleted = super.disposeData(dataId, force);
    if (deleted && values instanceof Float32Array && this.owned.has(values) && !this.escaped.has(values) &&
        this.pooledBytes + values.byteLength <= POOL_LIMIT_BYTES) {
      const free = this.pool.get(values.length) ?? [];
      free.push(values);
      this.pool.set(values.length, free);
      this.pooledBytes += values.byteLength;
    }
    return deleted;
  }

  override dispose(): void {
    this.pool.clear();
    this.pooledBytes = 0;
    super.dispose();
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
