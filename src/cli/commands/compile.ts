/**
 * `ibc compile SPEC|RUN_DIR --target onnx|tfjs|web|ibc-runtime|safetensors --out PATH [...]`:
 * compiles a spec and writes an inference artifact with fresh seeded weights
 * or a training run's. The work is in runtime/jobs/compile.ts; this module
 * reads the arguments, compiles the spec with its diagnostics printed, and
 * prints what was written.
 */
import { statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { CHECKPOINT_HELP, oneOf, parseCheckpoint, parseFormat, pathOption, positiveNumber, runTarget, usageError, wholeNumber } from '../option-values.js';
import { exitStatusFor, printDiagnostics, type OutputFormat } from '../report.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { compileSpec } from '../../compiler/compile.js';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../../compiler/targets/onnx/opset.js';
import { DEFAULT_VERIFY_TOLERANCE, formatVerifyReport } from '../../runtime/engine/onnx/verify.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { nodeFileSystem } from '../../host/file-system.js';
import {
  COMPILE_TARGETS,
  DEFAULT_WEB_IMAGES,
  compileModel,
  modelFromRun,
  modelFromSpec,
  type CompileReporter,
  type CompileRequest,
  type CompileTarget,
  type ModelToWrite,
  type WrittenArtifact,
} from '../../runtime/jobs/compile.js';

interface CompileFlags {
  readonly target?: CompileTarget;
  readonly out?: string;
  readonly weights?: string;
  readonly checkpoint?: string;
  readonly opset?: number;
  readonly layout?: 'nhwc' | 'nchw';
  readonly verify?: boolean;
  readonly tolerance?: number;
  readonly images?: number;
  readonly format?: OutputFormat;
  readonly overwrite?: boolean;
}

interface CompileOptions extends Omit<CompileRequest, 'out'> {
  /** --out as given, for the lines printed; the job gets it resolved. */
  readonly out: string;
  readonly format: OutputFormat;
}

/** The checks that span options; throws the one-line usage error. */
function compileOptions(flags: CompileFlags): CompileOptions {
  if (flags.target === undefined) usageError(`missing --target (${COMPILE_TARGETS.join(', ')})`);
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
    overwrite: flags.overwrite === true,
  };
}

/** Whether `path` is a folder (a run directory). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function megabytes(bytes: number): string {
  return bytes < 1e5 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The line that says what was written where. */
function wroteLine(out: string, artifact: WrittenArtifact): string {
  switch (artifact.target) {
    case 'onnx':
      return `wrote ${out} (ONNX opset ${artifact.opset}, ${artifact.layout.toUpperCase()}, batch ${artifact.dynamicBatch ? 'N (symbolic)' : '1'}, ${(artifact.bytes / 1e6).toFixed(1)} MB; outputs ${artifact.outputs.join(', ')})\n`;
    case 'ibc-runtime':
      return `wrote ${out} (ibc runtime model for ibc/runtime's loadModel: model.json + weights.bin)\n`;
    case 'tfjs':
      return `wrote ${out} (TF.js GraphModel: model.json + ${artifact.shards} weight shard(s), ${megabytes(artifact.bytes)}; input image [N, ${artifact.inputShape.join(', ')}]; outputs ${artifact.outputs.join(', ')})\n`;
    case 'web':
      return `wrote ${out} (attention explorer: open ${out}/index.html in a browser, or serve the folder; ${artifact.images} bundled test images; model ${megabytes(artifact.bytes)})\n`;
    case 'safetensors': {
      const names = artifact.torchvision ? `trunk named as torchvision's ${artifact.torchvision}` : "ibc's documented names";
      return `wrote ${out} (safetensors, ${artifact.tensors} float32 tensors, ${megabytes(artifact.bytes)}; ${names}, PyTorch layouts: load with load_state_dict(..., strict=False))\n`;
    }
  }
}

function reporterFor(io: CliIO): CompileReporter {
  return {
    note: (d) => io.stderr(formatRunDiagnostic(d)),
    noSamples: (d) => io.stderr(`note: no test images bundled (the page still takes dropped images): ${d.code} ${d.message}\n`),
    verified: (report) => io.stdout(formatVerifyReport(report)),
  };
}

async function run({ args, options: flags, overrides }: CommandInput<CompileFlags>, io: CliIO): Promise<number> {
  const o = compileOptions(flags);
  const [target] = args;
  if (target === undefined) usageError('missing SPEC|RUN_DIR');
  const path = resolve(io.cwd, target);
  const reporter = reporterFor(io);
  let model: ModelToWrite;
  const { which } = runTarget(path, flags.checkpoint, io.cwd);
  if (isFolder(path)) {
    if (flags.weights !== undefined) usageError('--weights is for a SPEC; a RUN_DIR is compiled with its own weights');
    if (overrides.length > 0) usageError('a RUN_DIR is compiled as it was trained: key.path=value overrides apply to a SPEC');
    model = modelFromRun(path, which);
  } else {
    if (extname(path) === '.json') {
      const d = diagnostic('compileResolvedSpecJson', { args: { path: target, dir: dirname(target) } });
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
    model = await modelFromSpec(path, compiled.value.spec, compiled.value.ir, flags.weights === undefined ? undefined : resolve(io.cwd, flags.weights), reporter, which);
  }
  io.stdout(`${model.spec.name}: ${model.source}\n`);
  const outcome = await compileModel({ ...o, out: resolve(io.cwd, o.out) }, model, reporter);
  switch (outcome.kind) {
    case 'written':
      io.stdout(wroteLine(o.out, outcome.artifact));
      return EXIT_OK;
    case 'rejected':
      printDiagnostics(outcome.diagnostics, io, { format: o.format, sources: new Map() });
      return EXIT_INPUT_ERROR;
    case 'unverified':
      io.stderr(formatRunDiagnostic(outcome.mismatch));
      io.stderr(`nothing was written to ${o.out}: a model that fails --verify is not kept\n`);
      return EXIT_INPUT_ERROR;
  }
}

export const compileCommand: Command = defineCommand<CompileFlags>({
  name: 'compile',
  summary: 'write an inference model: ONNX (verified in onnxruntime), a TF.js GraphModel, the attention explorer page, or the weights for PyTorch',
  description: [
    'Compiles SPEC and writes an inference model with fresh weights (seeded by the',
    "spec's train.seed, with the backbone's weights=\"...\" trunk when it names one) or a",
    "training run's weights; or compiles a RUN_DIR as it was trained (its resolved spec",
    'and a checkpoint, the last unless --checkpoint says best or names a file: nothing',
    'else is needed).',
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
      flags: '--target <onnx|tfjs|web|ibc-runtime|safetensors>',
      description:
        "onnx: one .onnx file; tfjs: a TF.js GraphModel folder (model.json + group1-shard*.bin) that plain TF.js loads with tf.loadGraphModel, in Node or a browser; web: the attention explorer, a static folder (index.html, the TF.js bundles, the GraphModel, bundled test images) that runs offline in a browser; ibc-runtime: ibc's own folder (model.json 'ibc-tfjs' + weights.bin) for ibc/runtime's loadModel; safetensors: the weights as one .safetensors file for PyTorch (torchvision's names and layouts for a vgg16, vgg16_bn variant=imagenet, resnet or wrn50_2 trunk, ibc's documented names for the rest)",
      parse: oneOf('--target', COMPILE_TARGETS),
    },
    { flags: '--out <PATH>', description: 'the file (onnx, safetensors) or folder (the others) to write; a file there that ibc did not write is not replaced (see --overwrite), and never the spec or a file of the run read', parse: pathOption('--out') },
    { flags: '--overwrite', description: 'replace files at --out that ibc did not write' },
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
