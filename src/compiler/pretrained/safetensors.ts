/**
 * The safetensors format (how timm and most current model hubs ship weights):
 * an 8-byte little-endian header length N, N bytes of JSON
 * `{"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
 * then the data, offsets counted from its start. Reading checks every entry
 * against the file's size before anything is read; writing (exports) produces
 * the same layout with tensors in name order, 8-byte aligned data.
 */
import type { RandomAccessFile } from '../../host/random-access.js';
import { DTYPES, isDtype, toFloat32, type Dtype } from './dtypes.js';
import { elementCount, type OpenedWeights, type StoredTensor } from './weights-file.js';

/** The reference implementation's own bound on the header. */
const MAX_HEADER_BYTES = 100_000_000;

/** A safetensors file starts with a header length that fits the file, then '{'. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(size - 8) && head[8] === 0x7b;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function openSafetensors(file: RandomAccessFile): OpenedWeights {
  if (file.size < 8) return { problem: 'it is shorter than a safetensors header' };
  const head = file.read(0, 8);
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || n > file.size - 8) return { problem: `its safetensors header claims ${n.toLocaleString('en-US')} bytes, more than the file's ${file.size.toLocaleString('en-US')}` };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.read(8, n)));
  } catch (error) {
    return { problem: `its safetensors header is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { problem: 'its safetensors header is not a JSON object' };
  const dataStart = 8 + n;
  const dataBytes = file.size - dataStart;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) return { problem: `safetensors entry '${name}' is not an object` };
    if (typeof e.dtype !== 'string' || !isDtype(e.dtype)) return { problem: `tensor '${name}' has dtype ${JSON.stringify(e.dtype)}, which ibc does not read (${Object.keys(DTYPES).join(', ')})` };
    const dtype: Dtype = e.dtype;
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) return { problem: `tensor '${name}' has no valid shape` };
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1]) || offsets[0] > offsets[1]) {
      return { problem: `tensor '${name}' has no valid data_offsets` };
    }
    const [begin, end] = offsets as [number, number];
    const count = elementCount(shape);
    if (end - begin !== count * DTYPES[dtype].bytes) {
      return { problem: `tensor '${name}' [${shape.join(', ')}] ${dtype} needs ${(count * DTYPES[dtype].bytes).toLocaleString('en-US')} bytes, its data_offsets give ${(end - begin).toLocaleString('en-US')}` };
    }
    if (end > dataBytes) return { problem: `tensor '${name}' ends at byte ${end.toLocaleString('en-US')} of the data, which holds ${dataBytes.toLocaleString('en-US')} bytes (the file is cut short?)` };
    tensors.set(name, {
      name,
      dtype,
      shape,
      read: async () => ({ values: toFloat32(dtype, file.read(dataStart + begin, end - begin), count, (i) => i) }),
    });
  }
  return { weights: { format: 'safetensors', description: 'a safetensors file', tensors, close: () => file.close() } };
}

export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A safetensors file of float32 tensors, as chunks (the data is not copied on little-endian hosts). */
export function encodeSafetensors(tensors: ReadonlyMap<string, TensorToWrite>, metadata: Readonly<Record<string, string>> = {}): Uint8Array[] {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (t.data.length !== elementCount(t.shape)) throw new Error(`bug: tensor '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const chunks = names.map((name) => {
    const data = tensors.get(name)!.data;
    if (little) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = new Uint8Array(data.byteLength);
    const view = new DataView(out.buffer);
    data.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return out;
  });
  return [length, json, ...chunks];
}
