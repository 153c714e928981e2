/**
 * Inference throughput of an exported model in onnxruntime-node (CPU), for
 * `ibc bench --target onnx`. One untimed warm-up run, then `iterations` timed
 * runs on one seeded random batch.
 */
import { readFileOf } from '../../../host/read-file.js';
import { runError } from '../../../support/errors.js';
import { loadOnnxRuntime } from './onnxruntime.js';
import { onnx } from '../../../compiler/targets/onnx/proto.js';
import { ONNX_INPUT } from '../../../compiler/targets/onnx/export.js';
import { Random } from '../../../support/random.js';

export interface OnnxBenchResult {
  readonly img_per_s: number;
  readonly ms_per_batch: number;
}

/** The input's per-example dims (everything after the batch dimension) read from the model file. */
export function onnxInputDims(bytes: Uint8Array): number[] {
  const model = onnx.ModelProto.decode(bytes);
  const input = model.graph?.input?.find((i) => i.name === ONNX_INPUT) ?? model.graph?.input?.[0];
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  return dims.slice(1).map((d) => Number(d.dimValue ?? 0));
}

/**
 * `model`: an ONNX file's path, or the model's bytes (ibc bench times its own
 * export straight from memory: nothing is written, not even to a temporary folder).
 */
export async function benchOnnxInference(model: string | Uint8Array, batch: number, iterations: number): Promise<OnnxBenchResult> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`benchOnnxInference: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`benchOnnxInference: iterations must be a positive integer, got ${iterations}`);
  const bytes = typeof model === 'string' ? readModel(model) : model;
  const dims = onnxInputDims(bytes);
  if (dims.length === 0 || dims.some((d) => !(d > 0))) throw new Error(`benchOnnxInference: ${typeof model === 'string' ? `'${model}'` : 'the model'} has no fixed per-example input shape`);
  const ort = await loadOnnxRuntime('ibc bench --target onnx');
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    const size = batch * dims.reduce((a, b) => a * b, 1);
    const feed = { [session.inputNames[0]!]: new ort.Tensor('float32', Random.fromSeed(0).derive('bench').fillNormal(new Float32Array(size)), [batch, ...dims]) };
    await session.run(feed);
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await session.run(feed);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { img_per_s: (batch * iterations) / seconds, ms_per_batch: (seconds * 1000) / iterations };
  } finally {
    await session.release();
  }
}

function readModel(path: string): Uint8Array {
  const read = readFileOf('checkpoint', path);
  if (!read.ok) throw runError('dataReadFailed', { path, reason: read.problem.reason });
  return read.bytes;
}
