/**
 * What every inference export (ONNX, TF.js GraphModel) shares: the weights it is
 * given, checked against the model's parameters, and the IR nodes an inference graph
 * keeps (sampling is replaced by its mean, so a Sample node needs only its mean input).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { ModelIR, ParamSpec } from '../ir/ir.js';

/** The producer and spec an exported model records (GraphModel metadata, ibc's runtime artifact). */
export interface ArtifactOrigin {
  readonly producer: { readonly name: 'ibc'; readonly version: string };
  readonly spec: { readonly name: string; readonly hash: string };
}

/** How an exported model's image input is described to its users. */
export interface ArtifactInput {
  readonly name: string;
  readonly layout: 'NHWC';
  /** [-1, h, w, c]: any batch. */
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  readonly units: string;
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** Parameter name -> values, in the IR's parameter layout. */
export type Weights = ReadonlyMap<string, Float32Array>;

/** Every weight the model needs is there with the right size. */
export function checkWeights(params: readonly ParamSpec[], weights: Weights): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of params) {
    const v = weights.get(p.name);
    const want = p.shape.reduce((a, b) => a * b, 1);
    if (!v) out.push(diagnostic('weightsMissingParam', { args: { name: p.name } }));
    else if (v.length !== want) {
      out.push(diagnostic('weightsShapeMismatch', { args: { name: p.name, got: v.length, want, shape: `[${p.shape.join(', ')}]` } }));
    }
  }
  return out;
}

/** The IR nodes an inference graph needs for `outputs`: Sample depends on its mean only. */
export function inferenceLiveNodes(ir: ModelIR, outputs: readonly string[]): Set<string> {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const node = byId.get(id);
    if (!node) throw new Error(`inference export bug: unknown IR node '${id}'`);
    stack.push(...(node.op === 'Sample' ? node.inputs.slice(0, 1) : node.inputs));
  }
  return live;
}
