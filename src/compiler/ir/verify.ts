/**
 * The IR verifier: every structural promise the IR makes, checked. Returns a
 * list of problems (empty = well formed). Run after building in tests; a
 * problem here is a compiler bug, never the user's mistake.
 */
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole } from './ir.js';
import { OPS } from './ir.js';
import { formatShape, inferShape, sameShape, type Shape } from './shape.js';
import { opFacts, paramShapes } from './op-facts.js';


export function verifyIR(ir: ModelIR): string[] {
  const problems: string[] = [];
  const shapes = new Map<string, Shape>();
  const params = new Map(ir.params.map((p) => [p.name, p]));
  if (params.size !== ir.params.length) problems.push('parameter names are not unique');
  const usedParams = new Set<string>();
  const known = new Set<string>(OPS);
  let inputs = 0;

  for (const node of ir.nodes) {
    const where = `node '${node.id}' (${node.op})`;
    if (!known.has(node.op)) {
      problems.push(`${where}: unknown op`);
      continue;
    }
    if (shapes.has(node.id)) problems.push(`${where}: duplicate id`);
    if (node.op === 'Input') {
      inputs++;
      if (node.id !== ir.input) problems.push(`${where}: the input node must be '${ir.input}'`);
    }
    if (node.inputs.length !== opFacts(node.op).arity) problems.push(`${where}: expects ${opFacts(node.op).arity} inputs, has ${node.inputs.length}`);
    const inputShapes: Shape[] = [];
    let inputsKnown = true;
    for (const id of node.inputs) {
      const s = shapes.get(id);
      if (!s) {
        problems.push(`${where}: input '${id}' is not defined before it (unknown id or not in topological order)`);
        inputsKnown = false;
      } else inputShapes.push(s);
    }
    shapes.set(node.id, node.shape);
    if (!inputsKnown) continue;
    const inferred = inferShape(node.op, node.attrs as OpAttrs[Op], inputShapes);
    if ('error' in inferred) problems.push(`${where}: ${inferred.error}`);
    else if (!sameShape(inferred.shape, node.shape)) problems.push(`${where}: stored shape ${formatShape(node.shape)} but inferred ${formatShape(inferred.shape)}`);
    if ('error' in inferred) continue;
    checkParams(node, inputShapes, params, usedParams, problems, where);
  }
  if (inputs !== 1) problems.push(`expected exactly one Input node, found ${inputs}`);
  if (!shapes.has(ir.input)) problems.push(`the input '${ir.input}' is not a node`);
  const inputShape = shapes.get(ir.input);
  if (inputShape && !sameShape(inputShape, ir.inputShape)) problems.push(`inputShape ${formatShape(ir.inputShape)} differs from the Input node's ${formatShape(inputShape)}`);
  for (const [tap, id] of Object.entries(ir.taps)) {
    if (id !== undefined && !shapes.has(id)) problems.push(`tap ${tap} names the unknown node '${id}'`);
  }
  const logits = shapes.get(ir.taps.logits);
  if (logits && !sameShape(logits, [ir.classes])) problems.push(`logits have shape ${formatShape(logits)}, expected [${ir.classes}]`);
  for (const p of ir.params) if (!usedParams.has(p.name)) problems.push(`parameter '${p.name}' is used by no node`);
  checkQuantization(ir, problems);
  return problems;
}

/** ModelIR.quantization exists exactly when the model quantizes, and names the Quantize node's anchors. */
function checkQuantization(ir: ModelIR, problems: string[]): void {
  const quantizers = ir.nodes.filter((n) => n.op === 'Quantize');
  const anchors = ir.quantization?.anchors;
  if (quantizers.length > 1) problems.push(`expected at most one Quantize node, found ${quantizers.length}`);
  const node = quantizers[0];
  if (node && anchors === undefined) problems.push(`node '${node.id}' (Quantize) has no quantization settings (ModelIR.quantization)`);
  if (!node && anchors !== undefined) problems.push(`quantization settings name anchors '${anchors}' but the model has no Quantize node`);
  if (node && anchors !== undefined && node.params.anchors !== anchors) problems.push(`quantization settings name anchors '${anchors}', the Quantize node uses '${node.params.anchors}'`);
}

function checkParams(
  node: IrNode,
  inputShapes: readonly Shape[],
  params: ReadonlyMap<string, ModelIR['params'][number]>,
  used: Set<string>,
  problems: string[],
  where: string,
): void {
  const expected = paramShapes(node.op, node.attrs as OpAttrs[Op], inputShapes);
  const roles = new Set<ParamRole>([...(Object.keys(expected) as ParamRole[]), ...(Object.keys(node.params) as ParamRole[])]);
  for (const role of roles) {
    const want = expected[role];
    const name = node.params[role];
    if (!want) {
      problems.push(`${where}: has an unexpected ${role} parameter`);
      continue;
    }
    if (!name) {
      problems.push(`${where}: lacks its ${role} parameter`);
      continue;
    }
    const p = params.get(name);
    if (!p) {
      problems.push(`${where}: ${role} names the unknown parameter '${name}'`);
      continue;
    }
    used.add(name);
    if (!sameShape(p.shape, want)) problems.push(`${where}: ${role} '${name}' has shape ${formatShape(p.shape)}, expected ${formatShape(want)}`);
    const buffer = role === 'movingMean' || role === 'movingVariance';
    if (buffer !== (p.group === 'buffers')) problems.push(`${where}: ${role} '${name}' is in group '${p.group}'`);
    if (buffer && p.trainable) problems.push(`${where}: buffer '${name}' must not be trainable`);
  }
}
