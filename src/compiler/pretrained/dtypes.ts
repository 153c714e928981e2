/**
 * Element types a weights file may store, with their sizes and how to read one
 * element as a float32. torch's storage classes, safetensors' dtype names and
 * ibc's own float32 all map onto this one table.
 */
export const DTYPES = {
  F64: { bytes: 8, float: true, torch: 'torch.float64' },
  F32: { bytes: 4, float: true, torch: 'torch.float32' },
  F16: { bytes: 2, float: true, torch: 'torch.float16' },
  BF16: { bytes: 2, float: true, torch: 'torch.bfloat16' },
  I64: { bytes: 8, float: false, torch: 'torch.int64' },
  I32: { bytes: 4, float: false, torch: 'torch.int32' },
  I16: { bytes: 2, float: false, torch: 'torch.int16' },
  I8: { bytes: 1, float: false, torch: 'torch.int8' },
  U8: { bytes: 1, float: false, torch: 'torch.uint8' },
  BOOL: { bytes: 1, float: false, torch: 'torch.bool' },
} as const satisfies Record<string, { readonly bytes: number; readonly float: boolean; readonly torch: string }>;

export type Dtype = keyof typeof DTYPES;

export function isDtype(name: string): name is Dtype {
  return Object.hasOwn(DTYPES, name);
}

/** IEEE half precision -> number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/**
 * Little-endian elements of a floating dtype -> float32, element `index` of the result
 * reading element `source(index)` of `bytes`. Integer dtypes are not weights (a caller
 * checks `DTYPES[d].float` first).
 */
export function toFloat32(dtype: Dtype, bytes: Uint8Array, count: number, source: (index: number) => number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * source(i), true);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * source(i), true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(2 * source(i), true));
      return out;
    case 'BF16':
      for (let i = 0; i < count; i++) {
        bf16Scratch.setUint32(0, view.getUint16(2 * source(i), true) << 16);
        out[i] = bf16Scratch.getFloat32(0);
      }
      return out;
    default:
      throw new Error(`bug: ${dtype} is not a floating type`);
  }
}
