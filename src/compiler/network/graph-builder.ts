/**
 * Accumulates IR nodes and parameters while the model builder walks the spec.
 * Every node's shape is inferred here, once; a shape error becomes an IB4001
 * diagnostic at the layer's origin and the caller stops that path (undefined).
 */
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Initializer, IrNode, Op, OpAttrs, ParamRole, ParamSpec } from '../ir/ir.js';
import { formatShape, inferShape, paramShapes, type Shape } from '../ir/shape.js';

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

export class GraphBuilder {
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
    const shapes = paramShapes(op, attrs as OpAttrs[Op], inputShapes);
    for (const [role, shape] of Object.entries(shapes) as [ParamRole, Shape][]) {
      const name = `${id}/${PARAM_SUFFIX[role]}`;
      params[role] = name;
      this.params.push(this.makeParam(name, op, role, shape, fans(op, attrs as OpAttrs[Op], inputShapes, shape), overrides[role]));
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
      history: [...history, `${describeOp(op, attrs as OpAttrs[Op])} '${shortId(id)}' (${before[0]}x${before[1]} -> ${result.shape[0]}x${result.shape[1]})`],
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

  private makeParam(name: string, op: Op, role: ParamRole, shape: Shape, [fanIn, fanOut]: [number, number], override: ParamOverrides[ParamRole]): ParamSpec {
    if (override) return { name, shape, init: override.init, trainable: override.trainable, group: 'weights', fanIn, fanOut, lrScale: override.lrScale };
    if (role === 'movingMean') return { name, shape, init: { kind: 'zeros' }, trainable: false, group: 'buffers', fanIn, fanOut, lrScale: 1 };
    if (role === 'movingVariance') return { name, shape, init: { kind: 'ones' }, trainable: false, group: 'buffers', fanIn, fanOut, lrScale: 1 };
    return { name, shape, init: this.initializer(op, role, shape, fanIn), trainable: true, group: 'weights', fanIn, fanOut, lrScale: 1 };
  }

  /** method.md "Initialisation", per scheme. */
  private initializer(op: Op, role: ParamRole, shape: Shape, fanIn: number): Initializer {
    const scheme = this.init;
    if (role === 'gamma') return scheme === 'vgg' ? { kind: 'uniform', low: 0, high: 1 } : { kind: 'ones' };
    if (role === 'beta') return { kind: 'zeros' };
    if (op === 'Conv2D') {
      if (role === 'kernel') {
        if (scheme === 'vgg') return { kind: 'xavierUniform', gain: Math.SQRT2 };
        // WRN: N(0, sqrt(2 / (k*k*Cout))) — fan-out; he: Kaiming-normal fan-in.
        if (scheme === 'wrn') return { kind: 'normal', std: Math.sqrt(2 / (shape[0]! * shape[1]! * shape[3]!)) };
        return { kind: 'normal', std: Math.sqrt(2 / fanIn) };
      }
      // The WRN reference leaves conv biases at PyTorch's default.
      return scheme === 'wrn' ? { kind: 'torchDefault' } : { kind: 'zeros' };
    }
    if (op === 'Dense') {
      if (role === 'kernel') return scheme === 'vgg' ? { kind: 'xavierUniform', gain: Math.SQRT2 } : { kind: 'torchDefault' };
      return scheme === 'he' ? { kind: 'torchDefault' } : { kind: 'zeros' };
    }
    return { kind: 'zeros' };
  }
}

/** PyTorch's fan convention: conv fan-in = kh*kw*Cin, fan-out = kh*kw*Cout; dense in / out. A bias shares its layer's fans. */
function fans(op: Op, attrs: OpAttrs[Op], inputShapes: readonly Shape[], paramShape: Shape): [number, number] {
  if (op === 'Conv2D') {
    const a = attrs as OpAttrs['Conv2D'];
    const k = a.kernel[0] * a.kernel[1];
    return [k * inputShapes[0]![2]!, k * a.filters];
  }
  if (op === 'Dense') return [inputShapes[0]![0]!, (attrs as OpAttrs['Dense']).units];
  const n = paramShape[0] ?? 1;
  return [n, n];
}

function describeOp(op: Op, attrs: OpAttrs[Op]): string {
  switch (op) {
    case 'Conv2D': {
      const a = attrs as OpAttrs['Conv2D'];
      return `conv ${a.kernel[0]}x${a.kernel[1]} stride ${a.stride[0]}`;
    }
    case 'MaxPool':
    case 'AvgPool': {
      const a = attrs as OpAttrs['MaxPool'];
      return `${a.size[0]}x${a.size[1]} ${op === 'MaxPool' ? 'maxpool' : 'avgpool'} stride ${a.stride[0]}`;
    }
    case 'AdaptiveAvgPool':
      return 'adaptive_avgpool';
    case 'ResizeNearest':
      return 'resize';
    default:
      return op;
  }
}

/** Node ids without the "backbone/" prefix read better in messages. */
export function shortId(id: string): string {
  return id.startsWith('backbone/') ? id.slice('backbone/'.length) : id;
}
