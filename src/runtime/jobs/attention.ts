/**
 * Attention maps of test images for people: the model runs in deterministic
 * mode (a = mu_a, z = mu_z), so the continuous map is mu_a and the quantized
 * map is a_q computed from mu_a, the map a deployed classifier would use.
 * The images are written by the image writer (runtime/figures/images): named by
 * test-set index, one colour scale per call, object boxes where known.
 */
import type { CheckpointChoice } from '../runs/resume.js';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { TfjsModel } from '../engine/executor/tfjs-model.js';
import type { Dataset, DataSplit, ImageLoadOptions } from '../data/index.js';
import { evaluationImages, makeBatches } from '../data/index.js';
import { writeAttentionImages, ATTENTION_FOLDER, type AttentionItem } from '../figures/images/index.js';
import { resolveInsideRunDir } from '../runs/run-dir.js';
import type { ObjectBox } from '../data/boxes.js';
import { knownClassNames } from '../data/class-names.js';
import { quantizerAnchors } from '../../compiler/ir/loss.js';
import { loadRunData, modelFromState, type OpenedRun } from '../runs/open-run.js';
import { lockRunDir } from '../runs/run-lock.js';

/** mu_a, a_q and predictions for test images [offset, offset + count). */
export async function attentionItems(
  model: TfjsModel,
  spec: ResolvedSpec,
  test: DataSplit,
  count: number,
  offset: number,
  classNames?: readonly string[],
): Promise<AttentionItem[]> {
  const [h, w, c] = spec.model.input;
  const size = h * w * c;
  const start = Math.min(Math.max(0, offset), test.count);
  const end = Math.min(test.count, start + Math.max(0, count));
  if (end <= start) return [];
  const { boxes: _boxes, ...slice } = evaluationImages(test, start, end, spec.model.input);
  const out: AttentionItem[] = [];
  const boxOf = (i: number): ObjectBox | undefined =>
    test.boxes ? (Array.from(test.boxes.subarray(i * 4, i * 4 + 4)) as unknown as ObjectBox) : undefined;
  for (const batch of makeBatches(slice, spec.train.evalBatchSize, undefined, undefined, spec.data.normalize, spec.model.input)) {
    const images = tf.tensor4d(batch.images, [batch.count, h, w, c]);
    const result = model.forward(images, { training: false, samples: 0 });
    images.dispose();
    try {
      const mean = result.taps.attentionMean;
      if (!mean) return out;
      const [, mh, mw] = mean.shape;
      const meanValues = (await mean.data()) as Float32Array;
      const quantValues = result.taps.attentionQuantized ? ((await result.taps.attentionQuantized.data()) as Float32Array) : undefined;
      const argmax = tf.argMax(result.logits, 1);
      const predicted = (await argmax.data()) as Int32Array;
      argmax.dispose();
      const mapSize = mh * mw;
      for (let b = 0; b < batch.count; b++) {
        const index = start + out.length;
        const box = boxOf(index);
        out.push({
          index,
          ...(box ? { box } : {}),
          image: batch.images.slice(b * size, (b + 1) * size),
          shape: [h, w, c],
          normalize: spec.data.normalize,
          attention: meanValues.slice(b * mapSize, (b + 1) * mapSize),
          mapShape: [mh, mw],
          ...(quantValues ? { attentionQuantized: quantValues.slice(b * mapSize, (b + 1) * mapSize) } : {}),
          predicted: predicted[b]!,
          label: batch.labels[b]!,
          ...(classNames ? { classNames } : {}),
        });
      }
    } finally {
      tf.dispose([result.logits, ...Object.values(result.taps)]);
    }
  }
  return out;
}

export interface AttentionOptions {
  readonly count: number;
  readonly offset: number;
  /** Which weights, for the title: "last checkpoint", "best checkpoint", "end of training". */
  readonly checkpoint: string;
  readonly epoch: number;
  /** Folder that resolves relative data paths, for the built-in class names. */
  readonly baseDir: string;
}

/** Writes test-NNNNN.png per image and grid.png into `folder` (earlier attention images there are removed); returns the folder. */
export async function writeRunAttention(
  folder: string,
  model: TfjsModel,
  spec: ResolvedSpec,
  data: Dataset,
  options: AttentionOptions,
): Promise<string> {
  const names = spec.model.classNames ?? data.classNames ?? knownClassNames(spec.data, data.classes, options.baseDir);
  const items = await attentionItems(model, spec, data.test, options.count, options.offset, names);
  const anchorsName = quantizerAnchors(model.ir);
  const anchorValues = anchorsName !== undefined ? (await model.readWeights()).get(anchorsName) : undefined;
  const anchors = anchorValues ? Array.from(anchorValues).sort((a, b) => a - b) : undefined;
  writeAttentionImages(folder, items, {
    title: `${spec.name}: ${options.checkpoint}, epoch ${options.epoch}`,
    ...(anchors ? { anchors } : {}),
  });
  return folder;
}

/** The default attention folder of a run. */
export function runAttentionFolder(runDir: string): string {
  return resolveInsideRunDir(runDir, ATTENTION_FOLDER);
}

/** Whether a run's model has an attention module, so attention maps to draw. */
export function hasAttentionMaps(opened: OpenedRun): boolean {
  return opened.ir.taps.attentionMean !== undefined;
}

export interface RunAttentionRequest {
  readonly runDir: string;
  readonly which: CheckpointChoice;
  readonly count: number;
  readonly offset: number;
  /** The folder for the images, absolute; undefined: the run's attention/ folder. */
  readonly out?: string;
  /** Folder data: the image cache, memory budget and workers to load it with. */
  readonly images?: ImageLoadOptions;
}

export type RunAttentionOutcome =
  | { readonly kind: 'written'; readonly folder: string; readonly first: number; readonly last: number }
  /** The offset is past the end of the test set (of `testCount` images): nothing was written. */
  | { readonly kind: 'offsetPastEnd'; readonly testCount: number };

/**
 * `ibc attention RUN_DIR` once the run is opened and the backend chosen: the
 * run's test data, its model, and the images of test images [offset, offset +
 * count), written under the run's lock (not while a training run writes there).
 */
export async function writeAttentionOfRun(opened: OpenedRun, request: RunAttentionRequest): Promise<RunAttentionOutcome> {
  const { runDir, count, offset } = request;
  const data = await loadRunData(opened, undefined, request.images);
  try {
    if (offset >= data.test.count) return { kind: 'offsetPastEnd', testCount: data.test.count };
    const model = modelFromState(opened);
    // It writes into the run directory: not while a training run writes there.
    const lock = lockRunDir(runDir);
    try {
      const folder = await writeRunAttention(request.out ?? runAttentionFolder(runDir), model, opened.spec, data, {
        count,
        offset,
        checkpoint: `${typeof request.which === 'string' ? `${request.which} checkpoint` : `checkpoint ${opened.checkpointPath}`}${opened.state.ema ? ' (EMA weights)' : ''}`,
        epoch: opened.state.epoch,
        baseDir: opened.state.settings.dataBaseDir ?? runDir,
      });
      return { kind: 'written', folder, first: offset, last: Math.min(data.test.count, offset + count) - 1 };
    } finally {
      lock.release();
      model.dispose();
    }
  } finally {
    await data.close();
  }
}
