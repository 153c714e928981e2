/**
 * The ONNX protobuf bindings (npm `onnx-proto`, protobufjs static code) and the
 * few constructors the exporter needs. The package is CommonJS without named
 * ESM exports, so it is imported through its default export.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type OnnxModel = onnxProto.onnx.IModelProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;
export type OnnxAttribute = onnxProto.onnx.IAttributeProto;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** An attribute value as the lowerings write it; the builder picks the proto type. */
export type AttrValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

export function attribute(name: string, value: AttrValue): OnnxAttribute {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
}

/** A float32 tensor stored as little-endian raw bytes (compact, and what ORT reads fastest). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTensor {
  return { name, dims: [...dims], dataType: FLOAT, rawData: littleEndianBytes(values) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The float32 values as little-endian bytes: a copy of the buffer on little-endian hosts, byte by byte elsewhere. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  return { name, dims: [...dims], dataType: INT64, int64Data: [...values] };
}

/** A float tensor value-info; `'N'`-style strings become symbolic dimensions. */
export function floatValueInfo(name: string, dims: readonly (number | string)[], docString?: string): OnnxValueInfo {
  return {
    name,
    ...(docString ? { docString } : {}),
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
