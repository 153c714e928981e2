/**
 * Counting the kernels that ran on the CPU while the WebGPU backend was
 * active. TF.js's WebGPU backend computes some kernels on the host (small
 * inputs that are still in host memory, shapes its shaders do not cover); on
 * a GPU each one is a round trip, and in Node one that needs data from the
 * device cannot run at all. Each registered WebGPU kernel is wrapped once;
 * after it runs, an output that is held in host memory and not on the
 * device, and is not simply one of its inputs (reshape shares its input's
 * data), was computed on the CPU.
 */
import * as tf from '../../tfjs-core.js';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export interface HostFallback {
  readonly kernel: string;
  readonly count: number;
}

export interface HostFallbackWatch {
  /** Kernels that ran on the CPU since the watch began (or the last reset), most frequent first. */
  counts(): HostFallback[];
  reset(): void;
  /** Puts the unwrapped kernels back. */
  stop(): void;
}

/** The parts of the WebGPU backend's per-tensor record read here. */
interface WebgpuTensorMap {
  get(dataId: object): { resource?: unknown; values?: unknown } | undefined;
}

const ORIGINAL = Symbol('ibc.unwrappedKernel');
type Wrapped = KernelFunc & { [ORIGINAL]?: KernelFunc };

function tensorMapOf(backend: unknown): WebgpuTensorMap | undefined {
  const map = (backend as { tensorMap?: Partial<WebgpuTensorMap> } | undefined)?.tensorMap;
  return map && typeof map.get === 'function' ? (map as WebgpuTensorMap) : undefined;
}

function onHost(map: WebgpuTensorMap, out: TensorInfo, inputIds: ReadonlySet<object>): boolean {
  if (inputIds.has(out.dataId) || tf.util.sizeFromShape(out.shape) === 0) return false;
  const record = map.get(out.dataId);
  return record !== undefined && record.resource == null && record.values != null;
}

export function watchHostFallbacks(backendName = 'webgpu'): HostFallbackWatch {
  const counts = new Map<string, number>();
  const installed: KernelConfig[] = [];
  for (const config of tf.getKernelsForBackend(backendName)) {
    const original = (config.kernelFunc as Wrapped)[ORIGINAL] ?? config.kernelFunc;
    const wrapped: Wrapped = (args) => {
      const result = original(args);
      const map = tensorMapOf(args.backend);
      if (map) {
        const inputIds = new Set<object>(Object.values(args.inputs).filter((t): t is TensorInfo => t !== undefined).map((t) => t.dataId));
        const outputs = Array.isArray(result) ? result : [result as TensorInfo];
        if (outputs.some((o) => onHost(map, o, inputIds))) counts.set(config.kernelName, (counts.get(config.kernelName) ?? 0) + 1);
      }
      return result;
    };
    wrapped[ORIGINAL] = original;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
    installed.push({ ...config, kernelFunc: original });
  }
  return {
    counts: () => [...counts.entries()].map(([kernel, count]) => ({ kernel, count })).sort((a, b) => b.count - a.count || a.kernel.localeCompare(b.kernel)),
    reset: () => counts.clear(),
    stop: () => {
      for (const config of installed) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
    },
  };
}
