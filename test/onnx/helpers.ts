/**
 * Shared helpers for the ONNX tests: tiny hand-built IRs, seeded inputs and
 * weights, running a model in onnxruntime-node, and the TF.js oracle.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import type { IrNode, ModelIR, ModelTaps, Op, OpAttrs, ParamRole, ParamSpec } from '../../src/compiler/ir/ir.js';
import { Random } from '../../src/support/random.js';
import { runGraph } from '../../src/runtime/executor/executor.js';
import { inferShape, paramShapes } from '../../src/compiler/ir/shape.js';

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A small IR assembled by hand: nodes in order, params declared with shapes. */
export class TinyIr {
  readonly nodes: IrNode[] = [];
  readonly params: ParamSpec[] = [];

  constructor(readonly inputShape: readonly [number, number, number]) {
    this.nodes.push({ id: 'image', op: 'Input', attrs: { shape: inputShape }, inputs: [], params: {}, shape: inputShape });
  }

  /** Adds a node; its shape and parameters come from the IR's shape inference. `shape`, when given, is checked. */
  add<O extends Op>(id: string, op: O, attrs: OpAttrs[O], inputs: readonly string[], shape?: readonly number[]): string {
    const inputShapes = inputs.map((i) => this.nodes.find((n) => n.id === i)!.shape);
    const inferred = inferShape(op, attrs, inputShapes);
    if ('error' in inferred) throw new Error(`test IR '${id}': ${inferred.error}`);
    if (shape && shape.join('x') !== inferred.shape.join('x')) throw new Error(`test IR '${id}': shape ${inferred.shape.join('x')}, not ${shape.join('x')}`);
    const names: Partial<Record<ParamRole, string>> = {};
    for (const [role, pshape] of Object.entries(paramShapes(op, attrs as OpAttrs[Op], inputShapes)) as Array<[ParamRole, readonly number[]]>) {
      const name = `${id}/${role}`;
      names[role] = name;
      const buffer = role === 'movingMean' || role === 'movingVariance';
      this.params.push({
        name,
        shape: pshape,
        init: { kind: 'zeros' },
        trainable: !buffer,
        group: buffer ? 'buffers' : 'weights',
        fanIn: 1,
        fanOut: 1,
      });
    }
    this.nodes.push({ id, op, attrs, inputs, params: names, shape: inferred.shape } as IrNode);
    return id;
  }

  build(taps: Partial<ModelTaps> & { logits: string }, classes = 0): ModelIR {
    const anchors = this.nodes.find((n) => n.op === 'Quantize')?.params.anchors;
    return {
      name: 'tiny',
      input: 'image',
      inputShape: this.inputShape,
      classes,
      nodes: this.nodes,
      params: this.params,
      taps,
      loss: { classes },
      samples: { train: 0, eval: 0 },
      ...(anchors !== undefined ? { quantization: { anchors, lrScale: 1, vqWeight: 0, commitWeight: 0 } } : {}),
    };
  }
}

/** Seeded weights with non-trivial values everywhere (BN statistics included, variances positive). */
export function randomWeights(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const rng = Random.fromSeed(seed).derive('test-weights');
  const out = new Map<string, Float32Array>();
  for (const p of ir.params) {
    const v = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    if (p.name.endsWith('movingVariance')) rng.fillUniform(v, 0.5, 2);
    else if (p.name.endsWith('anchors')) rng.fillUniform(v, 0, 1);
    else rng.fillUniform(v, -0.5, 0.5);
    out.set(p.name, v);
  }
  return out;
}

export function randomImages(batch: number, shape: readonly number[], seed: number): Float32Array {
  const n = batch * shape.reduce((a, b) => a * b, 1);
  return Random.fromSeed(seed).derive('test-images').fillNormal(new Float32Array(n));
}

/** NHWC [B, h, w, c] -> NCHW [B, c, h, w]. */
export function toNchw(x: Float32Array, b: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < b; n++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[((n * c + ch) * h + y) * w + xx] = x[((n * h + y) * w + xx) * c + ch]!;
  return out;
}

export async function runOnnx(bytes: Uint8Array, images: Float32Array, dims: readonly number[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ image: new ort.Tensor('float32', images, [...dims]) });
    const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [k, v] of Object.entries(result)) out[k] = { data: v.data as Float32Array, dims: v.dims };
    return out;
  } finally {
    await session.release();
  }
}

/** The TF.js executor's inference outputs for the given node ids (NHWC), the oracle until the reference interpreter is wired in. */
export function runTfjs(ir: ModelIR, weights: ReadonlyMap<string, Float32Array>, images: Float32Array, batch: number, ids: readonly string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    const tensors = new Map<string, tf.Tensor>();
    for (const p of ir.params) tensors.set(p.name, tf.tensor(weights.get(p.name)!, [...p.shape]));
    const input = tf.tensor(images, [batch, ...ir.inputShape]);
    const { outputs } = runGraph(ir, (name) => tensors.get(name)!, input, { training: false, samples: 0 }, ids);
    for (const id of ids) out.set(id, outputs.get(id)!.dataSync() as Float32Array);
  });
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const NO_PADS = { top: 0, bottom: 0, left: 0, right: 0 } as const;

/**
 * Seeded weights at He scale (U(-b, b), b = sqrt(6 / fanIn): activations keep
 * their size through ReLU layers) with non-trivial batch-norm statistics, so
 * that deep models neither vanish nor saturate and every output is exercised.
 */
export function scaledWeights(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const root = Random.fromSeed(seed).derive('scaled-weights');
  const roles = new Map<string, string>();
  for (const node of ir.nodes) for (const [role, name] of Object.entries(node.params)) roles.set(name!, role);
  const out = new Map<string, Float32Array>();
  for (const p of ir.params) {
    const rng = root.derive(p.name);
    const v = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    const role = roles.get(p.name);
    const fanIn = p.fanIn > 0 ? p.fanIn : Math.max(1, v.length / (p.shape[p.shape.length - 1] ?? 1));
    if (role === 'kernel') rng.fillUniform(v, -Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn));
    else if (role === 'gamma') rng.fillUniform(v, 0.5, 1.5);
    else if (role === 'movingVariance') rng.fillUniform(v, 0.5, 1.5);
    else if (role === 'anchors') rng.fillUniform(v, 0, 1);
    else rng.fillUniform(v, -0.1, 0.1);
    out.set(p.name, v);
  }
  return out;
}

/**
 * Sets every batch norm's moving statistics to the batch statistics of a
 * training-mode pass over `images` (one pass with momentum 1), as training
 * would leave them: activations then stay O(1) through deep residual nets in
 * eval mode, as in a trained model. Without it, random weights drive the
 * logits of WRN-28-10 or WRN-50-2 to 1e3..1e5, where float32 summation-order
 * differences alone exceed 1e-4 (the relative error stays ~1e-6).
 */
export function calibrateBatchNorm(ir: ModelIR, weights: Map<string, Float32Array>, images: Float32Array, batch: number): Map<string, Float32Array> {
  const momentumOne: ModelIR = {
    ...ir,
    nodes: ir.nodes.map((n) => (n.op === 'BatchNorm' ? ({ ...n, attrs: { ...(n.attrs as OpAttrs['BatchNorm']), momentum: 1 } } as IrNode) : n)),
  };
  const out = new Map(weights);
  tf.tidy(() => {
    const tensors = new Map<string, tf.Tensor>();
    for (const p of ir.params) tensors.set(p.name, tf.tensor(weights.get(p.name)!, [...p.shape]));
    const input = tf.tensor(images, [batch, ...ir.inputShape]);
    const { statistics } = runGraph(momentumOne, (name) => tensors.get(name)!, input, { training: true, samples: 0, noise: Random.fromSeed(0) }, [ir.taps.logits]);
    for (const [name, t] of statistics) out.set(name, t.dataSync() as Float32Array);
  });
  return out;
}
