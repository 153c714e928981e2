/**
 * IR -> ONNX ModelProto: the inference graph of a model (batch norm in eval
 * mode, no dropout, no sampling, quantization kept), with a symbolic batch
 * dimension, outputs `logits`, `attention` (mu_a) and `attention_quantized`,
 * and the metadata of metadata.ts.
 */
import type { Diagnostic, Result } from '../../../diagnostics/diagnostic.js';
import { failed, ok } from '../../../diagnostics/diagnostic.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import type { IrNode, ModelIR, ParamRole, ParamSpec } from '../../ir/ir.js';
import { OnnxGraphBuilder } from './onnx-graph-builder.js';
import { checkWeights, inferenceLiveNodes, type Weights } from '../inference-graph.js';
import type { OnnxLoweringContext, OnnxLowering } from './lowerings.js';
import { onnxLowerings } from './lowerings.js';
import type { ExportMetadata } from './metadata.js';
import { metadataProps } from './metadata.js';
import { ibcVersion } from '../producer-version.js';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, ONNX_OP_SINCE, irVersionFor, unsupportedAt } from './opset.js';
import type { OnnxModel, OnnxValueInfo } from './proto.js';
import { floatValueInfo, onnx } from './proto.js';

export const ONNX_INPUT = 'image';
export const ONNX_LOGITS = 'logits';
export const ONNX_ATTENTION = 'attention';
export const ONNX_ATTENTION_QUANTIZED = 'attention_quantized';
export const BATCH_DIM = 'N';

/** Parameter values by ParamSpec name, in the IR's layouts. */

export interface OnnxExportOptions {
  /** Default DEFAULT_OPSET (17); MIN_OPSET..MAX_OPSET. */
  readonly opset?: number;
  /** Input/output layout; the body is NCHW either way. Default nhwc. */
  readonly layout?: 'nhwc' | 'nchw';
  /** Symbolic batch dimension N (default) or a fixed batch size. */
  readonly batch?: 'dynamic' | number;
  readonly meta: ExportMetadata;
}

export interface OnnxExport {
  readonly model: OnnxModel;
  readonly bytes: Uint8Array;
  readonly opset: number;
  readonly layout: 'nhwc' | 'nchw';
  /** Graph output names in order. */
  readonly outputs: readonly string[];
}

export const ORT_VERSION_LABEL = 'onnxruntime-node 1.30';

export function checkOpset(opset: number): Diagnostic[] {
  const args = { opset, min: MIN_OPSET, max: MAX_OPSET, runtime: ORT_VERSION_LABEL };
  if (!Number.isInteger(opset) || opset < MIN_OPSET) return [diagnostic('onnxOpsetTooLow', { args })];
  if (opset > MAX_OPSET) return [diagnostic('onnxOpsetTooHigh', { args })];
  return [];
}

/** Builds the ONNX model. Diagnostics: opset out of range, missing/misshapen weights, an op the opset cannot express. */
export function exportOnnx(ir: ModelIR, weights: Weights, options: OnnxExportOptions): Result<OnnxExport> {
  const opset = options.opset ?? DEFAULT_OPSET;
  const layout = options.layout ?? 'nhwc';
  const pre = [...checkOpset(opset), ...checkWeights(ir.params, weights)];
  if (pre.length > 0) return failed(pre);

  const g = new OnnxGraphBuilder(opset);
  for (const reserved of [ONNX_INPUT, ONNX_LOGITS, ONNX_ATTENTION, ONNX_ATTENTION_QUANTIZED]) g.names.reserve(reserved);

  const taps: Array<[string, string]> = [[ONNX_LOGITS, ir.taps.logits]];
  if (ir.taps.attentionMean) taps.push([ONNX_ATTENTION, ir.taps.attentionMean]);
  if (ir.taps.attentionQuantized) taps.push([ONNX_ATTENTION_QUANTIZED, ir.taps.attentionQuantized]);

  const live = inferenceLiveNodes(ir, taps.map(([, id]) => id));
  const values = new Map<string, string>();
  const shapes = new Map(ir.nodes.map((n) => [n.id, n.shape]));
  const opsOf = new Map<string, { node: IrNode; from: number }>();
  for (const node of ir.nodes) {
    if (!live.has(node.id)) continue;
    const from = g.nodes.length;
    const ctx: OnnxLoweringContext = {
      g,
      opset,
      inputs: node.inputs.map((id) => values.get(id)!),
      inputShapes: node.inputs.map((id) => shapes.get(id)!),
      graphInput: ONNX_INPUT,
      layout,
      param: (role: ParamRole) => weights.get(paramNameOf(node, role))!,
      paramName: (role: ParamRole) => paramNameOf(node, role),
    };
    const lower = onnxLowerings[node.op] as OnnxLowering;
    values.set(node.id, lower(node, ctx));
    opsOf.set(node.id, { node, from });
  }

  // Refuse, naming the layer, when a lowering emitted an operator the opset lacks.
  const refusals: Diagnostic[] = [];
  const ids = [...opsOf.keys()];
  ids.forEach((id, k) => {
    const { node, from } = opsOf.get(id)!;
    const to = k + 1 < ids.length ? opsOf.get(ids[k + 1]!)!.from : g.nodes.length;
    const missing = unsupportedAt(g.nodes.slice(from, to).map((n) => n.opType ?? ''), opset);
    if (missing.length > 0) {
      const needed = Math.max(...missing.map((t) => (ONNX_OP_SINCE as Record<string, number | undefined>)[t] ?? MAX_OPSET));
      refusals.push(
        diagnostic('onnxOpNotExpressible', {
          args: { node: node.id, op: node.op, onnxOps: missing.join(', '), opset, needed },
          ...(node.origin ? { span: node.origin } : {}),
        }),
      );
    }
  });
  if (refusals.length > 0) return failed(refusals);

  const batch: number | string = options.batch === undefined || options.batch === 'dynamic' ? BATCH_DIM : options.batch;
  const [h, w, c] = ir.inputShape;
  const outputs: OnnxValueInfo[] = [];
  for (const [name, id] of taps) {
    const value = values.get(id)!;
    const shape = shapes.get(id)!;
    if (shape.length === 1) {
      renameValue(g, value, name);
      outputs.push(floatValueInfo(name, [batch, shape[0]!]));
    } else {
      const [mh, mw, mc] = shape as [number, number, number];
      if (layout === 'nhwc') {
        g.node('Transpose', [value], { name: `${id}/to_nhwc`, output: name, attrs: { perm: { ints: [0, 2, 3, 1] } } });
        outputs.push(floatValueInfo(name, [batch, mh, mw, mc]));
      } else {
        renameValue(g, value, name);
        outputs.push(floatValueInfo(name, [batch, mc, mh, mw]));
      }
    }
  }

  const inputDims = layout === 'nhwc' ? [batch, h, w, c] : [batch, c, h, w];
  const outputNames = taps.map(([name]) => name);
  const model: OnnxModel = {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'ibc',
    producerVersion: ibcVersion(),
    modelVersion: options.meta.modelVersion ?? 1,
    docString: `${ir.name}: inference graph exported by ibc (eval-mode batch norm, no dropout, deterministic attention mean)`,
    graph: {
      name: ir.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [floatValueInfo(ONNX_INPUT, inputDims, `${layout.toUpperCase()} float32 image batch, normalised as ibc.normalize_mean / ibc.normalize_std say`)],
      output: outputs,
    },
    metadataProps: metadataProps({
      meta: options.meta,
      layout,
      inputShape: ir.inputShape,
      classes: ir.classes,
      opset,
      hasAttention: ir.taps.attentionMean !== undefined,
      outputs: outputNames,
    }),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  return ok({ model, bytes, opset, layout, outputs: outputNames });
}

function paramNameOf(node: IrNode, role: ParamRole): string {
  const name = node.params[role];
  if (name === undefined) throw new Error(`onnx export bug: node '${node.id}' has no '${role}' parameter`);
  return name;
}

/** Renames a value everywhere (used to give a tap's value its graph-output name). */
function renameValue(g: OnnxGraphBuilder, from: string, to: string): void {
  if (from === ONNX_INPUT) {
    // An output that is the raw input (a degenerate model): copy it instead of renaming the input.
    g.node('Identity', [from], { name: `${to}/copy`, output: to });
    return;
  }
  for (const n of g.nodes) {
    n.input = (n.input ?? []).map((v) => (v === from ? to : v));
    n.output = (n.output ?? []).map((v) => (v === from ? to : v));
  }
}
