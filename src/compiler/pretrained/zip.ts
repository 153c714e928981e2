/**
 * The entries of a zip file, read through the host's random-access file with yauzl
 * (its central directory, zip64 and bounds checks): `torch.save` writes a zip of
 * stored (uncompressed) entries, `ARCHIVE/data.pkl` and one `ARCHIVE/data/KEY` per
 * storage. Only the central directory is read to list entries; an entry's bytes are
 * read when asked for, after its size has been checked against what the caller
 * expects, and its CRC-32 is checked after reading.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { RandomAccessFile } from '../../host/random-access.js';

export interface ZipEntry {
  readonly name: string;
  /** Bytes once extracted. */
  readonly size: number;
  readonly stored: boolean;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** An entry's bytes, or why they cannot be read. */
  read(name: string): Promise<{ readonly bytes: Uint8Array } | { readonly problem: string }>;
}

/** A zip file stands out by its first bytes, "PK\x03\x04" (or an empty one's "PK\x05\x06"). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/** Entries beyond this are not a state dict (ResNet-152 has about 1,000). */
const MAX_ENTRIES = 1_000_000;
const CHUNK = 1 << 20;

class HostReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: RandomAccessFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const file = this.file;
    function* chunks(): Generator<Buffer> {
      for (let at = start; at < end; at += CHUNK) yield Buffer.from(file.read(at, Math.min(CHUNK, end - at)));
    }
    return Readable.from(chunks());
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** CRC-32: zlib's (Node 20.15 and later), else a table (earlier Node 20 releases). */
const crc32: (data: Uint8Array) => number = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

let crcTable: Uint32Array | undefined;
function tableCrc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function collect(stream: Readable, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    if (at + bytes.length > size) throw new Error(`the entry holds more than the ${size} bytes its header says`);
    out.set(bytes, at);
    at += bytes.length;
  }
  if (at !== size) throw new Error(`the entry holds ${at} bytes, its header says ${size}`);
  return out;
}

/** Lists a zip's entries; a damaged or truncated zip is a `problem`. */
export async function openZip(file: RandomAccessFile): Promise<{ readonly zip: ZipArchive } | { readonly problem: string }> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await yauzl.fromRandomAccessReaderPromise(new HostReader(file), file.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    return { problem: `it is not a readable zip file (${reasonOf(error)}); a file cut short loses the directory at its end` };
  }
  const entries = new Map<string, ZipEntry>();
  const raw = new Map<string, yauzl.Entry>();
  try {
    if (zipfile.entryCount > MAX_ENTRIES) return { problem: `its zip directory claims ${zipfile.entryCount} entries; a state dict has a few thousand at most` };
    for await (const entry of zipfile.eachEntry()) {
      if (raw.has(entry.fileName)) return { problem: `its zip holds '${entry.fileName}' twice` };
      raw.set(entry.fileName, entry);
      entries.set(entry.fileName, { name: entry.fileName, size: entry.uncompressedSize, stored: entry.compressionMethod === 0 });
    }
  } catch (error) {
    return { problem: `its zip directory is damaged (${reasonOf(error)})` };
  }
  return {
    zip: {
      entries,
      async read(name) {
        const entry = raw.get(name);
        if (!entry) return { problem: `the zip has no entry '${name}'` };
        if (entry.isEncrypted() || !entry.canDecodeFileData()) return { problem: `zip entry '${name}' is encrypted or compressed with a method zip readers rarely support (${entry.compressionMethod})` };
        try {
          const bytes = await collect(await zipfile.openReadStreamPromise(entry), entry.uncompressedSize);
          const crc = crc32(bytes) >>> 0;
          if (crc !== entry.crc32 >>> 0) return { problem: `zip entry '${name}' is damaged (CRC-32 ${crc.toString(16)}, the directory says ${(entry.crc32 >>> 0).toString(16)})` };
          return { bytes };
        } catch (error) {
          return { problem: `zip entry '${name}' cannot be read (${reasonOf(error)})` };
        }
      },
    },
  };
}
