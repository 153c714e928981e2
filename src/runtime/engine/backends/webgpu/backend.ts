/**
 * Starts TF.js's WebGPU backend (@tensorflow/tfjs-backend-webgpu) on an
 * adapter ibc chose, through Dawn (the `webgpu` npm package).
 *
 * TF.js's own factory asks navigator.gpu for whatever adapter comes first;
 * ibc registers its factory instead, on the adapter it has inspected, so
 * that the adapter a run records is the one it computed on.
 *
 * Settings, and why:
 * - WEBGPU_CPU_FORWARD off: otherwise kernels whose inputs are small and
 *   still in host memory run on the CPU. With it off every kernel is a
 *   shader on the device; kernels that still run on the host are counted
 *   (host-fallbacks.ts).
 * - WEBGPU_MATMUL_PROGRAM_TYPE = the packed program: TF.js otherwise picks a
 *   "split-K" matrix product for some shapes, which adds partial sums with
 *   atomics in whatever order the GPU runs them, so that two runs with the
 *   same seed would differ in the last bits. The packed program adds in a
 *   fixed order.
 */
import * as tf from '../../tfjs-core.js';
import { describeAdapter, loadDawn, requestAdapter, type AdapterDescription, type DawnModule, type GpuAdapterLike, type GpuDeviceLike, type GpuLike } from './adapter.js';
import { watchHostFallbacks, type HostFallbackWatch } from './host-fallbacks.js';

export const WEBGPU_BACKEND_NAME = 'webgpu';

/** tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram. */
const MATMUL_PACKED_PROGRAM = 3;

export interface WebgpuStarted {
  readonly adapter: AdapterDescription;
  readonly fallbacks: HostFallbackWatch;
  /** Removes the backend and destroys the device, so that Node can exit. */
  release(): void;
}

export type WebgpuStart = { ok: true; started: WebgpuStarted } | { ok: false; reason: string; missing?: string };

interface WebgpuModule {
  readonly WebGPUBackend: new (device: GpuDeviceLike, adapterInfo: unknown) => tf.KernelBackend;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** navigator.gpu is what tfjs-backend-webgpu checks for support; Dawn's globals give GPUBufferUsage and friends. */
function installGlobals(dawn: DawnModule, gpu: GpuLike): void {
  Object.assign(globalThis, dawn.globals);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) holder.navigator = {};
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

/** The limits TF.js's own factory asks for: the adapter's, so large models fit. */
async function createDevice(adapter: GpuAdapterLike): Promise<GpuDeviceLike> {
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const limits = adapter.limits;
  const names = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of names) if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

/**
 * A WebGPU validation error (a shader that does not compile, a bad binding)
 * does not throw: the device reports it as an event and the work that used it
 * silently produces nothing. Such an error is a bug (in ibc or TF.js), and
 * every number computed after it is suspect, so every later read from the
 * device fails with the device's messages instead of returning them.
 */
function failReadsAfterDeviceErrors(device: GpuDeviceLike): void {
  const errors: string[] = [];
  device.onuncapturederror = (event) => {
    if (errors.length < 5) errors.push(event.error.message.trim());
  };
  const backend = tf.backend() as tf.KernelBackend & { read(dataId: object): Promise<tf.BackendValues> };
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const values = await read(dataId);
    if (errors.length > 0) throw new Error(`the WebGPU device reported errors, so its results are not valid:\n${errors.join('\n')}`);
    return values;
  };
}

/**
 * Loads Dawn, picks the high-performance adapter, refuses a software one
 * unless `allowSoftware`, and makes 'webgpu' the active TF.js backend.
 */
export async function startWebgpu(options: { readonly allowSoftware: boolean }): Promise<WebgpuStart> {
  const loaded = await loadDawn();
  if (!loaded.ok) return { ok: false, reason: loaded.reason, missing: 'webgpu' };
  const found = await requestAdapter(loaded.dawn);
  if (!found.ok) return { ok: false, reason: found.reason };
  const adapter = describeAdapter(found.adapter);
  if (adapter.software && !options.allowSoftware) {
    return { ok: false, reason: `the only WebGPU adapter is ${adapter.name} (${adapter.vendor}), a software implementation that runs on the CPU` };
  }
  installGlobals(loaded.dawn, found.gpu);
  let mod: WebgpuModule;
  try {
    const specifier: string = '@tensorflow/tfjs-backend-webgpu';
    mod = (await import(specifier)) as WebgpuModule;
  } catch (error) {
    return { ok: false, reason: messageOf(error), missing: '@tensorflow/tfjs-backend-webgpu' };
  }
  let device: GpuDeviceLike;
  try {
    device = await createDevice(found.adapter);
  } catch (error) {
    return { ok: false, reason: `the adapter ${adapter.name} did not give a device (${messageOf(error)})` };
  }
  // Replace TF.js's factory (it would request its own adapter) with one on this device.
  if (tf.findBackendFactory(WEBGPU_BACKEND_NAME) !== null) tf.removeBackend(WEBGPU_BACKEND_NAME);
  tf.registerBackend(WEBGPU_BACKEND_NAME, () => new mod.WebGPUBackend(device, found.adapter.info), 3);
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED_PROGRAM);
  tf.env().set('PROD', true);
  try {
    if (!(await tf.setBackend(WEBGPU_BACKEND_NAME))) throw new Error('tf.setBackend returned false');
    await tf.ready();
  } catch (error) {
    tf.removeBackend(WEBGPU_BACKEND_NAME);
    device.destroy();
    return { ok: false, reason: `TF.js's WebGPU backend did not start on ${adapter.name} (${messageOf(error)})` };
  }
  failReadsAfterDeviceErrors(device);
  const fallbacks = watchHostFallbacks(WEBGPU_BACKEND_NAME);
  let released = false;
  return {
    ok: true,
    started: {
      adapter,
      fallbacks,
      release: () => {
        if (released) return;
        released = true;
        fallbacks.stop();
        tf.removeBackend(WEBGPU_BACKEND_NAME);
        device.destroy();
      },
    },
  };
}
