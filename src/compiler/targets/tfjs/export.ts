/**
 * IR -> TF.js GraphModel: the `model.json` + sharded `.bin` weights that
 * tensorflowjs_converter writes for a TensorFlow graph, loadable with plain
 * `tf.loadGraphModel` in Node and in browsers (no ibc code).
 *
 *   model.json  format "graph-model"; modelTopology: TensorFlow NodeDefs the
 *               TF.js graph executor runs; signature: input `image`
 *               [-1, h, w, c] and outputs `logits` [-1, classes], `attention`
 *               [-1, h', w', 1] (mu_a) and `attention_quantized`; the
 *               metadata of metadata.ts as userDefinedMetadata;
 *               weightsManifest: one group of little-endian float32/int32
 *               tensors in shards of at most 4 MiB, as the converter shards.
 *
 * The inference graph is the ONNX export's (see lowerings.ts). This module
 * builds bytes and JSON only; the CLI writes them.
 */
import type { Diagnostic, Result } from '../../../diagnostics/diagnostic.js';
import { failed, ok } from '../../../diagnostics/diagnostic.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import type { IrNode, ModelIR, ParamRole } from '../../ir/ir.js';
import { checkWeights, inferenceLiveNodes, type Weights } from '../inference-graph.js';
import { ibcVersion } from '../producer-version.js';
import type { GraphConstant, TfNode, TfTensorShape } from './tf-graph-builder.js';
import { FLOAT, TfGraphBuilder, tensorShape } from './tf-graph-builder.js';
import type { GraphModelLowering, GraphModelLoweringContext } from './lowerings.js';
import { GRAPH_MODEL_OPS, graphModelLowerings } from './lowerings.js';
import type { GraphModelMetadata, GraphModelMetadataInput } from './metadata.js';
import { graphModelMetadata } from './metadata.js';

export const GRAPH_INPUT = 'image';
export const GRAPH_LOGITS = 'logits';
export const GRAPH_ATTENTION = 'attention';
export const GRAPH_ATTENTION_QUANTIZED = 'attention_quantized';
export const MODEL_JSON = 'model.json';
/** tensorflowjs_converter's default --weight_shard_size_bytes. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
/** The GraphDef version TF.js reads into `model.version` (TF 2.x graphs carry producer ~1400+). */
const GRAPH_DEF_VERSIONS = { producer: 1482, minConsumer: 12 } as const;

export interface GraphModelSignatureEntry {
  readonly name: string;
  readonly dtype: 'DT_FLOAT';
  readonly tensorShape: TfTensorShape;
}

export interface GraphModelWeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
}

/** model.json as TF.js's `ModelJSON` reads it. */
export interface GraphModelJson {
  readonly format: 'graph-model';
  readonly generatedBy: string;
  readonly convertedBy: string;
  readonly signature: {
    readonly inputs: Readonly<Record<string, GraphModelSignatureEntry>>;
    readonly outputs: Readonly<Record<string, GraphModelSignatureEntry>>;
  };
  readonly userDefinedMetadata: GraphModelMetadata;
  readonly modelTopology: {
    readonly node: readonly TfNode[];
    readonly library: Record<string, never>;
    readonly versions: { readonly producer: number; readonly minConsumer: number };
  };
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly GraphModelWeightEntry[] }[];
}

export interface GraphModelShard {
  /** File name next to model.json. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface GraphModelExport {
  readonly modelJson: GraphModelJson;
  readonly shards: readonly GraphModelShard[];
  /** Output names in order. */
  readonly outputs: readonly string[];
  /** The TF op types the graph uses. */
  readonly ops: readonly string[];
}

export interface GraphModelExportOptions {
  readonly meta: GraphModelMetadataInput;
  /** Largest shard in bytes (default 4 MiB). */
  readonly shardBytes?: number;
}

function paramNameOf(node: IrNode, role: ParamRole): string {
  const name = node.params[role];
  if (name === undefined) throw new Error(`graph-model export bug: node '${node.id}' has no '${role}' parameter`);
  return name;
}

function signatureEntry(name: string, dims: readonly number[]): GraphModelSignatureEntry {
  return { name: `${name}:0`, dtype: 'DT_FLOAT', tensorShape: tensorShape(dims) };
}

/** Every constant's bytes, little-endian, in manifest order, cut into shards. */
function packWeights(constants: readonly GraphConstant[], shardBytes: number): { entries: GraphModelWeightEntry[]; shards: GraphModelShard[] } {
  const total = constants.reduce((n, c) => n + c.values.length * 4, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const c of constants) {
    for (const v of c.values) {
      if (c.dtype === 'float32') view.setFloat32(offset, v, true);
      else view.setInt32(offset, v, true);
      offset += 4;
    }
  }
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const shards: GraphModelShard[] = [];
  for (let i = 0; i < count; i++) {
    shards.push({ path: `group1-shard${i + 1}of${count}.bin`, bytes: bytes.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)) });
  }
  const entries = constants.map((c) => ({ name: c.name, shape: [...c.shape], dtype: c.dtype }));
  return { entries, shards };
}

/** The TF graph of an IR before its outputs are named and its weights packed. */
interface LoweredGraph {
  readonly g: TfGraphBuilder;
  /** IR node id -> TF tensor name. */
  readonly values: ReadonlyMap<string, string>;
  /** [output name, IR node id] in output order. */
  readonly taps: ReadonlyArray<readonly [string, string]>;
}

/**
 * Lowers the live inference graph. Diagnostics: missing or misshapen weights;
 * a layer TF.js cannot run as configured (IB5020, at the layer's spec line).
 */
export function lowerGraph(ir: ModelIR, weights: Weights): Result<LoweredGraph> {
  const pre = checkWeights(ir.params, weights);
  if (pre.length > 0) return failed(pre);

  const g = new TfGraphBuilder();
  for (const name of [GRAPH_LOGITS, GRAPH_ATTENTION, GRAPH_ATTENTION_QUANTIZED]) g.names.reserve(name);
  const [h, w, c] = ir.inputShape;
  const graphInput = g.node('Placeholder', [], GRAPH_INPUT, { dtype: FLOAT, shape: { shape: tensorShape([-1, h, w, c]) } }, true);

  const taps: Array<[string, string]> = [[GRAPH_LOGITS, ir.taps.logits]];
  if (ir.taps.attentionMean) taps.push([GRAPH_ATTENTION, ir.taps.attentionMean]);
  if (ir.taps.attentionQuantized) taps.push([GRAPH_ATTENTION_QUANTIZED, ir.taps.attentionQuantized]);

  const live = inferenceLiveNodes(ir, taps.map(([, id]) => id));
  const values = new Map<string, string>();
  const shapes = new Map(ir.nodes.map((n) => [n.id, n.shape]));
  const refusals: Diagnostic[] = [];
  for (const node of ir.nodes) {
    if (!live.has(node.id)) continue;
    const ctx: GraphModelLoweringContext = {
      g,
      inputs: node.inputs.map((id) => values.get(id) ?? ''),
      inputShapes: node.inputs.map((id) => shapes.get(id)!),
      graphInput,
      param: (role) => weights.get(paramNameOf(node, role))!,
      paramName: (role) => paramNameOf(node, role),
    };
    const lowered = (graphModelLowerings[node.op] as GraphModelLowering)(node, ctx);
    if (typeof lowered === 'string') {
      values.set(node.id, lowered);
      continue;
    }
    refusals.push(
      diagnostic('graphModelOpNotExpressible', {
        args: { node: node.id, op: node.op, reason: lowered.refused },
        ...(node.origin ? { span: node.origin } : {}),
      }),
    );
    values.set(node.id, '');
  }
  if (refusals.length > 0) return failed(refusals);
  const used = [...g.opTypes()];
  const unknown = used.filter((op) => !(GRAPH_MODEL_OPS as readonly string[]).includes(op));
  if (unknown.length > 0) throw new Error(`graph-model export bug: lowerings emitted ops outside GRAPH_MODEL_OPS: ${unknown.join(', ')}`);
  return ok({ g, values, taps });
}

/** Builds the GraphModel (see lowerGraph for the diagnostics). */
export function exportGraphModel(ir: ModelIR, weights: Weights, options: GraphModelExportOptions): Result<GraphModelExport> {
  const lowered = lowerGraph(ir, weights);
  if (!lowered.value) return failed(lowered.diagnostics);
  const { g, values, taps } = lowered.value;
  const [h, w, c] = ir.inputShape;
  const shapes = new Map(ir.nodes.map((n) => [n.id, n.shape]));
  const outputs: Record<string, GraphModelSignatureEntry> = {};
  const described: Record<string, string> = {};
  let attentionShape: readonly [number, number] | undefined;
  for (const [name, id] of taps) {
    g.node('Identity', [values.get(id)!], name, { T: FLOAT }, true);
    const shape = shapes.get(id)!;
    outputs[name] = signatureEntry(name, [-1, ...shape]);
    if (name === GRAPH_LOGITS) described[name] = `[N, ${ir.classes}] class scores (logits, not probabilities)`;
    else {
      attentionShape = [shape[0]!, shape[1]!];
      described[name] =
        name === GRAPH_ATTENTION
          ? `[N, ${shape.join(', ')}] mu_a, the attention mean map (NHWC)`
          : `[N, ${shape.join(', ')}] the attention map quantized to the learned anchors (NHWC)`;
    }
  }

  const { entries, shards } = packWeights(g.constants, options.shardBytes ?? DEFAULT_SHARD_BYTES);
  const version = ibcVersion();
  const modelJson: GraphModelJson = {
    format: 'graph-model',
    generatedBy: `ibc ${version}`,
    convertedBy: `ibc ${version} graph-model target`,
    signature: { inputs: { [GRAPH_INPUT]: signatureEntry(GRAPH_INPUT, [-1, h, w, c]) }, outputs },
    userDefinedMetadata: graphModelMetadata(options.meta, GRAPH_INPUT, ir.inputShape, ir.classes, described, attentionShape, ir.taps.attentionQuantized !== undefined),
    modelTopology: { node: g.nodes, library: {}, versions: GRAPH_DEF_VERSIONS },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: entries }],
  };
  return ok({ modelJson, shards, outputs: taps.map(([name]) => name), ops: [...g.opTypes()].sort() });
}
