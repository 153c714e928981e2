/**
 * `loadModel`: the runtime entry for a trained model exported as an ibc TF.js
 * artifact (`ibc compile --target ibc-runtime`, src/compiler/targets/ibc-runtime/artifact.ts).
 * It rebuilds the TF.js executor from the stored IR and weights and predicts
 * with the deterministic mean by default. (`--target tfjs` writes a standard
 * TF.js GraphModel instead, which plain TF.js loads with tf.loadGraphModel.)
 */
import * as tf from './tfjs-core.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import { readTfjsArtifact, type TfjsArtifactMeta } from '../../compiler/targets/ibc-runtime/artifact.js';
import { createTfjsModel, disposeForward, type TfjsModel } from './executor/tfjs-model.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { Random } from '../../support/random.js';
import { isBackendRequest, selectBackend } from './backends/select.js';

export interface LoadModelOptions {
  /**
   * 'auto' | 'cpu' | 'ibc-native' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu', or the name of
   * any TF.js backend already registered. Default: keep the active backend if one is set,
   * else 'auto' (the fastest available).
   */
  readonly backend?: string;
}

export interface PredictOptions {
  /** n attention/latent draws whose logits are averaged; 0 (default) = the deterministic mean. */
  readonly samples?: number;
  /** Seed of the sampling noise when samples > 0 (default 0). */
  readonly seed?: number;
}

export interface Prediction {
  /** [n, classes] row-major: class scores (logits, not probabilities). */
  readonly logits: Float32Array;
  /**
   * mu_a, the attention mean map, [n, h, w, 1] row-major (h, w: the map size).
   * For a baseline model (no attention) this is an empty Float32Array.
   */
  readonly attention: Float32Array;
  /**
   * Quantized models only: the map snapped to the learned anchors, [n, h, w, 1].
   * With samples = 0 it is Q(mu_a); with samples > 0, the mean over the n draws.
   */
  readonly attentionQuantized?: Float32Array;
}

export interface LoadedModel {
  readonly ir: ModelIR;
  readonly meta: TfjsArtifactMeta;
  /** [h, w, c] of one input image. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly hasAttention: boolean;
  /** The TF.js backend the model runs on. */
  readonly backend: string;
  /**
   * Class scores (and attention maps) for a batch of images.
   *
   * `images`: NHWC float32 in the units the data pipeline feeds the model during
   * training: pixels scaled to [0, 1], then normalised per channel with the spec's
   * mean/std, (x - mean[c]) / std[c] (see `meta.normalize`). A Float32Array needs
   * `shape` unless its length is a whole number of images; a tensor is not disposed.
   */
  predict(images: Float32Array | tf.Tensor4D, shape?: readonly [number, number, number, number], options?: PredictOptions): Promise<Prediction>;
  /** Frees the model's weights. */
  dispose(): void;
}

async function useBackend(requested: string | undefined): Promise<string> {
  if (requested === undefined) {
    const active = (tf.engine() as unknown as { backendName?: string | null }).backendName;
    if (active) return active;
    return (await selectBackend('auto')).tfBackend;
  }
  if (isBackendRequest(requested)) return (await selectBackend(requested)).tfBackend;
  let started = false;
  try {
    started = await tf.setBackend(requested);
  } catch {
    started = false;
  }
  if (!started) throw new RunError(diagnostic('backendUnavailable', { args: { name: requested, reason: 'no TF.js backend of that name is registered or it failed to start' } }));
  return requested;
}

function shapeError(detail: string, inputShape: readonly number[]): RunError {
  return new RunError(diagnostic('tfjsInputShapeMismatch', { args: { detail, expected: inputShape.join('x') } }));
}

/** Loads an artifact folder (model.json + weights.bin). Missing or corrupt files are RunErrors. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const artifact = readTfjsArtifact(dir);
  const backend = await useBackend(options.backend);
  const model: TfjsModel = createTfjsModel(artifact.ir, artifact.weights);
  const ir = artifact.ir;
  const [h, w, c] = ir.inputShape;
  const perImage = h * w * c;

  const toTensor = (images: Float32Array | tf.Tensor4D, shape?: readonly [number, number, number, number]): { t: tf.Tensor4D; owned: boolean } => {
    if (images instanceof tf.Tensor) {
      const s = images.shape;
      if (s[1] !== h || s[2] !== w || s[3] !== c) throw shapeError(`the tensor is ${s.join('x')}`, ir.inputShape);
      return { t: images, owned: false };
    }
    let full: readonly [number, number, number, number];
    if (shape) {
      if (shape[1] !== h || shape[2] !== w || shape[3] !== c) throw shapeError(`shape ${shape.join('x')} was given`, ir.inputShape);
      if (shape[0] * perImage !== images.length) throw shapeError(`shape ${shape.join('x')} needs ${shape[0] * perImage} values but the array holds ${images.length}`, ir.inputShape);
      full = shape;
    } else {
      if (images.length === 0 || images.length % perImage !== 0) throw shapeError(`the array holds ${images.length} values, not a whole number of ${h}x${w}x${c} images`, ir.inputShape);
      full = [images.length / perImage, h, w, c];
    }
    return { t: tf.tensor4d(images, [...full]), owned: true };
  };

  return {
    ir,
    meta: artifact.meta,
    inputShape: ir.inputShape,
    classes: ir.classes,
    hasAttention: ir.taps.attentionMean !== undefined,
    backend,
    async predict(images, shape, predictOptions = {}) {
      const samples = predictOptions.samples ?? 0;
      if (!Number.isInteger(samples) || samples < 0) throw new Error(`predict: samples must be a non-negative integer, got ${samples}`);
      const { t, owned } = toTensor(images, shape);
      const batch = t.shape[0];
      const noise = samples > 0 ? Random.fromSeed(predictOptions.seed ?? 0) : undefined;
      const outputs = model.forward(t, { training: false, samples, ...(noise ? { noise } : {}) });
      try {
        const logits = (await outputs.logits.data()) as Float32Array;
        const attention = outputs.taps.attentionMean ? ((await outputs.taps.attentionMean.data()) as Float32Array) : new Float32Array(0);
        let attentionQuantized: Float32Array | undefined;
        const q = outputs.taps.attentionQuantized;
        if (q) {
          const averaged = q.shape[0] === batch ? q : tf.tidy(() => tf.mean(tf.reshape(q, [-1, batch, ...q.shape.slice(1)]), 0));
          attentionQuantized = (await averaged.data()) as Float32Array;
          if (averaged !== q) averaged.dispose();
        }
        return { logits, attention, ...(attentionQuantized ? { attentionQuantized } : {}) };
      } finally {
        disposeForward(outputs);
        if (owned) t.dispose();
      }
    },
    dispose() {
      model.dispose();
    },
  };
}
