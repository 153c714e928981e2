/**
 * `--verify`: runs the exported ONNX model in onnxruntime-node and the TF.js
 * model (CPU backend, inference mode, deterministic mean) on the same seeded
 * random inputs and reports the largest absolute and relative error of every
 * output at each batch size. Logits decide: max abs error <= tolerance.
 */
import * as tf from '../tfjs-core.js';
import '../tfjs-backend-cpu.js';
import { loadOnnxRuntime } from './onnxruntime.js';
import type { ModelIR } from '../../../compiler/ir/ir.js';
import { Random } from '../../../support/random.js';
import { createTfjsModel, disposeForward } from '../executor/tfjs-model.js';
import { ONNX_ATTENTION, ONNX_ATTENTION_QUANTIZED, ONNX_INPUT, ONNX_LOGITS } from '../../../compiler/targets/onnx/export.js';
import type { Weights } from '../../../compiler/targets/inference-graph.js';

export interface VerifyOptions {
  readonly layout?: 'nhwc' | 'nchw';
  /** Default [1, 3]: the batch dimension is symbolic, so more than one size is checked. */
  readonly batches?: readonly number[];
  readonly seed?: number;
  /** Max abs error allowed on logits (default 1e-4). */
  readonly tolerance?: number;
}

export interface OutputError {
  readonly output: string;
  readonly batch: number;
  /** Over the examples compared (for logits: those whose quantized maps agree, see `boundaryExamples`). */
  readonly maxAbs: number;
  /** max |onnx - tfjs| / max(|tfjs|, 1e-6) */
  readonly maxRel: number;
}

export interface VerifyReport {
  readonly errors: readonly OutputError[];
  readonly tolerance: number;
  /** max |logits| of the TF.js model over all batches: the scale the errors are relative to. */
  readonly logitsScale: number;
  /**
   * Examples whose quantized attention maps differ between the two (a map value within float
   * rounding of the midpoint between two anchors picks the other anchor: the quantizer is
   * discontinuous). Their logits are left out of the logits comparison; `ok` needs most examples
   * to agree.
   */
  readonly boundaryExamples: number;
  readonly examples: number;
  /** True when every batch's logits are within `tolerance`. */
  readonly ok: boolean;
}

export const DEFAULT_VERIFY_TOLERANCE = 1e-4;

export function compareArrays(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  if (got.length !== want.length) return { maxAbs: Infinity, maxRel: Infinity };
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    const r = d / Math.max(Math.abs(want[i]!), 1e-6);
    if (!(r <= maxRel)) maxRel = Number.isNaN(r) ? Infinity : r;
  }
  return { maxAbs, maxRel };
}

/** NHWC <-> NCHW for a [b, h, w, c] batch. */
export function nhwcToNchw(x: Float32Array, b: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[((n * c + ch) * h + y) * w + xx] = x[((n * h + y) * w + xx) * c + ch]!;
  return out;
}

export function nchwToNhwc(x: Float32Array, b: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < b; n++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[((n * h + y) * w + xx) * c + ch] = x[((n * c + ch) * h + y) * w + xx]!;
  return out;
}

export function seededImages(batch: number, shape: readonly [number, number, number], seed: number): Float32Array {
  const n = batch * shape[0] * shape[1] * shape[2];
  return Random.fromSeed(seed).derive(`verify-images-${batch}`).fillNormal(new Float32Array(n));
}

/** Compares the ONNX model (bytes or a file path) with the TF.js model of `ir` on `weights`. */
export async function verifyOnnx(model: Uint8Array | string, ir: ModelIR, weights: Weights, options: VerifyOptions = {}): Promise<VerifyReport> {
  const layout = options.layout ?? 'nhwc';
  const tolerance = options.tolerance ?? DEFAULT_VERIFY_TOLERANCE;
  const batches = options.batches ?? [1, 3];
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();

  const ort = await loadOnnxRuntime('--verify');
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  const tfModel = createTfjsModel(ir, weights);
  const errors: OutputError[] = [];
  let logitsScale = 0;
  let boundaryExamples = 0;
  let examples = 0;
  try {
    const [h, w, c] = ir.inputShape;
    for (const batch of batches) {
      const images = seededImages(batch, ir.inputShape, options.seed ?? 0);
      const feed = layout === 'nhwc' ? images : nhwcToNchw(images, batch, h, w, c);
      const dims = layout === 'nhwc' ? [batch, h, w, c] : [batch, c, h, w];
      const got = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', feed, dims) });

      const input = tf.tensor4d(images, [batch, h, w, c]);
      const outputs = tfModel.forward(input, { training: false, samples: 0 });
      input.dispose();
      try {
        const logits = outputs.logits.dataSync() as Float32Array;
        for (const v of logits) logitsScale = Math.max(logitsScale, Math.abs(v));
        const want = new Map<string, Float32Array>([[ONNX_LOGITS, logits]]);
        if (outputs.taps.attentionMean && ONNX_ATTENTION in got) want.set(ONNX_ATTENTION, outputs.taps.attentionMean.dataSync() as Float32Array);
        if (outputs.taps.attentionQuantized && ONNX_ATTENTION_QUANTIZED in got) {
          want.set(ONNX_ATTENTION_QUANTIZED, outputs.taps.attentionQuantized.dataSync() as Float32Array);
        }
        const received = new Map<string, Float32Array>();
        for (const name of want.keys()) {
          const tensor = got[name];
          if (!tensor) throw new Error(`the ONNX model has no output '${name}'`);
          let data = tensor.data as Float32Array;
          if (layout === 'nchw' && tensor.dims.length === 4) {
            const [b, ch, mh, mw] = tensor.dims as [number, number, number, number];
            data = nchwToNhwc(data, b, ch, mh, mw);
          }
          received.set(name, data);
        }
        const agree = agreeingExamples(received.get(ONNX_ATTENTION_QUANTIZED), want.get(ONNX_ATTENTION_QUANTIZED), batch);
        examples += batch;
        boundaryExamples += batch - agree.length;
        for (const [name, expected] of want) {
          const data = received.get(name)!;
          if (name === ONNX_LOGITS && agree.length < batch) {
            errors.push({ output: name, batch, ...compareArrays(pick(data, agree, batch), pick(expected, agree, batch)) });
          } else {
            errors.push({ output: name, batch, ...compareArrays(data, expected) });
          }
        }
      } finally {
        disposeForward(outputs);
      }
    }
  } finally {
    tfModel.dispose();
    await session.release();
  }
  const ok = errors.filter((e) => e.output === ONNX_LOGITS).every((e) => e.maxAbs <= tolerance) && boundaryExamples * 2 < examples;
  return { errors, tolerance, logitsScale, boundaryExamples, examples, ok };
}

/** Indices of the examples whose quantized maps are identical (all of them when the model has none). */
function agreeingExamples(a: Float32Array | undefined, b: Float32Array | undefined, batch: number): number[] {
  const all = Array.from({ length: batch }, (_, i) => i);
  if (!a || !b) return all;
  const per = a.length / batch;
  return all.filter((i) => {
    for (let j = i * per; j < (i + 1) * per; j++) if (a[j] !== b[j]) return false;
    return true;
  });
}

/** The rows `indices` of a [batch, ...] array. */
function pick(data: Float32Array, indices: readonly number[], batch: number): Float32Array {
  const per = data.length / batch;
  const out = new Float32Array(indices.length * per);
  indices.forEach((i, k) => out.set(data.subarray(i * per, (i + 1) * per), k * per));
  return out;
}

/** The report as aligned text lines, for the CLI. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines = report.errors.map(
    (e) => `  ${e.output.padEnd(20)} batch ${String(e.batch).padStart(2)}  max abs ${e.maxAbs.toExponential(2)}  max rel ${e.maxRel.toExponential(2)}`,
  );
  const verdict = report.ok
    ? `verify: ok (logits within ${report.tolerance.toExponential(0)} of TF.js)`
    : `verify: FAILED (logits differ from TF.js by more than ${report.tolerance.toExponential(0)})`;
  const header = `verify: onnxruntime-node vs TF.js (cpu), same weights and seeded inputs (max |logits| ${report.logitsScale.toPrecision(3)})`;
  const boundary =
    report.boundaryExamples > 0
      ? [
          `  ${report.boundaryExamples} of ${report.examples} examples quantized a map value on an anchor boundary differently (float rounding); their logits are not compared`,
        ]
      : [];
  return `${[header, ...lines, ...boundary, verdict].join('\n')}\n`;
}
