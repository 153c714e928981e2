/**
 * Folder data beyond the memory budget: a generated folder larger than the
 * budget set here is streamed from the cache's shard files (many small shards),
 * holds none of its images in memory, keeps a bounded number of batches in
 * flight, and gives exactly the batches the in-memory path gives, epoch by
 * epoch: the order and crops come from (seed, epoch, index), so they are the
 * same after a resume (a fresh load) too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AugmentSpec, FolderData } from '../../../../src/compiler/spec/resolved-spec.js';
import { evaluationBatches, loadDataset, trainingBatches, type Batch, type Dataset, type StoredSplit } from '../../../../src/runtime/data/index.js';
import { batchesInFlight } from '../../../../src/runtime/data/images/stored-batches.js';
import { Random } from '../../../../src/support/random.js';
import { asyncRunErrorOf, pngFolder, tempDir } from '../../../fixtures/data-files.js';

const INPUT: readonly [number, number, number] = [14, 14, 3];
const AUGMENT: AugmentSpec = { flip: 'horizontal', crop: { padding: 0, mode: 'zero' } };
const NORMALIZE = { mean: [0.5], std: [0.25] };
const BUDGET = 16 * 1024;

const spec = (root: string): FolderData => ({
  kind: 'folder',
  train: join(root, 'train'),
  test: join(root, 'test'),
  resize: 18,
  validation: 0,
  badFiles: 'stop',
  augment: AUGMENT,
  normalize: NORMALIZE,
});

async function epoch(split: StoredSplit, e: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of trainingBatches(split, { batchSize: 5, epoch: e, seed: 3, shuffle: Random.fromSeed(0), augment: AUGMENT, normalize: NORMALIZE, input: INPUT })) out.push(b);
  return out;
}

async function evaluation(split: StoredSplit): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of evaluationBatches(split, { batchSize: 7, normalize: NORMALIZE, input: INPUT })) out.push(b);
  return out;
}

const flat = (batches: Batch[]): number[] => batches.flatMap((b) => [...Array.from(b.labels), ...Array.from(b.images)]);

describe('folder data larger than the memory budget', () => {
  let root: string;
  let cache: string;
  let streamed: Dataset<StoredSplit>;
  let held: Dataset<StoredSplit>;
  const notes: string[] = [];

  beforeAll(async () => {
    root = tempDir('ibc-stream-');
    cache = tempDir('ibc-stream-cache-');
    // 36 training images of about 18x22x3 bytes stored: about 43 KB, more than the 16 KB budget.
    pngFolder(join(root, 'train'), { classes: 3, perClass: 12, width: 22, height: 18 });
    pngFolder(join(root, 'test'), { classes: 3, perClass: 2, width: 20, height: 18, seed: 4 });
    streamed = await loadDataset(spec(root), { seed: 3, input: INPUT, images: { cache, memoryBudget: BUDGET, shardBytes: 4096, onNote: (l) => notes.push(l) } });
    held = await loadDataset(spec(root), { seed: 3, input: INPUT, images: { cache: 'off' } });
  });

  afterAll(async () => {
    await streamed?.close();
    await held?.close();
  });

  it('streams the training images from many shard files and holds none of them in memory', () => {
    const store = streamed.train.set.store;
    expect(store.bytes).toBeGreaterThan(BUDGET);
    expect(store.shards.kind).toBe('files');
    expect(store.shards.kind === 'files' && store.shards.paths.length).toBeGreaterThan(5);
    expect(notes.some((n) => n.startsWith('streaming training images from the image cache'))).toBe(true);
    expect(held.train.set.store.shards.kind).toBe('memory');
  });

  it('gives the in-memory batches exactly, epoch by epoch, for training and evaluation', async () => {
    for (const e of [0, 1]) expect(flat(await epoch(streamed.train, e)), `epoch ${e}`).toEqual(flat(await epoch(held.train, e)));
    expect(flat(await evaluation(streamed.test))).toEqual(flat(await evaluation(held.test)));
    expect(flat(await evaluation(streamed.train))).toEqual(flat(await evaluation(held.train)));
  });

  it('keeps a bounded number of batches in flight', async () => {
    const pool = streamed.train.set.pool;
    let outstanding = 0;
    let most = 0;
    const counting = new Proxy(pool, {
      get(target, name, receiver) {
        if (name !== 'batch') return Reflect.get(target, name, receiver) as unknown;
        return (...args: Parameters<typeof pool.batch>) => {
          most = Math.max(most, ++outstanding);
          return target.batch(...args).finally(() => outstanding--);
        };
      },
    });
    const split: StoredSplit = { ...streamed.train, set: { ...streamed.train.set, pool: counting } };
    let batches = 0;
    for await (const _ of trainingBatches(split, { batchSize: 2, epoch: 0, seed: 3, shuffle: Random.fromSeed(0), augment: AUGMENT, normalize: NORMALIZE, input: INPUT })) {
      batches++;
      await new Promise((r) => setTimeout(r, 2)); // a slow consumer: the workers run ahead, up to the bound
    }
    expect(batches).toBe(18);
    expect(most).toBe(batchesInFlight(pool.size, 2 * INPUT[0] * INPUT[1] * INPUT[2] * 4));
  });

  it('refuses, with the sizes, to hold more than the budget when the cache is off (nothing to stream from)', async () => {
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 3, input: INPUT, images: { cache: 'off', memoryBudget: BUDGET, shardBytes: 4096 } }));
    expect(e.diagnostic.code).toBe('IB6043');
    expect(e.diagnostic.message).toMatch(/^the training images of .* take more than [\d.]+ KB decoded, more than the memory budget of 16\.0 KB, and the image cache is off/);
  });

  it('draws each epoch anew, and the same epoch the same way after a fresh load (a resume)', async () => {
    const first = flat(await epoch(streamed.train, 2));
    expect(first).not.toEqual(flat(await epoch(streamed.train, 1)));
    const again = await loadDataset(spec(root), { seed: 3, input: INPUT, images: { cache, memoryBudget: BUDGET, shardBytes: 4096 } });
    expect(flat(await epoch(again.train, 2))).toEqual(first);
    await again.close();
  });
});
