/**
 * `ibc bench SPEC`: times training steps of a spec's model on a backend and
 * prints {spec, backend, batch, steps, img_per_s, ms_per_step, gflops_per_s,
 * peak_rss_mb}. `--suite default` (what `npm run bench` runs) and `--suite e2e`
 * (`npm run bench:e2e`) compare ibc with its PyTorch twins side by side, each
 * measurement in a child process (runtime/jobs/bench/run-suite.ts).
 * `--target onnx` times inference instead: the exported ONNX model in
 * onnxruntime-node next to the TF.js model's forward pass on the available
 * backends (runtime/jobs/bench/inference.ts). Throughput is measured by these
 * jobs (runtime/jobs/bench/steps.ts for a spec's training steps), never in
 * tests; this module reads the options and prints.
 */
import { relative, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { BACKEND_HELP, PRECISION_HELP, STEP_HELP, oneOf, parseBackend, parsePrecision, parseStep, usageError, wholeNumber, withPrecision } from '../option-values.js';
import type { Precision } from '../../runtime/engine/precision.js';
import type { StepRequest } from '../../runtime/engine/choose-engine.js';
import { compileForRun, requireOptionResources } from '../prepare-run.js';
import { releaseBackend, selectBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { formatAdapter } from '../../runtime/engine/backends/webgpu/adapter.js';
import { PROFILED_STEPS } from '../../runtime/jobs/bench/time-training.js';
import { printDiagnostics } from '../report.js';
import { benchTrainingSteps, round, type BenchRecord, type StepBenchOptions } from '../../runtime/jobs/bench/steps.js';
import { benchInference, type InferenceRecord } from '../../runtime/jobs/bench/inference.js';
import { runSuite } from '../../runtime/jobs/bench/run-suite.js';
import { PYTORCH_CONFIGS, type PytorchConfig, type SuiteOutput } from '../../runtime/jobs/bench/suites.js';
import { describePeak, withMachinePeak } from '../../runtime/jobs/bench/peak.js';
import { runDataSuiteJob } from '../../runtime/jobs/bench/data-suite.js';
import { timeDataPipeline } from '../../runtime/jobs/bench/time-data.js';

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
both sides, for a quick check.

--data DIR times ibc's image-folder pipeline alone (no model) and prints
{side, folder, batch, images, decode_seconds, decode_img_per_s, epoch_img_per_s,
warm_start_s, workers}: the first load into an empty image cache (decoding and
Resize(256)), --epochs passes of training batches with the reference's
transforms (RandomCrop(224) of the stored image, flip, normalise), and a second
load from the warm cache.

--suite data (npm run bench:data) puts that next to PyTorch's ImageFolder and
DataLoader (bench/pytorch_data.py: 2 workers, Resize(256), RandomCrop(224),
flip, normalise) on the same folder, then times a whole one-epoch job of a small
CNN (ibc train, with an empty and then a warm image cache, against the
PyTorch twin): {comparison, ibc_epoch_img_per_s, pytorch_epoch_img_per_s,
ratio, ibc_first_pass_img_per_s, first_pass_ratio} and {comparison,
ibc_cold_cache_wall_s, ibc_warm_cache_wall_s, pytorch_wall_s, ratio_cold,
ratio_warm, ibc_test_top1, pytorch_test_top1} (ratios above 1: ibc is faster).
--data DIR (train/ and test/ class folders) picks the folder; by default a
CUB-like one is generated (800 + 200 JPEGs of 500x375).`;

interface BenchOptions extends StepBenchOptions {
  readonly json: boolean;
}

/** How the records name a spec: relative to the working folder when it is inside it. */
function shownPath(specPath: string, io: CliIO): string {
  const shown = relative(io.cwd, specPath);
  return shown.startsWith('..') ? specPath : shown;
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

interface InferenceOptions {
  readonly batch?: number;
  readonly iterations: number;
  readonly json: boolean;
}

function printInference(record: InferenceRecord, options: InferenceOptions, io: CliIO): void {
  io.stdout(`${JSON.stringify(record)}\n`);
  if (!options.json) {
    io.stderr(`${record.spec}: ${record.img_per_s} images/s, ${record.ms_per_batch} ms/batch at batch ${record.batch} (${record.target} on ${record.backend})\n`);
  }
}

async function runInference(specPath: string, request: BackendRequest, options: InferenceOptions, io: CliIO): Promise<number> {
  const compiled = compileForRun(specPath, io);
  if (!compiled) return EXIT_INPUT_ERROR;
  // Inference is the deterministic mean (no samples), at the asked batch.
  if (options.batch !== undefined) requireOptionResources(compiled.spec, compiled.ir, { evalBatch: options.batch, evalSamples: 0, phases: ['evaluation'] }, `--batch ${options.batch}`);
  const measured = await benchInference(compiled.spec, compiled.ir, shownPath(specPath, io), request, { ...(options.batch !== undefined ? { batch: options.batch } : {}), iterations: options.iterations }, {
    record: (record) => printInference(record, options, io),
    note: (text) => io.stderr(text),
  });
  if (!measured.ok) {
    printDiagnostics(measured.diagnostics, io, { format: 'text', sources: new Map() });
    return EXIT_INPUT_ERROR;
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
  readonly suite?: 'default' | 'e2e' | 'data';
  readonly target?: 'onnx';
  readonly iterations?: number;
  readonly limitTrain?: number;
  readonly precision?: Precision;
  readonly recalibrate?: boolean;
  readonly peerConfig?: PytorchConfig;
  readonly data?: string;
  readonly epochs?: number;
  readonly dataWorkers?: number;
}

/** `ibc bench --data DIR`: ibc's image-folder pipeline alone (time-data.ts). */
async function runDataPipeline(folder: string, v: BenchFlags, io: CliIO): Promise<number> {
  const timing = await timeDataPipeline(folder, { epochs: v.epochs ?? 2, batch: v.batch ?? 16, ...(v.dataWorkers !== undefined ? { workers: v.dataWorkers } : {}) });
  io.stdout(`${JSON.stringify({ side: 'ibc', folder, batch: v.batch ?? 16, ...timing })}\n`);
  if (v.json !== true) {
    io.stderr(
      `${folder}: ${timing.images} images decoded at ${timing.decode_img_per_s} images/s (first pass, into an empty cache), ` +
        `then ${timing.epoch_img_per_s.join(', ')} images/s per epoch of RandomCrop(224) + flip + normalise on ${timing.workers} workers; ` +
        `a warm start took ${timing.warm_start_s} s\n`,
    );
  }
  return EXIT_OK;
}

/** --data and --suite data: the image-folder pipeline, alone or next to PyTorch's DataLoader. */
async function runData(args: readonly string[], v: BenchFlags, io: CliIO): Promise<number> {
  if (v.data !== undefined && v.suite !== undefined && v.suite !== 'data') usageError(`--data applies alone or with --suite data, not with --suite ${v.suite}`);
  if (args.length > 0) usageError('--data and --suite data time an image folder; give no SPEC with them');
  for (const option of ['steps', 'warmup', 'profile', 'target', 'iterations', 'limitTrain'] as const) {
    if (v[option] !== undefined) usageError(`--${option === 'limitTrain' ? 'limit-train' : option} does not apply to the data pipeline (--data, --suite data)`);
  }
  if (v.suite !== 'data') return runDataPipeline(resolve(io.cwd, v.data ?? '.'), v, io);
  const output = suiteOutput(v.json === true, io);
  return runDataSuiteJob(
    {
      ...(v.data !== undefined ? { root: resolve(io.cwd, v.data) } : {}),
      backend: v.backend ?? 'auto',
      ...(v.step !== undefined ? { step: v.step } : {}),
      options: { epochs: v.epochs ?? 2, batch: v.batch ?? 16, workers: v.dataWorkers ?? 2 },
    },
    output,
  );
}

async function run({ args, options: v }: CommandInput<BenchFlags>, io: CliIO): Promise<number> {
  if (v.suite === 'data' || (v.data !== undefined && v.suite === undefined)) return runData(args, v, io);
  if (v.data !== undefined) usageError(`--data applies alone or with --suite data, not with --suite ${v.suite ?? ''}`);
  for (const option of ['epochs', 'dataWorkers'] as const) {
    if (v[option] !== undefined) usageError(`--${option === 'epochs' ? 'epochs' : 'data-workers'} applies with --data or --suite data only`);
  }
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
  };
  const recalibrate = v.recalibrate === true;
  const backend = v.backend ?? 'auto';
  if (v.suite === 'default' || v.suite === 'e2e') {
    return runSuite(
      v.suite,
      {
        backend,
        ...(v.step !== undefined ? { step: v.step } : {}),
        json: options.json,
        profile: options.profile,
        ...(v.batch !== undefined ? { batch: v.batch } : {}),
        ...(v.steps !== undefined ? { steps: v.steps } : {}),
        ...(v.warmup !== undefined ? { warmup: v.warmup } : {}),
        ...(v.limitTrain !== undefined ? { limitTrain: v.limitTrain } : {}),
        ...(v.precision !== undefined ? { precision: v.precision } : {}),
        ...(v.peerConfig !== undefined ? { peerConfig: v.peerConfig } : {}),
        recalibrate,
      },
      suiteOutput(options.json, io),
    );
  }
  const [spec] = args;
  if (spec === undefined) usageError('missing SPEC (or --suite default|e2e)');
  const specPath = resolve(io.cwd, spec);
  if (v.target === 'onnx') {
    return runInference(specPath, backend, { ...(options.batch !== undefined ? { batch: options.batch } : {}), iterations: v.iterations ?? 10, json: options.json }, io);
  }
  const choice = await selectBackend(backend);
  try {
    if (!options.json) io.stderr(`backend: ${choice.name} (${choice.reason})${choice.adapter ? ` on ${formatAdapter(choice.adapter)}` : ''}\n`);
    for (const w of choice.warnings) io.stderr(formatRunDiagnostic(w));
    const compiled = compileForRun(specPath, io, withPrecision([], v.precision));
    if (!compiled) return EXIT_INPUT_ERROR;
    if (options.batch !== undefined) requireOptionResources(compiled.spec, compiled.ir, { batch: options.batch, phases: ['training'] }, `--batch ${options.batch}`);
    const measured = await benchTrainingSteps(compiled.spec, compiled.ir, shownPath(specPath, io), choice, options, (text) => {
      if (!options.json) io.stderr(text);
    });
    // After the measurement, so that the calibration's arrays never count in peak_rss_mb.
    if (recalibrate && !options.json && choice.name === 'ibc-native') io.stderr('calibrating the peak (--recalibrate)...\n');
    const peak = choice.name === 'ibc-native' ? withMachinePeak(measured, { recalibrate }) : undefined;
    printRecord(peak?.record ?? measured, options, io);
    if (peak && !options.json) io.stderr(describePeak(peak));
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
    { flags: '--suite <NAME>', description: "default: VGG-16-aib and the three Fashion-MNIST specs, each next to its PyTorch twin (speed and memory ratios); e2e: whole `ibc train` jobs of the Fashion-MNIST specs next to the twins; data: the image-folder pipeline and a one-epoch job next to PyTorch's DataLoader (see above)", parse: oneOf('--suite', ['default', 'e2e', 'data'] as const) },
    { flags: '--data <DIR>', description: "time ibc's image-folder pipeline on DIR (class subfolders): decoding into an empty cache, epochs of batches, a warm start; with --suite data, a folder with train/ and test/ (default: a generated CUB-like one)" },
    { flags: '--epochs <N>', description: 'with --data or --suite data: passes over the folder (default 2)', parse: wholeNumber('--epochs') },
    { flags: '--data-workers <N>', description: "with --data or --suite data: ibc's data worker threads, and the DataLoader's workers (default: ibc's default; 2 in the suite)", parse: wholeNumber('--data-workers') },
    { flags: '--limit-train <N>', description: 'with --suite e2e: train on the first N images only, on both sides (a quick check)', parse: wholeNumber('--limit-train') },
    { flags: '--peer-config <C>', description: `with --suite e2e: the PyTorch twin's configuration, ${PYTORCH_CONFIGS.join(' | ')} (default fp32)`, parse: oneOf('--peer-config', PYTORCH_CONFIGS) },
    { flags: '--target <onnx>', description: 'time inference: onnxruntime-node next to TF.js (see above)', parse: oneOf('--target', ['onnx'] as const) },
    { flags: '--iterations <N>', description: 'with --target onnx: timed batches per measurement (default 10)', parse: wholeNumber('--iterations') },
  ],
  epilog: 'Exit status: 0 measured, 1 errors in the spec, 2 usage errors.',
  run: (input, io) => guardRun(io, 'bench', () => run(input, io)),
});
