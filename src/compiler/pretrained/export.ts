/**
 * The way back to PyTorch: a model's weights as a safetensors file a PyTorch user
 * can `load_state_dict`. The trunk gets torchvision's names and layouts where the
 * backbone has a torchvision twin (so `torchvision.models.resnet50().load_state_dict(
 * sd, strict=False)` takes it, leaving only `fc` missing); every other parameter gets
 * ibc's documented name (names.ts): `attention.head.conv0.weight`, `encoder.dense.weight`,
 * `decoder.linear0.bias`, `attention.quantize.anchors`, in PyTorch's layouts
 * (convolutions OIHW, linear weights [out, in]). The file's metadata names the
 * format, the spec and whether names are torchvision's.
 */
import type { ModelIR } from '../ir/ir.js';
import type { BackboneSpec } from '../spec/resolved-spec.js';
import { toTorchLayout, torchNames, torchShape, torchvisionModel } from './names.js';
import { encodeSafetensors, type TensorToWrite } from './safetensors.js';

export interface TorchExport {
  readonly tensors: ReadonlyMap<string, TensorToWrite>;
  /** The torchvision model whose names the trunk uses, when it has one. */
  readonly torchvision?: string;
}

export function torchStateDict(ir: ModelIR, backbone: BackboneSpec, weights: ReadonlyMap<string, Float32Array>): TorchExport {
  const names = torchNames(ir, backbone);
  const tensors = new Map<string, TensorToWrite>();
  for (const p of ir.params) {
    const name = names.get(p.name);
    const values = weights.get(p.name);
    if (!name || !values) throw new Error(`bug: no ${name ? 'values' : 'name'} for parameter '${p.name}'`);
    if (tensors.has(name.key)) throw new Error(`bug: two parameters export as '${name.key}'`);
    tensors.set(name.key, { shape: torchShape(p.shape, name.layout), data: toTorchLayout(values, p.shape, name.layout) });
  }
  const torchvision = torchvisionModel(backbone);
  return { tensors, ...(torchvision ? { torchvision } : {}) };
}

/** The safetensors bytes of `torchStateDict`, with metadata (spec name and hash, the torchvision twin). */
export function encodeTorchExport(exported: TorchExport, meta: { readonly specName: string; readonly specHash: string }): Uint8Array[] {
  return encodeSafetensors(exported.tensors, {
    format: 'pt',
    producer: 'ibc',
    spec: meta.specName,
    spec_hash: meta.specHash,
    trunk_names: exported.torchvision ? `torchvision ${exported.torchvision}` : 'ibc',
  });
}
