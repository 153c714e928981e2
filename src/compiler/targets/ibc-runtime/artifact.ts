/**
 * The self-contained TF.js inference artifact: a folder with
 *
 *   model.json   format 'ibc-tfjs' v2: the ModelIR, metadata (spec name and
 *                hash, producer, input units and normalisation, inference
 *                mode) and a `weightsManifest` in TF.js's style
 *                ([{paths: ['weights.bin'], weights: [{name, shape, dtype}]}])
 *                plus the SHA-256 of weights.bin;
 *   weights.bin  every parameter (BN moving statistics included) as float32
 *                little-endian, concatenated in manifest order.
 *
 * The IR is the graph: `loadModel` (src/runtime) rebuilds the TF.js executor
 * from it, so no TF.js layers serialisation is involved. Both files are
 * written to temporary names and renamed, weights first, so a reader never
 * sees a model.json whose weights are incomplete.
 */
import { createHash } from 'node:crypto';
import type { ArtifactInput, ArtifactOrigin } from '../inference-graph.js';
import { existsSync } from 'node:fs';
import { parseJson, readFileOf, readText, readTextIfReadable } from '../../../host/read-file.js';
import { commitOutputs } from '../../../host/output-policy.js';
import { join } from 'node:path';
import type { ModelIR } from '../../ir/ir.js';
import { verifyIR } from '../../ir/verify.js';
import { crossEntropyLoss } from '../../ir/loss.js';
import { diagnostic, type MessageName } from '../../../diagnostics/catalog.js';
import { RunError } from '../../../support/errors.js';

export const TFJS_ARTIFACT_FORMAT = 'ibc-tfjs';
/** 2: the IR's loss as weighted terms and a rate scale on every parameter (version 1 had a quantization record; read and upgraded). */
export const TFJS_ARTIFACT_VERSION = 2;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface TfjsArtifactMeta {
  readonly specHash: string;
  readonly specName: string;
  /** Per-channel normalisation applied after scaling pixels to [0, 1]. */
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly producerVersion: string;
}

export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/** The parsed model.json. */
export interface TfjsModelJson extends ArtifactOrigin {
  readonly format: typeof TFJS_ARTIFACT_FORMAT;
  readonly formatVersion: number;
  readonly input: ArtifactInput;
  readonly outputs: Readonly<Record<string, string>>;
  readonly inference: { readonly samples: number; readonly mode: string };
  readonly ir: ModelIR;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightEntry[] }[];
  readonly weightsSha256: string;
}

export interface TfjsArtifact {
  readonly modelJson: TfjsModelJson;
  readonly ir: ModelIR;
  readonly weights: Map<string, Float32Array>;
  readonly meta: TfjsArtifactMeta;
}

const INPUT_UNITS = 'NHWC float32: pixels scaled to [0, 1], then (x - mean[c]) / std[c] per channel (the data pipeline\'s units)';

function fail(name: MessageName, args: Record<string, string | number>): RunError {
  return new RunError(diagnostic(name, { args }));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Whether `dir` holds an artifact ibc wrote (its model.json is an 'ibc-tfjs' model by ibc): then its two files may be replaced. */
function isEarlierArtifact(dir: string): boolean {
  const text = readTextIfReadable('record', join(dir, MODEL_FILE));
  if (text === undefined) return false;
  try {
    const json = JSON.parse(text) as { format?: unknown; producer?: { name?: unknown } };
    return json.format === TFJS_ARTIFACT_FORMAT && json.producer?.name === 'ibc';
  } catch {
    return false;
  }
}

/**
 * Writes model.json and weights.bin into `dir` (created if missing) under the
 * output policy: both written before either is renamed into place (model.json
 * last), nothing left behind when a write fails; files of an artifact ibc
 * wrote there are replaced, any other file of those names only with `overwrite`.
 */
export function writeTfjsArtifact(dir: string, ir: ModelIR, weights: ReadonlyMap<string, Float32Array>, meta: TfjsArtifactMeta, overwrite = false): void {
  const entries: WeightEntry[] = [];
  let total = 0;
  for (const p of ir.params) {
    const data = weights.get(p.name);
    const expected = p.shape.reduce((a, b) => a * b, 1);
    if (!data || data.length !== expected) throw new Error(`bug: weight '${p.name}' is ${data ? `${data.length} values` : 'missing'}, expected ${expected}`);
    entries.push({ name: p.name, shape: [...p.shape], dtype: 'float32' });
    total += expected;
  }
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const p of ir.params) {
    for (const v of weights.get(p.name)!) {
      view.setFloat32(offset, v, true);
      offset += 4;
    }
  }
  const quantized = ir.taps.attentionQuantized !== undefined;
  const outputs: Record<string, string> = { logits: `[n, ${ir.classes}] class scores (logits, not probabilities)` };
  if (ir.taps.attentionMean !== undefined) outputs['attention'] = 'mu_a, the attention mean map [n, h, w, 1]';
  if (quantized) outputs['attentionQuantized'] = 'the map quantized to the learned anchors [n, h, w, 1]';
  const modelJson: TfjsModelJson = {
    format: TFJS_ARTIFACT_FORMAT,
    formatVersion: TFJS_ARTIFACT_VERSION,
    producer: { name: 'ibc', version: meta.producerVersion },
    spec: { name: meta.specName, hash: meta.specHash },
    input: { name: ir.input, layout: 'NHWC', shape: [-1, ...ir.inputShape], dtype: 'float32', units: INPUT_UNITS, normalize: meta.normalize },
    outputs,
    inference: {
      samples: 0,
      mode: 'deterministic mean by default (a = mu_a, z = mu_z); batch norm uses its moving statistics; dropout is off' + (quantized ? '; quantization to the learned anchors stays on' : ''),
    },
    // Source spans point into the training machine's files; an exported model does not carry them.
    ir: { ...ir, nodes: ir.nodes.map(({ origin: _origin, ...node }) => node) },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: entries }],
    weightsSha256: sha256(bytes),
  };
  const earlier = isEarlierArtifact(dir);
  try {
    commitOutputs({
      what: "ibc's runtime model",
      files: [
        { path: join(dir, WEIGHTS_FILE), chunks: [bytes] },
        { path: join(dir, MODEL_FILE), chunks: [new TextEncoder().encode(JSON.stringify(modelJson, null, 1) + '\n')] },
      ],
      ours: () => earlier,
      overwrite,
    });
  } catch (error) {
    if (error instanceof RunError && error.diagnostic.code === 'IB5008') throw fail('tfjsArtifactWriteFailed', { path: dir, reason: error.diagnostic.message.replace(/^cannot write /, '') });
    throw error;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the parts of model.json the loader relies on; returns a problem description or undefined. */
function checkModelJson(json: Record<string, unknown>): string | undefined {
  const ir = json['ir'];
  if (!isRecord(ir)) return "it has no 'ir' object";
  if (!Array.isArray(ir['nodes']) || !Array.isArray(ir['params'])) return "its 'ir' has no 'nodes'/'params' lists";
  if (!Array.isArray(ir['inputShape']) || ir['inputShape'].length !== 3) return "its 'ir.inputShape' is not [h, w, c]";
  if (!isRecord(ir['taps']) || typeof ir['taps']['logits'] !== 'string') return "its 'ir.taps.logits' is missing";
  if (!isRecord(ir['loss'])) return "its 'ir.loss' is missing";
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest) || manifest.length === 0) return "it has no 'weightsManifest'";
  for (const group of manifest) {
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) return "a 'weightsManifest' entry lacks 'paths' or 'weights'";
    for (const w of group['weights']) {
      if (!isRecord(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape']) || w['dtype'] !== 'float32') return "a 'weightsManifest' weight lacks name, shape or dtype float32";
    }
  }
  if (!isRecord(json['spec']) || !isRecord(json['input']) || !isRecord(json['producer'])) return "it lacks 'spec', 'input' or 'producer'";
  return undefined;
}

/** Reads and validates an artifact folder; every problem is a RunError naming the file. */
export function readTfjsArtifact(dir: string): TfjsArtifact {
  const modelPath = join(dir, MODEL_FILE);
  if (!existsSync(modelPath)) throw fail('tfjsArtifactMissing', { path: modelPath, dir });
  const text = readText('record', modelPath, (problem) => fail('tfjsArtifactUnreadable', { path: modelPath, reason: problem.reason }));
  const parsed = parseJson(text, (reason) => fail('tfjsArtifactMalformed', { path: modelPath, detail: reason }));
  if (isRecord(parsed) && parsed['format'] === 'graph-model') {
    throw fail('tfjsArtifactMalformed', {
      path: modelPath,
      detail: "it is a TF.js GraphModel (ibc compile --target tfjs), which TF.js loads with tf.loadGraphModel; loadModel reads the folder that 'ibc compile --target ibc-runtime' writes",
    });
  }
  if (!isRecord(parsed) || parsed['format'] !== TFJS_ARTIFACT_FORMAT) {
    throw fail('tfjsArtifactMalformed', { path: modelPath, detail: `its format is not '${TFJS_ARTIFACT_FORMAT}'` });
  }
  const version = parsed['formatVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw fail('tfjsArtifactMalformed', { path: modelPath, detail: "its 'formatVersion' is not a positive integer" });
  }
  if (version > TFJS_ARTIFACT_VERSION) throw fail('tfjsArtifactFutureVersion', { path: modelPath, version, supported: TFJS_ARTIFACT_VERSION });
  const problem = checkModelJson(parsed);
  if (problem) throw fail('tfjsArtifactMalformed', { path: modelPath, detail: problem });
  const stored = parsed as unknown as TfjsModelJson;
  const modelJson: TfjsModelJson = version === 1 ? { ...stored, ir: upgradeVersion1Ir(stored.ir as unknown as Version1Ir) } : stored;
  const ir = modelJson.ir;
  let irProblems: string[];
  try {
    irProblems = verifyIR(ir);
  } catch (error) {
    irProblems = [`the verifier could not read it (${error instanceof Error ? error.message : String(error)})`];
  }
  if (irProblems.length > 0) {
    const more = irProblems.length > 1 ? ` (and ${irProblems.length - 1} more)` : '';
    throw fail('tfjsArtifactMalformed', { path: modelPath, detail: `its model graph is inconsistent: ${irProblems[0]}${more}` });
  }

  const weights = new Map<string, Float32Array>();
  for (const group of modelJson.weightsManifest) {
    const expectedFloats = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const bytes = readWeightsFile(dir, group.paths);
    const weightsPath = join(dir, group.paths[0] ?? WEIGHTS_FILE);
    if (bytes.length !== expectedFloats * 4) {
      throw fail('tfjsWeightsSizeMismatch', { path: weightsPath, actual: bytes.length, expected: expectedFloats * 4 });
    }
    if (typeof modelJson.weightsSha256 === 'string' && modelJson.weightsManifest.length === 1 && sha256(bytes) !== modelJson.weightsSha256) {
      throw fail('tfjsWeightsCorrupt', { path: weightsPath });
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++, offset += 4) data[i] = view.getFloat32(offset, true);
      weights.set(w.name, data);
    }
  }
  for (const p of ir.params) {
    const data = weights.get(p.name);
    const expected = p.shape.reduce((a, b) => a * b, 1);
    if (!data) throw fail('tfjsArtifactMalformed', { path: modelPath, detail: `the weights manifest has no entry for parameter '${p.name}'` });
    if (data.length !== expected) {
      throw fail('tfjsArtifactMalformed', { path: modelPath, detail: `parameter '${p.name}' has ${data.length} values in the manifest, but its shape [${p.shape.join(', ')}] needs ${expected}` });
    }
  }
  const meta: TfjsArtifactMeta = {
    specHash: modelJson.spec.hash,
    specName: modelJson.spec.name,
    normalize: modelJson.input.normalize,
    producerVersion: modelJson.producer.version,
  };
  return { modelJson, ir, weights, meta };
}

/** The parts of a version-1 IR that version 2 stores differently. */
interface Version1Ir extends Omit<ModelIR, 'loss' | 'params'> {
  readonly loss: { readonly classes: number; readonly ib?: { readonly beta: number; readonly klScale: number; readonly klForm: 'standard' | 'reference' } };
  readonly params: readonly Omit<ModelIR['params'][number], 'lrScale'>[];
  readonly quantization?: { readonly anchors: string; readonly lrScale: number; readonly vqWeight: number; readonly commitWeight: number };
}

/**
 * A version-1 IR as version 2 states it: the loss's IB settings and the quantization
 * record's weights become loss terms, its anchors' rate scale their ParamSpec's, every
 * other parameter's scale 1 (what the engines of version 1 did). The verifier checks the result.
 */
function upgradeVersion1Ir(old: Version1Ir): ModelIR {
  const { quantization, loss, params, ...rest } = old;
  const ib = isRecord(loss.ib) ? loss.ib : undefined;
  const q = isRecord(quantization) ? quantization : undefined;
  return {
    ...rest,
    params: params.map((p) => ({ ...p, lrScale: q !== undefined && p.name === q.anchors ? q.lrScale : 1 })),
    loss: ib
      ? {
          classes: loss.classes,
          unit: 'bits',
          terms: [
            { kind: 'crossEntropy', weight: 1 },
            { kind: 'kl', weight: ib.beta * ib.klScale, klForm: ib.klForm },
            ...(q ? [{ kind: 'vq', weight: q.vqWeight } as const, { kind: 'commit', weight: q.commitWeight } as const] : []),
          ],
        }
      : crossEntropyLoss(loss.classes),
  };
}

function readWeightsFile(dir: string, paths: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const relative of paths) {
    // Shards live next to model.json; a path that climbs out of the folder is not ours.
    if (relative.includes('..') || relative.startsWith('/')) {
      throw fail('tfjsArtifactMalformed', { path: join(dir, MODEL_FILE), detail: `weights path '${relative}' is not a file name inside the artifact folder` });
    }
    const path = join(dir, relative);
    if (!existsSync(path)) throw fail('tfjsWeightsMissing', { path, model: join(dir, MODEL_FILE) });
    const outcome = readFileOf('checkpoint', path);
    if (!outcome.ok) throw fail('tfjsArtifactUnreadable', { path, reason: outcome.problem.reason });
    parts.push(outcome.bytes);
  }
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
