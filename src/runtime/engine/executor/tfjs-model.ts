/**
 * The TF.js executor of a ModelIR: the model that training (C3), the ONNX
 * parity tests (D), native kernels (E1) and `loadModel` all run.
 *
 * API contract
 * ------------
 * - `createTfjsModel(ir, params)` makes one tf.Variable per ParamSpec from
 *   `params` (name -> Float32Array in the spec's shape; kernels HWIO, dense
 *   [in, out]). Trainable parameters (`ParamSpec.trainable`, group
 *   'weights') are trainable variables; BN moving statistics (group
 *   'buffers') and frozen anchors are non-trainable variables. The
 *   model owns its variables: call `dispose()` when done.
 * - Tensors: images are NHWC float32 [B, h, w, c] in the units the data
 *   pipeline feeds (pixels in [0, 1], then (x - mean) / std per channel);
 *   labels are int32 [B]. Every method runs in its own tf.tidy; tensors it
 *   returns belong to the caller (dispose them, e.g. with `disposeForward`,
 *   `disposeLoss`, `disposeTrainStep`). Nothing leaks otherwise.
 * - `forward(images, {training, samples, noise})`:
 *   training = batch statistics in BatchNorm (moving statistics are NOT
 *   updated by forward) and active dropout; samples = n (0 = the deterministic
 *   mean: a = mu_a, z = mu_z). With n > 0 each Sample node tiles its batch n
 *   times (sample-major) and the logits of all n*n draws are averaged back to
 *   [B, classes]. `noise` (src/support/random.ts) is required whenever
 *   anything is drawn (n > 0, or training with dropout); draws are taken in
 *   node order (see lowerings.ts), so one Random state reproduces a pass.
 *   The taps are the IR's named tensors: mu_a, a and a_q [N, h, w, 1]
 *   (N = n*B when sampling, else B), mu_z and sd_z [N, K]. a_q is the
 *   straight-through value (forward = nearest anchor, d a_q / d a = 1).
 * - `loss(outputs, labels)` computes the loss terms of docs/method.md (see losses.ts).
 * - `trainStepGradients(images, labels, options)` runs a training forward pass
 *   (training is forced on), computes the loss and the gradient of `total`
 *   for every trainable variable (by parameter name; a variable the loss does
 *   not reach gets zeros), then writes the new BN moving statistics into the
 *   buffers (PyTorch: new = (1 - m) old + m batch, unbiased running variance).
 *   The statistics update does not touch trainable weights, so applying the
 *   optimizer afterwards is equivalent to the PyTorch order.
 * - `getWeights()` / `setWeights(map)` read / write every variable (buffers
 *   included) by parameter name; `setWeights` accepts a subset.
 *   `readWeights()` is getWeights read asynchronously: the WebGPU backend
 *   cannot read synchronously in Node.
 * - Gradients: tfjs-core's Node build registers no gradients, so creating a
 *   model registers those of the kernels the lowerings use (gradients.ts);
 *   code that calls tf.grad on these ops without a model should call
 *   `registerTfjsGradients()` first.
 * - Every returned tensor is distinct (two taps that are the same value are
 *   clones), so each can be disposed on its own.
 */
import * as tf from '../tfjs-core.js';
import type { ModelIR, ParamSpec } from '../../../compiler/ir/ir.js';
import type { Random } from '../../../support/random.js';
import { runGraph } from './executor.js';
import { computeLoss, type LossTerms } from './losses.js';
import { registerTfjsGradients } from './gradients.js';
import { quantizerAnchors } from '../../../compiler/ir/loss.js';
import type { PredictBatch, PredictOptions, StepBatch } from '../training-engine.js';

export type { LossTerms } from './losses.js';

export interface ForwardOptions {
  readonly training: boolean;
  /** n: 0 = deterministic mean. */
  readonly samples: number;
  /** Required when anything is drawn (samples > 0, or training with dropout). */
  readonly noise?: Random | undefined;
}

export interface TrainStepOptions {
  readonly samples: number;
  readonly noise?: Random;
  /** Write the new BN moving statistics into the buffers (default true). */
  readonly updateStatistics?: boolean;
}

export interface ForwardTaps {
  /** mu_a [N, h, w, 1]. */
  readonly attentionMean?: tf.Tensor4D;
  /** a [N, h, w, 1] (mu_a when samples = 0). */
  readonly attentionSample?: tf.Tensor4D;
  /** a_q [N, h, w, 1], straight-through. */
  readonly attentionQuantized?: tf.Tensor4D;
  /** mu_z [N, K]. */
  readonly latentMean?: tf.Tensor2D;
  /** sd_z [N, K]. */
  readonly latentStd?: tf.Tensor2D;
}

export interface ForwardOutputs {
  /** [B, classes], averaged over the n*n draws when sampling. */
  readonly logits: tf.Tensor2D;
  readonly taps: ForwardTaps;
}

export interface TrainStepResult {
  readonly loss: LossTerms;
  /** The training pass's (sample-averaged) logits, for training accuracy. */
  readonly logits: tf.Tensor2D;
  /** d total / d parameter, by parameter name, for every trainable variable. */
  readonly gradients: Map<string, tf.Tensor>;
}

export interface TrainableVariable {
  readonly name: string;
  readonly variable: tf.Variable;
  /** The parameter's rate scale (ParamSpec.lrScale). */
  readonly lrScale: number;
}

type TapName = keyof ForwardTaps;
const TAP_NAMES: readonly TapName[] = ['attentionMean', 'attentionSample', 'attentionQuantized', 'latentMean', 'latentStd'];

export class TfjsModel {
  readonly ir: ModelIR;
  private readonly variables = new Map<string, tf.Variable>();
  private readonly specs = new Map<string, ParamSpec>();
  private readonly anchorsName: string | undefined;
  private disposed = false;

  constructor(ir: ModelIR, params: ReadonlyMap<string, Float32Array>) {
    this.ir = ir;
    registerTfjsGradients();
    for (const spec of ir.params) {
      const data = params.get(spec.name);
      if (data === undefined) throw new Error(`no value for parameter '${spec.name}'`);
      checkLength(spec, data);
      const initial = tf.tensor(data, [...spec.shape], 'float32');
      const trainable = spec.trainable && spec.group !== 'buffers';
      this.variables.set(spec.name, tf.variable(initial, trainable));
      initial.dispose();
      this.specs.set(spec.name, spec);
    }
    this.anchorsName = quantizerAnchors(ir);
  }

  /** The variable holding parameter `name`. */
  variable(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (v === undefined) throw new Error(`model has no parameter '${name}'`);
    return v;
  }

  trainableVariables(): TrainableVariable[] {
    const out: TrainableVariable[] = [];
    for (const [name, variable] of this.variables) {
      const spec = this.specs.get(name)!;
      if (variable.trainable && spec.group !== 'buffers') out.push({ name, variable, lrScale: spec.lrScale });
    }
    return out;
  }

  forward(images: tf.Tensor4D, options: ForwardOptions): ForwardOutputs {
    this.checkAlive();
    return tidyObject(() => this.forwardInScope(images, options, !options.training).outputs);
  }

  /**
   * The evaluation logits [count, classes] of a batch of normalised NHWC images, read
   * (forward with training off, `samples` draws from `noise`).
   */
  async predict(batch: PredictBatch, options: PredictOptions): Promise<Float32Array> {
    const [h, w, c] = this.ir.inputShape;
    const images = tf.tensor4d(batch.images, [batch.count, h, w, c]);
    try {
      const out = this.forward(images, { training: false, samples: options.samples, ...(options.noise ? { noise: options.noise } : {}) });
      try {
        return (await out.logits.data()) as Float32Array;
      } finally {
        disposeForward(out);
      }
    } finally {
      images.dispose();
    }
  }

  /**
   * `predict`, and the loss terms of that same pass against the batch's labels, read:
   * terms [total, ce, kl, vq, commit] (0 for a term the loss lacks) and the logits.
   */
  async evaluate(batch: StepBatch, options: PredictOptions): Promise<{ readonly terms: Float32Array; readonly logits: Float32Array }> {
    this.checkAlive();
    const [h, w, c] = this.ir.inputShape;
    const [terms, logits] = tf.tidy(() => {
      const images = tf.tensor4d(batch.images, [batch.count, h, w, c]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      const out = this.forwardInScope(images, { training: false, samples: options.samples, noise: options.noise }, true).outputs;
      const loss = this.lossInScope(out, labels);
      return [tf.stack([loss.total, loss.ce, loss.kl, loss.vq, loss.commit]), out.logits];
    });
    try {
      const [t, l] = await Promise.all([terms.data(), logits.data()]);
      return { terms: t as Float32Array, logits: l as Float32Array };
    } finally {
      tf.dispose([terms, logits]);
    }
  }

  loss(outputs: ForwardOutputs, labels: tf.Tensor1D): LossTerms {
    this.checkAlive();
    return tidyObject(() => this.lossInScope(outputs, labels));
  }

  trainStepGradients(images: tf.Tensor4D, labels: tf.Tensor1D, options: TrainStepOptions): TrainStepResult {
    this.checkAlive();
    const trainables = this.trainableVariables();
    let kept: { loss: Omit<LossTerms, 'total'>; logits: tf.Tensor2D; statistics: Map<string, tf.Tensor> } | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const { outputs, statistics } = this.forwardInScope(images, { training: true, samples: options.samples, noise: options.noise }, false);
      const loss = this.lossInScope(outputs, labels);
      kept = {
        loss: { ce: tf.keep(loss.ce), kl: tf.keep(loss.kl), vq: tf.keep(loss.vq), commit: tf.keep(loss.commit) },
        logits: tf.keep(outputs.logits),
        statistics,
      };
      for (const t of statistics.values()) tf.keep(t);
      return loss.total;
    }, trainables.map((t) => t.variable));
    const result = kept!;
    const gradients = new Map<string, tf.Tensor>();
    for (const { name, variable } of trainables) gradients.set(name, grads[variable.name] ?? tf.zerosLike(variable));
    if (options.updateStatistics ?? true) {
      for (const [name, t] of result.statistics) this.variable(name).assign(t);
    }
    for (const t of result.statistics.values()) t.dispose();
    return { loss: { total: value, ...result.loss }, logits: result.logits, gradients };
  }

  /** Every variable's value by parameter name (buffers included). */
  getWeights(): Map<string, Float32Array> {
    this.checkAlive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.variables) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
    return out;
  }

  /** Every variable's value by parameter name, read asynchronously (what a GPU backend needs). */
  async readWeights(): Promise<Map<string, Float32Array>> {
    this.checkAlive();
    const entries = [...this.variables];
    const values = await Promise.all(entries.map(([, v]) => v.data()));
    return new Map(entries.map(([name], i) => [name, Float32Array.from(values[i] as Float32Array)]));
  }

  /** Assigns the given parameters (a subset is fine); unknown names or wrong sizes are bugs. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.checkAlive();
    for (const [name, data] of weights) {
      const v = this.variable(name);
      checkLength(this.specs.get(name)!, data);
      const t = tf.tensor(data, v.shape, 'float32');
      v.assign(t);
      t.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.disposed = true;
  }

  private forwardInScope(images: tf.Tensor4D, options: ForwardOptions, release: boolean): { outputs: ForwardOutputs; statistics: Map<string, tf.Tensor> } {
    const taps = this.ir.taps;
    const wanted = [taps.logits, ...TAP_NAMES.map((t) => taps[t]).filter((id): id is string => id !== undefined)];
    const result = runGraph(
      this.ir,
      (name) => this.variable(name),
      images,
      { training: options.training, samples: options.samples, noise: options.noise, releaseIntermediates: release },
      wanted,
    );
    // Identity ops (a Sample with n = 0, say) make two taps the same tensor; hand out distinct
    // tensors (clones share memory) so that a caller can dispose each one independently.
    const handedOut = new Set<tf.Tensor>();
    const distinct = (t: tf.Tensor): tf.Tensor => {
      const out = handedOut.has(t) ? tf.clone(t) : t;
      handedOut.add(out);
      return out;
    };
    const logits = distinct(result.outputs.get(taps.logits)!) as tf.Tensor2D;
    const tapTensors: Partial<Record<TapName, tf.Tensor>> = {};
    for (const name of TAP_NAMES) {
      const id = taps[name];
      if (id !== undefined) tapTensors[name] = distinct(result.outputs.get(id)!);
    }
    return {
      outputs: { logits, taps: tapTensors as ForwardTaps },
      statistics: result.statistics,
    };
  }

  private lossInScope(outputs: ForwardOutputs, labels: tf.Tensor1D): LossTerms {
    return computeLoss(
      this.ir.loss,
      {
        logits: outputs.logits,
        latentMean: outputs.taps.latentMean,
        latentStd: outputs.taps.latentStd,
        attentionSample: outputs.taps.attentionSample,
        anchors: this.anchorsName === undefined ? undefined : this.variable(this.anchorsName),
      },
      labels,
    );
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('TfjsModel used after dispose()');
  }
}

export function createTfjsModel(ir: ModelIR, params: ReadonlyMap<string, Float32Array>): TfjsModel {
  return new TfjsModel(ir, params);
}

/** tf.tidy for results that are plain objects of tensors (tidy keeps every tensor inside them). */
function tidyObject<T extends object>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}

function checkLength(spec: ParamSpec, data: Float32Array): void {
  const expected = spec.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`parameter '${spec.name}' has ${data.length} values, expected ${expected} for shape [${spec.shape.join(', ')}]`);
  }
}

export function disposeForward(outputs: ForwardOutputs): void {
  tf.dispose([outputs.logits, ...Object.values(outputs.taps)]);
}

export function disposeLoss(loss: LossTerms): void {
  tf.dispose([loss.total, loss.ce, loss.kl, loss.vq, loss.commit]);
}

export function disposeTrainStep(result: TrainStepResult): void {
  disposeLoss(result.loss);
  result.logits.dispose();
  tf.dispose([...result.gradients.values()]);
}
