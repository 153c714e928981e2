/**
 * `ibc bench SPEC`: times training steps of a spec's model on a backend and
 * prints {spec, backend, batch, steps, img_per_s, ms_per_step, gflops_per_s,
 * peak_rss_mb}. `--suite default` (what `npm run bench` runs) and `--suite e2e`
 * (`npm run bench:e2e`) compare ibc with its PyTorch twins side by side, each
 * measurement in a child process (runtime/jobs/bench/suites.ts, runtime/jobs/bench/processes.ts).
 * `--target onnx` times inference instead: the exported ONNX model in
 * onnxruntime-node next to the TF.js model's forward pass on the available
 * backends. Throughput is measured here, never in tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { guardRun, formatRunDiagnostic } from '../run-errors.js';
import { BACKEND_HELP, PRECISION_HELP, STEP_HELP, oneOf, parseBackend, parsePrecision, parseStep, usageError, wholeNumber, withPrecision } from '../option-values.js';
import type { Precision } from '../../runtime/engine/precision.js';
import { chooseStepEngine, type StepRequest } from '../../runtime/engine/choose-engine.js';
import { compileForRun } from '../prepare-run.js';
import { selectBackend, releaseBackend, type BackendChoice, type BackendRequest, type HostFallback } from '../../runtime/engine/backends/select.js';
import { formatAdapter } from '../../runtime/engine/backends/webgpu/adapter.js';
import { modelFlops } from '../../compiler/resources/training-flops.js';
import { PROFILED_STEPS, timeTrainingSteps, type KernelTime } from '../../runtime/jobs/bench/time-training.js';
import { timeTfjsInference } from '../../runtime/jobs/bench/time-inference.js';
import { printDiagnostics } from '../report.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { exportOnnx } from '../../compiler/targets/onnx/export.js';
import { benchOnnxInference } from '../../runtime/engine/onnx/bench.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { initParams } from '../../runtime/engine/init-params.js';
import { RunError } from '../../support/errors.js';
import { PYTORCH_CONFIGS, defaultSuite, e2eSuite, runE2eSuite, runStepsSuite, type PytorchConfig, type SuiteOutput } from '../../runtime/jobs/bench/suites.js';
import { childMeasurer } from '../../runtime/jobs/bench/processes.js';
import { machinePeak, peakOf, type PeakLookup } from '../../runtime/jobs/bench/peak.js';
import { loadAddon } from '../../runtime/engine/backends/native/addon.js';

const DESCRIPTION = `Times training steps (after warm-up) of the model a .ibspec file describes, on
random data, and prints one JSON line:
{spec, backend, training_step, precision, batch, steps, img_per_s, ms_per_step,
gflops_per_s, peak_rss_mb} (peak_rss_mb: the process's resident-memory
high-water mark). --precision fp32|bf16 trains in that precision instead of
the spec's train.precision. On ibc-native the line adds
{..., peak_gflops_per_s, of_peak}: this machine's measured peak for the
precision (the faster of a 2048 GEMM and a 3x3 convolution on ibc's own
kernels) and gflops_per_s as a fraction of it. The calibration takes a few
seconds once and is cached in $XDG_CACHE_HOME/ibc/peak-gflops.json
(default ~/.cache/ibc/; per CPU model, oneDNN version and ISA, and thread
count), the only file ibc writes outside the folders it is given;
--recalibrate measures again (on an idle machine: under load it reads low). On
webgpu the line also names the adapter and counts kernel runs that fell back
to the CPU: {..., adapter, cpu_fallbacks} (and cpu_fallback_kernels when there
are any). A software adapter (SwiftShader) checks correctness; its speed is
not GPU speed.

With --target onnx it times inference instead: it exports the spec's model
(fresh seeded weights, the spec's export opset and layout, a fixed batch) to a
temporary .onnx file and runs it in onnxruntime-node (CPU), then runs the TF.js
model's deterministic forward pass (the attention map's mean, as the export
computes) on each available backend: ibc-native when built, and cpu. The JS cpu
backend is skipped, with the reason printed, for models above 1 GFLOP per image
unless asked for with --backend cpu. One untimed warm-up batch each, then one
JSON line per measurement:
{spec, target: "onnx" | "tfjs", backend, batch, iterations, img_per_s, ms_per_batch}.

--suite default (npm run bench) measures, each in a process of its own,
specs/cifar10-vgg16-aib.ibspec at batch 32 (5 steps) and the three Fashion-MNIST
specs (fashion-small-baseline, -aib, -aib-qt) at their batch of 64 (50 steps,
5 warm-up): ibc in fp32 and, where this machine has native bf16 kernels, in
bf16; then its PyTorch twin (bench/pytorch_vgg_aib.py,
bench/pytorch_fashion_small.py, run with /usr/bin/python3, 2 threads) in each of
PyTorch's CPU configurations (--config fp32, fp32-channels-last,
bf16-channels-last: autocast bfloat16); then, per ibc precision,
{comparison: "ibc / pytorch best, MODEL", batch, ibc_precision, ibc_img_per_s,
pytorch_config, pytorch_img_per_s, ratio} against PyTorch's fastest
configuration for that model (ratio above 1: ibc is faster), and for bf16 the
same against PyTorch bf16-channels-last ("ibc / pytorch same precision");
after VGG also {comparison, ibc_precision, pytorch_config, ibc_mb, pytorch_mb,
ratio} for peak resident memory, each precision against PyTorch in the same
precision. --steps, --warmup apply to every model, --batch to VGG; --backend
and --step pass through to each ibc measurement. Without torch in
/usr/bin/python3 it prints ibc's lines and says the comparison was skipped.

--suite e2e (npm run bench:e2e) times the whole job per Fashion-MNIST spec,
\`ibc train SPEC\` (its epochs and evaluation, in a temporary run directory)
against the twin's --mode train (--peer-config, default fp32), and prints
{spec, ibc_backend, pytorch_config, ibc_wall_s, pytorch_wall_s, ratio,
ibc_train_s, pytorch_train_s, train_ratio, whole_over_train, ibc_test_top1,
pytorch_test_top1, ibc_phases_s} (wall seconds from process start to exit;
ratio = pytorch_wall_s / ibc_wall_s, above 1: ibc is faster; *_train_s: each
side's training loops, batches and steps without evaluation, and train_ratio
their ratio; whole_over_train = ratio / train_ratio, 1 when nothing but the
training loop separates the jobs; ibc_phases_s: summary.json's phases).
--backend, --step and --precision pass through to ibc train; --limit-train N to
both sides, for a quick check.`;

/** The repository root (same relative place from src/ and dist/). */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

interface BenchRecord {
  readonly spec: string;
  readonly backend: string;
  /** What ran the steps: the compiled step or the TF.js executor. */
  readonly training_step: 'compiled' | 'tfjs';
  /** The arithmetic of convolutions and matrix products. */
  readonly precision: Precision;
  /** webgpu: the adapter computed on ("name (vendor, architecture)"). */
  readonly adapter?: string;
  readonly batch: number;
  readonly steps: number;
  readonly img_per_s: number;
  readonly ms_per_step: number;
  readonly gflops_per_s: number;
  /** The process's resident-memory high-water mark so far, in MB (read before the calibration below). */
  readonly peak_rss_mb: number;
  /** ibc-native: this machine's measured peak for the run's precision (jobs/bench/peak.ts), and gflops_per_s as a fraction of it. */
  readonly peak_gflops_per_s?: number;
  readonly of_peak?: number;
  /** webgpu: kernel runs that executed on the CPU during the measurement (the goal is 0). */
  readonly cpu_fallbacks?: number;
  readonly cpu_fallback_kernels?: readonly HostFallback[];
  readonly kernels?: readonly KernelTime[];
}

function fallbackTotal(list: readonly HostFallback[]): Map<string, number> {
  return new Map(list.map((f) => [f.kernel, f.count]));
}

/** Kernel runs on the CPU between two readings of the backend's counter. */
function fallbacksSince(before: Map<string, number>, now: readonly HostFallback[]): HostFallback[] {
  return now.map((f) => ({ kernel: f.kernel, count: f.count - (before.get(f.kernel) ?? 0) })).filter((f) => f.count > 0);
}

interface BenchOptions {
  readonly batch?: number;
  readonly steps: number;
  readonly warmup: number;
  readonly json: boolean;
  readonly profile: boolean;
  readonly step: StepRequest;
  readonly precision?: Precision;
  readonly recalibrate: boolean;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

async function benchSpec(specPath: string, choice: BackendChoice, options: BenchOptions, io: CliIO): Promise<BenchRecord | undefined> {
  const compiled = compileForRun(specPath, io, withPrecision([], options.precision));
  if (!compiled) return undefined;
  const batch = options.batch ?? compiled.spec.train.batchSize;
  const before = fallbackTotal(choice.hostFallbacks?.() ?? []);
  const engine = chooseStepEngine(options.step, choice.name, compiled.spec, compiled.ir);
  if (!options.json) io.stderr(`training step: ${engine.engine} (${engine.reason}), precision ${engine.precision}\n`);
  const timing = await timeTrainingSteps(compiled.spec, compiled.ir, {
    batch, steps: options.steps, warmup: options.warmup, seed: compiled.spec.train.seed, profile: options.profile,
    ...(engine.kernels ? { kernels: engine.kernels } : {}),
    precision: engine.precision,
  });
  const fallbacks = choice.hostFallbacks ? fallbacksSince(before, choice.hostFallbacks()) : undefined;
  const flops = modelFlops(compiled.ir);
  const shown = relative(io.cwd, specPath);
  return {
    spec: shown.startsWith('..') ? specPath : shown,
    backend: choice.name,
    training_step: engine.engine,
    precision: engine.precision,
    ...(choice.adapter ? { adapter: formatAdapter(choice.adapter) } : {}),
    batch,
    steps: options.steps,
    img_per_s: round(timing.imagesPerSecond, 3),
    ms_per_step: round(timing.msPerStep, 1),
    gflops_per_s: round((flops.trainPerImage * timing.imagesPerSecond) / 1e9, 1),
    // maxRSS is in KB; the high-water mark of this process, so one model per process reads its own.
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    ...(fallbacks ? { cpu_fallbacks: fallbacks.reduce((n, f) => n + f.count, 0), ...(fallbacks.length > 0 ? { cpu_fallback_kernels: fallbacks } : {}) } : {}),
    ...(timing.kernels ? { kernels: timing.kernels } : {}),
  };
}

function printRecord(record: BenchRecord, options: BenchOptions, io: CliIO): void {
  const { kernels, ...line } = record;
  io.stdout(`${JSON.stringify(options.profile && kernels ? { ...line, kernels: kernels.map((k) => ({ ...k, ms: round(k.ms, 1) })) } : line)}\n`);
  if (!options.json) {
    io.stderr(`${record.spec}: ${record.img_per_s} images/s, ${record.ms_per_step} ms/step at batch ${record.batch}, ${record.gflops_per_s} GFLOP/s on ${record.backend}${record.adapter ? ` (${record.adapter})` : ''}, peak memory ${record.peak_rss_mb} MB\n`);
    if (record.cpu_fallbacks !== undefined) {
      const which = (record.cpu_fallback_kernels ?? []).map((f) => `${f.kernel} x${f.count}`).join(', ');
      io.stderr(`kernels run on the CPU instead of the GPU: ${record.cpu_fallbacks}${which ? ` (${which})` : ''}\n`);
    }
  }
  if (kernels && !options.json) {
    const total = kernels.reduce((s, k) => s + k.ms, 0);
    io.stderr(
      record.training_step === 'compiled'
        ? `time per op of the compiled step, mean of ${PROFILED_STEPS} steps (${total.toFixed(1)} ms in ops):\n`
        : `time per kernel over one step (${total.toFixed(0)} ms in kernels):\n`,
    );
    const width = Math.max(26, ...kernels.slice(0, 25).map((k) => k.kernel.length));
    for (const k of kernels.slice(0, 25)) {
      io.stderr(`  ${k.kernel.padEnd(width)} ${k.ms.toFixed(1).padStart(9)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}% ${String(k.calls).padStart(5)} calls\n`);
    }
  }
}

/** The record with this machine's peak for its precision beside its GFLOP/s (ibc-native: calibrated with the native kernels, cached). */
function withPeak(record: BenchRecord, options: BenchOptions, io: CliIO): { record: BenchRecord; said: string } | undefined {
  const loaded = loadAddon();
  if (!loaded.ok) return undefined;
  if (options.recalibrate && !options.json) io.stderr('calibrating the peak (--recalibrate)...\n');
  const lookup = machinePeak(loaded.addon, { recalibrate: options.recalibrate });
  const precisionPeak = lookup.peak[record.precision];
  if (!precisionPeak) return undefined;
  const peak = peakOf(precisionPeak);
  return { record: { ...record, peak_gflops_per_s: round(peak, 1), of_peak: round(record.gflops_per_s / peak, 3) }, said: describePeak(record, lookup, peak) };
}

function describePeak(record: BenchRecord, lookup: PeakLookup, peak: number): string {
  const p = lookup.peak[record.precision]!;
  const busy = lookup.peak.loadAverage > 0.5 * cpus().length ? ' (a busy machine: the peak reads low)' : '';
  const where = lookup.cached ? `cached in ${lookup.cachePath}` : lookup.cachePath ? `measured now, cached in ${lookup.cachePath}` : `measured now, not cached: ${lookup.cacheProblem ?? 'no cache folder (XDG_CACHE_HOME, HOME)'}`;
  return (
    `${record.gflops_per_s} GFLOP/s is ${(100 * record.gflops_per_s / peak).toFixed(0)}% of this machine's measured ${record.precision} peak, ${peak.toFixed(0)} GFLOP/s ` +
    `(2048 GEMM ${p.gemm.toFixed(0)}, 3x3 conv ${p.conv3x3.toFixed(0)}; ${where}, ${lookup.peak.measuredAt}, load ${lookup.peak.loadAverage}${busy}; --recalibrate on an idle machine to measure again). ` +
    'Model FLOPs count every convolution as direct, so Winograd layers can take a model past 100%.\n'
  );
}

/** Prints a suite's lines: JSON on stdout, notes always on stderr, human lines unless --json. */
function suiteOutput(json: boolean, io: CliIO): SuiteOutput {
  return {
    line: (record) => io.stdout(`${JSON.stringify(record)}\n`),
    note: (text) => io.stderr(text),
    say: (text) => {
      if (!json) io.stderr(text);
    },
  };
}

/** One inference measurement of `ibc bench --target onnx`. */
interface InferenceRecord {
  readonly spec: string;
  readonly target: 'onnx' | 'tfjs';
  readonly backend: string;
  readonly batch: number;
  readonly iterations: number;
  readonly img_per_s: number;
  readonly ms_per_batch: number;
}

interface InferenceOptions {
  readonly batch?: number;
  readonly iterations: number;
  readonly json: boolean;
}

/** What the ONNX measurement's record names as its backend. */
const ONNX_BACKEND = 'onnxruntime-node (cpu)';

/** Above this many forward FLOPs per image the JS cpu backend takes minutes per batch: auto leaves it out. */
const CPU_INFERENCE_FLOP_LIMIT = 1e9;

function shownPath(specPath: string, io: CliIO): string {
  const shown = relative(io.cwd, specPath);
  return shown.startsWith('..') ? specPath : shown;
}

function printInference(record: InferenceRecord, options: InferenceOptions, io: CliIO): void {
  io.stdout(`${JSON.stringify(record)}\n`);
  if (!options.json) {
    io.stderr(`${record.spec}: ${record.img_per_s} images/s, ${record.ms_per_batch} ms/batch at batch ${record.batch} (${record.target} on ${record.backend})\n`);
  }
}

/** Exports the model with fresh seeded weights at a fixed batch and times it in onnxruntime-node; undefined after printing diagnostics. */
async function benchOnnxModel(
  spec: ResolvedSpec, ir: ModelIR, params: Map<string, Float32Array>, batch: number, iterations: number, io: CliIO,
): Promise<{ img_per_s: number; ms_per_batch: number } | undefined> {
  const exported = exportOnnx(ir, params, {
    ...(spec.export.opset !== undefined ? { opset: spec.export.opset } : {}),
    layout: spec.export.layout,
    batch,
    meta: { specName: spec.name, specHash: specHash(spec), normalize: spec.data.normalize },
  });
  if (!exported.value || hasErrors(exported.diagnostics)) {
    printDiagnostics(exported.diagnostics, io, { format: 'text', sources: new Map() });
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-'));
  try {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, exported.value.bytes);
    return await benchOnnxInference(path, batch, iterations);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The TF.js backends to time: the one asked for, or (auto) ibc-native when it
 * is built and cpu unless the model is too large for it. Each skip is printed
 * with its reason.
 */
function tfjsBackendsFor(request: BackendRequest, forwardFlops: number, io: CliIO): BackendRequest[] {
  if (request !== 'auto') return [request];
  const chosen: BackendRequest[] = ['ibc-native'];
  if (forwardFlops > CPU_INFERENCE_FLOP_LIMIT) {
    io.stderr(`TF.js cpu skipped: the model takes ${(forwardFlops / 1e9).toFixed(2)} GFLOP per image, too slow for the JS cpu backend (ask for it with --backend cpu)\n`);
  } else {
    chosen.push('cpu');
  }
  return chosen;
}

async function runInference(specPath: string, request: BackendRequest, options: InferenceOptions, io: CliIO): Promise<number> {
  const compiled = compileForRun(specPath, io);
  if (!compiled) return EXIT_INPUT_ERROR;
  const { spec, ir } = compiled;
  const batch = options.batch ?? spec.train.batchSize;
  const params = initParams(ir, spec.train.seed);
  const shown = shownPath(specPath, io);
  // Built field by field so every line has the documented key order.
  const record = (target: 'onnx' | 'tfjs', backend: string, imagesPerSecond: number, msPerBatch: number): InferenceRecord => ({
    spec: shown, target, backend, batch, iterations: options.iterations, img_per_s: round(imagesPerSecond, 3), ms_per_batch: round(msPerBatch, 2),
  });

  const onnx = await benchOnnxModel(spec, ir, params, batch, options.iterations, io);
  if (!onnx) return EXIT_INPUT_ERROR;
  printInference(record('onnx', ONNX_BACKEND, onnx.img_per_s, onnx.ms_per_batch), options, io);

  for (const backend of tfjsBackendsFor(request, modelFlops(ir).forwardPerImage, io)) {
    let choice;
    try {
      choice = await selectBackend(backend);
    } catch (error) {
      // auto: a backend that is not built is skipped with its reason; one asked for by name is an error.
      if (request === 'auto' && error instanceof RunError) {
        io.stderr(`TF.js ${backend} skipped: ${error.diagnostic.message}\n`);
        continue;
      }
      throw error;
    }
    try {
      const timing = await timeTfjsInference(ir, params, { batch, iterations: options.iterations, seed: spec.train.seed });
      printInference(record('tfjs', choice.name, timing.imagesPerSecond, timing.msPerBatch), options, io);
    } finally {
      releaseBackend(choice);
    }
  }
  return EXIT_OK;
}

interface BenchFlags {
  readonly batch?: number;
  readonly steps?: number;
  readonly warmup?: number;
  readonly backend?: BackendRequest;
  readonly step?: StepRequest;
  readonly json?: boolean;
  readonly profile?: boolean;
  readonly suite?: 'default' | 'e2e';
  readonly peerConfig?: PytorchConfig;
  readonly target?: 'onnx';
  readonly iterations?: number;
  readonly limitTrain?: number;
  readonly precision?: Precision;
  readonly recalibrate?: boolean;
}

async function run({ args, options: v }: CommandInput<BenchFlags>, io: CliIO): Promise<number> {
  if (v.target !== undefined) {
    for (const training of ['suite', 'steps', 'warmup', 'profile', 'precision', 'recalibrate'] as const) {
      if (v[training] !== undefined) usageError(`--${training} times training; it does not apply with --target onnx (use --iterations)`);
    }
  } else if (v.iterations !== undefined) {
    usageError('--iterations applies with --target onnx only (training uses --steps)');
  }
  if (v.limitTrain !== undefined && v.suite !== 'e2e') usageError('--limit-train applies with --suite e2e only');
  if (v.peerConfig !== undefined && v.suite !== 'e2e') usageError('--peer-config applies with --suite e2e only (--suite default times every PyTorch configuration)');
  if (v.suite === 'default' && v.precision !== undefined) usageError('--suite default times ibc in every precision this machine trains in; --precision applies to one SPEC or --suite e2e');
  if (v.suite === 'e2e') {
    for (const option of ['batch', 'steps', 'warmup', 'profile'] as const) {
      if (v[option] !== undefined) usageError(`--${option} times training steps; --suite e2e runs whole training jobs (use --limit-train for a quick run)`);
    }
  }
  if (v.suite === undefined && args.length !== 1) usageError(args.length === 0 ? 'missing SPEC (or --suite default|e2e)' : `expected one SPEC, got ${args.length}`);
  if (v.suite !== undefined && args.length > 0) usageError('--suite runs its own specs; give no SPEC with it');
  const options: BenchOptions = {
    ...(v.batch !== undefined ? { batch: v.batch } : {}),
    steps: v.steps ?? 5,
    warmup: v.warmup ?? 2,
    json: v.json === true,
    profile: v.profile === true,
    step: v.step ?? 'auto',
    ...(v.precision !== undefined ? { precision: v.precision } : {}),
    recalibrate: v.recalibrate === true,
  };
  const backend = v.backend ?? 'auto';
  if (v.suite !== undefined) {
    const measurer = childMeasurer({
      root: packageRoot(), backend, ...(v.step !== undefined ? { step: v.step } : {}), json: options.json, profile: options.profile,
      ...(v.precision !== undefined ? { precision: v.precision } : {}), recalibrate: options.recalibrate,
    });
    const output = suiteOutput(options.json, io);
    if (v.suite === 'e2e') return runE2eSuite(e2eSuite(), v.limitTrain, measurer, output, v.peerConfig ?? 'fp32');
    return runStepsSuite(defaultSuite({ ...(v.batch !== undefined ? { batch: v.batch } : {}), ...(v.steps !== undefined ? { steps: v.steps } : {}), ...(v.warmup !== undefined ? { warmup: v.warmup } : {}) }), measurer, output);
  }
  if (v.target === 'onnx') {
    return runInference(resolve(io.cwd, args[0]!), backend, { ...(options.batch !== undefined ? { batch: options.batch } : {}), iterations: v.iterations ?? 10, json: options.json }, io);
  }
  const choice = await selectBackend(backend);
  try {
    if (!options.json) io.stderr(`backend: ${choice.name} (${choice.reason})${choice.adapter ? ` on ${formatAdapter(choice.adapter)}` : ''}\n`);
    for (const w of choice.warnings) io.stderr(formatRunDiagnostic(w));
    const measured = await benchSpec(resolve(io.cwd, args[0]!), choice, options, io);
    if (!measured) return EXIT_INPUT_ERROR;
    // After the measurement, so that the calibration's arrays never count in peak_rss_mb.
    const peak = choice.name === 'ibc-native' ? withPeak(measured, options, io) : undefined;
    printRecord(peak?.record ?? measured, options, io);
    if (peak && !options.json) io.stderr(peak.said);
    return EXIT_OK;
  } finally {
    releaseBackend(choice);
  }
}

export const benchCommand: Command = defineCommand<BenchFlags>({
  name: 'bench',
  summary: 'time training steps of a spec (images/s, GFLOP/s, peak memory) on a backend; --suite default|e2e compares with PyTorch; --target onnx times inference in onnxruntime vs TF.js',
  description: DESCRIPTION,
  arguments: [{ name: 'SPEC', description: 'the spec to time (none with --suite)', optional: true }],
  options: [
    { flags: '--batch <N>', description: "images per step or batch (default: the spec's train.batch)", parse: wholeNumber('--batch') },
    { flags: '--steps <N>', description: 'timed steps (default 5)', parse: wholeNumber('--steps') },
    { flags: '--warmup <N>', description: 'untimed steps first (default 2)', parse: wholeNumber('--warmup', 0) },
    { flags: '--backend <NAME>', description: `${BACKEND_HELP}; with --target onnx, auto means every available backend of ibc-native and cpu`, parse: parseBackend },
    { flags: '--step <ENGINE>', description: STEP_HELP, parse: parseStep },
    { flags: '--precision <P>', description: `${PRECISION_HELP} (default: the spec's)`, parse: parsePrecision },
    { flags: '--json', description: 'print only the JSON line(s) on stdout' },
    { flags: '--recalibrate', description: "measure this machine's peak GFLOP/s again instead of reading it from the cache (see above)" },
    { flags: '--profile', description: 'also time one step per kernel and print where the time goes' },
    { flags: '--suite <NAME>', description: 'default: VGG-16-aib and the three Fashion-MNIST specs, each next to its PyTorch twin (speed and memory ratios); e2e: whole `ibc train` jobs of the Fashion-MNIST specs next to the twins (see above)', parse: oneOf('--suite', ['default', 'e2e'] as const) },
    { flags: '--limit-train <N>', description: 'with --suite e2e: train on the first N images only, on both sides (a quick check)', parse: wholeNumber('--limit-train') },
    { flags: '--peer-config <C>', description: `with --suite e2e: the PyTorch twin's configuration, ${PYTORCH_CONFIGS.join(' | ')} (default fp32: its best for these small models in npm run bench)`, parse: oneOf('--peer-config', PYTORCH_CONFIGS) },
    { flags: '--target <onnx>', description: 'time inference: onnxruntime-node next to TF.js (see above)', parse: oneOf('--target', ['onnx'] as const) },
    { flags: '--iterations <N>', description: 'with --target onnx: timed batches per measurement (default 10)', parse: wholeNumber('--iterations') },
  ],
  epilog: 'Exit status: 0 measured, 1 errors in the spec, 2 usage errors.',
  run: (input, io) => guardRun(io, 'bench', () => run(input, io)),
});
