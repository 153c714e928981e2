/**
 * ibc's mark in the PNG files it writes (attention figures, curves.png,
 * results plots): a standard `tEXt` chunk "Software" = "ibc" right after the
 * header. Image viewers show it as the file's software; the output policy
 * (host/output-policy.ts) reads it to tell an earlier ibc figure, which a new
 * call may replace, from a user's own PNG of the same name, which it may not.
 */
import { readFilePrefix } from '../../host/read-file.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC). */
const HEADER_END = 33;
const TEXT = new TextEncoder().encode('Software\0ibc');

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The mark chunk: length, "tEXt", "Software\0ibc", CRC. */
const MARK = (() => {
  const type = new TextEncoder().encode('tEXt');
  const out = new Uint8Array(12 + TEXT.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, TEXT.length);
  out.set(type, 4);
  out.set(TEXT, 8);
  const body = new Uint8Array(type.length + TEXT.length);
  body.set(type);
  body.set(TEXT, type.length);
  view.setUint32(8 + TEXT.length, crc32(body));
  return out;
})();

function startsWithSignature(png: Uint8Array): boolean {
  return png.length >= HEADER_END && SIGNATURE.every((b, i) => png[i] === b) && new TextDecoder().decode(png.subarray(12, 16)) === 'IHDR';
}

/** `png` with ibc's mark after its header (unchanged when it is not a PNG with an IHDR first). */
export function markPng(png: Uint8Array): Uint8Array {
  if (!startsWithSignature(png)) return png;
  const out = new Uint8Array(png.length + MARK.length);
  out.set(png.subarray(0, HEADER_END));
  out.set(MARK, HEADER_END);
  out.set(png.subarray(HEADER_END), HEADER_END + MARK.length);
  return out;
}

/** Whether these bytes start like a PNG that ibc wrote. */
export function hasIbcMark(bytes: Uint8Array): boolean {
  if (!startsWithSignature(bytes) || bytes.length < HEADER_END + MARK.length) return false;
  return MARK.every((b, i) => bytes[HEADER_END + i] === b);
}

/** Whether the file at `path` is a PNG that ibc wrote (reads its first bytes only). */
export function isIbcPng(path: string): boolean {
  const prefix = readFilePrefix(path, HEADER_END + MARK.length);
  return prefix !== undefined && hasIbcMark(prefix);
}
