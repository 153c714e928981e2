import { describe, expect, it } from 'vitest';
import { runReference } from '../../../src/compiler/reference/interpret.js';
import { inferShape, resolvePads, type Shape } from '../../../src/compiler/ir/shape.js';
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole } from '../../../src/compiler/ir/ir.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { crossEntropyLoss } from '../../../src/compiler/ir/loss.js';
import { Random } from '../../../src/support/random.js';

/** A hand-made graph: nodes get their shapes from inferShape, parameters are named `<id>/<role>`. */
class Tiny {
  readonly nodes: IrNode[] = [];
  readonly values = new Map<string, Float32Array>();
  readonly paramSpecs: ModelIR['params'][number][] = [];
  constructor(readonly inputShape: readonly [number, number, number]) {
    this.nodes.push({ id: 'image', op: 'Input', attrs: { shape: inputShape }, inputs: [], params: {}, shape: [...inputShape] });
  }
  add<O extends Op>(id: string, op: O, attrs: OpAttrs[O], inputs: string[], params: Partial<Record<ParamRole, number[]>> = {}): this {
    const shapes = inputs.map((i) => this.nodes.find((n) => n.id === i)!.shape);
    const r = inferShape(op, attrs, shapes);
    if ('error' in r) throw new Error(r.error);
    const names: Partial<Record<ParamRole, string>> = {};
    for (const [role, values] of Object.entries(params) as [ParamRole, number[]][]) {
      const name = `${id}/${role}`;
      names[role] = name;
      this.values.set(name, Float32Array.from(values));
      this.paramSpecs.push({ name, shape: [values.length], init: { kind: 'zeros' }, trainable: true, group: 'weights', fanIn: 1, fanOut: 1, lrScale: 1 });
    }
    this.nodes.push({ id, op, attrs, inputs, params: names, shape: r.shape });
    return this;
  }
  ir(): ModelIR {
    const last = this.nodes[this.nodes.length - 1]!;
    return {
      name: 'tiny',
      input: 'image',
      inputShape: this.inputShape,
      classes: last.shape[0]!,
      nodes: this.nodes,
      params: this.paramSpecs,
      taps: { logits: last.id },
      loss: crossEntropyLoss(last.shape[0]!),
      samples: { train: 0, eval: 0 },
    };
  }
  run(input: number[], batch = 1, options: Parameters<typeof runReference>[4] = { training: false, samples: 0 }) {
    return runReference(this.ir(), this.values, Float32Array.from(input), batch, options);
  }
}

const seq = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const zero = { top: 0, bottom: 0, left: 0, right: 0 };
const conv = (filters: number, k: number, pads = zero, stride = 1, bias = true) => ({
  filters,
  kernel: [k, k] as const,
  stride: [stride, stride] as const,
  dilation: [1, 1] as const,
  pads,
  bias,
});
const close = (actual: Float32Array | undefined, expected: number[], digits = 5) => {
  expect(actual).toBeDefined();
  expect(Array.from(actual!).length).toBe(expected.length);
  Array.from(actual!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
};

describe('reference interpreter: hand-computed values', () => {
  it('Conv2D valid with bias', () => {
    const t = new Tiny([3, 3, 1]).add('c', 'Conv2D', conv(1, 2), ['image'], { kernel: [1, 1, 1, 1], bias: [0.5] });
    close(t.run(seq(9)).logits, [12.5, 16.5, 24.5, 28.5]);
  });

  it("Conv2D with TF 'same' padding puts the extra pixel at the bottom/right", () => {
    const pads = resolvePads('same', [3, 3], [2, 2], [1, 1]);
    const t = new Tiny([3, 3, 1]).add('c', 'Conv2D', conv(1, 2, pads, 1, false), ['image'], { kernel: [1, 1, 1, 1] });
    close(t.run(seq(9)).logits, [12, 16, 9, 24, 28, 15, 15, 17, 9]);
  });

  it('Conv2D mixes channels through an HWIO kernel', () => {
    const t = new Tiny([1, 1, 2]).add('c', 'Conv2D', conv(3, 1, zero, 1, false), ['image'], { kernel: [1, 2, 3, 4, 5, 6] });
    close(t.run([1, 2]).logits, [9, 12, 15]);
  });

  it('Conv2D stride 2 and a batch of 2', () => {
    const t = new Tiny([4, 4, 1]).add('c', 'Conv2D', conv(1, 1, zero, 2, false), ['image'], { kernel: [2] });
    close(t.run([...seq(16), ...seq(16, 101)], 2).logits, [2, 6, 18, 22, 202, 206, 218, 222]);
  });

  it('MaxPool and AvgPool (padding excluded from the average)', () => {
    const m = new Tiny([4, 4, 1]).add('p', 'MaxPool', { size: [2, 2], stride: [2, 2], pads: zero }, ['image']);
    close(m.run(seq(16)).logits, [6, 8, 14, 16]);
    const pads = { top: 1, bottom: 1, left: 1, right: 1 };
    const a = new Tiny([3, 3, 1]).add('p', 'AvgPool', { size: [3, 3], stride: [1, 1], pads }, ['image']);
    close(a.run(seq(9)).logits, [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    const mp = new Tiny([2, 2, 1]).add('p', 'MaxPool', { size: [3, 3], stride: [2, 2], pads }, ['image']);
    close(mp.run([-4, -3, -2, -1]).logits, [-1]); // padded cells never win, even against negatives
  });

  it('GlobalAvgPool and AdaptiveAvgPool (PyTorch bins)', () => {
    const g = new Tiny([2, 2, 2]).add('g', 'GlobalAvgPool', {}, ['image']);
    close(g.run([1, 10, 2, 20, 3, 30, 4, 40]).logits, [2.5, 25]);
    const a = new Tiny([1, 5, 1]).add('a', 'AdaptiveAvgPool', { size: [1, 3] }, ['image']);
    close(a.run(seq(5)).logits, [1.5, 3, 4.5]);
  });

  it('BatchNorm in eval uses the moving statistics; in training the batch statistics', () => {
    const t = new Tiny([1, 1, 2]).add('bn', 'BatchNorm', { epsilon: 0, momentum: 0.1 }, ['image'], {
      gamma: [2, 1],
      beta: [0, 1],
      movingMean: [1, 0],
      movingVariance: [4, 0.25],
    });
    close(t.run([3, 1]).logits, [2, 3]);
    const training = t.run([1, 5, 3, 7], 2, { training: true, samples: 0, noise: Random.fromSeed(1) });
    close(training.logits, [-2, 0, 2, 2]);
  });

  it('activations, shifted softplus, flatten, dense, slice, add', () => {
    const t = new Tiny([1, 2, 2])
      .add('f', 'Flatten', {}, ['image'])
      .add('d', 'Dense', { units: 2, bias: true }, ['f'], { kernel: [1, 0, 0, 1, 1, 1, -1, 0], bias: [0, 1] })
      .add('r', 'Activation', { fn: 'relu' }, ['d'])
      .add('s', 'Slice', { begin: 1, size: 1 }, ['d'])
      .add('sp', 'ShiftedSoftplus', { shift: -5 }, ['s'])
      .add('sum', 'Add', {}, ['sp', 'sp']);
    const out = t.run([1, 2, 3, 4]);
    // d = [1 + 3 - 4, 2 + 3 + 1] = [0, 6]
    close(out.values.get('d'), [0, 6]);
    close(out.values.get('r'), [0, 6]);
    close(out.values.get('s'), [6]);
    close(out.logits, [2 * Math.log1p(Math.exp(1))]);
    const acts = new Tiny([1, 1, 3]).add('a', 'Activation', { fn: 'leaky_relu', alpha: 0.1 }, ['image']);
    close(acts.run([-2, 0, 3]).logits, [-0.2, 0, 3]);
    const gelu = new Tiny([1, 1, 3]).add('a', 'Activation', { fn: 'gelu' }, ['image']);
    close(gelu.run([-1, 0, 2]).logits, [-0.15865525, 0, 1.95449974]);
    const sig = new Tiny([1, 1, 2]).add('a', 'Activation', { fn: 'sigmoid' }, ['image']);
    close(sig.run([0, Math.log(3)]).logits, [0.5, 0.75]);
  });

  it('Quantize maps every value to its nearest anchor (ties to the lowest index)', () => {
    const t = new Tiny([1, 6, 1]).add('q', 'Quantize', { anchorCount: 3 }, ['image'], { anchors: [0, 0.5, 1] });
    close(t.run([0.1, 0.3, 0.25, 0.8, -1, 2]).logits, [0, 0.5, 0, 1, 0, 1]);
  });

  it('ResizeNearest uses src = floor(dst * in / out)', () => {
    const up = new Tiny([2, 2, 1]).add('r', 'ResizeNearest', { size: [4, 4] }, ['image']);
    close(up.run([1, 2, 3, 4]).logits, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const down = new Tiny([3, 3, 1]).add('r', 'ResizeNearest', { size: [2, 2] }, ['image']);
    close(down.run(seq(9)).logits, [1, 2, 4, 5]);
  });

  it('Modulate computes f + f * a per pixel across channels', () => {
    const t = new Tiny([1, 2, 3])
      .add('a', 'Conv2D', conv(1, 1, zero, 1, false), ['image'], { kernel: [0, 0, 0] })
      .add('m', 'Modulate', {}, ['image', 'a']);
    const out = t.run(seq(6));
    close(out.logits, seq(6));
  });

  it('Dropout is the identity in eval and inverted dropout in training', () => {
    const t = new Tiny([1, 1, 8]).add('d', 'Dropout', { rate: 0.5 }, ['image']);
    close(t.run(seq(8)).logits, seq(8));
    const trained = t.run(seq(8), 1, { training: true, samples: 0, noise: Random.fromSeed(3) }).logits;
    Array.from(trained).forEach((v, i) => expect(v === 0 || Math.abs(v - 2 * (i + 1)) < 1e-6).toBe(true));
  });
});

describe('reference interpreter: sample tiling', () => {
  /** image [1,1,2] -> flatten = mean; softplus(mean + 0) = std; attention-like Sample; then a second (latent) Sample; SampleMean. */
  function sampler(): Tiny {
    return new Tiny([1, 1, 2])
      .add('mean', 'Flatten', {}, ['image'])
      .add('std', 'ShiftedSoftplus', { shift: 0 }, ['mean'])
      .add('s1', 'Sample', { role: 'attention' }, ['mean', 'std'])
      .add('std2', 'ShiftedSoftplus', { shift: 0 }, ['s1'])
      .add('s2', 'Sample', { role: 'latent' }, ['s1', 'std2'])
      .add('avg', 'SampleMean', {}, ['s2']);
  }

  it('samples 0: Sample returns its mean and SampleMean is the identity', () => {
    const out = sampler().run([1, -1, 2, 3], 2);
    close(out.values.get('s1'), [1, -1, 2, 3]);
    close(out.logits, [1, -1, 2, 3]);
  });

  it('samples n: each Sample tiles n times sample-major (row s*B + b); SampleMean averages the n*n rows of each example', () => {
    const seed = 11;
    const x = [1, -1, 2, 3];
    const out = sampler().run(x, 2, { training: false, samples: 2, noise: Random.fromSeed(seed) });
    // Redo the arithmetic by hand with the same noise stream.
    const r = Random.fromSeed(seed);
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const s1: number[] = [];
    for (let s = 0; s < 2; s++) for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) s1.push(x[b * 2 + i]! + sp(x[b * 2 + i]!) * r.normal());
    const s2: number[] = [];
    for (let s = 0; s < 2; s++) for (let row = 0; row < 4; row++) for (let i = 0; i < 2; i++) s2.push(s1[row * 2 + i]! + sp(s1[row * 2 + i]!) * r.normal());
    close(out.values.get('s1'), s1, 4);
    close(out.values.get('s2'), s2, 4);
    expect(out.values.get('s2')!.length).toBe(2 * 2 * 2 * 2);
    // logits[b] = mean over the 4 rows r with r mod 2 = b.
    const avg = [0, 1].flatMap((b) => [0, 1].map((i) => [0, 1, 2, 3].reduce((a, g) => a + s2[(g * 2 + b) * 2 + i]!, 0) / 4));
    close(out.logits, avg, 4);
  });

  it('Modulate tiles the feature map to the sampled map batch', () => {
    const t = new Tiny([1, 1, 2])
      .add('m0', 'Conv2D', conv(1, 1, zero, 1, false), ['image'], { kernel: [0, 0] })
      .add('sd', 'ShiftedSoftplus', { shift: -80 }, ['m0'])
      .add('a', 'Sample', { role: 'attention' }, ['m0', 'sd'])
      .add('mod', 'Modulate', {}, ['image', 'a']);
    const out = t.run([1, 2, 3, 4], 2, { training: false, samples: 3, noise: Random.fromSeed(1) });
    close(out.logits, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });

  it('the tiny graphs are valid IR', () => {
    expect(verifyIR(sampler().ir())).toEqual([]);
  });
});
