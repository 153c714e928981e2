/**
 * One `ibc compile` invocation after the arguments are read: the model to write
 * (a spec with fresh seeded weights or a run's, or a run directory as it was
 * trained), then the artifact for the target:
 *
 *   onnx:        one .onnx file (src/compiler/targets/onnx), optionally verified in
 *                onnxruntime-node against the TF.js model (--verify);
 *   tfjs:        a TF.js GraphModel folder (src/compiler/targets/tfjs) for tf.loadGraphModel;
 *   web:         the attention explorer: that GraphModel with a static page, the TF.js
 *                bundles and bundled test images (src/runtime/figures/web/explorer-page.ts);
 *   ibc-runtime: ibc's own 'ibc-tfjs' folder for ibc/runtime's loadModel
 *                (src/compiler/targets/ibc-runtime/artifact.ts);
 *   safetensors: the weights for PyTorch, torchvision's names for the trunk
 *                (src/compiler/pretrained/export.ts).
 *
 * What it wrote (or why not) comes back as a value for the CLI to print; user
 * mistakes are RunErrors.
 */
import { dirname, join } from 'node:path';
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { describeDifferences, diffSpecs } from '../../compiler/spec/spec-diff.js';
import { exportGraphModel } from '../../compiler/targets/tfjs/export.js';
import { exportOnnx } from '../../compiler/targets/onnx/export.js';
import { ibcVersion } from '../../compiler/targets/producer-version.js';
import { DEFAULT_OPSET } from '../../compiler/targets/onnx/opset.js';
import { writeTfjsArtifact } from '../../compiler/targets/ibc-runtime/artifact.js';
import { encodeTorchExport, torchStateDict } from '../../compiler/pretrained/export.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { RunError } from '../../support/errors.js';
import { commitOutputs, requireApartFromInputs, requireMayWrite, type ReadPath } from '../../host/output-policy.js';
import { readFilePrefix } from '../../host/read-file.js';
import { verifyOnnx, type VerifyReport } from '../engine/onnx/verify.js';
import { initParams } from '../engine/init-params.js';
import { loadPretrainedTrunk } from '../engine/pretrained-trunk.js';
import { knownClassNames } from '../data/class-names.js';
import { evaluationImages, loadDataset } from '../data/index.js';
import { firstNonFinite } from '../runs/checkpoint/index.js';
import { openRun, runWeights, type OpenedRun } from '../runs/open-run.js';
import type { CheckpointChoice } from '../runs/resume.js';
import { runOwnPaths } from '../runs/run-dir.js';
import { uploadConversion, writeExplorer, type ExplorerData, type ExplorerSamples } from '../figures/web/explorer-page.js';
import { imageStatistics, type ImageStatistics } from '../data/image-statistics.js';
import { writeGraphModelFolder } from '../figures/web/graph-model-files.js';

export const COMPILE_TARGETS = ['onnx', 'tfjs', 'web', 'ibc-runtime', 'safetensors'] as const;
export type CompileTarget = (typeof COMPILE_TARGETS)[number];

/** How many test images `--target web` bundles unless told. */
export const DEFAULT_WEB_IMAGES = 12;

export interface CompileRequest {
  readonly target: CompileTarget;
  /** The file (onnx) or folder (the others) to write, absolute. */
  readonly out: string;
  readonly opset?: number;
  readonly layout?: 'nhwc' | 'nchw';
  readonly verify: boolean;
  readonly tolerance: number;
  readonly images: number;
  /** Replace files at the output that ibc did not write (--overwrite). */
  readonly overwrite?: boolean;
}

export interface ModelToWrite {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
  readonly weights: Map<string, Float32Array>;
  /** Where the weights come from, for the first line printed. */
  readonly source: string;
  /** The spec hash the artifact records: the run's when the weights are a run's. */
  readonly hash: string;
  /** The spec file (for a run: its flattened spec.ibspec): relative data paths and class names are found from its folder. */
  readonly specPath: string;
  /** What the compile reads (the spec, a run folder) and the run's own files: never an output, even with --overwrite; `within`: nor anything inside it. */
  readonly inputs: readonly ReadPath[];
}

/** What the job tells the terminal while it works (the rest comes back in the outcome). */
export interface CompileReporter {
  /** A finding that does not stop the job (IB5014: the run's spec differs in ways that keep the model). */
  note(d: Diagnostic): void;
  /** The page bundles no test images: the spec's data cannot be read here (the diagnostic says why). */
  noSamples(d: Diagnostic): void;
  /** --verify's comparison, reported before the file is written (or not). */
  verified(report: VerifyReport): void;
}

/** What was written, for the line that says so. */
export type WrittenArtifact =
  | { readonly target: 'onnx'; readonly opset: number; readonly layout: 'nhwc' | 'nchw'; readonly dynamicBatch: boolean; readonly bytes: number; readonly outputs: readonly string[] }
  | { readonly target: 'ibc-runtime' }
  | { readonly target: 'tfjs'; readonly shards: number; readonly bytes: number; readonly inputShape: readonly number[]; readonly outputs: readonly string[] }
  | { readonly target: 'web'; readonly bytes: number; readonly images: number }
  | { readonly target: 'safetensors'; readonly tensors: number; readonly bytes: number; readonly torchvision?: string };

export type CompileOutcome =
  | { readonly kind: 'written'; readonly artifact: WrittenArtifact }
  /** The target cannot express the model: its diagnostics; nothing was written. */
  | { readonly kind: 'rejected'; readonly diagnostics: readonly Diagnostic[] }
  /** The ONNX model failed --verify (IB5010 in `mismatch`); nothing was written. */
  | { readonly kind: 'unverified'; readonly mismatch: Diagnostic };

function describeWeights(run: OpenedRun, averaged: boolean): string {
  return `weights of ${run.checkpointPath} (epoch ${run.state.epoch}${averaged ? ', EMA-averaged' : ''})`;
}

/** A model with non-finite weights (a run that diverged) is not exported: IB5011. */
function requireFinite(weights: ReadonlyMap<string, Float32Array>, checkpoint: string): void {
  const broken = firstNonFinite(weights);
  if (!broken) return;
  const count = weights.get(broken.name)?.length ?? 0;
  const value = Number.isNaN(broken.value) ? 'NaN' : broken.value > 0 ? 'Infinity' : '-Infinity';
  const hint = `The checkpoint ${checkpoint} is from a run that diverged; export an earlier or the best checkpoint, or retrain with a smaller learning rate.`;
  throw new RunError(diagnostic('weightsNotFinite', { args: { name: broken.name, value, index: broken.index, count, hint } }));
}

/** A run directory compiled as it was trained: its resolved spec, model and the chosen checkpoint (--checkpoint; the last by default). */
export function modelFromRun(runDir: string, which: CheckpointChoice = 'last'): ModelToWrite {
  const run = openRun(runDir, which, specHash);
  const { weights, averaged } = runWeights(run.state);
  requireFinite(weights, run.checkpointPath);
  return { spec: run.spec, ir: run.ir, weights, source: describeWeights(run, averaged), hash: run.state.specHash, specPath: join(runDir, 'spec.ibspec'), inputs: protectedPaths([], runDir) };
}

/**
 * A spec with fresh seeded weights, or with a run's (`--weights RUN_DIR`). The
 * run's spec must describe the same model: differences that change the model
 * are IB5006 (naming each key), others a warning (IB5014).
 */
export async function modelFromSpec(specPath: string, spec: ResolvedSpec, ir: ModelIR, weightsDir: string | undefined, reporter: Pick<CompileReporter, 'note'>, which: CheckpointChoice = 'last'): Promise<ModelToWrite> {
  if (weightsDir === undefined) {
    // The spec's initial weights, as training would start: its pretrained trunk (weights="..."), the rest seeded.
    const trunk = await loadPretrainedTrunk(spec, ir);
    const source = `fresh weights (seed ${spec.train.seed})${trunk ? `, the trunk from ${trunk.fingerprint.path}` : ''}`;
    return { spec, ir, weights: initParams(ir, spec.train.seed, trunk?.weights), source, hash: specHash(spec), specPath, inputs: protectedPaths([specPath, ...(trunk ? [trunk.fingerprint.path] : [])]) };
  }
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
    reporter.note(diagnostic('weightsSpecDiffers', { args }));
  }
  const { weights, averaged } = runWeights(run.state);
  requireFinite(weights, run.checkpointPath);
  return { spec, ir, weights, source: describeWeights(run, averaged), hash: run.state.specHash, specPath, inputs: protectedPaths([specPath], weightsDir) };
}

/** The files read, and a run folder with its own files (checkpoints/, spec.ibspec, ...), as ModelToWrite['inputs']. */
function protectedPaths(files: readonly string[], runDir?: string): ModelToWrite['inputs'] {
  return [
    ...files.map((path) => ({ path, within: false })),
    ...(runDir !== undefined ? [{ path: runDir, within: false }, ...runOwnPaths(runDir).map((path) => ({ path, within: true }))] : []),
  ];
}

/** The first bytes of an ONNX model ibc wrote: ir_version (field 1), then producer_name (field 2) "ibc". */
export function isIbcOnnx(path: string): boolean {
  const bytes = readFilePrefix(path, 16);
  if (bytes === undefined || bytes[0] !== 0x08) return false;
  let at = 1;
  while (at < bytes.length && (bytes[at]! & 0x80) !== 0) at++;
  at++;
  return [0x12, 0x03, 0x69, 0x62, 0x63].every((b, i) => bytes[at + i] === b);
}

/** A safetensors file ibc wrote: its header's __metadata__ (first) names ibc as the producer. */
export function isIbcSafetensors(path: string): boolean {
  const bytes = readFilePrefix(path, 4096);
  if (bytes === undefined || bytes.length < 9) return false;
  const header = new TextDecoder().decode(bytes.subarray(8));
  return header.startsWith('{"__metadata__":{') && /"producer":"ibc"/.test(header.slice(0, header.indexOf('}') + 1));
}

/** One file under the output policy: replaced only when `ours` says ibc wrote it, or with --overwrite. */
function writeOneFile(what: string, out: string, chunks: readonly Uint8Array[], ours: (path: string) => boolean, overwrite: boolean): void {
  commitOutputs({ what, files: [{ path: out, chunks }], ours, overwrite });
}

/** Writes the model's artifact for `request.target`. */
export async function compileModel(request: CompileRequest, model: ModelToWrite, reporter: CompileReporter): Promise<CompileOutcome> {
  requireApartFromInputs([request.out], model.inputs);
  switch (request.target) {
    case 'onnx':
      return compileOnnx(request, model.spec, model.ir, model.weights, model.hash, reporter);
    case 'ibc-runtime':
      return compileIbcRuntime(request, model.spec, model.ir, model.weights, model.hash);
    case 'tfjs':
    case 'web':
      return compileGraphModel(request, model.specPath, model.spec, model.ir, model.weights, model.hash, reporter);
    case 'safetensors':
      return compileSafetensors(request, model.spec, model.ir, model.weights, model.hash);
  }
}

/** The weights as a safetensors file for PyTorch: torchvision's names and layouts for the trunk where it has a twin. */
function compileSafetensors(o: CompileRequest, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string): CompileOutcome {
  const exported = torchStateDict(ir, spec.model.backbone, weights);
  const chunks = encodeTorchExport(exported, { specName: spec.name, specHash: hash });
  writeOneFile('the safetensors file', o.out, chunks, isIbcSafetensors, o.overwrite === true);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  return { kind: 'written', artifact: { target: 'safetensors', tensors: exported.tensors.size, bytes, ...(exported.torchvision ? { torchvision: exported.torchvision } : {}) } };
}

async function compileOnnx(o: CompileRequest, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string, reporter: CompileReporter): Promise<CompileOutcome> {
  const layout = o.layout ?? spec.export.layout;
  const opset = o.opset ?? spec.export.opset ?? DEFAULT_OPSET;
  const dynamic = spec.export.dynamicBatch;
  const result = exportOnnx(ir, weights, {
    opset,
    layout,
    batch: dynamic ? 'dynamic' : 1,
    meta: { specName: spec.name, specHash: hash, normalize: spec.data.normalize },
  });
  if (!result.value || hasErrors(result.diagnostics)) return { kind: 'rejected', diagnostics: result.diagnostics };
  const out = o.out;
  const bytes = result.value.bytes;
  const set = { what: 'the ONNX model', files: [{ path: out, chunks: [bytes] }], ours: isIbcOnnx, overwrite: o.overwrite === true };
  // Refused before minutes of verification, not after.
  requireMayWrite(set);
  const write = (): void => void commitOutputs(set);
  const written: CompileOutcome = { kind: 'written', artifact: { target: 'onnx', opset, layout, dynamicBatch: dynamic, bytes: bytes.length, outputs: result.value.outputs } };
  if (!o.verify) {
    write();
    return written;
  }
  // Verified before it is written: a model that fails --verify never lies on disk under the requested name.
  const report = await verifyOnnx(bytes, ir, weights, { layout, batches: dynamic ? [1, 3] : [1], seed: spec.train.seed, tolerance: o.tolerance });
  reporter.verified(report);
  if (report.ok) {
    write();
    return written;
  }
  const worst = report.errors.filter((e) => e.output === 'logits').reduce((a, b) => (b.maxAbs > a.maxAbs ? b : a));
  return {
    kind: 'unverified',
    mismatch: diagnostic('verifyMismatch', {
      args: {
        output: 'logits',
        error: worst.maxAbs.toExponential(2),
        batch: worst.batch,
        tolerance: o.tolerance,
        scale: report.logitsScale.toPrecision(3),
        relative: worst.maxRel.toExponential(2),
      },
    }),
  };
}

function compileIbcRuntime(o: CompileRequest, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string): CompileOutcome {
  writeTfjsArtifact(o.out, ir, weights, { specHash: hash, specName: spec.name, normalize: spec.data.normalize, producerVersion: ibcVersion() }, o.overwrite === true);
  return { kind: 'written', artifact: { target: 'ibc-runtime' } };
}

/** Training images measured for the explorer's upload check (enough for stable 1st/99th percentiles, quick to read). */
export const STATISTICS_IMAGES = 2000;

/**
 * The first `count` test images of the spec's data and the statistics of its first
 * STATISTICS_IMAGES training images, or neither (with a note) when the data cannot be read here.
 */
async function webData(spec: ResolvedSpec, specPath: string, count: number, reporter: CompileReporter): Promise<{ samples?: ExplorerSamples; statistics?: ImageStatistics; statisticsSource?: string }> {
  try {
    const data = await loadDataset(spec.data, {
      seed: spec.train.seed,
      limitTrain: STATISTICS_IMAGES,
      limitValidation: 1,
      limitTest: Math.max(1, count),
      input: spec.model.input,
      classes: spec.model.classes,
      baseDir: dirname(specPath),
    });
    try {
      // Folder data: the centre crops of the stored images, as evaluation sees them.
      const test = evaluationImages(data.test, 0, count, spec.model.input);
      const train = evaluationImages(data.train, 0, data.train.count, spec.model.input);
      return {
        ...(count > 0 ? { samples: { images: test.images, labels: test.labels, count: test.count, shape: data.shape, offset: 0 } } : {}),
        statistics: imageStatistics(train, data.shape),
        statisticsSource: `the first ${train.count} training images`,
      };
    } finally {
      await data.close();
    }
  } catch (error) {
    if (!(error instanceof RunError)) throw error;
    reporter.noSamples(error.diagnostic);
    return {};
  }
}

/** The quantizer's anchor values, ascending, when the model quantizes. */
function anchorValues(ir: ModelIR, weights: ReadonlyMap<string, Float32Array>): number[] | undefined {
  const quantize = ir.nodes.find((n) => n.op === 'Quantize');
  const name = quantize?.params['anchors'];
  const values = name === undefined ? undefined : weights.get(name);
  return values ? Array.from(values).sort((a, b) => a - b) : undefined;
}

async function compileGraphModel(o: CompileRequest, specPath: string, spec: ResolvedSpec, ir: ModelIR, weights: Map<string, Float32Array>, hash: string, reporter: CompileReporter): Promise<CompileOutcome> {
  const classNames = spec.model.classNames ? [...spec.model.classNames] : knownClassNames(spec.data, ir.classes, dirname(specPath));
  const result = exportGraphModel(ir, weights, {
    meta: { specName: spec.name, specHash: hash, normalize: spec.data.normalize, ...(classNames ? { classNames } : {}) },
  });
  if (!result.value || hasErrors(result.diagnostics)) return { kind: 'rejected', diagnostics: result.diagnostics };
  const exp = result.value;
  const out = o.out;
  const bytes = exp.shards.reduce((n, s) => n + s.bytes.length, 0);
  if (o.target === 'tfjs') {
    writeGraphModelFolder(out, exp, o.overwrite === true);
    return { kind: 'written', artifact: { target: 'tfjs', shards: exp.shards.length, bytes, inputShape: ir.inputShape, outputs: exp.outputs } };
  }
  const { samples, statistics, statisticsSource } = await webData(spec, specPath, o.images, reporter);
  const anchors = anchorValues(ir, weights);
  const page: ExplorerData = {
    conversion: uploadConversion(spec.data),
    ...(anchors ? { anchors } : {}),
    ...(statistics ? { statistics } : {}),
    ...(statisticsSource !== undefined ? { statisticsSource } : {}),
  };
  writeExplorer(out, exp, samples, page, o.overwrite === true);
  return { kind: 'written', artifact: { target: 'web', bytes, images: samples?.count ?? 0 } };
}
