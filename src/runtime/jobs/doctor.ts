/**
 * `ibc doctor`: what this machine gives ibc, each finding with the one line
 * that fixes it when something is missing. The probes that touch the machine
 * are one plain object (`DoctorProbes`), so every finding and every message is
 * tested with made-up machines as well as on the real one.
 *
 * Required (the exit status says whether they are all there): the native
 * kernels (training on anything else is ~100x slower or needs a GPU) and the
 * figure font (every training run draws figures). Everything else is optional
 * and says what it adds.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { nodeFileSystem } from '../../host/file-system.js';
import { npmInstallLine, packageRoot } from '../../host/package-root.js';
import { loadAddon, type LoadResult } from '../engine/backends/native/addon.js';
import { loadDawn, requestAdapter, SWIFTSHADER_ICD, vulkanDrivers, type AdapterDescription, type VulkanDriver } from '../engine/backends/webgpu/adapter.js';
import { onnxruntimeInstallLine, TESTED_ONNXRUNTIME } from '../engine/onnx/onnxruntime.js';
import { figureFontInstalled } from '../figures/images/figure.js';

export type FindingStatus = 'ok' | 'missing' | 'problem' | 'info';

export interface Finding {
  /** What was looked at: 'node', 'native kernels', 'WebGPU', ... */
  readonly name: string;
  /** ok: there and working; missing: an optional part is absent; problem: a required part is absent or broken; info: a fact. */
  readonly status: FindingStatus;
  /** One line. */
  readonly detail: string;
  /** One command line (or instruction) that fixes it, for missing and problem. */
  readonly fix?: string;
}

export interface DoctorReport {
  readonly findings: readonly Finding[];
  /** Every required part is there. */
  readonly ok: boolean;
}

export interface InstalledPackage {
  readonly version: string;
  readonly dir: string;
}

export type WebgpuProbe =
  | { readonly kind: 'adapter'; readonly adapter: AdapterDescription }
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'no-package'; readonly reason: string };

export interface OnnxProvider {
  readonly name: string;
  /** Its library ships in onnxruntime-node's package (cpu), or was downloaded next to it. */
  readonly present: boolean;
}

export interface CommandProbe {
  readonly path: string;
  /** The first line the command printed for --version, when it printed one and exited 0. */
  readonly version?: string;
}

/** Everything doctor asks the machine; `machineProbes()` is the real one. */
export interface DoctorProbes {
  readonly nodeVersion: string;
  readonly ibcVersion: string;
  readonly ibcRoot: string;
  readonly platform: string;
  readonly arch: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  native(): LoadResult;
  /** /proc/cpuinfo's text, undefined where there is none. */
  cpuInfo(): string | undefined;
  cpuCount(): number;
  vulkanDrivers(): readonly VulkanDriver[];
  /** Asked only when some Vulkan driver is installed (Dawn prints loader warnings otherwise). */
  webgpu(): Promise<WebgpuProbe>;
  /** An npm package as ibc would resolve it, undefined when not installed. */
  installed(name: string): InstalledPackage | undefined;
  /** onnxruntime-node's execution providers, or why they could not be listed. */
  onnxProviders(dir: string): Promise<readonly OnnxProvider[] | string>;
  command(name: string): CommandProbe | undefined;
  figureFont(): boolean;
  exists(path: string): boolean;
}

/** The CPU facts that decide which kernels oneDNN can use, from /proc/cpuinfo's first processor. */
export interface CpuFacts {
  readonly model: string;
  readonly flags: ReadonlySet<string>;
}

export function parseCpuInfo(text: string): CpuFacts {
  const first = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string => {
    const line = first.split('\n').find((l) => l.split(':')[0]?.trim() === name);
    return line === undefined ? '' : line.slice(line.indexOf(':') + 1).trim();
  };
  return { model: field('model name') || field('Processor') || 'unknown CPU', flags: new Set(field('flags').split(/\s+/).filter((f) => f !== '')) };
}

/** The CPU features that matter to ibc's kernels, by /proc/cpuinfo flag. */
export const CPU_FEATURES: readonly { readonly label: string; readonly flag: string }[] = [
  { label: 'AVX2', flag: 'avx2' },
  { label: 'AVX-512', flag: 'avx512f' },
  { label: 'AVX512_BF16', flag: 'avx512_bf16' },
  { label: 'AMX', flag: 'amx_tile' },
];

/** The TF.js release ibc is built on: tfjs-node must match it. */
const TFJS_VERSION = '4.22.0';

/** The Node major version ibc needs (package.json engines). */
const NODE_MAJOR = 20;

function nodeFinding(version: string): Finding {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
  if (major >= NODE_MAJOR) return { name: 'node', status: 'ok', detail: version };
  return { name: 'node', status: 'problem', detail: `${version}; ibc needs Node ${NODE_MAJOR} or newer`, fix: `install Node ${NODE_MAJOR} or newer (Debian: apt-get install nodejs from NodeSource's Node ${NODE_MAJOR} repository)` };
}

function nativeFindings(loaded: LoadResult, root: string): Finding[] {
  if (!loaded.ok) {
    return [
      { name: 'native kernels', status: 'problem', detail: `not loaded: ${loaded.why}; training falls back to TF.js's JavaScript CPU backend, about 100x slower`, fix: loaded.fix },
      { name: 'oneDNN', status: 'info', detail: 'unknown (the native kernels did not load)' },
    ];
  }
  const where = loaded.location.path.startsWith(root) ? loaded.location.path.slice(root.length).replace(/^\/+/, '') : loaded.location.path;
  const origin = loaded.location.origin === 'prebuilt' ? 'prebuilt, shipped with the package' : 'built from source';
  const info = loaded.addon.info();
  const runtime = info.cpuRuntime === 'omp' ? 'OpenMP' : info.cpuRuntime;
  return [
    { name: 'native kernels', status: 'ok', detail: `loaded ${where} (${origin})` },
    { name: 'oneDNN', status: 'ok', detail: `${info.dnnl} (${runtime} threading)${info.isa !== undefined ? `, kernels for ${info.isa}` : ''}` },
  ];
}

function cpuFinding(text: string | undefined): Finding {
  if (text === undefined) return { name: 'CPU', status: 'info', detail: 'unknown (no /proc/cpuinfo)' };
  const cpu = parseCpuInfo(text);
  const features = CPU_FEATURES.map((f) => `${f.label} ${cpu.flags.has(f.flag) ? 'yes' : 'no'}`).join(', ');
  const note = cpu.flags.has('avx2') ? '' : '; without AVX2 the native kernels run, slowly';
  return { name: 'CPU', status: 'info', detail: `${cpu.model}: ${features}${note}` };
}

function threadsFinding(loaded: LoadResult, cpus: number, env: DoctorProbes['env']): Finding {
  const omp = env['OMP_NUM_THREADS'];
  const set = omp === undefined || omp === '' ? 'OMP_NUM_THREADS unset' : `OMP_NUM_THREADS=${omp}`;
  const threads = loaded.ok ? `${loaded.addon.info().threads} threads for the native kernels` : 'the native kernels did not load';
  return { name: 'threads', status: 'info', detail: `${threads}, ${cpus} CPUs available to this process (${set})` };
}

const VULKAN_DRIVER_FIX = "your GPU's Vulkan driver (Debian: mesa-vulkan-drivers for AMD and Intel, nvidia-vulkan-icd for NVIDIA) and libvulkan1";

async function webgpuFinding(probes: DoctorProbes): Promise<Finding> {
  const drivers = probes.vulkanDrivers();
  const software = probes.exists(SWIFTSHADER_ICD) ? `; for a software adapter (correct but slow; what the tests use), set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}` : '';
  if (drivers.length === 0) {
    return { name: 'WebGPU', status: 'missing', detail: 'no Vulkan driver is installed, so there is no WebGPU adapter (optional: --backend webgpu)', fix: `install ${VULKAN_DRIVER_FIX}${software}` };
  }
  const probe = await probes.webgpu();
  const listed = drivers.map((d) => `${d.manifest}${d.software ? ' (software)' : ''}`).join(', ');
  if (probe.kind === 'no-package') {
    return { name: 'WebGPU', status: 'missing', detail: `Vulkan drivers ${listed}, but the optional 'webgpu' package (Dawn) is not installed (${probe.reason})`, fix: 'reinstall ibc without --omit=optional (the webgpu package is an optional dependency)' };
  }
  if (probe.kind === 'none') return { name: 'WebGPU', status: 'missing', detail: `no adapter (${probe.reason}); Vulkan drivers: ${listed}`, fix: `install ${VULKAN_DRIVER_FIX}` };
  const a = probe.adapter;
  const line = `${a.name} (${[a.vendor, a.architecture].filter((s) => s !== '').join(', ')})`;
  if (a.software) return { name: 'WebGPU', status: 'info', detail: `software adapter only: ${line}; runs on the CPU, slower than ibc-native (auto never picks it)`, fix: `for a GPU, install ${VULKAN_DRIVER_FIX}` };
  return { name: 'WebGPU', status: 'ok', detail: `hardware adapter: ${line} (auto picks it)` };
}

async function peerFindings(probes: DoctorProbes): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [name, what] of [
    ['@tensorflow/tfjs-node-gpu', 'TensorFlow with CUDA; auto picks it first'],
    ['@tensorflow/tfjs-node', 'TensorFlow on the CPU; auto picks it before ibc-native'],
  ] as const) {
    const pkg = probes.installed(name);
    findings.push(
      pkg !== undefined
        ? { name, status: 'ok', detail: `${pkg.version} (${what})` }
        : { name, status: 'missing', detail: `not installed (optional: ${what}; its install downloads libtensorflow from outside the npm registry)`, fix: npmInstallLine(probes.ibcRoot, `${name}@${TFJS_VERSION}`) },
    );
  }
  const ort = probes.installed('onnxruntime-node');
  if (ort === undefined) {
    findings.push({ name: 'onnxruntime-node', status: 'missing', detail: `not installed (optional: ibc compile --verify and ibc bench --target onnx run exports in it; writing ONNX needs nothing)`, fix: onnxruntimeInstallLine(probes.ibcRoot) });
    return findings;
  }
  const providers = await probes.onnxProviders(ort.dir);
  if (typeof providers === 'string') {
    findings.push({ name: 'onnxruntime-node', status: 'problem', detail: `${ort.version} is installed but does not load (${providers})`, fix: onnxruntimeInstallLine(probes.ibcRoot) });
    return findings;
  }
  const present = providers.filter((p) => p.present).map((p) => p.name);
  const absent = providers.filter((p) => !p.present).map((p) => p.name);
  const tested = ort.version === TESTED_ONNXRUNTIME ? '' : ` (ibc is tested with ${TESTED_ONNXRUNTIME})`;
  const more = absent.length > 0 ? `; ${absent.join(', ')} ${absent.length === 1 ? 'needs' : 'need'} ONNX Runtime's CUDA 12 download (install without ONNXRUNTIME_NODE_INSTALL=skip, with internet access)` : '';
  findings.push({ name: 'onnxruntime-node', status: 'ok', detail: `${ort.version}${tested}, providers: ${present.join(', ')}${more}` });
  return findings;
}

function toolFinding(probe: CommandProbe | undefined, name: string, what: string, fix: string): Finding {
  if (probe === undefined) return { name, status: 'missing', detail: `not found on PATH (${what})`, fix };
  return { name, status: 'ok', detail: `${probe.path}${probe.version !== undefined ? ` (${probe.version})` : ''}` };
}

/** Looks at everything; never throws for what the machine lacks. */
export async function runDoctor(probes: DoctorProbes = machineProbes()): Promise<DoctorReport> {
  const loaded = probes.native();
  const findings: Finding[] = [
    nodeFinding(probes.nodeVersion),
    { name: 'ibc', status: 'ok', detail: `${probes.ibcVersion} (${probes.ibcRoot})` },
    ...nativeFindings(loaded, probes.ibcRoot),
    cpuFinding(probes.cpuInfo()),
    threadsFinding(loaded, probes.cpuCount(), probes.env),
    probes.figureFont()
      ? { name: 'figure font', status: 'ok', detail: 'DejaVu Sans (attention figures and charts)' }
      : { name: 'figure font', status: 'problem', detail: 'DejaVu Sans is not installed: training runs cannot draw their attention figures and charts', fix: 'apt-get install -y fonts-dejavu-core' },
    await webgpuFinding(probes),
    ...(await peerFindings(probes)),
    toolFinding(probes.command('chromium'), 'chromium', "tests only: the browser and explorer tests drive Debian's Chromium", 'apt-get install -y chromium'),
    toolFinding(probes.command('sbatch'), 'slurm', 'ibc sweep --launcher slurm submits with sbatch; the sweep test starts a one-node cluster', 'apt-get install -y slurm-client (slurm-wlm and munge for a one-node cluster)'),
  ];
  return { findings, ok: findings.every((f) => f.status !== 'problem') };
}

// ---------------------------------------------------------------------------- the real machine

function onPath(name: string, env: DoctorProbes['env']): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function commandProbe(name: string, env: DoctorProbes['env']): CommandProbe | undefined {
  const path = onPath(name, env);
  if (path === undefined) return undefined;
  // `sbatch --version` fails where no cluster is configured: the path alone is the finding then.
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : '';
  return line !== '' ? { path, version: line } : { path };
}

function packageJsonIn(dir: string, name: string): InstalledPackage | undefined {
  const bytes = nodeFileSystem.readFile(join(dir, 'package.json'));
  if (bytes === undefined) return undefined;
  try {
    const pkg = JSON.parse(new TextDecoder().decode(bytes)) as { name?: unknown; version?: unknown };
    if (pkg.name === name && typeof pkg.version === 'string') return { version: pkg.version, dir };
  } catch {
    // not a package.json: keep looking
  }
  return undefined;
}

/** Resolves `name` from ibc's own folder, as ibc's imports would, without loading it. */
function installedPackage(name: string, root: string): InstalledPackage | undefined {
  const require = createRequire(join(root, 'package.json'));
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const found = packageJsonIn(dir, name);
    if (found) return found;
  }
  return undefined;
}

interface OrtLike {
  listSupportedBackends?: () => readonly { name: string; bundled: boolean }[];
  default?: OrtLike;
}

async function onnxProviders(dir: string, platform: string, arch: string): Promise<readonly OnnxProvider[] | string> {
  let mod: OrtLike;
  try {
    const specifier: string = 'onnxruntime-node'; // an optional peer: resolved at run time only
    mod = (await import(specifier)) as OrtLike;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'it does not load';
  }
  const list = mod.listSupportedBackends ?? mod.default?.listSupportedBackends;
  if (list === undefined) return 'it has no listSupportedBackends()';
  const bin = join(dir, 'bin', 'napi-v6', platform, arch);
  return list().map((b) => ({ name: b.name, present: b.bundled || existsSync(join(bin, `libonnxruntime_providers_${b.name}.so`)) }));
}

function ibcVersion(root: string): string {
  return packageJsonIn(root, 'ibc')?.version ?? 'unknown';
}

export function machineProbes(): DoctorProbes {
  const root = packageRoot().replace(/\/+$/, '');
  const env = process.env;
  return {
    nodeVersion: process.version,
    ibcVersion: ibcVersion(root),
    ibcRoot: root,
    platform: process.platform,
    arch: process.arch,
    env,
    native: () => loadAddon(),
    cpuInfo: () => {
      const bytes = nodeFileSystem.readFile('/proc/cpuinfo');
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    cpuCount: () => availableParallelism(),
    vulkanDrivers: () => vulkanDrivers(env),
    webgpu: async () => {
      const dawn = await loadDawn();
      if (!dawn.ok) return { kind: 'no-package', reason: dawn.reason };
      const got = await requestAdapter(dawn.dawn);
      return got.ok ? { kind: 'adapter', adapter: got.description } : { kind: 'none', reason: got.reason };
    },
    installed: (name) => installedPackage(name, root),
    onnxProviders: (dir) => onnxProviders(dir, process.platform, process.arch),
    command: (name) => commandProbe(name, env),
    figureFont: () => figureFontInstalled(),
    exists: (path) => existsSync(path),
  };
}
