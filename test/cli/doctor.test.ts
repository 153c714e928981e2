/**
 * `ibc doctor`: every finding and its fix on made-up machines (golden text), and the
 * real report on this one (CI installs everything doctor looks for but a GPU).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatDoctor } from '../../src/cli/commands/doctor.js';
import type { LoadResult, NativeAddon, NativeInfo } from '../../src/runtime/engine/backends/native/addon.js';
import { parseCpuInfo, runDoctor, type DoctorProbes } from '../../src/runtime/jobs/doctor.js';

const CPUINFO = `processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512bw avx512_bf16 amx_tile amx_bf16

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu
`;

/** A test double: only info() is called by doctor. */
function addonWith(info: NativeInfo): NativeAddon {
  return { info: () => info } as Partial<NativeAddon> as NativeAddon;
}

const LOADED: LoadResult = {
  ok: true,
  addon: addonWith({ dnnl: '2.6.3', cpuRuntime: 'omp', threads: 8, isa: 'avx512_core_amx' }),
  location: { path: '/opt/g/lib/node_modules/ibc/prebuilds/linux-x64/ibc_native.node', origin: 'prebuilt' },
};

/** A well-equipped machine with ibc installed globally under /opt/g. */
function machine(overrides: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    nodeVersion: 'v20.20.2',
    ibcVersion: '0.1.0',
    ibcRoot: '/opt/g/lib/node_modules/ibc',
    platform: 'linux',
    arch: 'x64',
    env: { OMP_NUM_THREADS: '8' },
    native: () => LOADED,
    cpuInfo: () => CPUINFO,
    cpuCount: () => 8,
    vulkanDrivers: () => [{ manifest: '/usr/share/vulkan/icd.d/nvidia_icd.json', library: 'libGLX_nvidia.so.0', software: false }],
    webgpu: async () => ({ kind: 'adapter', adapter: { name: 'NVIDIA H100', vendor: 'nvidia', architecture: 'hopper', software: false } }),
    installed: (name) => (name === 'onnxruntime-node' ? { version: '1.30.0', dir: '/opt/g/lib/node_modules/onnxruntime-node' } : undefined),
    onnxProviders: async () => [
      { name: 'cpu', present: true },
      { name: 'cuda', present: false },
    ],
    command: (name) => ({ path: `/usr/bin/${name}`, ...(name === 'chromium' ? { version: 'Chromium 156.0' } : {}) }),
    figureFont: () => true,
    exists: () => true,
    ...overrides,
  };
}

describe('ibc doctor on made-up machines', () => {
  it('a machine with everything: each finding on one line, the optional ones with their fix', async () => {
    const report = await runDoctor(machine());
    expect(report.ok).toBe(true);
    expect(formatDoctor(report)).toBe(
      [
        'ibc doctor: what this machine gives ibc',
        '',
        'ok       node                       v20.20.2',
        'ok       ibc                        0.1.0 (/opt/g/lib/node_modules/ibc)',
        'ok       native kernels             loaded prebuilds/linux-x64/ibc_native.node (prebuilt, shipped with the package)',
        'ok       oneDNN                     2.6.3 (OpenMP threading), kernels for avx512_core_amx',
        'info     CPU                        Intel(R) Xeon(R) Platinum 8480+: AVX2 yes, AVX-512 yes, AVX512_BF16 yes, AMX yes',
        'info     threads                    8 threads for the native kernels, 8 CPUs available to this process (OMP_NUM_THREADS=8)',
        'ok       figure font                DejaVu Sans (attention figures and charts)',
        'ok       WebGPU                     hardware adapter: NVIDIA H100 (nvidia, hopper) (auto picks it)',
        'missing  @tensorflow/tfjs-node-gpu  not installed (optional: TensorFlow with CUDA; auto picks it first; its install downloads libtensorflow from outside the npm registry)',
        '                                    fix: npm install -g @tensorflow/tfjs-node-gpu@4.22.0',
        'missing  @tensorflow/tfjs-node      not installed (optional: TensorFlow on the CPU; auto picks it before ibc-native; its install downloads libtensorflow from outside the npm registry)',
        '                                    fix: npm install -g @tensorflow/tfjs-node@4.22.0',
        "ok       onnxruntime-node           1.30.0, providers: cpu; cuda needs ONNX Runtime's CUDA 12 download (install without ONNXRUNTIME_NODE_INSTALL=skip, with internet access)",
        'ok       chromium                   /usr/bin/chromium (Chromium 156.0)',
        'ok       slurm                      /usr/bin/sbatch',
        '',
        'Everything ibc needs is here; "missing" lines are optional parts.',
        '',
      ].join('\n'),
    );
  });

  it('a bare machine: the native kernels and the font are problems (exit 1), each with the line that fixes it', async () => {
    const report = await runDoctor(
      machine({
        ibcRoot: '/home/me/app/node_modules/ibc',
        env: {},
        native: () => ({ ok: false, why: 'the native kernels (/x.node) need libdnnl.so.2, which is not installed (oneDNN, the kernel library)', fix: 'apt-get install -y libdnnl2', reason: '' }),
        cpuInfo: () => undefined,
        cpuCount: () => 2,
        vulkanDrivers: () => [],
        installed: () => undefined,
        command: () => undefined,
        figureFont: () => false,
        exists: () => false,
      }),
    );
    expect(report.ok).toBe(false);
    const text = formatDoctor(report);
    expect(text).toContain(
      [
        "problem  native kernels             not loaded: the native kernels (/x.node) need libdnnl.so.2, which is not installed (oneDNN, the kernel library); training falls back to TF.js's JavaScript CPU backend, about 100x slower",
        '                                    fix: apt-get install -y libdnnl2',
        'info     oneDNN                     unknown (the native kernels did not load)',
        'info     CPU                        unknown (no /proc/cpuinfo)',
        'info     threads                    the native kernels did not load, 2 CPUs available to this process (OMP_NUM_THREADS unset)',
        'problem  figure font                DejaVu Sans is not installed: training runs cannot draw their attention figures and charts',
        '                                    fix: apt-get install -y fonts-dejavu-core',
        'missing  WebGPU                     no Vulkan driver is installed, so there is no WebGPU adapter (optional: --backend webgpu)',
        "                                    fix: install your GPU's Vulkan driver (Debian: mesa-vulkan-drivers for AMD and Intel, nvidia-vulkan-icd for NVIDIA) and libvulkan1",
      ].join('\n'),
    );
    expect(text).toContain('                                    fix: npm install @tensorflow/tfjs-node@4.22.0 (in the project that depends on ibc)');
    expect(text).toContain(
      [
        'missing  onnxruntime-node           not installed (optional: ibc compile --verify and ibc bench --target onnx run exports in it; writing ONNX needs nothing)',
        '                                    fix: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0 (in the project that depends on ibc)',
        "missing  chromium                   not found on PATH (tests only: the browser and explorer tests drive Debian's Chromium)",
        '                                    fix: apt-get install -y chromium',
        'missing  slurm                      not found on PATH (ibc sweep --launcher slurm submits with sbatch; the sweep test starts a one-node cluster)',
        '                                    fix: apt-get install -y slurm-client (slurm-wlm and munge for a one-node cluster)',
        '',
        '2 required part(s) missing or broken: native kernels, figure font. Run the fix line(s) above.',
      ].join('\n'),
    );
  });

  it('software-only WebGPU, an old Node, an onnxruntime-node that does not load', async () => {
    const report = await runDoctor(
      machine({
        nodeVersion: 'v18.19.0',
        vulkanDrivers: () => [{ manifest: '/usr/lib/chromium/vk_swiftshader_icd.json', library: './libvk_swiftshader.so', software: true }],
        webgpu: async () => ({ kind: 'adapter', adapter: { name: 'SwiftShader driver 5.0.0', vendor: 'google', architecture: 'swiftshader', software: true } }),
        onnxProviders: async () => 'libonnxruntime.so.1: cannot open shared object file',
      }),
    );
    const byName = new Map(report.findings.map((f) => [f.name, f]));
    expect(byName.get('node')).toEqual({ name: 'node', status: 'problem', detail: 'v18.19.0; ibc needs Node 20 or newer', fix: "install Node 20 or newer (Debian: apt-get install nodejs from NodeSource's Node 20 repository)" });
    expect(byName.get('WebGPU')?.status).toBe('info');
    expect(byName.get('WebGPU')?.detail).toBe('software adapter only: SwiftShader driver 5.0.0 (google, swiftshader); runs on the CPU, slower than ibc-native (auto never picks it)');
    expect(byName.get('onnxruntime-node')).toEqual({
      name: 'onnxruntime-node',
      status: 'problem',
      detail: '1.30.0 is installed but does not load (libonnxruntime.so.1: cannot open shared object file)',
      fix: 'ONNXRUNTIME_NODE_INSTALL=skip npm install -g onnxruntime-node@1.30.0',
    });
    expect(report.ok).toBe(false);
  });

  it("reads the CPU's model and flags from the first processor of /proc/cpuinfo", () => {
    const cpu = parseCpuInfo(CPUINFO);
    expect(cpu.model).toBe('Intel(R) Xeon(R) Platinum 8480+');
    expect([...cpu.flags]).toEqual(['fpu', 'sse2', 'avx', 'avx2', 'avx512f', 'avx512bw', 'avx512_bf16', 'amx_tile', 'amx_bf16']);
  });
});

describe('ibc doctor on this machine', () => {
  async function doctor(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await main(['doctor', ...args], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, cwd: '/' });
    return { status, stdout: out.join(''), stderr: err.join('') };
  }

  it('reports every finding, the native kernels loaded, in text and in JSON', async () => {
    const json = await doctor('--format', 'json');
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: { name: string; status: string; detail: string; fix?: string }[] };
    expect(report.findings.map((f) => f.name)).toEqual([
      'node', 'ibc', 'native kernels', 'oneDNN', 'CPU', 'threads', 'figure font', 'WebGPU',
      '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'onnxruntime-node', 'chromium', 'slurm',
    ]);
    const finding = (name: string) => report.findings.find((f) => f.name === name);
    expect(finding('node')?.detail).toBe(process.version);
    for (const f of report.findings) if (f.status === 'missing' || f.status === 'problem') expect(f.fix, f.name).toMatch(/\S/);
    if (process.env['CI'] === 'true') {
      // CI builds the kernels and installs the font, Chromium and Slurm; onnxruntime-node is a devDependency.
      expect(json.status).toBe(0);
      expect(report.ok).toBe(true);
      for (const name of ['native kernels', 'oneDNN', 'figure font', 'onnxruntime-node', 'chromium', 'slurm']) expect(finding(name)?.status, name).toBe('ok');
    }
    if (finding('native kernels')?.status === 'ok') {
      expect(finding('oneDNN')?.detail).toMatch(/^\d+\.\d+\.\d+ \(OpenMP threading\), kernels for \w+$/);
      expect(finding('threads')?.detail).toMatch(/^\d+ threads for the native kernels, \d+ CPUs available to this process/);
    }
    expect(finding('CPU')?.detail).toMatch(/: AVX2 (yes|no), AVX-512 (yes|no), AVX512_BF16 (yes|no), AMX (yes|no)/);

    const text = await doctor();
    expect(text.status).toBe(json.status);
    expect(text.stdout.split('\n')[0]).toBe('ibc doctor: what this machine gives ibc');
    for (const f of report.findings) expect(text.stdout).toContain(`${f.name}`);
  });
});
