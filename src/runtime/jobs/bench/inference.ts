/**
 * `ibc bench SPEC --target onnx`: inference timed two ways, the exported ONNX
 * model in onnxruntime-node and the TF.js model's deterministic forward pass on
 * each TF.js backend asked for (auto: ibc-native when built, and cpu unless the
 * model is too large for it). Each measurement is handed to the caller as a
 * record as soon as it is taken.
 */
import type { ModelIR } from '../../../compiler/ir/ir.js';
import { modelFlops } from '../../../compiler/resources/training-flops.js';
import type { ResolvedSpec } from '../../../compiler/spec/resolved-spec.js';
import { specHash } from '../../../compiler/spec/serialize.js';
import { exportOnnx } from '../../../compiler/targets/onnx/export.js';
import { hasErrors, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { RunError } from '../../../support/errors.js';
import { releaseBackend, selectBackend, type BackendRequest } from '../../engine/backends/select.js';
import { initParams } from '../../engine/init-params.js';
import { benchOnnxInference } from '../../engine/onnx/bench.js';
import { round } from './steps.js';
import { timeTfjsInference } from './time-inference.js';

/** One inference measurement of `ibc bench --target onnx`. */
export interface InferenceRecord {
  readonly spec: string;
  readonly target: 'onnx' | 'tfjs';
  readonly backend: string;
  readonly batch: number;
  readonly iterations: number;
  readonly img_per_s: number;
  readonly ms_per_batch: number;
}

export interface InferenceBenchOptions {
  /** Images per batch; undefined: the spec's train.batch. */
  readonly batch?: number;
  readonly iterations: number;
}

export interface InferenceBenchOutput {
  /** One measurement, in the order they are taken (ONNX first). */
  record(record: InferenceRecord): void;
  /** A TF.js backend left out, and why (always shown). */
  note(text: string): void;
}

/** What the ONNX measurement's record names as its backend. */
const ONNX_BACKEND = 'onnxruntime-node (cpu)';

/** Above this many forward FLOPs per image the JS cpu backend takes minutes per batch: auto leaves it out. */
const CPU_INFERENCE_FLOP_LIMIT = 1e9;

/** Exports the model with fresh seeded weights at a fixed batch and times it in onnxruntime-node; the export's diagnostics when it cannot be exported. */
async function benchOnnxModel(
  spec: ResolvedSpec, ir: ModelIR, params: Map<string, Float32Array>, batch: number, iterations: number,
): Promise<{ ok: true; img_per_s: number; ms_per_batch: number } | { ok: false; diagnostics: readonly Diagnostic[] }> {
  const exported = exportOnnx(ir, params, {
    ...(spec.export.opset !== undefined ? { opset: spec.export.opset } : {}),
    layout: spec.export.layout,
    batch,
    meta: { specName: spec.name, specHash: specHash(spec), normalize: spec.data.normalize },
  });
  if (!exported.value || hasErrors(exported.diagnostics)) return { ok: false, diagnostics: exported.diagnostics };
  return { ok: true, ...(await benchOnnxInference(exported.value.bytes, batch, iterations)) };
}

/**
 * The TF.js backends to time: the one asked for, or (auto) ibc-native when it
 * is built and cpu unless the model is too large for it. Each skip is noted
 * with its reason.
 */
function tfjsBackendsFor(request: BackendRequest, forwardFlops: number, note: (text: string) => void): BackendRequest[] {
  if (request !== 'auto') return [request];
  const chosen: BackendRequest[] = ['ibc-native'];
  if (forwardFlops > CPU_INFERENCE_FLOP_LIMIT) {
    note(`TF.js cpu skipped: the model takes ${(forwardFlops / 1e9).toFixed(2)} GFLOP per image, too slow for the JS cpu backend (ask for it with --backend cpu)\n`);
  } else {
    chosen.push('cpu');
  }
  return chosen;
}

/**
 * Times inference of the spec's model (fresh seeded weights); `specLabel` is how
 * the records name the spec. Not ok, with the ONNX export's diagnostics, when the
 * model cannot be exported (nothing is measured then).
 */
export async function benchInference(
  spec: ResolvedSpec, ir: ModelIR, specLabel: string, request: BackendRequest, options: InferenceBenchOptions, output: InferenceBenchOutput,
): Promise<{ readonly ok: true } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }> {
  const batch = options.batch ?? spec.train.batchSize;
  const params = initParams(ir, spec.train.seed);
  // Built field by field so every line has the documented key order.
  const record = (target: 'onnx' | 'tfjs', backend: string, imagesPerSecond: number, msPerBatch: number): InferenceRecord => ({
    spec: specLabel, target, backend, batch, iterations: options.iterations, img_per_s: round(imagesPerSecond, 3), ms_per_batch: round(msPerBatch, 2),
  });

  const onnx = await benchOnnxModel(spec, ir, params, batch, options.iterations);
  if (!onnx.ok) return onnx;
  output.record(record('onnx', ONNX_BACKEND, onnx.img_per_s, onnx.ms_per_batch));

  for (const backend of tfjsBackendsFor(request, modelFlops(ir).forwardPerImage, (text) => output.note(text))) {
    let choice;
    try {
      choice = await selectBackend(backend);
    } catch (error) {
      // auto: a backend that is not built is skipped with its reason; one asked for by name is an error.
      if (request === 'auto' && error instanceof RunError) {
        output.note(`TF.js ${backend} skipped: ${error.diagnostic.message}\n`);
        continue;
      }
      throw error;
    }
    try {
      const timing = await timeTfjsInference(ir, params, { batch, iterations: options.iterations, seed: spec.train.seed });
      output.record(record('tfjs', choice.name, timing.imagesPerSecond, timing.msPerBatch));
    } finally {
      releaseBackend(choice);
    }
  }
  return { ok: true };
}
