/**
 * The ibc checkpoint file format, version 1. All integers are little-endian
 * unsigned 32-bit unless noted.
 *
 *   offset  size  field
 *   0       4     magic "IBCK"
 *   4       4     format version (1)
 *   8       8     body length in bytes (u64)
 *   16      32    SHA-256 of the body
 *   48      ...   body:
 *                   u32 metadata length, metadata as UTF-8 JSON, zero padding to a multiple of 4
 *                   u32 tensor count
 *                   per tensor: u32 name length, UTF-8 name, u32 rank, rank x u32 dims,
 *                               zero padding to a multiple of 4, float32 data (product of dims values)
 *
 * The body length makes truncation detectable before hashing, the hash catches
 * any other corruption, and the padding keeps every tensor's data 4-byte aligned
 * so that it can be read as a Float32Array without copying.
 */
import { fileKind } from './file-kind.js';
import { createHash } from 'node:crypto';

export const CHECKPOINT_MAGIC = 'IBCK';
export const CHECKPOINT_VERSION = 1;
export const HEADER_BYTES = 48;

export interface CheckpointTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Checkpoint {
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** Any JSON value the caller stored: epoch, step, optimizer kind, RNG state, spec hash... */
  readonly meta: unknown;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function u32(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v, true));
  return out;
}

/** Little-endian bytes of a Float32Array (a view when the host is little-endian). */
function floatBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return out;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The file's bytes as a list of chunks (tensor data is not copied).
 * A tensor whose data length differs from its shape is a bug in the caller.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array[] {
  const encoder = new TextEncoder();
  const body: Uint8Array[] = [];
  const meta = encoder.encode(JSON.stringify(checkpoint.meta ?? null) ?? 'null');
  body.push(u32([meta.length]), meta, new Uint8Array(pad4(meta.length)));
  body.push(u32([checkpoint.tensors.size]));
  for (const [name, tensor] of checkpoint.tensors) {
    const count = elementCount(tensor.shape);
    if (tensor.shape.some((d) => !Number.isInteger(d) || d < 0) || count !== tensor.data.length) {
      throw new Error(`writeCheckpoint: tensor '${name}' has shape [${tensor.shape.join(', ')}] but ${tensor.data.length} values`);
    }
    const nameBytes = encoder.encode(name);
    const head = u32([nameBytes.length]);
    const dims = u32([tensor.shape.length, ...tensor.shape]);
    body.push(head, nameBytes, dims, new Uint8Array(pad4(nameBytes.length)), floatBytes(tensor.data));
  }
  const hash = createHash('sha256');
  let length = 0;
  for (const chunk of body) {
    hash.update(chunk);
    length += chunk.length;
  }
  const header = new Uint8Array(HEADER_BYTES);
  header.set(encoder.encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(header.buffer);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setBigUint64(8, BigInt(length), true);
  header.set(hash.digest(), 16);
  return [header, ...body];
}

/** What can be wrong with a file, for the reader to turn into a RunError naming the path. */
export type DecodeProblem =
  | { readonly kind: 'bad-magic'; readonly actual: string }
  | { readonly kind: 'truncated'; readonly expected: number; readonly actual: number }
  | { readonly kind: 'future-version'; readonly version: number }
  | { readonly kind: 'checksum'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'malformed'; readonly detail: string };

export type DecodeResult = { readonly ok: true; readonly checkpoint: Checkpoint } | { readonly ok: false; readonly problem: DecodeProblem };

function malformed(detail: string): DecodeResult {
  return { ok: false, problem: { kind: 'malformed', detail } };
}

export function decodeCheckpoint(bytes: Uint8Array): DecodeResult {
  const magic = new TextEncoder().encode(CHECKPOINT_MAGIC);
  for (let i = 0; i < 4; i++) {
    if (i >= bytes.length) {
      return bytes.length === 0
        ? { ok: false, problem: { kind: 'bad-magic', actual: fileKind(bytes) } }
        : { ok: false, problem: { kind: 'truncated', expected: HEADER_BYTES, actual: bytes.length } };
    }
    if (bytes[i] !== magic[i]) return { ok: false, problem: { kind: 'bad-magic', actual: fileKind(bytes) } };
  }
  if (bytes.length < HEADER_BYTES) return { ok: false, problem: { kind: 'truncated', expected: HEADER_BYTES, actual: bytes.length } };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version > CHECKPOINT_VERSION) return { ok: false, problem: { kind: 'future-version', version } };
  if (version === 0) return malformed('format version 0 does not exist');
  const bodyLength = Number(view.getBigUint64(8, true));
  const total = HEADER_BYTES + bodyLength;
  if (bytes.length < total) return { ok: false, problem: { kind: 'truncated', expected: total, actual: bytes.length } };
  if (bytes.length > total) return malformed(`${bytes.length - total} unexpected bytes after the end of the checkpoint`);
  const body = bytes.subarray(HEADER_BYTES, total);
  const stored = Buffer.from(bytes.subarray(16, 48)).toString('hex');
  const computed = createHash('sha256').update(body).digest('hex');
  if (stored !== computed) {
    return { ok: false, problem: { kind: 'checksum', expected: `sha256 ${stored.slice(0, 16)}...`, actual: `${computed.slice(0, 16)}...` } };
  }
  return parseBody(bytes, view, HEADER_BYTES, total);
}

function parseBody(bytes: Uint8Array, view: DataView, start: number, end: number): DecodeResult {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = start;
  const need = (n: number, what: string): string | undefined => (at + n > end ? `${what} runs past the end of the file` : undefined);
  const readU32 = (): number => {
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  let problem = need(4, 'the metadata length');
  if (problem) return malformed(problem);
  const metaLength = readU32();
  if ((problem = need(metaLength + pad4(metaLength), 'the metadata'))) return malformed(problem);
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(bytes.subarray(at, at + metaLength)));
  } catch (error) {
    return malformed(`its metadata is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  at += metaLength + pad4(metaLength);
  if ((problem = need(4, 'the tensor count'))) return malformed(problem);
  const count = readU32();
  const tensors = new Map<string, CheckpointTensor>();
  for (let t = 0; t < count; t++) {
    if ((problem = need(4, `tensor ${t}'s name length`))) return malformed(problem);
    const nameLength = readU32();
    if ((problem = need(nameLength + 4, `tensor ${t}'s name`))) return malformed(problem);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at, at + nameLength));
    } catch {
      return malformed(`tensor ${t}'s name is not valid UTF-8`);
    }
    at += nameLength;
    const rank = readU32();
    if ((problem = need(4 * rank, `the shape of tensor '${name}'`))) return malformed(problem);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(readU32());
    at += pad4(nameLength);
    const values = elementCount(shape);
    if ((problem = need(4 * values, `the data of tensor '${name}' [${shape.join(', ')}]`))) return malformed(problem);
    if (tensors.has(name)) return malformed(`tensor '${name}' appears twice`);
    tensors.set(name, { shape, data: readFloats(bytes, at, values) });
    at += 4 * values;
  }
  if (at !== end) return malformed(`${end - at} bytes after the last tensor`);
  return { ok: true, checkpoint: { tensors, meta } };
}

function readFloats(bytes: Uint8Array, at: number, count: number): Float32Array {
  const offset = bytes.byteOffset + at;
  if (LITTLE_ENDIAN) {
    if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
    return new Float32Array(bytes.buffer.slice(offset, offset + 4 * count));
  }
  const view = new DataView(bytes.buffer, offset, 4 * count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}
