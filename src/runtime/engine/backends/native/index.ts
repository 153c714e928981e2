/**
 * The native backend: registers 'ibc-native' with TF.js. It is TF.js's CPU
 * backend with its heavy kernels (convolutions, matrix products, pooling,
 * batch norm, elementwise ops and reductions) replaced by native code built
 * against oneDNN; anything the native code does not take runs the CPU kernel.
 */
import * as tf from '../../tfjs-core.js';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import '../../tfjs-backend-cpu.js';
import { loadAddon, type LoadResult, type NativeInfo } from './addon.js';
import { NATIVE_BACKEND_NAME, NativeBackend } from './backend.js';
import { NATIVE_KERNELS } from './kernels/index.js';
import { batchNormTrainGradConfig } from './ops.js';

export { NATIVE_BACKEND_NAME } from './backend.js';
export { NativeBackend } from './backend.js';

/** CPU kernels that only share their input's storage by reference count (never a view or a second owner). */
const SHARING_KERNELS: ReadonlySet<string> = new Set(['Reshape', 'Identity']);

export type RegisterResult =
  | { readonly ok: true; readonly name: typeof NATIVE_BACKEND_NAME; readonly info: NativeInfo }
  | Extract<LoadResult, { readonly ok: false }>;

/** Whether the native addon is built and loads. */
export function nativeAvailable(): boolean {
  return loadAddon().ok;
}

/** Why the native addon is unavailable, or undefined when it loads. */
export function nativeUnavailableReason(): string | undefined {
  const loaded = loadAddon();
  return loaded.ok ? undefined : loaded.reason;
}

/**
 * Registers the 'ibc-native' backend (idempotent). Does not make it the
 * active backend: call tf.setBackend(result.name).
 */
export function registerNativeBackend(priority = 3): RegisterResult {
  const loaded = loadAddon();
  if (!loaded.ok) return loaded;
  const addon = loaded.addon;
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME) === null) {
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), priority);
    const cpuKernels = new Map<string, KernelConfig>();
    for (const config of tf.getKernelsForBackend('cpu')) cpuKernels.set(config.kernelName, config);
    const replaced = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
    for (const config of cpuKernels.values()) {
      if (replaced.has(config.kernelName)) continue;
      const shares = SHARING_KERNELS.has(config.kernelName);
      tf.registerKernel({
        ...config,
        backendName: NATIVE_BACKEND_NAME,
        kernelFunc: (args) => {
          // A CPU kernel may keep a view of its inputs' storage (Slice does): never reuse it then.
          if (!shares) (args.backend as NativeBackend).markEscaped(Object.values(args.inputs));
          return config.kernelFunc(args);
        },
      });
    }
    for (const kernel of NATIVE_KERNELS) {
      const fallback = cpuKernels.get(kernel.kernelName);
      tf.registerKernel({
        kernelName: kernel.kernelName,
        backendName: NATIVE_BACKEND_NAME,
        ...(fallback?.setupFunc ? { setupFunc: fallback.setupFunc } : {}),
        ...(fallback?.disposeFunc ? { disposeFunc: fallback.disposeFunc } : {}),
        kernelFunc: (args) => {
          const backend = args.backend as NativeBackend;
          const call = { inputs: args.inputs as Record<string, TensorInfo | undefined>, attrs: args.attrs ?? {}, backend };
          const accepted = kernel.accepts?.(call) ?? true;
          const result = accepted ? kernel.run(call) : undefined;
          if (result !== undefined) return result;
          if (!fallback) throw new Error(`internal error: the native kernel ${kernel.kernelName} declined its inputs and has no CPU kernel to fall back to (please report this bug)`);
          if (accepted) backend.noteFallback(kernel.kernelName);
          backend.markEscaped(Object.values(args.inputs));
          return fallback.kernelFunc(args);
        },
      });
    }
  }
  if (!tf.getGradient(batchNormTrainGradConfig.kernelName)) tf.registerGradient(batchNormTrainGradConfig);
  return { ok: true, name: NATIVE_BACKEND_NAME, info: addon.info() };
}
