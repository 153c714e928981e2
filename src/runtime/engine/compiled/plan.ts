/**
 * Plans a training step once from the IR: which node's value is another's
 * (Flatten, a Sample with no draws, a ReLU fused into its BatchNorm, in evaluation
 * a BatchNorm folded into the max pool that reads it), how many
 * rows every value has, which values need a gradient and how many ops
 * contribute to each, and one forward and one backward closure per op over
 * arrays allocated here. Running the plan then only calls kernels.
 *
 * The gradient graph is derived here, not recorded while running: every op's
 * backward is written beside its forward (ops/), and the plan orders them in
 * reverse. A gradient array with one contributor is overwritten by it; one
 * with several is zeroed before the backward pass and each adds.
 *
 * Nothing here knows an op by name: whatever the plan decides per op (its
 * builders, when it is an alias, what its backward reads, who writes its
 * parameters' gradients, which fusions it takes part in) is the op's step rule
 * (step-rules.ts, written beside the op in ops/); rows are the IR's (ir/rows.ts).
 */
import type { IrNode, ModelIR, Op } from '../../../compiler/ir/ir.js';
import { lossGradientTaps, quantizerAnchors } from '../../../compiler/ir/loss.js';
import { outputRows } from '../../../compiler/ir/op-facts.js';
import type { Random } from '../../../support/random.js';
import type { NativeAddon } from '../backends/native/addon.js';
import type { BackwardReads, ComputeRule, FoldedNormalization, Fusion, OpContext, StepOp } from './op.js';
import { product, type GradTarget, type NodeValue } from './values.js';
import { gradientView, parameterView, trains, type ParameterArena, type ParameterSlot } from './parameters.js';
import { stepRuleOf } from './step-rules.js';
import type { LossTaps } from './loss.js';
import { ArrayPool, type ArrayTicket } from './array-pool.js';
import { precisionCode, type Precision } from '../precision.js';

export interface StepShape {
  /** Images per step. */
  readonly batch: number;
  /** Sample count n (0: the deterministic mean). */
  readonly samples: number;
  /**
   * train: batch statistics (and their running averages), active dropout, gradients.
   * eval: the forward pass alone, BatchNorm on the running statistics, dropout the
   * identity; values share arrays once their last reader has run.
   */
  readonly mode: 'train' | 'eval';
  /**
   * train: update each convolution's, dense layer's and BatchNorm's parameters right after its
   * backward op, from a gradient array all of them share (the optimizer function given to
   * `useUpdate`), instead of leaving every gradient in the arena for one update at the end:
   * the arena's gradient array is then never touched (its pages are never resident). The
   * remaining parameters (the anchors, whose gradient the loss writes, and any the loss does
   * not reach) are updated from the arena at the end.
   */
  readonly fusedUpdate?: boolean;
  /** The arithmetic of convolutions and matrix products (default fp32): see OpContext.precision. */
  readonly precision?: Precision;
}

/** Updates the arena's parameters at [offset, offset + length) from `grad` (ArenaOptimizer.begin). */
export type ParameterUpdate = (offset: number, length: number, lrScale: number, grad: Float32Array) => void;

export interface StepPlan {
  readonly input: NodeValue;
  readonly values: ReadonlyMap<string, NodeValue>;
  readonly forward: readonly StepOp[];
  /** In the order they run (reverse node order). */
  readonly backward: readonly StepOp[];
  /** What each forward / backward op is, for profiles ("Conv2D", "BatchNorm+ReLU", ...). */
  readonly forwardLabels: readonly string[];
  readonly backwardLabels: readonly string[];
  /** Gradient arrays with several contributors, zeroed before the loss writes its gradients. */
  readonly zeroBeforeBackward: readonly Float32Array[];
  readonly taps: LossTaps;
  /** Sets the noise stream the next pass draws from. */
  useNoise(noise: Random | undefined): void;
  /** Sets the optimizer update a fused plan applies (fusedUpdate). */
  useUpdate(update: ParameterUpdate | undefined): void;
  /** fusedUpdate: the trainable parameters updated from the arena after the backward pass (slot offsets and lengths). */
  readonly updatedAtEnd: readonly { readonly offset: number; readonly length: number; readonly lrScale: number }[];
}

/** The rule of a node whose op computes its value; undefined for the input and views. */
function computeRule(node: IrNode): ComputeRule<Op> | undefined {
  const rule = stepRuleOf(node);
  return rule.kind === 'compute' ? rule : undefined;
}

/** Whether this node is another node's value, and which (by id). A node folded into the pool that reads it is its input's. */
function aliasOf(node: IrNode, shape: StepShape, rows: ReadonlyMap<string, number>, fusedRelus: ReadonlySet<string>, folded: ReadonlySet<string>): string | undefined {
  const rule = stepRuleOf(node);
  if (rule.kind === 'input') return undefined;
  if (folded.has(node.id)) return node.inputs[0];
  if (rule.kind === 'view') return node.inputs[0];
  const index = rule.alias(node, {
    mode: shape.mode,
    samples: shape.samples,
    batch: shape.batch,
    inputRows: node.inputs.map((id) => rows.get(id) ?? 0),
    fusedIntoProducer: fusedRelus.has(node.id),
  });
  return index === undefined ? undefined : node.inputs[index];
}

/** The one node that reads a value, when no other reads it and it is no tap (a value a fusion may hide); else undefined. */
type SoleReader = (id: string) => IrNode | undefined;

function soleReaders(ir: ModelIR): SoleReader {
  const readers = new Map<string, IrNode[]>();
  for (const node of ir.nodes) {
    for (const id of node.inputs) {
      const list = readers.get(id);
      if (list) list.push(node);
      else readers.set(id, [node]);
    }
  }
  const tapped = new Set(Object.values(ir.taps));
  return (id) => {
    const list = readers.get(id);
    return list?.length === 1 && !tapped.has(id) ? list[0] : undefined;
  };
}

/** ReLUs that read a node that absorbs one (BatchNorm), which no one else reads and which is no tap: they run inside it. */
function fusableRelus(ir: ModelIR, soleReader: SoleReader): Set<string> {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const fused = new Set<string>();
  for (const node of ir.nodes) {
    if (!computeRule(node)?.fusion.isRelu(node)) continue;
    const source = byId.get(node.inputs[0] ?? '');
    if (source && computeRule(source)?.fusion.absorbsRelu && soleReader(source.id) === node) fused.add(node.id);
  }
  return fused;
}

/**
 * BatchNorm+ReLU nodes whose only reader is a pool that masks ReLUs (MaxPool): the pool's
 * backward masks its gradient by its own output (a window's maximum is the ReLU output at its
 * argmax, so ReLU's mask there is output > 0, and every other cell gets no gradient), and the
 * BatchNorm's backward needs no mask, so its output is not kept for the backward pass.
 */
function poolMaskedRelus(fusedInto: ReadonlySet<string>, readers: ReadonlyMap<string, readonly string[]>, byId: ReadonlyMap<string, IrNode>): Map<string, string> {
  const masked = new Map<string, string>();
  for (const bn of fusedInto) {
    const only = readers.get(bn);
    const reader = only?.length === 1 ? byId.get(only[0] ?? '') : undefined;
    if (reader && computeRule(reader)?.fusion.masksRelu) masked.set(bn, reader.id);
  }
  return masked;
}

/**
 * eval: producers that fold into a pool (BatchNorm), by id, each with the pool that runs it:
 * its one reader, or the one reader of the ReLU fused into it, is a pool that folds producers
 * in (MaxPool), and neither it nor that ReLU is a tap. The producer and its ReLU then compute
 * nothing (their value is the producer's input, which the pool reads) and the pool applies
 * the producer's map to each cell: one pass over the map instead of three.
 */
function poolFoldedProducers(ir: ModelIR, fusedRelus: ReadonlySet<string>, soleReader: SoleReader): Map<string, string> {
  const folded = new Map<string, string>();
  for (const node of ir.nodes) {
    if (!computeRule(node)?.fusion.foldIntoPool) continue;
    let reader = soleReader(node.id);
    if (reader && fusedRelus.has(reader.id)) reader = soleReader(reader.id);
    if (reader && computeRule(reader)?.fusion.foldsProducer) folded.set(node.id, reader.id);
  }
  return folded;
}

/** Which of a node's values (inputs by position, its output) its backward reads: its rule's answer. */
function backwardReads(node: IrNode, fusion: Fusion): BackwardReads {
  const rule = computeRule(node);
  if (!rule) throw new Error(`IR node '${node.id}' (${node.op}) runs no backward`);
  return rule.backwardReads(node, fusion);
}

export function planTrainingStep(ir: ModelIR, shape: StepShape, arena: ParameterArena, kernels: NativeAddon): StepPlan {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const soleReader = soleReaders(ir);
  const fusedRelus = fusableRelus(ir, soleReader);
  const fusedInto = new Set([...fusedRelus].map((id) => byId.get(id)!.inputs[0]!));
  const foldedInto = shape.mode === 'eval' ? poolFoldedProducers(ir, fusedRelus, soleReader) : new Map<string, string>();
  const folded = new Set(foldedInto.keys());
  const rows = new Map<string, number>();
  const root = new Map<string, string>();
  for (const node of ir.nodes) {
    rows.set(node.id, outputRows(node.op, node.inputs.map((id) => rows.get(id) ?? 0), shape));
    const alias = aliasOf(node, shape, rows, fusedRelus, folded);
    root.set(node.id, alias === undefined ? node.id : root.get(alias)!);
  }
  const rootOf = (id: string): string => root.get(id)!;
  // Nodes that run an op (not aliases, not the input), and who reads each value.
  const computing = (node: IrNode): boolean => rootOf(node.id) === node.id && stepRuleOf(node).kind === 'compute';
  const readers = new Map<string, string[]>();
  for (const node of ir.nodes) {
    if (!computing(node)) continue;
    for (const id of node.inputs) readers.set(rootOf(id), [...(readers.get(rootOf(id)) ?? []), node.id]);
  }
  const maskedByPool = shape.mode === 'train' ? poolMaskedRelus(fusedInto, readers, byId) : new Map<string, string>();
  const poolsMasking = new Set(maskedByPool.values());

  // Which values a gradient reaches: those downstream of a trainable parameter.
  const needsGrad = new Set<string>();
  for (const node of shape.mode === 'eval' ? [] : ir.nodes) {
    const ownParams = Object.values(node.params).some((name) => {
      const slot = arena.slots.get(name);
      return slot !== undefined && slot.lrScale !== undefined && trains(slot.spec);
    });
    if (ownParams || node.inputs.some((id) => needsGrad.has(rootOf(id)))) needsGrad.add(rootOf(node.id));
  }

  // Which values get a gradient array, and how many contributions each receives: the loss
  // (for its taps) and every computing reader whose own output gets a gradient (only then
  // does its backward run). Decided from the last node back, readers before what they read.
  const lossTaps = shape.mode === 'eval' ? [] : lossGradientTaps(ir.loss, ir.taps);
  const tapRoots = lossTaps.map(rootOf);
  const contributors = new Map<string, number>();
  for (const node of [...ir.nodes].reverse()) {
    if (!computing(node) || !needsGrad.has(node.id)) continue;
    const n = tapRoots.filter((id) => id === node.id).length + (readers.get(node.id) ?? []).filter((r) => contributors.has(r)).length;
    if (n > 0) contributors.set(node.id, n);
  }

  // The backward schedule: the loss (position -1), then each op with a gradient, last node first.
  // A gradient array lives from its first contribution to its producer's backward; arrays whose
  // lives do not overlap share memory (by length), and one with several contributions is zeroed
  // just before the first.
  const schedule = ir.nodes.filter((n) => computing(n) && contributors.has(n.id)).map((n) => n.id).reverse();
  const position = new Map(schedule.map((id, i) => [id, i]));
  const firstWrite = new Map<string, number>();
  for (const id of contributors.keys()) {
    const writers = [...(tapRoots.includes(id) ? [-1] : []), ...(readers.get(id) ?? []).filter((r) => contributors.has(r)).map((r) => position.get(r)!)];
    firstWrite.set(id, Math.min(...writers));
  }

  // Values recomputed in the backward pass instead of kept (train): a BatchNorm+ReLU output
  // that only convolutions and dense layers (their input) and the BatchNorm itself (its ReLU
  // mask) read backward. The BatchNorm runs again on its kept input, with the same batch, so
  // the same values come out, into an array that lives from the first of those backward ops to
  // the last: the forward array is free once the forward pass has read it (VGG-16 at batch 32:
  // about 50M floats fewer, for one extra BatchNorm pass per layer).
  const foldedByPool = new Map<string, IrNode>();
  for (const [producer, pool] of foldedInto) {
    const node = byId.get(producer);
    if (node) foldedByPool.set(pool, node);
  }
  const baseFusion = (node: IrNode): Omit<Fusion, 'foldedProducer'> => ({ fusedRelu: fusedInto.has(node.id), reluMaskedByPool: maskedByPool.has(node.id), poolMasksRelu: poolsMasking.has(node.id) });
  // The pool's view of the producer folded into it: the producer's map over its own parameters, its ReLU, its name.
  const foldedProducerOf = (node: IrNode): FoldedNormalization | undefined => {
    const producer = foldedByPool.get(node.id);
    const rule = producer === undefined ? undefined : computeRule(producer);
    const fold = rule?.fusion.foldIntoPool;
    if (!producer || !rule || !fold) return undefined;
    const map = fold(producer, (role) => parameterView(arena, paramName(producer, role)));
    return { ...map, relu: fusedInto.has(producer.id), label: rule.label(producer, { ...baseFusion(producer), foldedProducer: undefined }) };
  };
  const fusionOf = (node: IrNode): Fusion => ({ ...baseFusion(node), foldedProducer: foldedProducerOf(node) });
  const readsBackward = (node: IrNode) => backwardReads(node, fusionOf(node));
  const recomputed = new Map<string, { readonly first: number; readonly last: number }>();
  for (const bn of shape.mode === 'train' ? fusedInto : []) {
    if (!contributors.has(bn)) continue;
    const users: number[] = [];
    let recomputable = true;
    for (const node of [...new Set([bn, ...(readers.get(bn) ?? [])])].map((id) => byId.get(id)!)) {
      if (!contributors.has(node.id)) continue;
      const reads = readsBackward(node);
      const readsIt = reads.inputs.some((i) => rootOf(node.inputs[i]!) === bn) || (node.id === bn && reads.output);
      if (!readsIt) continue;
      if (node.id !== bn && !computeRule(node)?.readsRecomputedInputs) recomputable = false;
      users.push(position.get(node.id)!);
    }
    if (recomputable && users.length > 0) recomputed.set(bn, { first: Math.min(...users), last: Math.max(...users) });
  }

  const allocate = (n: number): Float32Array => new Float32Array(n);
  const sizeOf = (id: string): number => rows.get(id)! * product(byId.get(id)!.shape);

  // A value's array is free once the last node reading it has run, unless the backward pass
  // reads it (train) or it is a tap.
  const lastReader = new Map<string, number>();
  ir.nodes.forEach((node, i) => node.inputs.forEach((id) => lastReader.set(rootOf(id), i)));
  const kept = new Set([ir.input, ...Object.values(ir.taps)].map((id) => rootOf(id!)));
  if (shape.mode === 'train') {
    for (const node of ir.nodes) {
      if (!computing(node) || !contributors.has(node.id)) continue;
      const reads = readsBackward(node);
      for (const i of reads.inputs) if (!recomputed.has(rootOf(node.inputs[i]!))) kept.add(rootOf(node.inputs[i]!));
      if (reads.output && !recomputed.has(node.id)) kept.add(node.id);
    }
  }
  const releaseAt = new Map<number, string[]>();
  for (const [id, i] of lastReader) if (!kept.has(id)) releaseAt.set(i, [...(releaseAt.get(i) ?? []), id]);

  // Every array of the step on one timeline, the forward pass's values and then the backward
  // pass's gradients and recomputed values, laid out together once their lives are known
  // (array-pool.ts): a gradient array takes the memory of values the forward pass is done with.
  const pool = new ArrayPool();
  const valueTickets = new Map<string, ArrayTicket>();
  ir.nodes.forEach((node, i) => {
    if (rootOf(node.id) === node.id) valueTickets.set(node.id, pool.take(rows.get(node.id)! * product(node.shape)));
    // After node i has run, the values it was the last to read are free (never its own inputs before it runs).
    for (const id of releaseAt.get(i) ?? []) pool.give(valueTickets.get(id)!);
  });
  const gradTickets = new Map<string, ArrayTicket>();
  const recomputeTickets = new Map<string, ArrayTicket>();
  const zeroTickets = new Map<number, ArrayTicket[]>();
  for (let p = -1; p < schedule.length; p++) {
    for (const [id, first] of firstWrite) {
      if (first !== p) continue;
      const ticket = pool.take(sizeOf(id));
      gradTickets.set(id, ticket);
      if (contributors.get(id)! > 1) zeroTickets.set(p, [...(zeroTickets.get(p) ?? []), ticket]);
    }
    for (const [id, life] of recomputed) if (life.first === p) recomputeTickets.set(id, pool.take(sizeOf(id)));
    if (p < 0) continue;
    pool.give(gradTickets.get(schedule[p]!)!);
    for (const [id, life] of recomputed) if (life.last === p) pool.give(recomputeTickets.get(id)!);
  }
  const arrayOf = pool.place(allocate);
  const resolve = (tickets: ReadonlyMap<string, ArrayTicket>): Map<string, Float32Array> => new Map([...tickets].map(([id, t]) => [id, arrayOf(t)]));
  const gradArrays = resolve(gradTickets);
  const recomputeArrays = resolve(recomputeTickets);
  const zeroAt = new Map([...zeroTickets].map(([p, tickets]) => [p, tickets.map(arrayOf)]));
  const values = new Map<string, NodeValue>();
  for (const node of ir.nodes) {
    const r = rootOf(node.id);
    const nodeRows = rows.get(node.id)!;
    const width = product(node.shape);
    if (r !== node.id) {
      const source = values.get(r)!;
      values.set(node.id, { node, rows: nodeRows, shape: node.shape, width, data: source.data, grad: source.grad });
    } else {
      values.set(node.id, { node, rows: nodeRows, shape: node.shape, width, data: arrayOf(valueTickets.get(node.id)!), grad: gradArrays.get(node.id) });
    }
  }
  const gradTarget = (id: string): GradTarget | undefined => {
    const v = values.get(id)!;
    return v.grad ? { grad: v.grad, add: (contributors.get(rootOf(id)) ?? 0) > 1 } : undefined;
  };

  // Fused update: each owning op's parameter gradients go to views of one shared array.
  const fused = shape.mode === 'train' && shape.fusedUpdate === true;
  const trainableParams = (node: IrNode): ParameterSlot[] =>
    Object.values(node.params).map((name) => arena.slots.get(name)!).filter((slot) => slot.lrScale !== undefined);
  const owners = fused ? ir.nodes.filter((n) => computing(n) && contributors.has(n.id) && computeRule(n)?.paramGradients === 'backward') : [];
  const sharedGrad = allocate(Math.max(0, ...owners.map((n) => trainableParams(n).reduce((sum, slot) => sum + slot.length, 0))));
  const fusedGrads = new Map<string, Float32Array>();
  for (const node of owners) {
    let offset = 0;
    for (const slot of trainableParams(node)) {
      fusedGrads.set(slot.spec.name, sharedGrad.subarray(offset, offset + slot.length));
      offset += slot.length;
    }
  }
  const updatedAtEnd = [...arena.slots.values()]
    .filter((slot) => slot.lrScale !== undefined && !fusedGrads.has(slot.spec.name))
    .map((slot) => ({ offset: slot.offset, length: slot.length, lrScale: slot.lrScale! }));
  let update: ParameterUpdate | undefined;

  let noise: Random | undefined;
  const forward: StepOp[] = [];
  const backward: StepOp[] = [];
  const forwardLabels: string[] = [];
  const backwardLabels: string[] = [];
  const built = new Map<string, { readonly op: StepOp; readonly label: string }>();
  for (const node of ir.nodes) {
    const rule = computeRule(node);
    if (rootOf(node.id) !== node.id || !rule) continue;
    const output = values.get(node.id)!;
    const fusion = fusionOf(node);
    const ctx: OpContext = {
      node,
      inputs: node.inputs.map((id) => values.get(id)!),
      output,
      inputGrads: node.inputs.map((id) => gradTarget(id)),
      savedInputs: node.inputs.map((id) => recomputeArrays.get(rootOf(id)) ?? values.get(id)!.data),
      savedOutput: recomputeArrays.get(node.id) ?? output.data,
      batch: shape.batch,
      samples: shape.samples,
      kernels,
      precision: precisionCode(rule.precision.bf16 === 'operands' ? (shape.precision ?? 'fp32') : 'fp32'),
      param: (role) => parameterView(arena, paramName(node, role)),
      paramGrad: (role) => fusedGrads.get(paramName(node, role)) ?? gradientView(arena, paramName(node, role)),
      noise: () => {
        if (!noise) throw new Error('a stochastic training step needs a noise source');
        return noise;
      },
      scratch: allocate,
      ...fusion,
    };
    const op = (shape.mode === 'eval' ? rule.inference : rule.train)(ctx);
    const label = rule.label(node, fusion);
    forward.push(op);
    forwardLabels.push(label);
    built.set(node.id, { op, label });
  }
  // Backward, in schedule order: at each position, first the values recomputed for it and the
  // gradient arrays that start there, then the op.
  for (const [p, id] of schedule.entries()) {
    const { op, label } = built.get(id)!;
    const run = op.backward;
    if (!run) throw new Error(`IR node '${id}' (${byId.get(id)!.op}) gets a gradient but its op has no backward`);
    const before: (() => void)[] = [];
    for (const [bn, life] of recomputed) {
      if (life.first !== p) continue;
      const into = recomputeArrays.get(bn)!;
      const again = built.get(bn)!.op.recompute;
      if (!again) throw new Error(`IR node '${bn}' is recomputed but its op cannot recompute`);
      before.push(() => again(into));
    }
    for (const g of zeroAt.get(p) ?? []) before.push(() => g.fill(0));
    const after: (() => void)[] = [];
    for (const slot of fused ? trainableParams(byId.get(id)!) : []) {
      const grad = fusedGrads.get(slot.spec.name);
      if (!grad) continue;
      after.push(() => {
        if (!update) throw new Error('a plan with a fused update needs the optimizer (useUpdate)');
        update(slot.offset, slot.length, slot.lrScale!, grad);
      });
    }
    backward.push({
      forward: op.forward,
      backward:
        before.length === 0 && after.length === 0
          ? run
          : () => {
              for (const f of before) f();
              run();
              for (const f of after) f();
            },
    });
    backwardLabels.push(after.length > 0 ? `${label} backward + update` : `${label} backward`);
  }

  const zeroBeforeBackward = zeroAt.get(-1) ?? [];
  const tapValue = (id: string | undefined): NodeValue | undefined => (id === undefined ? undefined : values.get(id));
  const anchorsName = quantizerAnchors(ir);
  const taps: LossTaps = {
    logits: values.get(ir.taps.logits)!,
    logitsGrad: gradTarget(ir.taps.logits) ?? { grad: allocate(shape.mode === 'eval' ? 0 : values.get(ir.taps.logits)!.data.length), add: false },
    ...optional('latentMean', tapValue(ir.taps.latentMean)),
    ...optional('latentMeanGrad', ir.taps.latentMean === undefined ? undefined : gradTarget(ir.taps.latentMean)),
    ...optional('latentStd', tapValue(ir.taps.latentStd)),
    ...optional('latentStdGrad', ir.taps.latentStd === undefined ? undefined : gradTarget(ir.taps.latentStd)),
    ...optional('attentionSample', tapValue(ir.taps.attentionSample)),
    ...optional('attentionSampleGrad', ir.taps.attentionSample === undefined ? undefined : gradTarget(ir.taps.attentionSample)),
    ...optional('anchors', anchorsName === undefined ? undefined : parameterView(arena, anchorsName)),
    ...optional('anchorsGrad', anchorsName === undefined ? undefined : gradientView(arena, anchorsName)),
  };
  return {
    input: values.get(ir.input)!,
    values,
    forward,
    backward,
    forwardLabels,
    backwardLabels,
    zeroBeforeBackward,
    taps,
    useNoise: (next) => {
      noise = next;
    },
    useUpdate: (next) => {
      update = next;
    },
    updatedAtEnd: fused ? updatedAtEnd : [],
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function paramName(node: IrNode, role: keyof IrNode['params']): string {
  const name = node.params[role];
  if (name === undefined) throw new Error(`IR node '${node.id}' (${node.op}) has no '${role}' parameter`);
  return name;
}
