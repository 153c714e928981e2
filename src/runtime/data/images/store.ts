/**
 * Stored images: every image of a folder split once, 8-bit, at its stored
 * size (decode.ts), packed one after another into shards. The shards are held
 * in memory (shared with the data workers, no copies) or, when the data set is
 * larger than the memory budget, left in the cache's shard files and read
 * image by image as batches are made.
 *
 * The layout table has one row of six 32-bit integers per image:
 * [shard, byte offset in the shard, stored width, stored height, original
 * width, original height] (original: as decoded, before the resize; object
 * boxes need it). It lives in shared memory too.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { runError, reasonOf } from '../../../support/errors.js';
import type { ByteImage } from '../resize.js';

export const LAYOUT_FIELDS = 6;

export type ShardSource =
  | { readonly kind: 'memory'; readonly buffers: readonly SharedArrayBuffer[] }
  | { readonly kind: 'files'; readonly paths: readonly string[]; readonly sizes: readonly number[] };

export interface ImageStore {
  readonly count: number;
  readonly channels: number;
  /** count * LAYOUT_FIELDS integers (see above), on shared memory. */
  readonly layout: Int32Array;
  readonly shards: ShardSource;
  /** Bytes of all stored images together. */
  readonly bytes: number;
}

export interface ImageEntry {
  readonly shard: number;
  readonly offset: number;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

export function entryOf(store: ImageStore, index: number): ImageEntry {
  const at = index * LAYOUT_FIELDS;
  const l = store.layout;
  return { shard: l[at]!, offset: l[at + 1]!, width: l[at + 2]!, height: l[at + 3]!, originalWidth: l[at + 4]!, originalHeight: l[at + 5]! };
}

/** A layout table on shared memory, for `count` images. */
export function newLayout(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, count * LAYOUT_FIELDS) * 4), 0, count * LAYOUT_FIELDS);
}

/** Shard files a reader keeps open at once (a large data set has thousands; the least recently used is closed). */
const OPEN_SHARDS = 32;

/**
 * Reads stored images. Memory stores are views (no copy); file stores read
 * one positioned read per image, keeping the most recently used shard files
 * open.
 */
export class StoreReader {
  private readonly open = new Map<number, number>();

  constructor(private readonly store: ImageStore) {}

  image(index: number): ByteImage {
    const e = entryOf(this.store, index);
    const size = e.width * e.height * this.store.channels;
    const shards = this.store.shards;
    if (shards.kind === 'memory') {
      const buffer = shards.buffers[e.shard];
      if (!buffer) throw new Error(`StoreReader: image ${index} names shard ${e.shard} of ${shards.buffers.length}`);
      return { width: e.width, height: e.height, channels: this.store.channels, data: new Uint8Array(buffer, e.offset, size) };
    }
    const path = shards.paths[e.shard];
    if (path === undefined) throw new Error(`StoreReader: image ${index} names shard ${e.shard} of ${shards.paths.length}`);
    const data = new Uint8Array(size);
    let done = 0;
    try {
      const fd = this.descriptor(e.shard, path);
      while (done < size) {
        const n = readSync(fd, data, done, size - done, e.offset + done);
        if (n <= 0) throw new Error(`the file ends at byte ${e.offset + done}, inside image ${index}`);
        done += n;
      }
    } catch (error) {
      throw runError('dataCacheUnreadable', { path, reason: reasonOf(error) });
    }
    return { width: e.width, height: e.height, channels: this.store.channels, data };
  }

  /** The open descriptor of shard `shard`, opening it (and closing the least recently used one) when needed. */
  private descriptor(shard: number, path: string): number {
    const held = this.open.get(shard);
    if (held !== undefined) {
      this.open.delete(shard);
      this.open.set(shard, held); // most recently used last
      return held;
    }
    if (this.open.size >= OPEN_SHARDS) {
      const [oldest, fd] = this.open.entries().next().value as [number, number];
      this.open.delete(oldest);
      closeQuietly(fd);
    }
    const fd = openSync(path, 'r');
    this.open.set(shard, fd);
    return fd;
  }

  close(): void {
    for (const fd of this.open.values()) closeQuietly(fd);
    this.open.clear();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing a read-only descriptor cannot lose data
  }
}
