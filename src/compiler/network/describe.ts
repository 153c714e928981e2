/** A per-node summary of a model (`ibc check --shapes`): output shapes and parameter counts. */
import type { ModelIR } from '../ir/ir.js';

export interface LayerRow {
  readonly name: string;
  readonly op: string;
  readonly outputShape: number[];
  /** Elements of this node's parameters, buffers (BN moving statistics) included. */
  readonly params: number;
}

export interface ModelDescription {
  readonly rows: LayerRow[];
  /** Every parameter element, buffers included. */
  readonly totalParams: number;
  /** Elements the optimizer updates. */
  readonly trainableParams: number;
}

export function describeLayers(ir: ModelIR): ModelDescription {
  const size = new Map(ir.params.map((p) => [p.name, p.shape.reduce((a, d) => a * d, 1)]));
  const rows = ir.nodes.map((n) => ({
    name: n.id,
    op: n.op,
    outputShape: [...n.shape],
    params: Object.values(n.params).reduce((a, name) => a + (name ? (size.get(name) ?? 0) : 0), 0),
  }));
  let totalParams = 0;
  let trainableParams = 0;
  for (const p of ir.params) {
    const n = size.get(p.name) ?? 0;
    totalParams += n;
    if (p.trainable) trainableParams += n;
  }
  return { rows, totalParams, trainableParams };
}
