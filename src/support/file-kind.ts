/**
 * What kind of file a rejected file looks like, for messages, from its first
 * bytes: never the bytes themselves. A path that should be a checkpoint or a
 * weights file may be a link to a secret (/etc/shadow, a token file), and even
 * its first four bytes are its content ("root", "TOKE").
 */

/** Starts of formats a user may pass by mistake, by name. */
const SIGNATURES: readonly { readonly bytes: readonly number[]; readonly kind: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'it is a zip archive' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: 'it is a PNG image' },
  { bytes: [0x1f, 0x8b], kind: 'it is gzip data' },
  { bytes: [0x80], kind: 'it is a Python pickle' },
  { bytes: [0x08], kind: 'it may be an ONNX model' },
];

/** How many leading bytes `fileKind` looks at. */
export const FILE_KIND_BYTES = 16;

function isTextByte(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f);
}

/** "the file is empty", "it is a zip archive", "it looks like JSON", ...: a phrase that names no byte of the file. */
export function fileKind(head: Uint8Array): string {
  if (head.length === 0) return 'the file is empty';
  const signature = SIGNATURES.find((s) => s.bytes.every((b, i) => head[i] === b));
  if (signature) return signature.kind;
  const start = Array.from(head.subarray(0, FILE_KIND_BYTES));
  if (start.every(isTextByte)) {
    const first = start.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
    return first === 0x7b || first === 0x5b ? 'it looks like JSON' : 'it looks like text';
  }
  return 'its first bytes match no format ibc knows';
}
