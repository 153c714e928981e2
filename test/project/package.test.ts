/**
 * The npm package as a user gets it. `npm pack` (its prepack makes dist/ current, copies
 * the explorer's TF.js bundles and the prebuilt native addon in), then `npm install -g
 * --prefix TMP ./ibc-*.tgz` from the packed file, dependencies from the npm cache
 * (--prefer-offline: the registry only for what the cache lacks), then the installed
 * `ibc`: --version, check on a shipped spec, a one-step train that must run on the
 * native backend, compile --target onnx (and --verify without onnxruntime-node, an
 * optional peer), doctor, `ibc/runtime` from a scratch project, and what the first
 * training command says when the prebuilt addon cannot load.
 *
 * Packing never builds here (IBC_PACK_NO_BUILD=1): it would rewrite dist/ under other
 * tests. dist/ and native/build must be current (scripts/setup.sh builds both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** npm's own variables from an enclosing `npm test` would steer the inner npm (prefix, global, ...): drop them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') && !['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'].includes(key)) continue;
    if (key === 'NODE_OPTIONS' || key === 'VITEST' || key.startsWith('VITEST_')) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the worker (vitest's own messages time out behind a long synchronous spawn). */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Ran> {
  return new Promise((done, failed) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => void (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => void (stderr += t));
    child.on('error', failed);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function explain(r: Ran): string {
  return `exit ${r.status}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`;
}

const TINY_SPEC = `# One training step of a small IB model with quantization: 32 synthetic training images, batch 32.
name tiny-package
model {
  input 12x12x1
  classes 4
  backbone custom {
    stage stage1 {
      conv 4 kernel=3
      relu
    }
    stage stage2 {
      maxpool 2
      conv 8 kernel=3
      relu
    }
  }
  attention at=stage1 {
    latent 8
    quantize {
      anchors 4
    }
  }
}
data synthetic train_count=36 test_count=8 {
  validation 0.1
}
train {
  epochs 1
  batch 32
  seed 1
}
`;

interface PackedFile {
  readonly path: string;
  readonly size: number;
}

let work = '';
let prefix = '';
let installed = '';
let files: readonly PackedFile[] = [];

function ibc(...args: string[]): Promise<Ran> {
  return run(join(prefix, 'bin', 'ibc'), args, work);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-package-'));
  prefix = join(work, 'prefix');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], root, cleanEnv({ IBC_PACK_NO_BUILD: '1' }));
  if (packed.status !== 0) throw new Error(`npm pack failed: ${explain(packed)}`);
  const json = packed.stdout.slice(packed.stdout.indexOf('['));
  const [info] = JSON.parse(json) as { filename: string; files: PackedFile[] }[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${explain(packed)}`);
  files = info.files;
  const tarball = join(work, info.filename);
  const install = await run('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], work);
  if (install.status !== 0) throw new Error(`npm install -g of the packed file failed: ${explain(install)}`);
  installed = join(prefix, 'lib', 'node_modules', 'ibc');
  writeFileSync(join(work, 'tiny.ibspec'), TINY_SPEC);
}, 600_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the built JavaScript, its type declarations, the prebuilt addon and the run-time assets, and nothing else', async () => {
    const paths = files.map((f) => f.path);
    for (const needed of [
      'bin/ibc.js',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/runtime/index.js',
      'dist/runtime/index.d.ts',
      'dist/support/normal-prefill-worker.js',
      'dist/compiler/spec/schema-validator.generated.cjs',
      'dist/vendor/tf.min.js',
      'dist/vendor/tf-backend-webgpu.min.js',
      'prebuilds/linux-x64/ibc_native.node',
      'assets/explorer/index.html',
      'assets/explorer/explorer.js',
      'docs/language.md',
      'specs/fashion-small-aib.ibspec',
      'specs/base/fashion-small.ibspec',
      'README.md',
      'LICENSE',
      'package.json',
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const leftovers = paths.filter((p) => /^(src|test|bench|scripts|native|node_modules|docs\/(results|images))\/|^specs\/test\/|\.map$|\.tsbuildinfo$|\.tmp-\d+$|^\.|\.tgz$/.test(p));
    expect(leftovers).toEqual([]);
    // Every module ships with its declarations.
    const js = paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/vendor/') && p.endsWith('.js'));
    expect(js.filter((p) => !paths.includes(p.replace(/\.js$/, '.d.ts')))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    // onnxruntime-node is an optional peer: as a dependency its install script downloads CUDA binaries.
    expect(manifest.dependencies['onnxruntime-node']).toBeUndefined();
    expect(manifest.peerDependenciesMeta?.['onnxruntime-node']?.optional).toBe(true);
    expect(existsSync(join(installed, 'node_modules', 'onnxruntime-node'))).toBe(false);
  });

  it('installed globally: ibc --version, and ibc check on a shipped spec', async () => {
    const v = await ibc('--version');
    expect(v.stdout, explain(v)).toBe(`${version}\n`);
    const check = await ibc('check', join(installed, 'specs', 'fashion-small-aib.ibspec'));
    expect(check.status, explain(check)).toBe(0);
    expect(check.stdout).toContain('fashion-small-aib.ibspec: ok');
    // The installed ibc validates with the validator generated at build time (it carries its schema's hash), not one compiled at each start.
    const validator = await run(process.execPath, ['-e', `import('${join(installed, 'dist', 'compiler', 'spec', 'schema-validator.js')}').then((m) => console.log(typeof m.specValidator().schemaHash))`], work);
    expect(validator.stdout, explain(validator)).toBe('string\n');
  });

  it('trains one step on the native oneDNN backend (the prebuilt addon), then compiles to ONNX', async () => {
    const train = await ibc('train', 'tiny.ibspec', '--out', 'run');
    expect(train.status, explain(train)).toBe(0);
    expect(train.stderr).toContain('backend: ibc-native');
    expect(train.stderr).not.toContain('IB6401');
    const summary = JSON.parse(readFileSync(join(work, 'run', 'summary.json'), 'utf8')) as { backend: string; training_step: string };
    expect(summary.backend).toBe('ibc-native');
    expect(summary.training_step).toBe('compiled');

    const onnx = await ibc('compile', 'tiny.ibspec', '--target', 'onnx', '--out', 'tiny.onnx', '--weights', 'run');
    expect(onnx.status, explain(onnx)).toBe(0);
    expect(onnx.stdout).toContain('wrote tiny.onnx (ONNX opset 17');
    expect(readFileSync(join(work, 'tiny.onnx')).length).toBeGreaterThan(1000);

    // --verify needs onnxruntime-node, which a plain install does not bring: one error with the line that adds it.
    const verify = await ibc('compile', 'tiny.ibspec', '--target', 'onnx', '--out', 'verified.onnx', '--weights', 'run', '--verify');
    expect(verify.status, explain(verify)).toBe(1);
    expect(verify.stderr).toContain('error IB6620: --verify runs the model in onnxruntime-node');
    expect(verify.stderr).toContain('Install it with: ONNXRUNTIME_NODE_INSTALL=skip npm install -g onnxruntime-node@1.30.0');
    expect(verify.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, 'verified.onnx'))).toBe(false);

    // The explorer page's TF.js bundle comes with the package (dist/vendor/, checked above), not from @tensorflow/tfjs.
    expect(existsSync(join(installed, 'node_modules', '@tensorflow', 'tfjs'))).toBe(false);
  });

  it("imports 'ibc/runtime' and 'ibc' from a project and predicts on the native backend", async () => {
    const artifact = await ibc('compile', 'tiny.ibspec', '--target', 'ibc-runtime', '--out', 'artifact', '--weights', 'run');
    expect(artifact.status, explain(artifact)).toBe(0);
    const project = join(work, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    symlinkSync(installed, join(project, 'node_modules', 'ibc'));
    writeFileSync(
      join(project, 'use.js'),
      [
        "import { loadModel } from 'ibc/runtime';",
        "import { parseSpec } from 'ibc';",
        'const model = await loadModel(process.argv[2]);',
        'const { logits, attention } = await model.predict(new Float32Array(2 * 12 * 12), [2, 12, 12, 1]);',
        "console.log(JSON.stringify({ backend: model.backend, logits: logits.length, attention: attention.length, parse: typeof parseSpec }));",
      ].join('\n'),
    );
    const r = await run(process.execPath, ['use.js', join(work, 'artifact')], project);
    expect(r.status, explain(r)).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { attention: number };
    expect(got).toEqual({ backend: 'ibc-native', logits: 2 * 4, attention: expect.any(Number), parse: 'function' });
    expect(got.attention % 2 === 0 && got.attention > 0).toBe(true);

    // The type declarations of both entries resolve through the package's exports; a misuse is
    // an error (so they are real declarations, not `any`).
    writeFileSync(
      join(project, 'use-types.ts'),
      [
        "import { loadModel, type LoadedModel, type Prediction } from 'ibc/runtime';",
        "import { parseSpec, type Diagnostic } from 'ibc';",
        "const model: Promise<LoadedModel> = loadModel('artifact');",
        'const diagnostics: readonly Diagnostic[] = [];',
        'const logits = (p: Prediction): Float32Array => p.logits;',
        '// @ts-expect-error loadModel takes a folder path, not a number',
        'void loadModel(3);',
        'void model; void diagnostics; void logits; void parseSpec;',
      ].join('\n'),
    );
    const tsc = await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', 'use-types.ts'],
      project,
    );
    expect(tsc.status, explain(tsc)).toBe(0);
  });

  it('the evaluation-noise worker runs from the installed package and fills a tape with the plain stream’s values', async () => {
    const module = (name: string) => JSON.stringify(pathToFileURL(join(installed, 'dist', 'support', `${name}.js`)).href);
    const script = [
      `const { NormalPrefill } = await import(${module('normal-prefill')});`,
      `const { NormalTape } = await import(${module('normal-tape')});`,
      `const { Random } = await import(${module('random')});`,
      'const start = Random.fromSeed(3).state();',
      'const tape = new NormalTape(start);',
      'const prefill = NormalPrefill.start(tape, 5000);',
      'await tape.ready();',
      'const values = tape.reader().fillNormal(new Float32Array(5000));',
      'const plain = Random.fromState(start).fillNormal(new Float32Array(5000));',
      'console.log(JSON.stringify({ outcome: await prefill.outcome, same: Buffer.from(values.buffer).equals(Buffer.from(plain.buffer)), recorded: tape.recorded }));',
    ].join('\n');
    const r = await run(process.execPath, ['--input-type=module', '-e', script], work);
    expect(r.status, explain(r)).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ outcome: { kind: 'filled', count: 5000 }, same: true, recorded: 5000 });
  });

  it('ibc doctor reports the prebuilt addon and the missing optional onnxruntime-node with its fix', async () => {
    const r = await ibc('doctor', '--format', 'json');
    expect(r.status, explain(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; findings: { name: string; status: string; detail: string; fix?: string }[] };
    const finding = (name: string) => report.findings.find((f) => f.name === name);
    expect(finding('native kernels')).toEqual({ name: 'native kernels', status: 'ok', detail: 'loaded prebuilds/linux-x64/ibc_native.node (prebuilt, shipped with the package)' });
    expect(finding('ibc')?.detail).toBe(`${version} (${installed})`);
    expect(finding('onnxruntime-node')?.fix).toBe('ONNXRUNTIME_NODE_INSTALL=skip npm install -g onnxruntime-node@1.30.0');
  });

  it('when the prebuilt addon cannot load, the first training command says why and the line that fixes it', async () => {
    // Make the installed addon need a oneDNN that is not there: the same dlopen failure as a
    // machine without libdnnl2, under another soname (this machine has libdnnl.so.2).
    const addon = join(installed, 'prebuilds', 'linux-x64', 'ibc_native.node');
    const bytes = readFileSync(addon);
    const needed = Buffer.from('libdnnl.so.2\0');
    expect(bytes.indexOf(needed)).toBeGreaterThan(0);
    bytes.set(Buffer.from('libdnnl.so.9\0'), bytes.indexOf(needed));
    writeFileSync(addon, bytes);

    const train = await ibc('train', 'tiny.ibspec', '--out', 'slow-run');
    expect(train.status, explain(train)).toBe(0);
    expect(train.stderr).toContain('backend: cpu');
    expect(train.stderr).toContain(
      `warning IB6401: running on TF.js's plain JavaScript CPU backend, about 100x slower than ibc-native, because the native kernels (${addon}) need libdnnl.so.9, which is not installed (oneDNN, the kernel library). To fix it: apt-get install -y libdnnl9`,
    );
  });
});
