/**
 * Picks the TF.js backend a run computes on and says why. `auto` prefers, in
 * order: tfjs-node-gpu (only when importable: it is never a dependency of
 * ibc), WebGPU on a hardware GPU adapter (never a software one such as
 * SwiftShader), tfjs-node (when importable), ibc's own oneDNN backend, then
 * TF.js's JavaScript CPU backend with a warning saying why that is slow and
 * how to fix it. `--backend webgpu` takes the best adapter there is, a
 * software one included, with a warning. An explicitly requested backend that
 * cannot be loaded is a RunError, never a silent fallback.
 */
import * as tf from '../tfjs-core.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import { RunError } from '../../../support/errors.js';
import { vulkanDrivers, formatAdapter, type AdapterDescription } from './webgpu/adapter.js';
import { startWebgpu } from './webgpu/backend.js';
import type { HostFallback } from './webgpu/host-fallbacks.js';

export type { AdapterDescription } from './webgpu/adapter.js';
export type { HostFallback } from './webgpu/host-fallbacks.js';

export type BackendRequest = 'auto' | 'cpu' | 'ibc-native' | 'tensorflow' | 'tensorflow-gpu' | 'webgpu';

export const BACKEND_NAMES: readonly BackendRequest[] = ['auto', 'cpu', 'ibc-native', 'tensorflow', 'tensorflow-gpu', 'webgpu'];

export interface BackendChoice {
  /** What the run records: 'tensorflow-gpu', 'tensorflow', 'ibc-native', 'webgpu' or 'cpu'. */
  readonly name: Exclude<BackendRequest, 'auto'>;
  /** The TF.js backend name now active (tfjs-node registers 'tensorflow' for both of its builds). */
  readonly tfBackend: string;
  /** One line: why this backend. */
  readonly reason: string;
  /** For the CLI to print once (the slow-CPU warning). */
  readonly warnings: readonly Diagnostic[];
  /** The GPU adapter (webgpu only): what the run prints and records in summary.json. */
  readonly adapter?: AdapterDescription;
  /** Kernels that ran on the CPU instead of the device so far (webgpu only). */
  readonly hostFallbacks?: () => readonly HostFallback[];
  /** Frees the device (webgpu); Node cannot exit while a Dawn device is alive. */
  readonly release?: () => void;
}

/** Frees what the backend holds (the WebGPU device); safe for every backend. */
export function releaseBackend(choice: BackendChoice): void {
  choice.release?.();
}

type Attempt = { ok: true; tfBackend: string } | { ok: false; reason: string };

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Importing tfjs-node registers its 'tensorflow' backend on the shared tfjs-core engine. */
async function tryTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<Attempt> {
  try {
    const specifier: string = pkg; // a variable, so TypeScript does not look for a package that is optional
    await import(specifier);
  } catch (error) {
    // Not installed is the usual case and says all; anything else (a broken install) keeps its message.
    const absent = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && messageOf(error).includes(`'${pkg}'`);
    return { ok: false, reason: absent ? `${pkg} is not installed` : `${pkg} did not load (${messageOf(error)})` };
  }
  return activate('tensorflow', `${pkg} loaded but its backend did not start`);
}

/**
 * oneDNN runs its parallel regions on libgomp, whose default is to spin while
 * waiting for work. On a machine with other busy processes the spinning
 * threads steal the cores the work needs: the Fashion-MNIST attention spec
 * trained at 209 images/s with the default and 747 with passive waiting, on
 * the same machine a minute apart. libgomp reads the setting when the addon
 * loads, so it is set here, before that, unless the user chose one.
 */
function preferPassiveOpenMpWaiting(): void {
  if (process.env['OMP_WAIT_POLICY'] === undefined) process.env['OMP_WAIT_POLICY'] = 'passive';
}

/** The native backend's attempt keeps why it failed apart from the one line that fixes it. */
type NativeAttempt = { ok: true; tfBackend: string } | { ok: false; reason: string; why: string; fix: string };

/** When the addon loaded but TF.js would not start the backend: a bug, not the machine. */
const NATIVE_BUG_FIX = 'run ibc doctor and report its output as a bug';

async function tryNative(): Promise<NativeAttempt> {
  preferPassiveOpenMpWaiting();
  let failed: string;
  try {
    const mod = await import('./native/index.js');
    const registered = mod.registerNativeBackend();
    if (!registered.ok) return registered;
    const started = await activate(registered.name, 'the native backend registered but did not start');
    if (started.ok) return started;
    failed = started.reason;
  } catch (error) {
    failed = `the native backend could not be loaded (${messageOf(error)})`;
  }
  return { ok: false, reason: `${failed}; ${NATIVE_BUG_FIX}`, why: failed, fix: NATIVE_BUG_FIX };
}

type WebgpuAttempt = { ok: true; choice: Omit<BackendChoice, 'name' | 'reason'> } | { ok: false; reason: string };

async function tryWebgpu(allowSoftware: boolean): Promise<WebgpuAttempt> {
  const got = await startWebgpu({ allowSoftware });
  if (!got.ok) {
    if (got.missing !== undefined && allowSoftware) {
      throw new RunError(diagnostic('backendWebgpuMissing', { args: { pkg: got.missing, reason: got.reason } }));
    }
    return { ok: false, reason: got.missing !== undefined ? `${got.missing} is not installed (${got.reason})` : got.reason };
  }
  const { adapter, fallbacks, release } = got.started;
  const warnings = adapter.software ? [diagnostic('backendSoftwareAdapter', { args: { adapter: formatAdapter(adapter) } })] : [];
  return { ok: true, choice: { tfBackend: 'webgpu', warnings, adapter, hostFallbacks: () => fallbacks.counts(), release } };
}

/**
 * Whether auto should try WebGPU at all: only when a hardware Vulkan driver is
 * installed. Dawn prints loader warnings when there is none, and a software
 * driver is never auto's choice.
 */
function hardwareVulkanDriver(): { ok: true } | { ok: false; reason: string } {
  const drivers = vulkanDrivers();
  if (drivers.length === 0) return { ok: false, reason: 'webgpu: no Vulkan driver is installed' };
  if (drivers.every((d) => d.software)) return { ok: false, reason: `webgpu: only software Vulkan drivers (${drivers.map((d) => d.manifest).join(', ')})` };
  return { ok: true };
}

async function tryCpu(): Promise<Attempt> {
  await import('../tfjs-backend-cpu.js');
  return activate('cpu', 'the TF.js CPU backend did not start');
}

async function activate(tfBackend: string, failure: string): Promise<Attempt> {
  // ibc prints its own, more useful line about the backend; silence TF.js's "install tfjs-node" console banner
  // (the CPU backend and the native one built on it print it on first use).
  tf.env().set('PROD', true);
  try {
    const started = await tf.setBackend(tfBackend);
    if (!started) return { ok: false, reason: failure };
    await tf.ready();
    return { ok: true, tfBackend };
  } catch (error) {
    return { ok: false, reason: `${failure} (${messageOf(error)})` };
  }
}

function unavailable(name: string, reason: string): RunError {
  return new RunError(diagnostic('backendUnavailable', { args: { name, reason } }));
}

export async function selectBackend(request: BackendRequest): Promise<BackendChoice> {
  switch (request) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = request === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const got = await tryTfjsNode(pkg);
      if (!got.ok) throw unavailable(request, got.reason);
      return { name: request, tfBackend: got.tfBackend, reason: `requested (${pkg})`, warnings: [] };
    }
    case 'ibc-native': {
      const got = await tryNative();
      if (!got.ok) throw unavailable(request, got.reason);
      return { name: request, tfBackend: got.tfBackend, reason: 'requested (oneDNN kernels)', warnings: [] };
    }
    case 'webgpu': {
      const got = await tryWebgpu(true);
      if (!got.ok) throw unavailable(request, got.reason);
      return { name: request, reason: 'requested', ...got.choice };
    }
    case 'cpu': {
      const got = await tryCpu();
      if (!got.ok) throw unavailable(request, got.reason);
      return { name: 'cpu', tfBackend: got.tfBackend, reason: 'requested', warnings: [] };
    }
    case 'auto': {
      const why: string[] = [];
      const gpu = await tryTfjsNode('@tensorflow/tfjs-node-gpu');
      if (gpu.ok) return { name: 'tensorflow-gpu', tfBackend: gpu.tfBackend, reason: 'auto: @tensorflow/tfjs-node-gpu is installed', warnings: [] };
      why.push(gpu.reason);
      const driver = hardwareVulkanDriver();
      if (driver.ok) {
        const webgpu = await tryWebgpu(false);
        if (webgpu.ok) return { name: 'webgpu', reason: 'auto: a hardware GPU adapter answers through WebGPU', ...webgpu.choice };
        why.push(`webgpu: ${webgpu.reason}`);
      } else {
        why.push(driver.reason);
      }
      const node = await tryTfjsNode('@tensorflow/tfjs-node');
      if (node.ok) return { name: 'tensorflow', tfBackend: node.tfBackend, reason: 'auto: @tensorflow/tfjs-node is installed', warnings: [] };
      why.push(node.reason);
      const native = await tryNative();
      if (native.ok) return { name: 'ibc-native', tfBackend: native.tfBackend, reason: 'auto: the ibc native backend (oneDNN) loads', warnings: [] };
      why.push(native.why);
      const cpu = await tryCpu();
      if (!cpu.ok) throw unavailable('cpu', cpu.reason);
      // The warning names the one cause that matters here (the native kernels) and its fix;
      // the backend line keeps every reason.
      const warning = diagnostic('backendSlowCpu', { args: { why: native.why, fix: native.fix } });
      return { name: 'cpu', tfBackend: cpu.tfBackend, reason: `auto: no faster backend (${why.join('; ')})`, warnings: [warning] };
    }
  }
}

export function isBackendRequest(text: string): text is BackendRequest {
  return (BACKEND_NAMES as readonly string[]).includes(text);
}
