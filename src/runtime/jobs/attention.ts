/**
 * Attention maps of test images for people: the model runs in deterministic
 * mode (a = mu_a, z = mu_z), so the continuous map is mu_a and the quantized
 * map is a_q computed from mu_a, the map a deployed classifier would use.
 * The images are written by the image writer (runtime/figures/images): named by
 * test-set index, one colour scale per call, object boxes where known.
 */
import type { CheckpointChoice } from '../runs/resume.js';
import * as tf from '../engine/tfjs-core.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { TfjsModel } from '../engine/executor/tfjs-model.js';
import type { Dataset, DataSplit, ImageLoadOptions } from '../data/index.js';
import { evaluationImages, makeBatches } from '../data/index.js';
import { subset } from '../data/dataset.js';
import { gridFigureSize, maxGridImages, MAX_FIGURE_PIXELS, renderAttentionImages, ATTENTION_FOLDER, type AttentionItem } from '../figures/images/index.js';
import type { ScaleMode } from '../figures/images/figure.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import { runError } from '../../support/errors.js';
import { resolveInsideRunDir, runOwnPaths } from '../runs/run-dir.js';
import type { ReadPath } from '../../host/output-policy.js';
import type { ObjectBox } from '../data/boxes.js';
import { knownClassNames } from '../data/class-names.js';
import { quantizerAnchors } from '../../compiler/ir/loss.js';
import { loadRunData, modelFromState, type OpenedRun } from '../runs/open-run.js';
import { lockRunDir } from '../runs/run-lock.js';

/**
 * Which test images to draw: `count` from `offset` on; the images at `indices` (in that
 * order); or the first `count` misclassified ones from `offset` on.
 */
export type AttentionSelection =
  | { readonly kind: 'range'; readonly offset: number; readonly count: number }
  | { readonly kind: 'indices'; readonly indices: readonly number[] }
  | { readonly kind: 'errors'; readonly offset: number; readonly count: number };

/** How many test images are looked at per forward pass while searching for misclassified ones. */
const SEARCH_BATCH = 256;

/** mu_a, a_q and predictions for the selected test images. */
export async function attentionItems(model: TfjsModel, spec: ResolvedSpec, test: DataSplit, selection: AttentionSelection, classNames?: readonly string[]): Promise<AttentionItem[]> {
  switch (selection.kind) {
    case 'range': {
      const start = Math.min(Math.max(0, selection.offset), test.count);
      const end = Math.min(test.count, start + Math.max(0, selection.count));
      return itemsOf(model, spec, test, Array.from({ length: end - start }, (_, i) => start + i), () => true, end - start, classNames);
    }
    case 'indices':
      return itemsOf(model, spec, test, selection.indices.filter((i) => i >= 0 && i < test.count), () => true, selection.indices.length, classNames);
    case 'errors': {
      const out: AttentionItem[] = [];
      for (let start = Math.max(0, selection.offset); start < test.count && out.length < selection.count; start += SEARCH_BATCH) {
        const indices = Array.from({ length: Math.min(SEARCH_BATCH, test.count - start) }, (_, i) => start + i);
        out.push(...(await itemsOf(model, spec, test, indices, (p, l) => p !== l, selection.count - out.length, classNames)));
      }
      return out;
    }
  }
}

/** The items of test images `indices` (in that order) that `keep` accepts (predicted, label), at most `limit`. */
async function itemsOf(
  model: TfjsModel,
  spec: ResolvedSpec,
  test: DataSplit,
  indices: readonly number[],
  keep: (predicted: number, label: number) => boolean,
  limit: number,
  classNames?: readonly string[],
): Promise<AttentionItem[]> {
  const [h, w, c] = spec.model.input;
  const size = h * w * c;
  const out: AttentionItem[] = [];
  if (indices.length === 0 || limit <= 0) return out;
  // The images from the first index to the last (decoded from the image cache for folder data), then those asked for.
  const first = Math.min(...indices);
  const span = evaluationImages(test, first, Math.max(...indices) + 1, spec.model.input);
  const slice = subset(span, indices.map((i) => i - first), size);
  let position = 0;
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
      for (let b = 0; b < batch.count && out.length < limit; b++) {
        const index = indices[position + b]!;
        if (!keep(predicted[b]!, batch.labels[b]!)) continue;
        const box = slice.boxes ? (Array.from(slice.boxes.subarray((position + b) * 4, (position + b) * 4 + 4)) as unknown as ObjectBox) : undefined;
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
      position += batch.count;
    } finally {
      tf.dispose([result.logits, ...Object.values(result.taps)]);
    }
    if (out.length >= limit) break;
  }
  return out;
}

export interface AttentionOptions {
  readonly selection: AttentionSelection;
  /** The colour scale (default fixed). */
  readonly scale?: ScaleMode;
  /** Maps over the input instead of beside it. */
  readonly overlay?: boolean;
  /** Which weights, for the title: "last checkpoint", "best checkpoint", "end of training". */
  readonly checkpoint: string;
  readonly epoch: number;
  /** Folder that resolves relative data paths, for the built-in class names. */
  readonly baseDir: string;
  /** The folder is not the run's own attention/ folder (--out): only images with ibc's mark are replaced or removed there. */
  readonly foreignFolder?: boolean;
  /** Replace files of the writer's names that ibc did not write (--overwrite). */
  readonly overwrite?: boolean;
  /** What the call reads: the folder may not be, or lie inside, one of them (IB6807). */
  readonly inputs?: readonly ReadPath[];
}

/** Writes test-NNNNN.png/.svg per image and grid.png/.svg into `folder` (attention images of an earlier call there are replaced or removed); returns the folder and the test indices drawn. */
export async function writeRunAttention(
  folder: string,
  model: TfjsModel,
  spec: ResolvedSpec,
  data: Dataset,
  options: AttentionOptions,
): Promise<{ folder: string; items: number[] }> {
  const rendered = await renderRunAttention(folder, model, spec, data, options);
  rendered.write();
  return { folder: rendered.folder, items: rendered.items };
}

/** writeRunAttention's figures, rendered (on the thread pool) and not yet written: `write()` writes them. */
export interface RenderedRunAttention {
  readonly folder: string;
  /** The test indices drawn, in order. */
  readonly items: number[];
  readonly write: () => void;
}

/** The first step of writeRunAttention: the maps computed and the figures rendered; nothing written yet. */
export async function renderRunAttention(folder: string, model: TfjsModel, spec: ResolvedSpec, data: Dataset, options: AttentionOptions): Promise<RenderedRunAttention> {
  const names = spec.model.classNames ?? data.classNames ?? knownClassNames(spec.data, data.classes, options.baseDir);
  const items = await attentionItems(model, spec, data.test, options.selection, names);
  const anchorsName = quantizerAnchors(model.ir);
  const anchorValues = anchorsName !== undefined ? (await model.readWeights()).get(anchorsName) : undefined;
  const anchors = anchorValues ? Array.from(anchorValues).sort((a, b) => a - b) : undefined;
  const rendered = await renderAttentionImages(
    folder,
    items,
    {
      title: `${spec.name}: ${options.checkpoint}, epoch ${options.epoch}`,
      ...(anchors ? { anchors } : {}),
      ...(options.scale ? { scale: options.scale } : {}),
      ...(options.overlay ? { overlay: true } : {}),
      ...(options.selection.kind === 'errors' ? { selection: `misclassified test images from #${options.selection.offset} on (${items.length})` } : {}),
    },
    { ownFolder: options.foreignFolder !== true, overwrite: options.overwrite === true, ...(options.inputs ? { inputs: options.inputs } : {}) },
  );
  return { folder, items: items.map((i) => i.index), write: () => void rendered.write() };
}

/**
 * Refuses (IB6806), before the model runs, a count of attention images whose
 * grid figure would be too large to render; `option` names the flag.
 */
export function requireAttentionFits(option: string, count: number, spec: ResolvedSpec, ir: ModelIR): void {
  if (count <= 0 || ir.taps.attentionMean === undefined) return;
  const quantized = ir.taps.attentionQuantized !== undefined;
  const { width, height } = gridFigureSize(count, spec.model.input, quantized);
  if (width * height <= MAX_FIGURE_PIXELS) return;
  throw runError('attentionGridTooLarge', { option, count, width, height, limit: MAX_FIGURE_PIXELS.toLocaleString('en-US'), fit: maxGridImages(spec.model.input, quantized) });
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
  readonly selection: AttentionSelection;
  readonly scale?: ScaleMode;
  readonly overlay?: boolean;
  /** The folder for the images, absolute; undefined: the run's attention/ folder. */
  readonly out?: string;
  /** Replace files of the writer's names in `out` that ibc did not write (--overwrite). */
  readonly overwrite?: boolean;
  /** Folder data: the image cache, memory budget and workers to load it with. */
  readonly images?: ImageLoadOptions;
}

export type RunAttentionOutcome =
  /** `items`: the test indices drawn, in order. */
  | { readonly kind: 'written'; readonly folder: string; readonly items: readonly number[] }
  /** The offset (or an index) is past the end of the test set (of `testCount` images): nothing was written. */
  | { readonly kind: 'offsetPastEnd'; readonly testCount: number; readonly index: number };

/**
 * `ibc attention RUN_DIR` once the run is opened and the backend chosen: the
 * run's test data, its model, and the images of test images [offset, offset +
 * count), written under the run's lock (not while a training run writes there).
 */
export async function writeAttentionOfRun(opened: OpenedRun, request: RunAttentionRequest): Promise<RunAttentionOutcome> {
  const { runDir, selection } = request;
  const data = await loadRunData(opened, undefined, request.images);
  try {
    const past = selection.kind === 'indices' ? selection.indices.find((i) => i >= data.test.count) : selection.offset >= data.test.count ? selection.offset : undefined;
    if (past !== undefined) return { kind: 'offsetPastEnd', testCount: data.test.count, index: past };
    const model = modelFromState(opened);
    // It writes into the run directory: not while a training run writes there.
    const lock = lockRunDir(runDir);
    try {
      const written = await writeRunAttention(request.out ?? runAttentionFolder(runDir), model, opened.spec, data, {
        selection,
        ...(request.scale ? { scale: request.scale } : {}),
        ...(request.overlay ? { overlay: true } : {}),
        checkpoint: `${typeof request.which === 'string' ? `${request.which} checkpoint` : `checkpoint ${opened.checkpointPath}`}${opened.state.ema ? ' (EMA weights)' : ''}`,
        epoch: opened.state.epoch,
        baseDir: opened.state.settings.dataBaseDir ?? runDir,
        foreignFolder: request.out !== undefined,
        overwrite: request.overwrite === true,
        // An --out folder may be anywhere but in the run's own files (its attention/ folder is where the images go anyway).
        ...(request.out !== undefined ? { inputs: runOwnPaths(runDir).filter((p) => p !== runAttentionFolder(runDir)).map((path) => ({ path, within: true })) } : {}),
      });
      return { kind: 'written', ...written };
    } finally {
      lock.release();
      model.dispose();
    }
  } finally {
    await data.close();
  }
}
