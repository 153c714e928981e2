/**
 * ibc's data pipeline on an image folder, as `ibc bench --data DIR` times it
 * (no model): the first load with an empty image cache (decoding every file:
 * Resize(256) and the cache's write), then --epochs passes of training
 * batches with the reference's transforms (RandomCrop(224) of the stored
 * image, flip, normalise) made on the data workers, then a second load from
 * the warm cache (what a rerun, a resume or a sweep member pays).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FolderData } from '../../../compiler/spec/resolved-spec.js';
import { loadDataset, trainingBatches } from '../../data/index.js';
import { Random } from '../../../support/random.js';

export interface DataTiming {
  readonly images: number;
  readonly decode_seconds: number;
  readonly decode_img_per_s: number;
  /** Training batches per epoch, images per second, in order. */
  readonly epoch_img_per_s: readonly number[];
  /** A second load, from the cache the first one wrote. */
  readonly warm_start_s: number;
  readonly workers: number;
}

export interface DataTimingOptions {
  readonly epochs: number;
  readonly batch: number;
  readonly workers?: number;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export function referenceFolderData(train: string, test: string): FolderData {
  return {
    kind: 'folder',
    train,
    test,
    resize: 256,
    validation: 0,
    badFiles: 'stop',
    augment: { flip: 'horizontal', crop: { padding: 0, mode: 'zero' } },
    normalize: { mean: MEAN, std: STD },
  };
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export async function timeDataPipeline(folder: string, options: DataTimingOptions): Promise<DataTiming> {
  const cache = mkdtempSync(join(tmpdir(), 'ibc-bench-data-cache-'));
  const input: [number, number, number] = [224, 224, 3];
  const data = referenceFolderData(folder, folder);
  const images = { cache, ...(options.workers !== undefined ? { workers: options.workers } : {}) };
  try {
    let started = performance.now();
    // The test split is the same folder: one image of it, so the first load's time is the training folder's decoding.
    const cold = await loadDataset(data, { seed: 1, input, limitTest: 1, images });
    const decodeSeconds = (performance.now() - started) / 1000;
    const rates: number[] = [];
    try {
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        started = performance.now();
        let seen = 0;
        const batches = trainingBatches(cold.train, { batchSize: options.batch, epoch, seed: 1, shuffle: Random.fromSeed(1), augment: data.augment, normalize: data.normalize, input });
        for await (const batch of batches) seen += batch.count;
        rates.push(round(seen / ((performance.now() - started) / 1000), 1));
      }
    } finally {
      await cold.close();
    }
    started = performance.now();
    const warm = await loadDataset(data, { seed: 1, input, limitTest: 1, images });
    const warmSeconds = (performance.now() - started) / 1000;
    await warm.close();
    return {
      images: cold.train.count,
      decode_seconds: round(decodeSeconds, 2),
      decode_img_per_s: round(cold.train.count / decodeSeconds, 1),
      epoch_img_per_s: rates,
      warm_start_s: round(warmSeconds, 2),
      workers: cold.train.set.pool.size,
    };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
