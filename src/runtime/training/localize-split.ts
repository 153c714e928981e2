/**
 * Localization of a finished model's attention maps against a split's object
 * boxes (localization.ts), on the TF.js model: it reads the attention taps,
 * which the training engines do not hand out.
 */
import * as tf from '../engine/tfjs-core.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { evaluationBatches, type DataSplit } from '../data/index.js';
import type { TfjsModel } from '../engine/executor/tfjs-model.js';
import { evaluateLocalization, type EvalBatch } from './evaluate.js';
import type { Localization } from './localization.js';

/** Batches of a split as tensors, in order, unaugmented; each batch's tensor is disposed when the next is requested. */
async function* evalBatches(split: DataSplit, spec: ResolvedSpec, batchSize: number): AsyncGenerator<EvalBatch> {
  const [h, w, c] = spec.model.input;
  for await (const b of evaluationBatches(split, { batchSize, normalize: spec.data.normalize, input: spec.model.input })) {
    const images = tf.tensor4d(b.images, [b.count, h, w, c]);
    try {
      yield { images, labels: b.labels };
    } finally {
      images.dispose();
    }
  }
}

/**
 * Localization of the model's attention maps against the split's object boxes,
 * in deterministic mode (a = mu_a, and a_q from mu_a: the maps of the attention
 * images). Undefined when the split has no boxes or the model no attention.
 */
export async function localizeSplit(model: TfjsModel, spec: ResolvedSpec, split: DataSplit): Promise<Localization | undefined> {
  if (!split.boxes || model.ir.taps.attentionMean === undefined) return undefined;
  const [h, w] = spec.model.input;
  return evaluateLocalization(evalBatches(split, spec, spec.train.evalBatchSize), split.boxes, [h, w], async (images) => {
    const out = model.forward(images, { training: false, samples: 0 });
    try {
      const mean = out.taps.attentionMean;
      if (!mean) return undefined;
      const [, mh, mw] = mean.shape;
      const quantized = out.taps.attentionQuantized;
      return {
        mapShape: [mh, mw],
        mean: (await mean.data()) as Float32Array,
        ...(quantized ? { quantized: (await quantized.data()) as Float32Array } : {}),
      };
    } finally {
      tf.dispose([out.logits, ...Object.values(out.taps)]);
    }
  });
}
