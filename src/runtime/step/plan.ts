/**
 * Plans a training step once from the IR: which node's value is another's
 * (Flatten, a Sample with no draws, a ReLU fused into its BatchNorm), how many
 * rows every value has, which values need a gradient and how many ops
 * contribute to each, and one forward and one backward closure per op over
 * arrays allocated here. Running the plan then only calls kernels.
 *
 * The gradient graph is derived here, not recorded while running: every op's
 * backward is written beside its forward (ops/), and the plan orders them in
 * reverse. A gradient array with one contributor is overwritten by it; one
 * with several is zeroed before the backward pass and each adds.
 */
import type { IrNode, ModelIR, Op } from '../../compiler/ir/ir.js';
import type { Random } from '../../support/random.js';
import type { NativeAddon } from '../backends/native/addon.js';
import type { OpBuilder, OpContext, StepOp } from './op.js';
import { product, type GradTarget, type NodeValue } from './values.js';
import { gradientView, parameterView, trains, type ParameterArena } from './parameters.js';
import { conv2d, dense } from './ops/conv-dense.js';
import { batchNorm, batchNormInference } from './ops/batch-norm.js';
import { maxPool, avgPool, globalAvgPool, adaptiveAvgPool } from './ops/pool.js';
import { activation, shiftedSoftplus, dropout, add, slice } from './ops/elementwise.js';
import { sample, quantize, modulate, sampleMean, resizeNearest } from './ops/attention.js';
import type { LossTaps } from './loss.js';

/** One builder per op that computes; aliases (Input, Flatten) have none. */
const BUILDERS: { readonly [O in Exclude<Op, 'Input' | 'Flatten'>]: OpBuilder<O> } = {
  Conv2D: conv2d,
  BatchNorm: batchNorm,
  Activation: activation,
  ShiftedSoftplus: shiftedSoftplus,
  MaxPool: maxPool,
  AvgPool: avgPool,
  GlobalAvgPool: globalAvgPool,
  AdaptiveAvgPool: adaptiveAvgPool,
  Dropout: dropout,
  Add: add,
  Dense: dense,
  Slice: slice,
  Sample: sample,
  Quantize: quantize,
  ResizeNearest: resizeNearest,
  Modulate: modulate,
  SampleMean: sampleMean,
};

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
}

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
  /** Floats allocated for values, gradients and work arrays (not parameters). */
  readonly floats: number;
}

/** Whether this node is another node's value, and which. */
function aliasOf(node: IrNode, ir: ModelIR, shape: StepShape, rows: ReadonlyMap<string, number>, fusedRelus: ReadonlySet<string>): string | undefined {
  switch (node.op) {
    case 'Flatten':
      return node.inputs[0];
    case 'Sample':
      return shape.samples <= 0 ? node.inputs[0] : undefined;
    case 'SampleMean':
      return rows.get(node.inputs[0]!) === shape.batch ? node.inputs[0] : undefined;
    case 'Dropout':
      return shape.mode === 'eval' || (node as IrNode<'Dropout'>).attrs.rate <= 0 ? node.inputs[0] : undefined;
    case 'Activation':
      return fusedRelus.has(node.id) ? node.inputs[0] : undefined;
    default:
      void ir;
      return undefined;
  }
}

function rowsOf(node: IrNode, shape: StepShape, rows: ReadonlyMap<string, number>): number {
  const inputRows = node.inputs.map((id) => rows.get(id)!);
  switch (node.op) {
    case 'Input':
      return shape.batch;
    case 'Sample':
      return shape.samples > 0 ? shape.samples * inputRows[0]! : inputRows[0]!;
    case 'Add':
    case 'Modulate':
      return Math.max(...inputRows);
    case 'SampleMean':
      return shape.batch;
    default:
      return inputRows[0]!;
  }
}

/** ReLUs that read a BatchNorm no one else reads (and that is no tap): they run inside the BatchNorm. */
function fusableRelus(ir: ModelIR): Set<string> {
  const readers = new Map<string, number>();
  for (const node of ir.nodes) for (const id of node.inputs) readers.set(id, (readers.get(id) ?? 0) + 1);
  const tapped = new Set(Object.values(ir.taps));
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const fused = new Set<string>();
  for (const node of ir.nodes) {
    if (node.op !== 'Activation' || (node as IrNode<'Activation'>).attrs.fn !== 'relu') continue;
    const source = byId.get(node.inputs[0]!);
    if (source?.op === 'BatchNorm' && readers.get(source.id) === 1 && !tapped.has(source.id)) fused.add(node.id);
  }
  return fused;
}

export function planTrainingStep(ir: ModelIR, shape: StepShape, arena: ParameterArena, kernels: NativeAddon): StepPlan {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const fusedRelus = fusableRelus(ir);
  const fusedInto = new Set([...fusedRelus].map((id) => byId.get(id)!.inputs[0]!));
  const rows = new Map<string, number>();
  const root = new Map<string, string>();
  for (const node of ir.nodes) {
    rows.set(node.id, rowsOf(node, shape, rows));
    const alias = aliasOf(node, ir, shape, rows, fusedRelus);
    root.set(node.id, alias === undefined ? node.id : root.get(alias)!);
  }
  const rootOf = (id: string): string => root.get(id)!;

  // Which values a gradient reaches: those downstream of a trainable parameter.
  const needsGrad = new Set<string>();
  for (const node of shape.mode === 'eval' ? [] : ir.nodes) {
    const ownParams = Object.values(node.params).some((name) => {
      const slot = arena.slots.get(name!);
      return slot !== undefined && slot.lrScale !== undefined && trains(slot.spec);
    });
    if (ownParams || node.inputs.some((id) => needsGrad.has(rootOf(id)))) needsGrad.add(rootOf(node.id));
  }

  // Which values get a gradient array, and how many contributions each receives: the loss
  // (for its taps) and every computing reader whose own output gets a gradient (only then
  // does its backward run). Decided from the last node back, readers before what they read.
  const computing = (node: IrNode): boolean => rootOf(node.id) === node.id && node.op !== 'Input' && node.op !== 'Flatten';
  const readers = new Map<string, string[]>();
  for (const node of ir.nodes) {
    if (!computing(node)) continue;
    for (const id of node.inputs) readers.set(rootOf(id), [...(readers.get(rootOf(id)) ?? []), node.id]);
  }
  const lossTaps = shape.mode === 'eval' ? [] : [ir.taps.logits, ...(ir.loss.ib ? [ir.taps.latentMean!, ir.taps.latentStd!] : []), ...(ir.quantization ? [ir.taps.attentionSample!] : [])];
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

  let floats = 0;
  const allocate = (n: number): Float32Array => {
    floats += n;
    return new Float32Array(n);
  };
  const sizeOf = (id: string): number => rows.get(id)! * product(byId.get(id)!.shape);
  const gradArrays = new Map<string, Float32Array>();
  const zeroAt = new Map<number, Float32Array[]>();
  const gradPool = new Map<number, Float32Array[]>();
  for (let p = -1; p < schedule.length; p++) {
    for (const [id, first] of firstWrite) {
      if (first !== p) continue;
      const array = gradPool.get(sizeOf(id))?.pop() ?? allocate(sizeOf(id));
      gradArrays.set(id, array);
      if (contributors.get(id)! > 1) zeroAt.set(p, [...(zeroAt.get(p) ?? []), array]);
    }
    if (p >= 0) {
      const done = gradArrays.get(schedule[p]!)!;
      gradPool.set(done.length, [...(gradPool.get(done.length) ?? []), done]);
    }
  }

  // Eval: a value's array goes back to a pool (by length) once the last node reading it has
  // run, and later values of that length take it; the taps are kept to the end.
  const lastReader = new Map<string, number>();
  ir.nodes.forEach((node, i) => node.inputs.forEach((id) => lastReader.set(rootOf(id), i)));
  const kept = new Set(Object.values(ir.taps).map((id) => rootOf(id!)));
  const pool = new Map<number, Float32Array[]>();
  const releaseAt = new Map<number, string[]>();
  for (const [id, i] of lastReader) if (!kept.has(id)) releaseAt.set(i, [...(releaseAt.get(i) ?? []), id]);
  const values = new Map<string, NodeValue>();
  const valueArray = (size: number): Float32Array => (shape.mode === 'eval' ? pool.get(size)?.pop() : undefined) ?? allocate(size);
  ir.nodes.forEach((node, i) => {
    const r = rootOf(node.id);
    const nodeRows = rows.get(node.id)!;
    const width = product(node.shape);
    if (r !== node.id) {
      const source = values.get(r)!;
      values.set(node.id, { node, rows: nodeRows, shape: node.shape, width, data: source.data, grad: source.grad });
    } else {
      values.set(node.id, { node, rows: nodeRows, shape: node.shape, width, data: valueArray(nodeRows * width), grad: gradArrays.get(node.id) });
    }
    // After node i has run, the values it was the last to read are free (never its own inputs before it runs).
    if (shape.mode === 'eval') {
      for (const id of releaseAt.get(i) ?? []) {
        const data = values.get(id)!.data;
        pool.set(data.length, [...(pool.get(data.length) ?? []), data]);
      }
    }
  });
  const gradTarget = (id: string): GradTarget | undefined => {
    const v = values.get(id)!;
    return v.grad ? { grad: v.grad, add: (contributors.get(rootOf(id)) ?? 0) > 1 } : undefined;
  };

  let noise: Random | undefined;
  const forward: StepOp[] = [];
  const backward: StepOp[] = [];
  const forwardLabels: string[] = [];
  const backwardLabels: string[] = [];
  for (const node of ir.nodes) {
    if (rootOf(node.id) !== node.id || node.op === 'Input' || node.op === 'Flatten') continue;
    const output = values.get(node.id)!;
    const ctx: OpContext = {
      node,
      inputs: node.inputs.map((id) => values.get(id)!),
      output,
      inputGrads: node.inputs.map((id) => gradTarget(id)),
      batch: shape.batch,
      samples: shape.samples,
      kernels,
      param: (role) => parameterView(arena, paramName(node, role)),
      paramGrad: (role) => gradientView(arena, paramName(node, role)),
      noise: () => {
        if (!noise) throw new Error('a stochastic training step needs a noise source');
        return noise;
      },
      scratch: allocate,
      fusedRelu: fusedInto.has(node.id),
    };
    const builder = node.op === 'BatchNorm' && shape.mode === 'eval' ? batchNormInference : BUILDERS[node.op as keyof typeof BUILDERS];
    const op = (builder as OpBuilder<Op>)(ctx);
    const label = fusedInto.has(node.id) ? `${node.op}+ReLU` : node.op === 'Activation' ? `Activation ${(node as IrNode<'Activation'>).attrs.fn}` : node.op;
    forward.push(op);
    forwardLabels.push(label);
    if (output.grad) {
      const run = op.backward;
      if (!run) throw new Error(`IR node '${node.id}' (${node.op}) gets a gradient but its op has no backward`);
      const zeros = zeroAt.get(position.get(node.id)!) ?? [];
      backward.push({
        forward: op.forward,
        backward:
          zeros.length === 0
            ? run
            : () => {
                for (const g of zeros) g.fill(0);
                run();
              },
      });
      backwardLabels.push(label);
    }
  }
  backward.reverse();
  backwardLabels.reverse();

  const zeroBeforeBackward = zeroAt.get(-1) ?? [];
  const tapValue = (id: string | undefined): NodeValue | undefined => (id === undefined ? undefined : values.get(id));
  const anchorsName = ir.quantization?.anchors;
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
    floats,
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
