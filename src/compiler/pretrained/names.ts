/**
 * The PyTorch name of every ibc parameter, in both directions: which state-dict key
 * feeds an IR parameter when a torchvision file is loaded, and which key it gets
 * when weights are exported. Built-in backbones with a torchvision twin use
 * torchvision's names exactly (vgg16, vgg16_bn variant=imagenet, resnet18/34/50,
 * wrn50_2 = wide_resnet50_2); every other parameter gets ibc's documented name:
 * its IR name with '/' as '.', and the role's PyTorch name (kernel -> weight,
 * gamma -> weight, beta -> bias, moving_mean -> running_mean, moving_variance ->
 * running_var), e.g. `attention.head.conv0.weight`, `backbone.group1.block0.conv1.weight`.
 *
 * Layouts: ibc's convolution kernels are HWIO and PyTorch's OIHW; ibc's dense
 * kernels are [in, out] and PyTorch's [out, in]. Vectors are the same in both.
 */
import type { ModelIR, Op, ParamRole } from '../ir/ir.js';
import type { BackboneSpec } from '../spec/resolved-spec.js';

/** How a parameter's values are laid out in a PyTorch file relative to ibc's. */
export type Layout = 'oihw' | 'out-in' | 'same';

export interface TorchName {
  readonly key: string;
  readonly layout: Layout;
}

const ROLE_NAMES: Record<ParamRole, string> = {
  kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  movingMean: 'running_mean',
  movingVariance: 'running_var',
  anchors: 'anchors',
};

/** PyTorch layout of a parameter by the op that owns it and its role. */
function layoutOf(op: Op, role: ParamRole): Layout {
  if (role !== 'kernel') return 'same';
  return op === 'Conv2D' ? 'oihw' : op === 'Dense' ? 'out-in' : 'same';
}

/** Every parameter of the IR with the op and role that own it. */
export function parameterOwners(ir: ModelIR): Map<string, { readonly node: string; readonly op: Op; readonly role: ParamRole }> {
  const owners = new Map<string, { node: string; op: Op; role: ParamRole }>();
  for (const node of ir.nodes) for (const [role, name] of Object.entries(node.params) as [ParamRole, string][]) owners.set(name, { node: node.id, op: node.op, role });
  return owners;
}

/** Whether the backbone has a torchvision twin whose names the trunk uses. */
export function torchvisionModel(backbone: BackboneSpec): string | undefined {
  switch (backbone.kind) {
    case 'vgg16':
      return 'vgg16';
    case 'vgg16_bn':
      return backbone.variant === 'imagenet' ? 'vgg16_bn' : undefined;
    case 'resnet18':
    case 'resnet34':
    case 'resnet50':
      return backbone.kind;
    case 'wrn50_2':
      return 'wide_resnet50_2';
    default:
      return undefined;
  }
}

const VGG_BLOCKS = [2, 2, 3, 3, 3] as const;

/** torchvision `features` indices of VGG-16's convolutions, block by block (a BN follows each at +1 in vgg16_bn). */
function vggConvIndices(bn: boolean): number[][] {
  let index = 0;
  return VGG_BLOCKS.map((convs) => {
    const block: number[] = [];
    for (let c = 0; c < convs; c++) {
      block.push(index);
      index += bn ? 3 : 2; // conv, [bn], relu
    }
    index += 1; // max-pool
    return block;
  });
}

/** torchvision's layer name for a trunk layer (the IR node id without `backbone/`), or undefined when it has none. */
function torchvisionLayer(model: string, layer: string): string | undefined {
  if (model.startsWith('vgg')) {
    const bn = model === 'vgg16_bn';
    const m = /^block([1-5])\/(conv|bn)(\d+)$/.exec(layer);
    if (!m) return undefined;
    const index = vggConvIndices(bn)[Number(m[1]) - 1]?.[Number(m[3])];
    if (index === undefined || (m[2] === 'bn' && !bn)) return undefined;
    return `features.${index + (m[2] === 'bn' ? 1 : 0)}`;
  }
  if (layer === 'stem/conv0') return 'conv1';
  if (layer === 'stem/bn0') return 'bn1';
  const m = /^layer([1-4])\/(?:block|bottleneck)(\d+)\/(conv[1-3]|bn[1-3]|downsample\/conv|downsample\/bn)$/.exec(layer);
  if (!m) return undefined;
  const part = m[3] === 'downsample/conv' ? 'downsample.0' : m[3] === 'downsample/bn' ? 'downsample.1' : m[3];
  return `layer${m[1]}.${m[2]}.${part}`;
}

/** ibc's documented name of a parameter: its IR name with '.' for '/', the role in PyTorch's words. */
export function ibcTorchName(node: string, role: ParamRole): string {
  return `${node.replaceAll('/', '.')}.${ROLE_NAMES[role]}`;
}

/**
 * The PyTorch name and layout of every parameter of `ir`: torchvision's for a trunk
 * with a torchvision twin, ibc's documented name for everything else.
 */
export function torchNames(ir: ModelIR, backbone: BackboneSpec): Map<string, TorchName> {
  const model = torchvisionModel(backbone);
  const names = new Map<string, TorchName>();
  for (const [param, owner] of parameterOwners(ir)) {
    const layout = layoutOf(owner.op, owner.role);
    const layer = owner.node.startsWith('backbone/') ? owner.node.slice('backbone/'.length) : undefined;
    const twin = model && layer !== undefined ? torchvisionLayer(model, layer) : undefined;
    names.set(param, { key: twin ? `${twin}.${ROLE_NAMES[owner.role]}` : ibcTorchName(owner.node, owner.role), layout });
  }
  return names;
}

/** Tensors a torchvision file holds that no ibc trunk has a place for, by design: the classifier and BN's step counters. */
export function expectedUnused(key: string): boolean {
  return key.endsWith('.num_batches_tracked') || /^(fc|classifier)\./.test(key);
}

/** A parameter's shape in the PyTorch file, from ibc's shape. */
export function torchShape(shape: readonly number[], layout: Layout): number[] {
  if (layout === 'oihw') return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
  if (layout === 'out-in') return [shape[1]!, shape[0]!];
  return [...shape];
}

/** PyTorch values (in `layout`) -> ibc's layout, for a parameter of ibc shape `shape`. */
export function fromTorchLayout(values: Float32Array, shape: readonly number[], layout: Layout): Float32Array {
  if (layout === 'same') return values;
  const out = new Float32Array(values.length);
  if (layout === 'out-in') {
    const [inputs, outputs] = [shape[0]!, shape[1]!];
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) out[i * outputs + o] = values[o * inputs + i]!;
    return out;
  }
  const [h, w, cin, cout] = [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((y * w + x) * cin + i) * cout + o] = values[((o * cin + i) * h + y) * w + x]!;
  return out;
}

/** ibc values -> PyTorch's layout (exports). */
export function toTorchLayout(values: Float32Array, shape: readonly number[], layout: Layout): Float32Array {
  if (layout === 'same') return values;
  const out = new Float32Array(values.length);
  if (layout === 'out-in') {
    const [inputs, outputs] = [shape[0]!, shape[1]!];
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) out[o * inputs + i] = values[i * outputs + o]!;
    return out;
  }
  const [h, w, cin, cout] = [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((o * cin + i) * h + y) * w + x] = values[((y * w + x) * cin + i) * cout + o]!;
  return out;
}
