/**
 * Times inference of a compiled model on the active TF.js backend: the
 * deterministic forward pass (inference mode, the attention map's mean, no
 * sampling), which is what the exported ONNX graph computes, on one seeded
 * random batch. One untimed warm-up pass first (it builds native primitives
 * and grows the buffers), as benchOnnxInference does for onnxruntime.
 */
import * as tf from '../../engine/tfjs-core.js';
import type { ModelIR } from '../../../compiler/ir/ir.js';
import { createTfjsModel, disposeForward } from '../../engine/executor/tfjs-model.js';
import { Random } from '../../../support/random.js';

export interface InferenceTimingOptions {
  readonly batch: number;
  readonly iterations: number;
  /** Seed of the input batch. */
  readonly seed: number;
}

export interface InferenceTiming {
  readonly imagesPerSecond: number;
  readonly msPerBatch: number;
}

export async function timeTfjsInference(ir: ModelIR, params: ReadonlyMap<string, Float32Array>, options: InferenceTimingOptions): Promise<InferenceTiming> {
  if (!Number.isInteger(options.batch) || options.batch < 1) throw new Error(`timeTfjsInference: batch must be a positive integer, got ${options.batch}`);
  if (!Number.isInteger(options.iterations) || options.iterations < 1) throw new Error(`timeTfjsInference: iterations must be a positive integer, got ${options.iterations}`);
  const model = createTfjsModel(ir, params);
  const [h, w, c] = ir.inputShape;
  const data = Random.fromSeed(options.seed).derive('bench-images').fillNormal(new Float32Array(options.batch * h * w * c));
  const images = tf.tensor4d(data, [options.batch, h, w, c]);
  const pass = async (): Promise<void> => {
    const out = model.forward(images, { training: false, samples: 0 });
    // Reading the logits waits for every kernel on backends that run asynchronously.
    await out.logits.data();
    disposeForward(out);
  };
  try {
    await pass();
    const start = process.hrtime.bigint();
    for (let i = 0; i < options.iterations; i++) await pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { imagesPerSecond: (options.batch * options.iterations) / seconds, msPerBatch: (1000 * seconds) / options.iterations };
  } finally {
    images.dispose();
    model.dispose();
  }
}
