/**
 * The IR verifier: every structural promise the IR makes, checked. Returns a
 * list of problems (empty = well formed). Run after building in tests; a
 * problem here is a compiler bug, never the user's mistake.
 */
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole } from './ir.js';
import { LOSS_TERMS, OPS } from './ir.js';
import { LOSS_TERM_FACTS, quantizerAnchors } from './loss.js';
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
  checkLoss(ir, problems);
  for (const p of ir.params) {
    if (!(Number.isFinite(p.lrScale) && p.lrScale >= 0)) problems.push(`parameter '${p.name}': lrScale ${p.lrScale} is not a finite number >= 0`);
  }
  return problems;
}

/** The loss: one term per kind at most, finite non-negative weights, every tap a term reads present, at most one quantizer. */
function checkLoss(ir: ModelIR, problems: string[]): void {
  const quantizers = ir.nodes.filter((n) => n.op === 'Quantize');
  if (quantizers.length > 1) problems.push(`expected at most one Quantize node, found ${quantizers.length}`);
  if (ir.loss.classes !== ir.classes) problems.push(`the loss is over ${ir.loss.classes} classes, the model has ${ir.classes}`);
  const seen = new Set<string>();
  for (const term of ir.loss.terms) {
    const where = `loss term '${term.kind}'`;
    if (!LOSS_TERMS.includes(term.kind)) {
      problems.push(`${where}: unknown kind`);
      continue;
    }
    if (seen.has(term.kind)) problems.push(`${where}: appears twice`);
    seen.add(term.kind);
    if (!(Number.isFinite(term.weight) && term.weight >= 0)) problems.push(`${where}: weight ${term.weight} is not a finite number >= 0`);
    for (const tap of LOSS_TERM_FACTS[term.kind].reads) {
      if (ir.taps[tap] === undefined) problems.push(`${where}: reads the tap '${tap}', which the model lacks`);
    }
  }
  if (!seen.has('crossEntropy')) problems.push('the loss has no crossEntropy term');
  if (ir.taps.attentionQuantized !== undefined && quantizerAnchors(ir) === undefined) problems.push(`tap attentionQuantized names '${ir.taps.attentionQuantized}', which is not a Quantize node`);
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
