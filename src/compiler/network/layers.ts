/**
 * Building IR primitives from the spec's layer vocabulary (LayerSpec). Composite
 * layers (basic and bottleneck blocks) decompose here, once, into
 * Conv2D / BatchNorm / Activation / Dropout / Add.
 *
 * Naming: a layer's node id is `<scope>/<name>`, where name is the user's
 * `name=` or the layer kind plus a per-kind, per-scope counter from 0
 * (`backbone/stage1/conv0`, `decoder/linear1`). Nodes inside a block get
 * `<block>/<part>` (`backbone/group1/block0/conv1`).
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import type { BasicBlockLayer, BottleneckLayer, LayerSpec } from '../spec/resolved-spec.js';
import type { ActivationKind } from '../spec/resolved-spec.js';
import { resolvePads } from '../ir/shape.js';
import type { IrBuilder, Tensor } from './ir-builder.js';

const KIND_NAMES: Record<LayerSpec['type'], string> = {
  conv: 'conv',
  batchnorm: 'bn',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  leaky_relu: 'leaky_relu',
  elu: 'elu',
  gelu: 'gelu',
  softplus: 'softplus',
  maxpool: 'maxpool',
  avgpool: 'avgpool',
  global_avgpool: 'gap',
  adaptive_avgpool: 'adaptive_pool',
  dropout: 'dropout',
  basic_block: 'block',
  bottleneck: 'bottleneck',
  flatten: 'flatten',
  linear: 'linear',
};

/** Names layers within one scope (a stage, the head, the decoder...). */
export class Scope {
  private readonly counters = new Map<string, number>();
  constructor(readonly prefix: string) {}

  nameFor(layer: LayerSpec): string {
    if (layer.name) return `${this.prefix}/${layer.name}`;
    const kind = KIND_NAMES[layer.type];
    const n = this.counters.get(kind) ?? 0;
    this.counters.set(kind, n + 1);
    return `${this.prefix}/${kind}${n}`;
  }
}

/** Builds `layers` in order starting from `x`; undefined once a shape error has been reported. */
export function buildLayers(g: IrBuilder, layers: readonly LayerSpec[], x: Tensor, scope: Scope, fallbackOrigin?: Span): Tensor | undefined {
  let t: Tensor | undefined = x;
  for (const layer of layers) {
    if (!t) return undefined;
    t = buildLayer(g, layer, t, scope.nameFor(layer), layer.origin ?? fallbackOrigin);
  }
  return t;
}

const ACTIVATIONS: ReadonlySet<string> = new Set<ActivationKind>(['relu', 'sigmoid', 'tanh', 'leaky_relu', 'elu', 'gelu', 'softplus']);

export function buildLayer(g: IrBuilder, layer: LayerSpec, x: Tensor, id: string, origin: Span | undefined): Tensor | undefined {
  switch (layer.type) {
    case 'conv':
      return conv(g, x, id, origin, layer.filters, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.bias, layer.sizeOrigin);
    case 'batchnorm':
      return g.add('BatchNorm', { epsilon: layer.epsilon, momentum: layer.momentum }, [x], id, origin);
    case 'maxpool':
    case 'avgpool': {
      const pads = spatialPads(layer.padding, x, layer.size, layer.stride, [1, 1]);
      const attrs = { size: layer.size, stride: layer.stride, pads };
      return layer.type === 'maxpool' ? g.add('MaxPool', attrs, [x], id, origin, {}, layer.sizeOrigin) : g.add('AvgPool', attrs, [x], id, origin, {}, layer.sizeOrigin);
    }
    case 'global_avgpool':
      return g.add('GlobalAvgPool', {}, [x], id, origin);
    case 'adaptive_avgpool':
      return g.add('AdaptiveAvgPool', { size: layer.size }, [x], id, origin);
    case 'dropout':
      return g.add('Dropout', { rate: layer.rate }, [x], id, origin);
    case 'flatten':
      return g.add('Flatten', {}, [x], id, origin);
    case 'linear':
      return g.add('Dense', { units: layer.units, bias: layer.bias }, [x], id, origin);
    case 'basic_block':
      return basicBlock(g, layer, x, id, origin);
    case 'bottleneck':
      return bottleneck(g, layer, x, id, origin);
    default: {
      if (!ACTIVATIONS.has(layer.type)) throw new Error(`bug: unknown layer type ${(layer as { type: string }).type}`);
      return activation(g, x, id, origin, layer.type, layer.alpha);
    }
  }
}

/** Padding for a windowed op; 'same' needs the input size, which a vector input lacks (the shape check reports that). */
function spatialPads(
  padding: 'same' | 'valid' | number,
  x: Tensor,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
) {
  const hw: [number, number] = x.shape.length === 3 ? [x.shape[0]!, x.shape[1]!] : [1, 1];
  return resolvePads(padding, hw, kernel, stride, dilation);
}

export function conv(
  g: IrBuilder,
  x: Tensor,
  id: string,
  origin: Span | undefined,
  filters: number,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: 'same' | 'valid' | number,
  dilation: readonly [number, number],
  bias: boolean,
  sizeOrigin?: Span,
): Tensor | undefined {
  const pads = spatialPads(padding, x, kernel, stride, dilation);
  return g.add('Conv2D', { filters, kernel, stride, dilation, pads, bias }, [x], id, origin, {}, sizeOrigin);
}

function activation(g: IrBuilder, x: Tensor, id: string, origin: Span | undefined, fn: ActivationKind, alpha?: number): Tensor | undefined {
  const defaultAlpha = fn === 'leaky_relu' ? 0.01 : fn === 'elu' ? 1 : undefined;
  const a = alpha ?? defaultAlpha;
  return g.add('Activation', a === undefined ? { fn } : { fn, alpha: a }, [x], id, origin);
}

/** PyTorch-style convolution inside residual blocks: padding k//2, no bias. */
function blockConv(g: IrBuilder, x: Tensor, id: string, origin: Span | undefined, filters: number, k: number, stride: number): Tensor | undefined {
  return conv(g, x, id, origin, filters, [k, k], [stride, stride], Math.floor(k / 2), [1, 1], false);
}

function bn(g: IrBuilder, x: Tensor, id: string, origin: Span | undefined): Tensor | undefined {
  return g.add('BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [x], id, origin);
}

function relu(g: IrBuilder, x: Tensor, id: string, origin: Span | undefined): Tensor | undefined {
  return g.add('Activation', { fn: 'relu' }, [x], id, origin);
}

function channels(x: Tensor): number {
  return x.shape[x.shape.length - 1]!;
}

/**
 * Basic residual block.
 * preact (Wide ResNet): o = relu(bn1(x)); h = conv1(o); h = relu(bn2(h)); dropout; h = conv2(h);
 *   out = h + (same shape ? x : shortcut(o)), the 1x1 shortcut reading the pre-activated input.
 * post-activation (ResNet-18/34): h = relu(bn1(conv1(x))); [dropout]; h = bn2(conv2(h));
 *   out = relu(h + (same shape ? x : bn(conv1x1(x)))).
 */
function basicBlock(g: IrBuilder, layer: BasicBlockLayer, x: Tensor, id: string, origin: Span | undefined): Tensor | undefined {
  if (x.shape.length !== 3) {
    g.error(id, `basic_block needs a feature map [h, w, c] but its input is a flat vector of ${x.shape[0]}`, x, origin);
    return undefined;
  }
  const sameShape = layer.stride === 1 && channels(x) === layer.filters;
  if (layer.preact) {
    const normed = bn(g, x, `${id}/bn1`, origin);
    const pre = normed && relu(g, normed, `${id}/relu1`, origin);
    if (!pre) return undefined;
    let h = blockConv(g, pre, `${id}/conv1`, origin, layer.filters, 3, layer.stride);
    if (!h) return undefined;
    h = bn(g, h, `${id}/bn2`, origin);
    h = h && relu(g, h, `${id}/relu2`, origin);
    if (h && layer.dropout > 0) h = g.add('Dropout', { rate: layer.dropout }, [h], `${id}/dropout`, origin);
    h = h && blockConv(g, h, `${id}/conv2`, origin, layer.filters, 3, 1);
    const skip = sameShape ? x : blockConv(g, pre, `${id}/shortcut`, origin, layer.filters, 1, layer.stride);
    return h && skip && g.add('Add', {}, [h, skip], `${id}/add`, origin);
  }
  let h = blockConv(g, x, `${id}/conv1`, origin, layer.filters, 3, layer.stride);
  h = h && bn(g, h, `${id}/bn1`, origin);
  h = h && relu(g, h, `${id}/relu1`, origin);
  if (h && layer.dropout > 0) h = g.add('Dropout', { rate: layer.dropout }, [h], `${id}/dropout`, origin);
  h = h && blockConv(g, h, `${id}/conv2`, origin, layer.filters, 3, 1);
  h = h && bn(g, h, `${id}/bn2`, origin);
  const skip = sameShape ? x : downsample(g, x, id, origin, layer.filters, layer.stride);
  const sum = h && skip && g.add('Add', {}, [h, skip], `${id}/add`, origin);
  return sum && relu(g, sum, `${id}/relu2`, origin);
}

function downsample(g: IrBuilder, x: Tensor, id: string, origin: Span | undefined, filters: number, stride: number): Tensor | undefined {
  const c = blockConv(g, x, `${id}/downsample/conv`, origin, filters, 1, stride);
  return c && bn(g, c, `${id}/downsample/bn`, origin);
}

/**
 * Bottleneck block, torchvision v1.5 layout (stride on the 3x3):
 * h = relu(bn1(conv1x1(x, width))); h = relu(bn2(conv3x3(h, width, stride))); h = bn3(conv1x1(h, planes*expansion));
 * out = relu(h + (same shape ? x : bn(conv1x1(x, stride)))), width = planes * widthFactor.
 */
function bottleneck(g: IrBuilder, layer: BottleneckLayer, x: Tensor, id: string, origin: Span | undefined): Tensor | undefined {
  if (x.shape.length !== 3) {
    g.error(id, `bottleneck needs a feature map [h, w, c] but its input is a flat vector of ${x.shape[0]}`, x, origin);
    return undefined;
  }
  const width = layer.filters * layer.widthFactor;
  const out = layer.filters * layer.expansion;
  let h = blockConv(g, x, `${id}/conv1`, origin, width, 1, 1);
  h = h && bn(g, h, `${id}/bn1`, origin);
  h = h && relu(g, h, `${id}/relu1`, origin);
  h = h && blockConv(g, h, `${id}/conv2`, origin, width, 3, layer.stride);
  h = h && bn(g, h, `${id}/bn2`, origin);
  h = h && relu(g, h, `${id}/relu2`, origin);
  h = h && blockConv(g, h, `${id}/conv3`, origin, out, 1, 1);
  h = h && bn(g, h, `${id}/bn3`, origin);
  const sameShape = layer.stride === 1 && channels(x) === out;
  const skip = sameShape ? x : downsample(g, x, id, origin, out, layer.stride);
  const sum = h && skip && g.add('Add', {}, [h, skip], `${id}/add`, origin);
  return sum && relu(g, sum, `${id}/relu3`, origin);
}
