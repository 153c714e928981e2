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

/**
 * Reads stored images. Memory stores are views (no copy); file stores read
 * with one positioned read per image from descriptors opened once (so a cache
 * entry replaced meanwhile keeps serving this reader).
 */
export class StoreReader {
  private readonly fds: number[] = [];

  constructor(private readonly store: ImageStore) {
    if (store.shards.kind === 'files') {
      try {
        for (const path of store.shards.paths) this.fds.push(openSync(path, 'r'));
      } catch (error) {
        this.close();
        throw runError('dataCacheUnreadable', { path: store.shards.paths[this.fds.length] ?? '', reason: reasonOf(error) });
      }
    }
  }

  image(index: number): ByteImage {
    const e = entryOf(this.store, index);
    const size = e.width * e.height * this.store.channels;
    const shards = this.store.shards;
    if (shards.kind === 'memory') {
      const buffer = shards.buffers[e.shard];
      if (!buffer) throw new Error(`StoreReader: image ${index} names shard ${e.shard} of ${shards.buffers.length}`);
      return { width: e.width, height: e.height, channels: this.store.channels, data: new Uint8Array(buffer, e.offset, size) };
    }
    const fd = this.fds[e.shard];
    if (fd === undefined) throw new Error(`StoreReader: image ${index} names shard ${e.shard} of ${this.fds.length}`);
    const data = new Uint8Array(size);
    let done = 0;
    try {
      while (done < size) {
        const n = readSync(fd, data, done, size - done, e.offset + done);
        if (n <= 0) throw new Error(`the file ends at byte ${e.offset + done}, inside image ${index}`);
        done += n;
      }
    } catch (error) {
      throw runError('dataCacheUnreadable', { path: shards.paths[e.shard] ?? '', reason: reasonOf(error) });
    }
    return { width: e.width, height: e.height, channels: this.store.channels, data };
  }

  close(): void {
    for (const fd of this.fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // closing a read-only descriptor cannot lose data
      }
    }
  }
}
