/**
 * Finding a WebGPU adapter in Node: Dawn (the optional `webgpu` npm package)
 * over the system's Vulkan drivers. Which adapter a run computes on matters:
 * SwiftShader (Chromium's CPU implementation of Vulkan) and Mesa's lavapipe
 * are real WebGPU implementations, good for checking correctness, but they
 * run on the CPU and are far slower than ibc's native backend. `auto` must
 * never pick one of them; `--backend webgpu` may, and says so.
 *
 * Only structural types are used here: `webgpu` is an optional dependency, so
 * the build must not need its type declarations.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readTextIfReadable } from '../../../../host/read-file.js';
import { delimiter, join } from 'node:path';

/** The parts of Dawn's GPUAdapterInfo ibc reads. */
export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GpuDeviceLike {
  destroy(): void;
  onuncapturederror: ((event: { readonly error: { readonly message: string } }) => void) | null;
}

export interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance'; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}

export interface DawnModule {
  create(options: string[]): GpuLike;
  readonly globals: Record<string, unknown>;
}

/** What a run records about the adapter it computed on (summary.json, bench lines). */
export interface AdapterDescription {
  /** The adapter's description, or its device name when the driver gives none. */
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  /** A CPU implementation of the GPU API (SwiftShader, lavapipe): correct but not a GPU. */
  readonly software: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|\blvp\b/i;

export function describeAdapter(adapter: GpuAdapterLike): AdapterDescription {
  const info = adapter.info ?? {};
  const name = (info.description ?? '').trim() || (info.device ?? '').trim() || 'unnamed adapter';
  const vendor = (info.vendor ?? '').trim() || 'unknown vendor';
  const architecture = (info.architecture ?? '').trim();
  const software =
    info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_NAMES.test(`${name} ${vendor} ${architecture} ${info.device ?? ''}`);
  return { name, vendor, architecture, software };
}

/** One line for people: "NVIDIA H200 (nvidia, hopper)" or "SwiftShader driver 5.0.0 (google, swiftshader; software)". */
export function formatAdapter(adapter: AdapterDescription): string {
  const details = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(', ');
  return `${adapter.name} (${details}${adapter.software ? '; software: runs on the CPU' : ''})`;
}

/** A Vulkan installable client driver the loader would find, from its JSON manifest. */
export interface VulkanDriver {
  readonly manifest: string;
  readonly library: string;
  readonly software: boolean;
}

function manifestsIn(path: string): string[] {
  try {
    if (statSync(path).isDirectory()) return readdirSync(path).filter((f) => f.endsWith('.json')).map((f) => join(path, f)).sort();
    return [path];
  } catch {
    return [];
  }
}

/**
 * The Vulkan drivers the loader would load, by the loader's own search rules
 * on Linux: VK_DRIVER_FILES / VK_ICD_FILENAMES when set, otherwise the
 * icd.d folders under the XDG config and data directories and /etc.
 */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): VulkanDriver[] {
  const explicit = env['VK_DRIVER_FILES'] ?? env['VK_ICD_FILENAMES'];
  let manifests: string[];
  if (explicit !== undefined && explicit !== '') {
    manifests = explicit.split(delimiter).filter((p) => p !== '').flatMap(manifestsIn);
  } else {
    const config = (env['XDG_CONFIG_DIRS'] || '/etc/xdg').split(delimiter);
    const data = (env['XDG_DATA_DIRS'] || '/usr/local/share:/usr/share').split(delimiter);
    const home = env['HOME'] ? [join(env['HOME'], '.local/share')] : [];
    const folders = [...config, '/etc', ...data, ...home].filter((d) => d !== '').map((d) => join(d, 'vulkan', 'icd.d'));
    manifests = [...new Set(folders)].flatMap(manifestsIn);
  }
  const drivers: VulkanDriver[] = [];
  for (const manifest of manifests) {
    if (!existsSync(manifest)) continue;
    let library = '';
    try {
      const parsed = JSON.parse(readTextIfReadable('asset', manifest) ?? 'null') as { ICD?: { library_path?: unknown } } | null;
      library = typeof parsed?.ICD?.library_path === 'string' ? parsed.ICD.library_path : '';
    } catch {
      continue;
    }
    drivers.push({ manifest, library, software: SOFTWARE_NAMES.test(`${manifest} ${library}`) || /vk_swiftshader|lvp_icd/i.test(`${manifest} ${library}`) });
  }
  return drivers;
}

/** Debian's chromium ships SwiftShader's Vulkan driver here: what the tests run WebGPU on. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

export type DawnLoad = { ok: true; dawn: DawnModule } | { ok: false; reason: string };

export async function loadDawn(): Promise<DawnLoad> {
  try {
    const specifier: string = 'webgpu'; // a variable, so TypeScript does not look for an optional package
    const mod = (await import(specifier)) as Partial<DawnModule>;
    if (typeof mod.create !== 'function' || mod.globals === undefined) return { ok: false, reason: "the 'webgpu' package has no create() and globals" };
    return { ok: true, dawn: mod as DawnModule };
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
}

export type AdapterRequest = { ok: true; gpu: GpuLike; adapter: GpuAdapterLike; description: AdapterDescription } | { ok: false; reason: string };

/** The high-performance adapter Dawn offers (a discrete GPU before an integrated one before a software one). */
export async function requestAdapter(dawn: DawnModule): Promise<AdapterRequest> {
  let gpu: GpuLike;
  try {
    gpu = dawn.create([]);
  } catch (error) {
    return { ok: false, reason: `Dawn could not start (${messageOf(error)})` };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `requesting a WebGPU adapter failed (${messageOf(error)})` };
  }
  if (!adapter) {
    const drivers = vulkanDrivers();
    const found = drivers.length === 0 ? 'no Vulkan driver is installed' : `Vulkan drivers found: ${drivers.map((d) => d.manifest).join(', ')}`;
    const hint = existsSync(SWIFTSHADER_ICD) ? `; for a software adapter (correct, slow) set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}` : '';
    return { ok: false, reason: `no WebGPU adapter was found (${found}; Dawn also needs libvulkan1)${hint}` };
  }
  return { ok: true, gpu, adapter, description: describeAdapter(adapter) };
}
