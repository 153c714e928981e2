/**
 * `ibc compile SPEC --target onnx|tfjs|web|ibc-runtime --out PATH [...]`:
 * compiles a spec and writes an inference artifact with fresh seeded weights
 * or a training run's.
 *
 *   onnx:        one .onnx file (src/compiler/targets/onnx), optionally verified in
 *                onnxruntime-node against the TF.js model (--verify);
 *   tfjs:        a TF.js GraphModel folder (src/compiler/targets/graph-model) for tf.loadGraphModel;
 *   web:         the attention explorer: that GraphModel with a static page, the TF.js
 *                bundles and bundled test images (src/runtime/web/explorer.ts);
 *   ibc-runtime: ibc's own 'ibc-tfjs' folder for ibc/runtime's loadModel
 *                (src/compiler/targets/tfjs/artifact.ts).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { exitStatusFor, isOutputFormat, printDiagnostics, printUsageError, type OutputFormat } from '../report.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { compileSpec } from '../../compiler/compile.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { exportGraphModel } from '../../compiler/targets/graph-model/export.js';
import { exportOnnx } from '../../compiler/targets/onnx/export.js';
import { ibcVersion } from '../../compiler/targets/onnx/metadata.js';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../../compiler/targets/onnx/opset.js';
import { DEFAULT_VERIFY_TOLERANCE, formatVerifyReport, verifyOnnx } from '../../runtime/onnx/verify.js';
import { writeTfjsArtifact } from '../../compiler/targets/tfjs/artifact.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { writeFileAtomic } from '../../runtime/checkpoint/index.js';
import { RunError } from '../../support/errors.js';
import { knownClassNames } from '../../runtime/data/class-names.js';
import { loadDataset } from '../../runtime/data/index.js';
import { initParams } from '../../runtime/params/init-params.js';
import { writeExplorer, type ExplorerSamples } from '../../runtime/web/explorer.js';
import { writeGraphModelFolder } from '../../runtime/web/graph-model-files.js';
import { loadRunState } from '../../runtime/train/resume.js';
import { isOverrideArgument } from '../../compiler/spec/overrides.js';
import { firstNonFinite } from '../../runtime/checkpoint/index.js';
import { whyCannotCreate } from '../../runtime/run-dir.js';

const DEFAULT_WEB_IMAGES = 12;

const USAGE = `Usage: ibc compile SPEC [PATH=VALUE ...] --target onnx|tfjs|web|ibc-runtime --out PATH [options]

Compiles SPEC and writes an inference model with fresh weights (seeded by the
spec's train.seed) or the weights of a training run.

  --target onnx          one .onnx file
           tfjs          a TF.js GraphModel folder (model.json + group1-shard*.bin) that plain
                         TF.js loads with tf.loadGraphModel, in Node or a browser
           web           the attention explorer: a static folder (index.html, the TF.js bundles,
                         the GraphModel, bundled test images) that runs offline in a browser
           ibc-runtime   ibc's own folder (model.json 'ibc-tfjs' + weights.bin) for
                         ibc/runtime's loadModel (sampling, ibc's backends)
  --out PATH             the file (onnx) or folder (the others) to write
  --weights RUN_DIR      take the weights of a run's last checkpoint (the EMA weights when
                         the run kept them); the run must come from this spec
  --opset N              onnx only: opset ${MIN_OPSET}..${MAX_OPSET} (default: the spec's export.opset,
                         else ${DEFAULT_OPSET}, the newest the bundled onnxruntime runs)
  --layout nhwc|nchw     onnx only: the image input and attention outputs' layout
                         (default: the spec's export.layout)
  --verify               onnx only: run the file in onnxruntime-node and the TF.js model on the
                         same seeded inputs at batch 1 and 3; print the max abs and rel error
                         per output; exit 1 when the logits differ by more than the tolerance
  --tolerance X          --verify's max abs logits error (default ${DEFAULT_VERIFY_TOLERANCE})
  --images N             web only: how many test images of the spec's data to bundle
                         (default ${DEFAULT_WEB_IMAGES}; 0 = none, the page still takes dropped images)
  --format text|json     how spec diagnostics are printed (default text)

The ONNX graph is the inference graph: batch norm with its moving statistics,
no dropout, the attention and latent means instead of samples, and
quantization to the learned anchors. Input 'image' is float32 [N, h, w, c]
(or [N, c, h, w] with --layout nchw) in the units training fed: pixels scaled
to [0, 1], then (x - mean) / std per channel. Outputs: 'logits' [N, classes],
and with attention 'attention' [N, h, w, 1] (the mean map mu_a) and
'attention_quantized' (when quantized), in the chosen layout.

The TF.js GraphModel computes the same inference graph as the ONNX file, NHWC:
input 'image' [-1, h, w, c], outputs 'logits', 'attention', 'attention_quantized';
its userDefinedMetadata (model.metadata in TF.js) records the spec name and
hash, the input units and normalisation, and class names where known.

Exit status: 0 written, 1 errors in the spec, the run or the verification, 2 usage errors.
`;

const TARGETS = ['onnx', 'tfjs', 'web', 'ibc-runtime'] as const;
type Target = (typeof TARGETS)[number];
function isTarget(v: string): v is Target {
  return (TARGETS as readonly string[]).includes(v);
}

interface CompileOptions {
  readonly spec: string;
  /** PATH=VALUE overrides of the spec. */
  readonly overrides: readonly string[];
  readonly target: Target;
  readonly out: string;
  readonly weights?: string;
  readonly opset?: number;
  readonly layout?: 'nhwc' | 'nchw';
  readonly verify: boolean;
  readonly tolerance: number;
  readonly images: number;
  readonly format: OutputFormat;
}

function parseOptions(args: readonly string[]): CompileOptions | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        target: { type: 'string' },
        out: { type: 'string' },
        weights: { type: 'string' },
        opset: { type: 'string' },
        layout: { type: 'string' },
        verify: { type: 'boolean' },
        tolerance: { type: 'string' },
        images: { type: 'string' },
        format: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }
  const v = parsed.values;
  const specs = parsed.positionals.filter((p) => !isOverrideArgument(p));
  if (specs.length !== 1) return specs.length === 0 ? 'missing SPEC' : `expected one SPEC, got ${specs.length}`;
  if (v.target === undefined) return `missing --target (${TARGETS.join(', ')})`;
  if (!isTarget(v.target)) return `unknown target '${v.target}': use ${TARGETS.join(', ')}`;
  if (v.out === undefined || v.out === '') return 'missing --out PATH';
  const format = v.format ?? 'text';
  if (!isOutputFormat(format)) return `--format must be text or json, got '${format}'`;
  if (v.target !== 'onnx') {
    for (const onnxOnly of ['opset', 'layout', 'verify', 'tolerance'] as const) {
      if (v[onnxOnly] !== undefined) return `--${onnxOnly} applies to --target onnx only`;
    }
  }
  let images = DEFAULT_WEB_IMAGES;
  if (v.images !== undefined) {
    if (v.target !== 'web') return '--images applies to --target web only';
    if (!/^\d+$/.test(v.images)) return `--images expects a whole number, got '${v.images}'`;
    images = Number(v.images);
  }
  let opset: number | undefined;
  if (v.opset !== undefined) {
    if (!/^\d+$/.test(v.opset)) return `--opset expects a whole number, got '${v.opset}'`;
    opset = Number(v.opset);
  }
  if (v.layout !== undefined && v.layout !== 'nhwc' && v.layout !== 'nchw') return `--layout must be nhwc or nchw, got '${v.layout}'`;
  let tolerance = DEFAULT_VERIFY_TOLERANCE;
  if (v.tolerance !== undefined) {
    tolerance = Number(v.tolerance);
    if (v.tolerance.trim() === '' || !Number.isFinite(tolerance) || tolerance <= 0) return `--tolerance expects a positive number, got '${v.tolerance}'`;
    if (!v.verify) return '--tolerance applies to --verify only';
  }
  return {
    spec: specs[0]!,
    overrides: parsed.positionals.filter(isOverrideArgument),
    target: v.target,
    out: v.out,
    ...(v.weights !== undefined ? { weights: v.weights } : {}),
    ...(opset !== undefined ? { opset } : {}),
    ...(v.layout !== undefined ? { layout: v.layout as 'nhwc' | 'nchw' } : {}),
    verify: v.verify === true,
    tolerance,
    images,
    format,
  };
}

/**
 * Fresh seeded weights, or a run's: its spec hash must be this spec's (with the run's seed, which
 * `ibc train --seed` may have replaced). `hash` is the one the artifact records: the run's when the
 * weights are a run's.
 */
export function compileWeights(spec: ResolvedSpec, ir: ModelIR, runDir: string | undefined): { weights: Map<string, Float32Array>; source: string; hash: string } {
  if (runDir === undefined) return { weights: initParams(ir, spec.train.seed), source: `fresh weights (seed ${spec.train.seed})`, hash: specHash(spec) };
  const { state, path } = loadRunState(runDir, 'last', ir);
  const expected = specHash({ ...spec, train: { ...spec.train, seed: state.settings.seed } });
  let recorded = state.specHash;
  try {
    recorded = readFileSync(resolve(runDir, 'spec-hash.txt'), 'utf8').trim() || recorded;
  } catch {
    // older runs may lack the file: the checkpoint's own hash decides
  }
  if (recorded !== expected || state.specHash !== expected) {
    throw new RunError(diagnostic('weightsSpecMismatch', { args: { dir: runDir, runHash: recorded, specHash: expected } }));
  }
  const weights = new Map(state.weights);
  let source = `weights of ${path} (epoch ${state.epoch})`;
  const shadows = state.ema?.shadows;
  if (shadows) {
    // What the run evaluated with: the exponential moving average of the weights.
    for (const [name, s] of Object.entries(shadows)) weights.set(name, s.values);
    source += ', EMA-averaged';
  }
  const broken = firstNonFinite(weights);
  if (broken) {
    const count = weights.get(broken.name)!.length;
    const value = Number.isNaN(broken.value) ? 'NaN' : broken.value > 0 ? 'Infinity' : '-Infinity';
    throw new RunError(diagnostic('weightsNotFinite', { args: { name: broken.name, value, index: broken.index, count, hint: `The checkpoint ${path} is from a run that diverged; export an earlier or the best checkpoint, or retrain with a smaller learning rate.` } }));
  }
  return { weights, source, hash: expected };
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

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const o = parseOptions(args);
  if (typeof o === 'string') {
    printUsageError(io, 'compile', o, USAGE);
    return EXIT_USAGE;
  }
  const path = resolve(io.cwd, o.spec);
  const sources = new Map<string, string>();
  const compiled = compileSpec(path, nodeFileSystem, { sources, overrides: o.overrides });
  if (!compiled.value || hasErrors(compiled.diagnostics)) {
    printDiagnostics(compiled.diagnostics, io, { format: o.format, sources });
    return Math.max(exitStatusFor(compiled.diagnostics), EXIT_INPUT_ERROR);
  }
  if (compiled.diagnostics.length > 0 && o.format === 'text') printDiagnostics(compiled.diagnostics, io, { format: o.format, sources });
  const { spec, ir } = compiled.value;
  const { weights, source, hash } = compileWeights(spec, ir, o.weights === undefined ? undefined : resolve(io.cwd, o.weights));
  io.stdout(`${spec.name}: ${source}\n`);
  switch (o.target) {
    case 'onnx':
      return compileOnnx(o, spec, ir, weights, hash, io);
    case 'ibc-runtime':
      return compileIbcRuntime(o, spec, ir, weights, hash, io);
    case 'tfjs':
    case 'web':
      return compileGraphModel(o, path, spec, ir, weights, hash, io);
  }
}

export const compileCommand: Command = {
  name: 'compile',
  summary: 'write an inference model: ONNX, a TF.js GraphModel, or the attention explorer page',
  usage: USAGE,
  run: (args, io) => guardRun(io, 'compile', () => run(args, io)),
};
