/**
 * Accumulates IR nodes and parameters while the model builder (build-model.ts)
 * walks the spec: the IR's builder (the targets have their own graph builders).
 * Every node's shape is inferred here, once; a shape error becomes an IB4001
 * diagnostic at the layer's origin and the caller stops that path (undefined).
 */
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Initializer, IrNode, Op, OpAttrs, ParamRole, ParamSpec } from '../ir/ir.js';
import { formatShape, inferShape, type Shape } from '../ir/shape.js';
import { paramLayouts, type OpParamRole, type ParamLayout } from '../ir/op-facts.js';

export type InitScheme = 'vgg' | 'wrn' | 'he';

/** A value flowing through the builder: a node id, its shape, and how its spatial size came about. */
export interface Tensor {
  readonly id: string;
  readonly shape: Shape;
  /** Spatial size changes so far, e.g. "maxpool 'stage1/maxpool0' 28x28 -> 14x14", for error messages. */
  readonly history: readonly string[];
  /** Where in the spec each history step came from (the `stride=2` or pool size), when known. */
  readonly historyOrigins?: readonly (Span | undefined)[];
}

/** Per-role overrides of the default parameter settings (used for anchors). */
export type ParamOverrides = Partial<Record<ParamRole, { readonly init: Initializer; readonly trainable: boolean; readonly lrScale: number }>>;

const PARAM_SUFFIX: Record<ParamRole, string> = {
  kernel: 'kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  movingMean: 'moving_mean',
  movingVariance: 'moving_variance',
  anchors: 'anchors',
};

export class IrBuilder {
  readonly nodes: IrNode[] = [];
  readonly params: ParamSpec[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly ids = new Set<string>();
  /** The next suffix to try per wanted id, so many same-named layers cost linear, not quadratic, time. */
  private readonly nextSuffix = new Map<string, number>();

  constructor(private readonly init: InitScheme) {}

  /** A fresh id: `wanted`, or `wanted_2`, `wanted_3`... when taken. */
  uniqueId(wanted: string): string {
    if (!this.ids.has(wanted)) return wanted;
    let i = this.nextSuffix.get(wanted) ?? 2;
    while (this.ids.has(`${wanted}_${i}`)) i++;
    this.nextSuffix.set(wanted, i);
    return `${wanted}_${i}`;
  }

  /** Adds a node (and its parameters); returns undefined after reporting a shape error. */
  add<O extends Op>(
    op: O,
    attrs: OpAttrs[O],
    inputs: readonly Tensor[],
    wantedId: string,
    origin: Span | undefined,
    overrides: ParamOverrides = {},
    sizeOrigin?: Span,
  ): Tensor | undefined {
    const inputShapes = inputs.map((t) => t.shape);
    const result = inferShape(op, attrs, inputShapes);
    const id = this.uniqueId(wantedId);
    if ('error' in result) {
      this.error(id, result.error, inputs[0], origin);
      return undefined;
    }
    this.ids.add(id);
    const params: Partial<Record<ParamRole, string>> = {};
    const layouts = paramLayouts(op, attrs, inputShapes);
    for (const [role, layout] of Object.entries(layouts) as [OpParamRole<O>, ParamLayout][]) {
      const name = `${id}/${PARAM_SUFFIX[role]}`;
      params[role] = name;
      this.params.push(this.makeParam(name, op, role, layout, overrides[role]));
    }
    this.nodes.push({ id, op, attrs, inputs: inputs.map((t) => t.id), params, shape: result.shape, ...(origin ? { origin } : {}) });
    const before = inputs[0]?.shape;
    const history = inputs[0]?.history ?? [];
    const changed = before !== undefined && before.length === 3 && result.shape.length === 3 && (before[0] !== result.shape[0] || before[1] !== result.shape[1]);
    if (!changed) return { id, shape: result.shape, history, ...(inputs[0]?.historyOrigins ? { historyOrigins: inputs[0].historyOrigins } : {}) };
    const origins = [...(inputs[0]?.historyOrigins ?? history.map(() => undefined)), sizeOrigin ?? origin];
    return {
      id,
      shape: result.shape,
      history: [...history, `${describeOp(op, attrs)} '${shortId(id)}' (${before[0]}x${before[1]} -> ${result.shape[0]}x${result.shape[1]})`],
      historyOrigins: origins,
    };
  }

  /** Reports an IB4001 for the layer `id`, explaining where its input's size came from. */
  error(id: string, detail: string, input: Tensor | undefined, origin: Span | undefined): void {
    const from = input && input.shape.length === 3 && input.history.length > 0 ? ` (its input is ${formatShape(input.shape)} after ${input.history.join(', ')})` : '';
    this.diagnostics.push(diagnostic('layerShape', { args: { layer: `'${shortId(id)}'`, detail: detail + from }, ...(origin ? { span: origin } : {}) }));
  }

  report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  private makeParam<O extends Op>(name: string, op: O, role: OpParamRole<O>, { shape, fanIn, fanOut }: ParamLayout, override: ParamOverrides[ParamRole]): ParamSpec {
    if (override) return { name, shape, init: override.init, trainable: override.trainable, group: 'weights', fanIn, fanOut, lrScale: override.lrScale };
    const init = (INITIALIZERS[op] as Initializers<O>)[role](this.init, { shape, fanIn, fanOut });
    const buffer = role === 'movingMean' || role === 'movingVariance';
    return { name, shape, init, trainable: !buffer, group: buffer ? 'buffers' : 'weights', fanIn, fanOut, lrScale: 1 };
  }
}

/** How each role of an op's parameters starts, per initialisation scheme. */
type Initializers<O extends Op> = { readonly [R in OpParamRole<O>]: (scheme: InitScheme, param: ParamLayout) => Initializer };

const zeros = (): Initializer => ({ kind: 'zeros' });

/**
 * The initialisation of docs/method.md (section 6), per op and role. BatchNorm's moving statistics are buffers
 * (zeros and ones); the anchors' initialiser comes from the spec (an override), and zeros
 * only when no override is given.
 */
const INITIALIZERS: { readonly [O in Op]: Initializers<O> } = {
  Input: {},
  Conv2D: {
    kernel: (scheme, { shape, fanIn }) => {
      if (scheme === 'vgg') return { kind: 'xavierUniform', gain: Math.SQRT2 };
      // WRN: N(0, sqrt(2 / (k*k*Cout))), fan-out; he: Kaiming-normal, fan-in.
      if (scheme === 'wrn') return { kind: 'normal', std: Math.sqrt(2 / ((shape[0] ?? 1) * (shape[1] ?? 1) * (shape[3] ?? 1))) };
      return { kind: 'normal', std: Math.sqrt(2 / fanIn) };
    },
    // The WRN reference leaves conv biases at PyTorch's default.
    bias: (scheme) => (scheme === 'wrn' ? { kind: 'torchDefault' } : { kind: 'zeros' }),
  },
  BatchNorm: {
    gamma: (scheme) => (scheme === 'vgg' ? { kind: 'uniform', low: 0, high: 1 } : { kind: 'ones' }),
    beta: zeros,
    movingMean: zeros,
    movingVariance: () => ({ kind: 'ones' }),
  },
  Activation: {},
  ShiftedSoftplus: {},
  MaxPool: {},
  AvgPool: {},
  GlobalAvgPool: {},
  AdaptiveAvgPool: {},
  Dropout: {},
  Add: {},
  Flatten: {},
  Dense: {
    kernel: (scheme) => (scheme === 'vgg' ? { kind: 'xavierUniform', gain: Math.SQRT2 } : { kind: 'torchDefault' }),
    bias: (scheme) => (scheme === 'he' ? { kind: 'torchDefault' } : { kind: 'zeros' }),
  },
  Slice: {},
  Sample: {},
  Quantize: { anchors: zeros },
  ResizeNearest: {},
  Modulate: {},
  SampleMean: {},
};

/** How an op that changes the spatial size reads in a size history ("maxpool 'stage1/pool' 28x28 -> 14x14"). */
const SIZE_CHANGE_WORDS: { readonly [O in Op]: (attrs: OpAttrs[O]) => string } = {
  Input: () => 'input',
  Conv2D: (a) => `conv ${a.kernel[0]}x${a.kernel[1]} stride ${a.stride[0]}`,
  BatchNorm: () => 'batchnorm',
  Activation: (a) => a.fn,
  ShiftedSoftplus: () => 'softplus',
  MaxPool: (a) => `${a.size[0]}x${a.size[1]} maxpool stride ${a.stride[0]}`,
  AvgPool: (a) => `${a.size[0]}x${a.size[1]} avgpool stride ${a.stride[0]}`,
  GlobalAvgPool: () => 'global_avgpool',
  AdaptiveAvgPool: () => 'adaptive_avgpool',
  Dropout: () => 'dropout',
  Add: () => 'add',
  Flatten: () => 'flatten',
  Dense: () => 'linear',
  Slice: () => 'slice',
  Sample: () => 'sample',
  Quantize: () => 'quantize',
  ResizeNearest: () => 'resize',
  Modulate: () => 'modulate',
  SampleMean: () => 'sample mean',
};

function describeOp<O extends Op>(op: O, attrs: OpAttrs[O]): string {
  return (SIZE_CHANGE_WORDS[op] as (attrs: OpAttrs[O]) => string)(attrs);
}

/** Node ids without the "backbone/" prefix read better in messages. */
export function shortId(id: string): string {
  return id.startsWith('backbone/') ? id.slice('backbone/'.length) : id;
}
