/**
 * `ibc compile SPEC|RUN_DIR --target onnx|tfjs|web|ibc-runtime --out PATH [...]`:
 * compiles a spec and writes an inference artifact with fresh seeded weights
 * or a training run's.
 *
 *   onnx:        one .onnx file (src/compiler/targets/onnx), optionally verified in
 *                onnxruntime-node against the TF.js model (--verify);
 *   tfjs:        a TF.js GraphModel folder (src/compiler/targets/tfjs) for tf.loadGraphModel;
 *   web:         the attention explorer: that GraphModel with a static page, the TF.js
 *                bundles and bundled test images (src/runtime/figures/web/explorer.ts);
 *   ibc-runtime: ibc's own 'ibc-tfjs' folder for ibc/runtime's loadModel
 *                (src/compiler/targets/ibc-runtime/artifact.ts).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { CHECKPOINT_HELP, oneOf, parseCheckpoint, parseFormat, positiveNumber, runTarget, usageError, wholeNumber } from '../option-values.js';
import type { CheckpointChoice } from '../../runtime/runs/resume.js';
import { exitStatusFor, printDiagnostics, type OutputFormat } from '../report.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { compileSpec } from '../../compiler/compile.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { describeDifferences, diffSpecs } from '../../compiler/spec/spec-diff.js';
import { exportGraphModel } from '../../compiler/targets/tfjs/export.js';
import { exportOnnx } from '../../compiler/targets/onnx/export.js';
import { ibcVersion } from '../../compiler/targets/producer-version.js';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../../compiler/targets/onnx/opset.js';
import { DEFAULT_VERIFY_TOLERANCE, formatVerifyReport, verifyOnnx } from '../../runtime/engine/onnx/verify.js';
import { writeTfjsArtifact } from '../../compiler/targets/ibc-runtime/artifact.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { writeFileAtomic } from '../../runtime/runs/checkpoint/index.js';
import { RunError } from '../../support/errors.js';
import { knownClassNames } from '../../runtime/data/class-names.js';
import { loadDataset } from '../../runtime/data/index.js';
import { initParams } from '../../runtime/engine/init-params.js';
import { openRun, runWeights, type OpenedRun } from '../../runtime/runs/open-run.js';
import { writeExplorer, type ExplorerSamples } from '../../runtime/figures/web/explorer.js';
import { writeGraphModelFolder } from '../../runtime/figures/web/graph-model-files.js';
import { firstNonFinite } from '../../runtime/runs/checkpoint/index.js';
import { whyCannotCreate } from '../../runtime/runs/run-dir.js';

const DEFAULT_WEB_IMAGES = 12;

const TARGETS = ['onnx', 'tfjs', 'web', 'ibc-runtime'] as const;
type Target = (typeof TARGETS)[number];

interface CompileFlags {
  readonly target?: Target;
  readonly out?: string;
  readonly weights?: string;
  readonly checkpoint?: string;
  readonly opset?: number;
  readonly layout?: 'nhwc' | 'nchw';
  readonly verify?: boolean;
  readonly tolerance?: number;
  readonly images?: number;
  readonly format?: OutputFormat;
}

interface CompileOptions {
  readonly target: Target;
  readonly out: string;
  readonly opset?: number;
  readonly layout?: 'nhwc' | 'nchw';
  readonly verify: boolean;
  readonly tolerance: number;
  readonly images: number;
  readonly format: OutputFormat;
}

/** The checks that span options; throws the one-line usage error. */
function compileOptions(flags: CompileFlags): CompileOptions {
  if (flags.target === undefined) usageError(`missing --target (${TARGETS.join(', ')})`);
  if (flags.out === undefined || flags.out === '') usageError('missing --out PATH');
  if (flags.images !== undefined && flags.target !== 'web') usageError('--images applies to --target web only');
  if (flags.target !== 'onnx') {
    for (const onnxOnly of ['opset', 'layout', 'verify', 'tolerance'] as const) {
      if (flags[onnxOnly] !== undefined) usageError(`--${onnxOnly} applies to --target onnx only`);
    }
  }
  if (flags.tolerance !== undefined && !flags.verify) usageError('--tolerance applies to --verify only');
  return {
    target: flags.target,
    out: flags.out,
    ...(flags.opset !== undefined ? { opset: flags.opset } : {}),
    ...(flags.layout !== undefined ? { layout: flags.layout } : {}),
    verify: flags.verify === true,
    tolerance: flags.tolerance ?? DEFAULT_VERIFY_TOLERANCE,
    images: flags.images ?? DEFAULT_WEB_IMAGES,
    format: flags.format ?? 'text',
  };
}

interface ModelToWrite {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
  readonly weights: Map<string, Float32Array>;
  /** Where the weights come from, for the first line printed. */
  readonly source: string;
  /** The spec hash the artifact records: the run's when the weights are a run's. */
  readonly hash: string;
  /** The spec file (for a run: its flattened spec.ibspec): relative data paths and class names are found from its folder. */
  readonly specPath: string;
}

function describeWeights(run: OpenedRun, averaged: boolean): string {
  return `weights of ${run.checkpointPath} (epoch ${run.state.epoch}${averaged ? ', EMA-averaged' : ''})`;
}

/** A model with non-finite weights (a run that diverged) is not exported: IB5011. */
function requireFinite(weights: ReadonlyMap<string, Float32Array>, checkpoint: string): void {
  const broken = firstNonFinite(weights);
  if (!broken) return;
  const count = weights.get(broken.name)!.length;
  const value = Number.isNaN(broken.value) ? 'NaN' : broken.value > 0 ? 'Infinity' : '-Infinity';
  const hint = `The checkpoint ${checkpoint} is from a run that diverged; export an earlier or the best checkpoint, or retrain with a smaller learning rate.`;
  throw new RunError(diagnostic('weightsNotFinite', { args: { name: broken.name, value, index: broken.index, count, hint } }));
}

/** A run directory compiled as it was trained: its resolved spec, model and the chosen checkpoint. */
function fromRun(runDir: string, which: CheckpointChoice): ModelToWrite {
  const run = openRun(runDir, which, specHash);
  const { weights, averaged } = runWeights(run.state);
  requireFinite(weights, run.checkpointPath);
  return { spec: run.spec, ir: run.ir, weights, source: describeWeights(run, averaged), hash: run.state.specHash, specPath: join(runDir, 'spec.ibspec') };
}

/**
 * A spec with fresh seeded weights, or with a run's (`--weights RUN_DIR`). The
 * run's spec must describe the same model: differences that change the model
 * are IB5006 (naming each key), others a warning (IB5014).
 */
function fromSpec(specPath: string, spec: ResolvedSpec, ir: ModelIR, weightsDir: string | undefined, which: CheckpointChoice, io: CliIO): ModelToWrite {
  if (weightsDir === undefined) return { spec, ir, weights: initParams(ir, spec.train.seed), source: `fresh weights (seed ${spec.train.seed})`, hash: specHash(spec), specPath };
  const run = openRun(weightsDir, which, specHash);
  // `ibc train --seed` may have replaced the seed: compare with the spec as that run saw it.
  const asTrained: ResolvedSpec = { ...spec, train: { ...spec.train, seed: run.state.settings.seed } };
  const differences = diffSpecs(run.spec, asTrained);
  if (differences.length > 0) {
    const args = { dir: weightsDir, runHash: run.state.specHash.slice(0, 12), specHash: specHash(asTrained).slice(0, 12), differences: describeDifferences(differences) };
    if (differences.some((d) => d.changesModel)) {
      const advice = `Its weights do not fit this spec. Export the run as it was trained with 'ibc compile ${weightsDir} --target ...' (the run directory holds its spec), or undo those edits`;
      throw new RunError(diagnostic('weightsSpecMismatch', { args: { ...args, advice } }));
    }
    io.stderr(formatRunDiagnostic(diagnostic('weightsSpecDiffers', { args })));
  }
  const { weights, averaged } = runWeights(run.state);
  requireFinite(weights, run.checkpointPath);
  return { spec, ir, weights, source: describeWeights(run, averaged), hash: run.state.specHash, specPath };
}

async function compileOnnx(o: CompileOptions, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string, io: CliIO): Promise<number> {
  const layout = o.layout ?? spec.export.layout;
  const opset = o.opset ?? spec.export.opset ?? DEFAULT_OPSET;
  const dynamic = spec.export.dynamicBatch;
  const result = exportOnnx(ir, weights, {
    opset,
    layout,
    batch: dynamic ? 'dynamic' : 1,
    meta: { specName: spec.name, specHash: hash, normalize: spec.data.normalize },
  });
  if (!result.value || hasErrors(result.diagnostics)) {
    printDiagnostics(result.diagnostics, io, { format: o.format, sources: new Map() });
    return EXIT_INPUT_ERROR;
  }
  const out = resolve(io.cwd, o.out);
  const bytes = result.value.bytes;
  const write = (): void =>
    writeOutput(out, () => {
      makeFolders(dirname(out));
      writeFileAtomic(out, [bytes]);
    });
  const mb = (bytes.length / 1e6).toFixed(1);
  const wrote = `wrote ${o.out} (ONNX opset ${opset}, ${layout.toUpperCase()}, batch ${dynamic ? 'N (symbolic)' : '1'}, ${mb} MB; outputs ${result.value.outputs.join(', ')})\n`;
  if (!o.verify) {
    write();
    io.stdout(wrote);
    return EXIT_OK;
  }
  // Verified before it is written: a model that fails --verify never lies on disk under the requested name.
  const report = await verifyOnnx(bytes, ir, weights, { layout, batches: dynamic ? [1, 3] : [1], seed: spec.train.seed, tolerance: o.tolerance });
  io.stdout(formatVerifyReport(report));
  if (report.ok) {
    write();
    io.stdout(wrote);
    return EXIT_OK;
  }
  const worst = report.errors.filter((e) => e.output === 'logits').reduce((a, b) => (b.maxAbs > a.maxAbs ? b : a));
  io.stderr(
    formatRunDiagnostic(
      diagnostic('verifyMismatch', {
        args: {
          output: 'logits',
          error: worst.maxAbs.toExponential(2),
          batch: worst.batch,
          tolerance: o.tolerance,
          scale: report.logitsScale.toPrecision(3),
          relative: worst.maxRel.toExponential(2),
        },
      }),
    ),
  );
  io.stderr(`nothing was written to ${o.out}: a model that fails --verify is not kept\n`);
  return EXIT_INPUT_ERROR;
}

function compileIbcRuntime(o: CompileOptions, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string, io: CliIO): number {
  const out = resolve(io.cwd, o.out);
  writeOutput(out, () => makeFolders(dirname(out)));
  writeTfjsArtifact(out, ir, weights, { specHash: hash, specName: spec.name, normalize: spec.data.normalize, producerVersion: ibcVersion() });
  io.stdout(`wrote ${o.out} (ibc runtime model for ibc/runtime's loadModel: model.json + weights.bin)\n`);
  return EXIT_OK;
}

/** The first `count` test images of the spec's data, or undefined (with a note) when the data cannot be read here. */
async function webSamples(spec: ResolvedSpec, specPath: string, count: number, io: CliIO): Promise<ExplorerSamples | undefined> {
  if (count === 0) return undefined;
  try {
    const data = await loadDataset(spec.data, {
      seed: spec.train.seed,
      limitTrain: 1,
      limitTest: count,
      input: spec.model.input,
      classes: spec.model.classes,
      baseDir: dirname(specPath),
    });
    return { images: data.test.images, labels: data.test.labels, count: data.test.count, shape: data.shape, offset: 0 };
  } catch (error) {
    if (!(error instanceof RunError)) throw error;
    io.stderr(`note: no test images bundled (the page still takes dropped images): ${error.diagnostic.code} ${error.diagnostic.message}\n`);
    return undefined;
  }
}

async function compileGraphModel(o: CompileOptions, specPath: string, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string, io: CliIO): Promise<number> {
  const classNames = spec.model.classNames ? [...spec.model.classNames] : knownClassNames(spec.data, ir.classes, dirname(specPath));
  const result = exportGraphModel(ir, weights, {
    meta: { specName: spec.name, specHash: hash, normalize: spec.data.normalize, ...(classNames ? { classNames } : {}) },
  });
  if (!result.value || hasErrors(result.diagnostics)) {
    printDiagnostics(result.diagnostics, io, { format: o.format, sources: new Map() });
    return EXIT_INPUT_ERROR;
  }
  const exp = result.value;
  const out = resolve(io.cwd, o.out);
  const bytes = exp.shards.reduce((n, s) => n + s.bytes.length, 0);
  const mb = bytes < 1e5 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
  if (o.target === 'tfjs') {
    writeOutput(out, () => {
      makeFolders(out);
      writeGraphModelFolder(out, exp);
    });
    io.stdout(`wrote ${o.out} (TF.js GraphModel: model.json + ${exp.shards.length} weight shard(s), ${mb}; input image [N, ${ir.inputShape.join(', ')}]; outputs ${exp.outputs.join(', ')})\n`);
    return EXIT_OK;
  }
  const samples = await webSamples(spec, specPath, o.images, io);
  writeOutput(out, () => {
    makeFolders(out);
    writeExplorer(out, exp, samples);
  });
  io.stdout(`wrote ${o.out} (attention explorer: open ${o.out}/index.html in a browser, or serve the folder; ${samples?.count ?? 0} bundled test images; model ${mb})\n`);
  return EXIT_OK;
}

/**
 * Creates `dir` and its missing parents one level at a time. (Node 20's
 * mkdirSync(..., {recursive: true}) never returns for some paths, e.g. under /proc.)
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing.reverse()) mkdirSync(folder);
}

/** Runs a write, turning a file-system failure into the user-facing IB5008. */
function writeOutput(path: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError(diagnostic('outputWriteFailed', { args: { path, reason: whyCannotCreate(path, error) } }));
  }
}

/** Whether `path` is a folder (a run directory). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function run({ args, options: flags, overrides }: CommandInput<CompileFlags>, io: CliIO): Promise<number> {
  const o = compileOptions(flags);
  const path = resolve(io.cwd, args[0]!);
  let model: ModelToWrite;
  const which = runTarget(path, flags.checkpoint, io.cwd).which;
  if (isFolder(path)) {
    if (flags.weights !== undefined) usageError('--weights is for a SPEC; a RUN_DIR is compiled with its own weights');
    if (overrides.length > 0) usageError('a RUN_DIR is compiled as it was trained: key.path=value overrides apply to a SPEC');
    model = fromRun(path, which);
  } else {
    if (extname(path) === '.json') {
      const d = diagnostic('compileResolvedSpecJson', { args: { path: args[0]!, dir: dirname(args[0]!) } });
      printDiagnostics([d], io, { format: o.format, sources: new Map() });
      return EXIT_INPUT_ERROR;
    }
    const sources = new Map<string, string>();
    const compiled = compileSpec(path, nodeFileSystem, { sources, overrides });
    if (!compiled.value || hasErrors(compiled.diagnostics)) {
      printDiagnostics(compiled.diagnostics, io, { format: o.format, sources });
      return Math.max(exitStatusFor(compiled.diagnostics), EXIT_INPUT_ERROR);
    }
    if (compiled.diagnostics.length > 0 && o.format === 'text') printDiagnostics(compiled.diagnostics, io, { format: o.format, sources });
    if (flags.checkpoint !== undefined && flags.weights === undefined) usageError("--checkpoint chooses a run's checkpoint: give a RUN_DIR, or a SPEC with --weights RUN_DIR");
    model = fromSpec(path, compiled.value.spec, compiled.value.ir, flags.weights === undefined ? undefined : resolve(io.cwd, flags.weights), which, io);
  }
  io.stdout(`${model.spec.name}: ${model.source}\n`);
  switch (o.target) {
    case 'onnx':
      return compileOnnx(o, model.spec, model.ir, model.weights, model.hash, io);
    case 'ibc-runtime':
      return compileIbcRuntime(o, model.spec, model.ir, model.weights, model.hash, io);
    case 'tfjs':
    case 'web':
      return compileGraphModel(o, model.specPath, model.spec, model.ir, model.weights, model.hash, io);
  }
}

export const compileCommand: Command = defineCommand<CompileFlags>({
  name: 'compile',
  summary: 'write an inference model: ONNX (verified in onnxruntime), a TF.js GraphModel, or the attention explorer page',
  description: [
    'Compiles SPEC and writes an inference model with fresh weights (seeded by the',
    "spec's train.seed) or a training run's weights; or compiles a RUN_DIR as it was",
    'trained (its resolved spec and a checkpoint, the last unless --checkpoint says',
    'best or names a file: nothing else is needed).',
    '',
    'The ONNX graph is the inference graph: batch norm with its moving statistics,',
    'no dropout, the attention and latent means instead of samples, and',
    'quantization to the learned anchors. Input \'image\' is float32 [N, h, w, c]',
    '(or [N, c, h, w] with --layout nchw) in the units training fed: pixels scaled',
    'to [0, 1], then (x - mean) / std per channel. Outputs: \'logits\' [N, classes],',
    "and with attention 'attention' [N, h, w, 1] (the mean map mu_a) and",
    "'attention_quantized' (when quantized), in the chosen layout.",
    '',
    'The TF.js GraphModel computes the same inference graph as the ONNX file, NHWC:',
    "input 'image' [-1, h, w, c], outputs 'logits', 'attention', 'attention_quantized';",
    'its userDefinedMetadata (model.metadata in TF.js) records the spec name and',
    'hash, the input units and normalisation, and class names where known.',
  ].join('\n'),
  arguments: [{ name: 'SPEC|RUN_DIR', description: 'an .ibspec file, or a run directory written by ibc train' }],
  overrides: true,
  options: [
    {
      flags: '--target <onnx|tfjs|web|ibc-runtime>',
      description:
        "onnx: one .onnx file; tfjs: a TF.js GraphModel folder (model.json + group1-shard*.bin) that plain TF.js loads with tf.loadGraphModel, in Node or a browser; web: the attention explorer, a static folder (index.html, the TF.js bundles, the GraphModel, bundled test images) that runs offline in a browser; ibc-runtime: ibc's own folder (model.json 'ibc-tfjs' + weights.bin) for ibc/runtime's loadModel",
      parse: oneOf('--target', TARGETS),
    },
    { flags: '--out <PATH>', description: 'the file (onnx) or folder (the others) to write' },
    { flags: '--weights <RUN_DIR>', description: "with a SPEC: take the weights of a run's checkpoint (--checkpoint; the EMA weights when the run kept them); the run's spec must describe the same model" },
    { flags: '--checkpoint <last|best|PATH>', description: `with a RUN_DIR or --weights: ${CHECKPOINT_HELP}`, parse: parseCheckpoint },
    { flags: '--opset <N>', description: `onnx only: opset ${MIN_OPSET}..${MAX_OPSET} (default: the spec's export.opset, else ${DEFAULT_OPSET}, widely supported)`, parse: wholeNumber('--opset') },
    { flags: '--layout <nhwc|nchw>', description: "onnx only: the image input and attention outputs' layout (default: the spec's export.layout)", parse: oneOf('--layout', ['nhwc', 'nchw'] as const) },
    { flags: '--verify', description: 'onnx only: run the file in onnxruntime-node and the TF.js model on the same seeded inputs at batch 1 and 3; print the max abs and rel error per output; exit 1 when the logits differ by more than the tolerance' },
    { flags: '--tolerance <X>', description: `--verify's max abs logits error (default ${DEFAULT_VERIFY_TOLERANCE})`, parse: positiveNumber('--tolerance') },
    { flags: '--images <N>', description: `web only: how many test images of the spec's data to bundle (default ${DEFAULT_WEB_IMAGES}; 0 = none, the page still takes dropped images)`, parse: wholeNumber('--images', 0) },
    { flags: '--format <text|json>', description: 'how spec diagnostics are printed (default text)', parse: parseFormat },
  ],
  epilog: 'Exit status: 0 written, 1 errors in the spec, the run or the verification, 2 usage errors.',
  run: (input, io) => guardRun(io, 'compile', () => run(input, io)),
});
