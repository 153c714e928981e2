/**
 * Loading a folder data set: list the files, choose the examples (validation
 * split and limits, before anything is decoded), then for the training folder
 * and the test folder either read the image cache's entry or decode the
 * files on the data workers, writing the entry as shards fill. The images end
 * up in memory (shared with the workers) while they fit the memory budget,
 * and are streamed from the cache's files otherwise.
 *
 * Which examples: the validation split is a permutation from
 * `Random.fromSeed(seed).derive('validation-split')` over the training
 * folder's files (as for every data kind), then limitTrain / limitValidation /
 * limitTest keep the first N of each part. Only the files so chosen are
 * decoded.
 *
 * A file that cannot be decoded stops the load with its path and reason
 * (IB6014), unless the spec says `bad_files skip`: then it is left out and
 * reported in `Dataset.skipped`.
 */
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { FolderData } from '../../../compiler/spec/resolved-spec.js';
import { runError, reasonOf } from '../../../support/errors.js';
import { boxAfterResize, findCubRoot, readCubBoxes } from '../cub.js';
import { validationIndices, type DataProgress, type ImageLoadOptions, type SkippedFile, type StoredSplit } from '../dataset.js';
import { listClassFolders, listSplitFiles, type FolderFile } from '../folder.js';
import { CacheSlot, hashText, readInto, resolveCacheDir, type CacheEntry, type EntryWriter, type UnusableFile } from './cache.js';
import type { StoredSizeRule } from './decode.js';
import { defaultWorkerCount, sharedPool, type DecodeOutcome, type ImagePool } from './pool.js';
import { LAYOUT_FIELDS, newLayout, type ImageStore } from './store.js';
import type { StoredSet } from './stored-set.js';

/** Images are packed into shards of about this many bytes (one image larger than that gets a shard of its own). */
export const SHARD_BYTES = 64 * 1024 * 1024;

/** A quarter of the memory this process may use (its cgroup limit when lower than the machine's). */
export function defaultMemoryBudget(): number {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const total = constrained && constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return Math.floor(total / 4);
}

/** 1536 -> "1.5 KB" (powers of 1024); '?' for what is not a finite number. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export interface FolderDataset {
  readonly train: StoredSplit;
  readonly validation?: StoredSplit;
  readonly test: StoredSplit;
  readonly classes: number;
  readonly classNames: string[];
  readonly skipped: readonly SkippedFile[];
  readonly close: () => Promise<void>;
}

export interface FolderLoadOptions {
  readonly seed: number;
  readonly limitTrain?: number;
  readonly limitValidation?: number;
  readonly limitTest?: number;
  readonly input: readonly [number, number, number];
  readonly classes?: number;
  readonly images?: ImageLoadOptions;
  /** Select no training (nor validation) images: LoadOptions.testOnly. */
  readonly testOnly?: boolean;
}

/** Everything one folder's decoding needs. */
interface Context {
  readonly pool: ImagePool;
  readonly rule: StoredSizeRule;
  readonly channels: 1 | 3;
  readonly input: readonly [number, number, number];
  readonly cacheDir: string | undefined;
  /** Bytes of memory left for holding images. */
  budget: number;
  readonly skipBad: boolean;
  readonly resize: number | undefined;
  readonly shardBytes: number;
  readonly progress: (p: DataProgress) => void;
  readonly note: (line: string) => void;
}

/** The files of one folder that are used, by their index in its full listing. */
interface Selection {
  readonly root: string;
  /** "training" or "test", for messages. */
  readonly what: string;
  readonly files: readonly FolderFile[];
  /** Index in the folder's listing of each selected file (ascending). */
  readonly listed: Int32Array;
  readonly listedCount: number;
}

/** A decoded folder: its store and, per selected file, its image's index there (-1: unusable). */
interface DecodedFolder {
  readonly set: StoredSet;
  readonly imageOf: Int32Array;
  readonly unusable: readonly UnusableFile[];
}

export async function loadFolderDataset(data: FolderData, trainRoot: string, testRoot: string, options: FolderLoadOptions): Promise<FolderDataset> {
  const [h, w, c] = options.input;
  if (c !== 1 && c !== 3) throw runError('dataImageDecodeFailed', { path: trainRoot, reason: `the model input has ${c} channels; image folders feed 1 (grey) or 3 (RGB)` });
  const classNames = listClassFolders(trainRoot, 'training image folder');
  if (options.classes !== undefined && options.classes !== classNames.length) {
    throw runError('dataClassesMismatch', { path: trainRoot, found: classNames.length, classes: options.classes });
  }
  const trainFiles = listSplitFiles(trainRoot, classNames, trainRoot);
  const testFiles = listSplitFiles(testRoot, classNames, trainRoot);
  const parts = options.testOnly ? { train: [], validation: [] } : chooseTraining(trainFiles.length, data.validation, options);
  const trainSelection = select(trainRoot, 'training', trainFiles, union(parts.train, parts.validation));
  const testSelection = select(testRoot, 'test', testFiles, firstIndices(testFiles.length, options.limitTest));

  const images = options.images ?? {};
  const pool = await sharedPool(images.workers ?? defaultWorkerCount());
  const ctx: Context = {
    pool,
    rule: data.resize !== undefined ? { kind: 'shorter', size: data.resize } : { kind: 'exact', width: w, height: h },
    channels: c,
    input: options.input,
    cacheDir: resolveCacheDir(images.cache),
    budget: images.memoryBudget ?? defaultMemoryBudget(),
    skipBad: data.badFiles === 'skip',
    resize: data.resize,
    shardBytes: images.shardBytes ?? SHARD_BYTES,
    progress: images.onProgress ?? (() => {}),
    note: images.onNote ?? (() => {}),
  };
  const feeds: number[] = [];
  const release = async (): Promise<void> => {
    // The pool stays for the next data set; the workers let go of this one's images.
    for (const feed of feeds.splice(0)) pool.detach(feed);
  };
  try {
    const trainFolder = await loadFolder(trainSelection, ctx);
    feeds.push(trainFolder.set.feed);
    const testFolder = await loadFolder(testSelection, ctx);
    feeds.push(testFolder.set.feed);
    const position = new Map<number, number>(Array.from(trainSelection.listed, (listed, i) => [listed, i]));
    const split = (folder: DecodedFolder, selection: Selection, listed: readonly number[]): StoredSplit =>
      makeSplit(folder, selection, listed.map((l) => position.get(l) ?? -1), options.input);
    const train = split(trainFolder, trainSelection, parts.train);
    const validation = parts.validation.length > 0 ? split(trainFolder, trainSelection, parts.validation) : undefined;
    const test = makeSplit(testFolder, testSelection, Array.from(testSelection.listed, (_, i) => i), options.input);
    const skipped = [trainFolder, testFolder].flatMap((f) => f.unusable.map((u) => ({ path: u.path, reason: u.reason })));
    return {
      train,
      ...(validation ? { validation } : {}),
      test,
      classes: classNames.length,
      classNames,
      skipped,
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The training folder's examples: indices into its listing of the training and validation parts (each ascending). */
function chooseTraining(n: number, fraction: number, options: FolderLoadOptions): { train: number[]; validation: number[] } {
  const parts = validationIndices(n, fraction, options.seed);
  const train = parts ? Array.from(parts.train) : Array.from({ length: n }, (_, i) => i);
  const validation = parts ? Array.from(parts.validation) : [];
  return { train: limit(train, options.limitTrain), validation: limit(validation, options.limitValidation) };
}

function limit(indices: number[], n: number | undefined): number[] {
  return n === undefined ? indices : indices.slice(0, Math.max(0, Math.floor(n)));
}

function firstIndices(n: number, limitTo: number | undefined): number[] {
  return Array.from({ length: limitTo === undefined ? n : Math.min(n, Math.max(0, Math.floor(limitTo))) }, (_, i) => i);
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function select(root: string, what: string, files: readonly FolderFile[], listed: readonly number[]): Selection {
  return { root, what, files: listed.map((i) => files[i]!), listed: Int32Array.from(listed), listedCount: files.length };
}

/** The stored images of a selection: from the cache when it has them, else decoded (and cached). */
async function loadFolder(selection: Selection, ctx: Context): Promise<DecodedFolder> {
  const identity = fileIdentity(selection);
  // Nothing selected (the training folder of a test-only load): nothing to decode, read, cache or show.
  if (selection.files.length === 0) return decodeFolder(selection, { ...ctx, progress: () => {} }, undefined);
  if (ctx.cacheDir === undefined) return decodeFolder(selection, ctx, undefined);
  const slotId = hashText([
    'folder',
    resolve(selection.root),
    ctx.pool.decoder,
    JSON.stringify(ctx.rule),
    String(ctx.channels),
    selection.files.length === selection.listedCount ? 'all files' : hashText(Array.from(selection.listed, String)),
  ]).slice(0, 32);
  const slot = new CacheSlot(ctx.cacheDir, slotId, identity);
  let entry = slot.read();
  if (!entry) {
    const locked = await slot.lock((holder) => ctx.note(`waiting for ${holder}: it is writing the image cache for ${selection.root}`));
    if (locked.kind === 'entry') entry = locked.entry;
    else {
      try {
        entry = slot.read();
        if (!entry) {
          const folder = await decodeFolder(selection, ctx, slot.writer());
          ctx.note(`image cache: decoded ${selection.what} images stored in ${slot.entryDir}`);
          return folder;
        }
      } finally {
        locked.lock.release();
      }
    }
  }
  ctx.note(`image cache: ${selection.what} images read from ${entry.dir}`);
  return fromEntry(entry, selection, ctx);
}

/** The key of a selection's files: their relative paths, sizes and modification times (nanoseconds). */
function fileIdentity(selection: Selection): string {
  const parts: string[] = [];
  for (const file of selection.files) {
    let stats: { size: bigint; mtimeNs: bigint };
    try {
      stats = statSync(file.path, { bigint: true });
    } catch (error) {
      throw runError('dataReadFailed', { path: file.path, reason: reasonOf(error) });
    }
    parts.push(file.relative, String(stats.size), String(stats.mtimeNs));
  }
  return hashText(parts).slice(0, 40);
}

/** Decodes the selection on the pool, writing shards to `writer` (the cache) as they fill. */
async function decodeFolder(selection: Selection, ctx: Context, writer: EntryWriter | undefined): Promise<DecodedFolder> {
  const n = selection.files.length;
  const [h, w] = ctx.input;
  const layout = newLayout(n);
  const imageOf = new Int32Array(n).fill(-1);
  const unusable: UnusableFile[] = [];
  const memory: SharedArrayBuffer[] = [];
  let inMemory = true;
  let shardCount = 0;
  let parts: Uint8Array[] = [];
  let shardBytes = 0;
  let bytes = 0;
  let stored = 0;
  const started = performance.now();
  const what = `decoding ${selection.what} images`;

  const flush = (): void => {
    if (parts.length === 0) return;
    writer?.writeShard(parts);
    if (inMemory) {
      const shard = new SharedArrayBuffer(shardBytes);
      const view = new Uint8Array(shard);
      let at = 0;
      for (const part of parts) {
        view.set(part, at);
        at += part.length;
      }
      memory.push(shard);
      if (bytes > ctx.budget) {
        if (!writer) throw runError('dataTooLargeWithoutCache', { what: `${selection.what} images of ${selection.root}`, size: `more than ${formatBytes(bytes)}`, budget: formatBytes(ctx.budget) });
        inMemory = false;
        memory.length = 0;
      }
    }
    shardCount++;
    parts = [];
    shardBytes = 0;
  };

  const window = ctx.pool.size * 4;
  const pending: Promise<DecodeOutcome>[] = [];
  const dispatch = (i: number): void => {
    const p = ctx.pool.decode(selection.files[i]!.path, ctx.rule, ctx.channels);
    p.catch(() => {}); // awaited in order below; this only marks a rejection seen early as handled
    pending[i] = p;
  };
  try {
    let next = 0;
    ctx.progress({ what, unit: 'images', done: 0, total: n, seconds: 0 });
    for (let i = 0; i < n; i++) {
      while (next < n && next < i + window) dispatch(next++);
      const outcome = await pending[i]!;
      delete pending[i];
      const file = selection.files[i]!;
      if (!outcome.ok) {
        if (!ctx.skipBad) throw runError('dataImageDecodeFailed', { path: file.path, reason: outcome.reason });
        unusable.push({ index: i, path: file.path, reason: outcome.reason });
      } else {
        if (outcome.width < w || outcome.height < h) {
          throw runError('dataResizeTooSmall', { path: file.path, resize: ctx.resize ?? 0, actual: `${outcome.width}x${outcome.height}`, expected: `${w}x${h}` });
        }
        const size = outcome.data.length;
        if (shardBytes > 0 && shardBytes + size > ctx.shardBytes) flush();
        layout.set([shardCount, shardBytes, outcome.width, outcome.height, outcome.originalWidth, outcome.originalHeight], stored * LAYOUT_FIELDS);
        parts.push(outcome.data);
        shardBytes += size;
        bytes += size;
        imageOf[i] = stored++;
      }
      ctx.progress({ what, unit: 'images', done: i + 1, total: n, seconds: (performance.now() - started) / 1000 });
    }
    flush();
  } catch (error) {
    writer?.abort();
    // Let the requests still out finish before the pool is used again or closed.
    await Promise.allSettled(pending.filter((p) => p !== undefined));
    throw error;
  }
  const exact = newLayout(stored);
  exact.set(layout.subarray(0, stored * LAYOUT_FIELDS));
  const committed = writer?.commit({ decoder: ctx.pool.decoder, channels: ctx.channels, files: n, count: stored, bytes, unusable }, exact);
  let shards: ImageStore['shards'];
  if (inMemory) {
    shards = { kind: 'memory', buffers: memory };
    ctx.budget -= bytes;
  } else {
    if (!committed) throw new Error('decodeFolder: streaming without a cache entry');
    shards = { kind: 'files', paths: committed.shardPaths, sizes: committed.shardSizes };
    ctx.note(`streaming ${selection.what} images from the image cache: ${formatBytes(bytes)} decoded is more than the memory budget left (${formatBytes(ctx.budget)})`);
  }
  const store: ImageStore = { count: stored, channels: ctx.channels, layout: exact, shards, bytes };
  return { set: attach(store, selection, ctx), imageOf, unusable };
}

/** A cache entry as the selection's stored images: read into memory when it fits the budget, else streamed. */
async function fromEntry(entry: CacheEntry, selection: Selection, ctx: Context): Promise<DecodedFolder> {
  const index = entry.index;
  const [h, w] = ctx.input;
  if (index.files !== selection.files.length || index.channels !== ctx.channels) {
    throw runError('dataCacheUnreadable', { path: entry.dir, reason: `it holds ${index.files} files of ${index.channels} channel(s), but ${selection.files.length} of ${ctx.channels} are asked for` });
  }
  const bad = new Set(index.unusable.map((u) => u.index));
  const first = index.unusable[0];
  if (first && !ctx.skipBad) throw runError('dataImageDecodeFailed', { path: selection.files[first.index]?.path ?? first.path, reason: `${first.reason} (as recorded in the image cache)` });
  const imageOf = new Int32Array(selection.files.length).fill(-1);
  let stored = 0;
  for (let i = 0; i < selection.files.length; i++) if (!bad.has(i)) imageOf[i] = stored++;
  if (stored !== index.count) throw runError('dataCacheUnreadable', { path: entry.dir, reason: `its index lists ${index.count} images, its files ${stored}` });
  for (let i = 0; i < stored; i++) {
    const width = entry.layout[i * LAYOUT_FIELDS + 2]!;
    const height = entry.layout[i * LAYOUT_FIELDS + 3]!;
    if (width < w || height < h) {
      const file = selection.files[imageOf.indexOf(i)];
      throw runError('dataResizeTooSmall', { path: file?.path ?? entry.dir, resize: ctx.resize ?? 0, actual: `${width}x${height}`, expected: `${w}x${h}` });
    }
  }
  let shards: ImageStore['shards'];
  if (index.bytes <= ctx.budget) {
    const buffers: SharedArrayBuffer[] = [];
    const started = performance.now();
    const what = `reading cached ${selection.what} images`;
    let done = 0;
    for (const [i, path] of entry.shardPaths.entries()) {
      const shard = new SharedArrayBuffer(index.shards[i]!);
      try {
        readInto(path, new Uint8Array(shard));
      } catch (error) {
        throw runError('dataCacheUnreadable', { path, reason: reasonOf(error) });
      }
      buffers.push(shard);
      done += index.shards[i]!;
      ctx.progress({ what, unit: 'bytes', done, total: index.bytes, seconds: (performance.now() - started) / 1000 });
    }
    shards = { kind: 'memory', buffers };
    ctx.budget -= index.bytes;
  } else {
    shards = { kind: 'files', paths: entry.shardPaths, sizes: index.shards };
    ctx.note(`streaming ${selection.what} images from the image cache: ${formatBytes(index.bytes)} decoded is more than the memory budget left (${formatBytes(ctx.budget)})`);
  }
  const unusable = index.unusable.map((u) => ({ ...u, path: selection.files[u.index]?.path ?? u.path }));
  const store: ImageStore = { count: stored, channels: ctx.channels, layout: entry.layout, shards, bytes: index.bytes };
  return { set: attach(store, selection, ctx), imageOf, unusable };
}

function attach(store: ImageStore, selection: Selection, ctx: Context): StoredSet {
  return { store, pool: ctx.pool, feed: ctx.pool.attach(store), source: selection.root };
}

/**
 * A split of a decoded folder: `positions` are indices into the selection; unusable
 * files are left out. Boxes when the folder sits next to CUB's metadata and every
 * example has one, moved into the evaluation view (the centre crop).
 */
function makeSplit(folder: DecodedFolder, selection: Selection, positions: readonly number[], input: readonly [number, number, number]): StoredSplit {
  const kept = positions.filter((p) => p >= 0 && folder.imageOf[p]! >= 0);
  const items = Int32Array.from(kept, (p) => folder.imageOf[p]!);
  const labels = Int32Array.from(kept, (p) => selection.files[p]!.label);
  const cubRoot = findCubRoot(selection.root);
  const cubBoxes = cubRoot !== undefined ? readCubBoxes(cubRoot) : undefined;
  let boxes: Float32Array | undefined;
  if (cubBoxes && kept.length > 0 && kept.every((p) => cubBoxes.has(selection.files[p]!.relative))) {
    boxes = new Float32Array(kept.length * 4);
    const layout = folder.set.store.layout;
    kept.forEach((p, i) => {
      const at = items[i]! * LAYOUT_FIELDS;
      const original = { width: layout[at + 4]!, height: layout[at + 5]! };
      const stored = { width: layout[at + 2]!, height: layout[at + 3]! };
      boxes!.set(boxAfterResize(cubBoxes.get(selection.files[p]!.relative)!, original, stored, [input[0], input[1]]), i * 4);
    });
  }
  return { set: folder.set, items, labels, count: items.length, ...(boxes ? { boxes } : {}) };
}

