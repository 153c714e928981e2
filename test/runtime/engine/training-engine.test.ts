/**
 * Both training engines through the same TrainingEngine contract, on a tiny
 * quantized IB model with BatchNorm: one result per step, in order, whose
 * total is the LossSpec's weighted sum of its terms; a state taken between two
 * steps mid-epoch, restored into an engine started from other weights, gives
 * the same next steps bit for bit; predictions are deterministic for a given
 * noise state and follow the restored weights; weights come in the IR's order.
 * And each parameter trains at the step's rate times its ParamSpec.lrScale,
 * whatever the parameter (here a dense layer's kernel, not the anchors).
 * `evaluate` is `predict` plus the loss terms of that same pass, computed here
 * from the reference interpreter's taps; the two engines agree with it and so
 * with each other.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelIR, OptimizerIR, TrainingIR } from '../../../src/compiler/ir/ir.js';
import { Random } from '../../../src/support/random.js';
import { createTrainingEngine, type StepChoice } from '../../../src/runtime/engine/choose-engine.js';
import type { StepBatch, StepResult, TrainingEngine } from '../../../src/runtime/engine/training-engine.js';
import type { NativeAddon } from '../../../src/runtime/engine/backends/native/addon.js';
import { tinyAttentionIr } from '../../fixtures/tiny-ir.js';
import { HAVE_NATIVE, nativeAddonForTests } from '../../fixtures/native.js';
import { runReference } from '../../../src/compiler/reference/interpret.js';

let kernels: NativeAddon | undefined;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  kernels = nativeAddonForTests();
});

const SGD: OptimizerIR = { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
const PLAIN_SGD: OptimizerIR = { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 };
const IR: ModelIR = { ...tinyAttentionIr({ quantize: true, batchNorm: true, stdShift: -1 }), samples: { train: 1, eval: 2 } };

/** Random parameters the tiny model learns from (its initialisers are all zeros). */
function weightsFor(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const rng = Random.fromSeed(seed);
  return new Map(
    ir.params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      if (p.name.endsWith('anchors')) values.forEach((_, i) => (values[i] = i / Math.max(1, n - 1)));
      else if (p.name.endsWith('movingVariance') || p.name.endsWith('gamma')) rng.fillUniform(values, 0.5, 1.5);
      else rng.fillNormal(values, 0, 0.5);
      return [p.name, values] as const;
    }),
  );
}

function batch(seed: number, count = 5): StepBatch {
  const rng = Random.fromSeed(seed);
  const [h, w, c] = IR.inputShape;
  return { images: rng.fillNormal(new Float32Array(count * h * w * c)), labels: Int32Array.from({ length: count }, () => rng.int(IR.classes)), count };
}

const ENGINES: readonly { readonly name: 'tfjs' | 'compiled'; readonly choice: () => StepChoice }[] = [
  { name: 'tfjs', choice: () => ({ engine: 'tfjs', reason: 'test' }) },
  ...(HAVE_NATIVE ? [{ name: 'compiled' as const, choice: (): StepChoice => ({ engine: 'compiled', kernels: kernels!, reason: 'test' }) }] : []),
];

function make(choice: StepChoice, training: TrainingIR, weights: ReadonlyMap<string, Float32Array>): TrainingEngine {
  return createTrainingEngine(choice, training, weights);
}

/** `steps` steps on batches seeded 10, 11, ..., at rate 0.05, drawing from `noise`. */
function takeSteps(engine: TrainingEngine, from: number, steps: number, noise: Random): void {
  for (let i = 0; i < steps; i++) engine.step(batch(10 + from + i), { lr: 0.05, noise });
}

/**
 * The loss terms of the reference interpreter's evaluation pass, by docs/method.md section 4
 * in float64: CE of the sample-averaged logits, the standard KL per row of mu_z averaged, vq =
 * commit = mean (Q(a) - a)^2 over the sampled map; the objective in bits with tiny-ir's weights.
 */
function referenceEvaluation(ir: ModelIR, weights: ReadonlyMap<string, Float32Array>, probe: StepBatch, samples: number, seed: number) {
  const { logits, values } = runReference(ir, weights, probe.images, probe.count, samples === 0 ? { training: false, samples: 0 } : { training: false, samples, noise: Random.fromSeed(seed) });
  let ce = 0;
  for (let r = 0; r < probe.count; r++) {
    const row = Array.from(logits.subarray(r * ir.classes, (r + 1) * ir.classes));
    const max = Math.max(...row);
    ce += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[probe.labels[r]!]!;
  }
  ce /= probe.count;
  const mu = values.get(ir.taps.latentMean!)!;
  const sd = values.get(ir.taps.latentStd!)!;
  const k = ir.nodes.find((n) => n.id === ir.taps.latentMean)!.shape.reduce((a, b) => a * b, 1);
  let kl = 0;
  for (let i = 0; i < mu.length; i++) kl += 0.5 * (mu[i]! ** 2 + sd[i]! ** 2 - 1 - 2 * Math.log(sd[i]!));
  kl /= mu.length / k;
  const a = values.get(ir.taps.attentionSample!)!;
  const anchors = weights.get(ir.params.find((p) => p.name.endsWith('anchors'))!.name)!;
  let vq = 0;
  for (const x of a) vq += Math.min(...Array.from(anchors, (v) => (v - x) ** 2));
  vq /= a.length;
  return { logits, ce, kl, vq, total: ce / Math.LN2 + (0.01 * 0.5 * kl) / Math.LN2 + 0.4 * vq + 0.1 * vq, rows: mu.length / k };
}

const bits = (values: Map<string, Float32Array>): Map<string, number[]> => new Map([...values].map(([k, v]) => [k, Array.from(v)]));
const resultBits = (results: readonly StepResult[]) => results.map((r) => ({ loss: r.loss, logits: Array.from(r.logits) }));

describe.each(ENGINES)('the $name engine through the TrainingEngine interface', ({ name, choice }) => {
  it('hands back one result per step, in order: the weighted sum of its loss terms and the batch logits', async () => {
    const engine = make(choice(), { model: IR, optimizer: SGD }, weightsFor(IR, 1));
    try {
      expect(engine.name).toBe(name);
      takeSteps(engine, 0, 3, Random.fromSeed(2));
      const results = await engine.drain('all');
      expect(results).toHaveLength(3);
      expect(await engine.drain('all')).toEqual([]);
      for (const { loss, logits } of results) {
        const { crossEntropy, kl, vq, commit } = loss.terms;
        // IB objective in bits: CE / ln 2 + beta c KL / ln 2 + 0.4 vq + 0.1 commit (tiny-ir's weights).
        expect(loss.total).toBeCloseTo(crossEntropy / Math.LN2 + (0.01 * 0.5 * kl) / Math.LN2 + 0.4 * vq + 0.1 * commit, 4);
        expect(vq).toBeGreaterThan(0);
        expect(logits).toHaveLength(5 * IR.classes);
      }
      // Different batches, different losses: the results are the steps', in order.
      expect(new Set(results.map((r) => r.loss.total)).size).toBe(3);
      expect([...(await engine.weights()).keys()]).toEqual(IR.params.map((p) => p.name));
      expect(await engine.averagedWeights()).toBeUndefined();
    } finally {
      engine.dispose();
    }
  });

  it('a state taken between two steps mid-epoch restores into another engine: the same next steps, weights and predictions, bit for bit', async () => {
    const a = make(choice(), { model: IR, optimizer: SGD }, weightsFor(IR, 1));
    const b = make(choice(), { model: IR, optimizer: SGD }, weightsFor(IR, 99));
    try {
      const noise = Random.fromSeed(3);
      takeSteps(a, 0, 2, noise);
      await a.drain('all');
      const saved = await a.state();
      const noiseState = noise.state();
      expect(saved.optimizer.step).toBe(2);
      takeSteps(a, 2, 2, noise);
      const wanted = resultBits(await a.drain('all'));

      b.restore(saved);
      takeSteps(b, 2, 2, Random.fromState(noiseState));
      expect(resultBits(await b.drain('all'))).toEqual(wanted);
      expect(bits(await b.weights())).toEqual(bits(await a.weights()));
      const after = await b.state();
      expect(after.optimizer.step).toBe(4);

      const probe = batch(50, 7);
      const predictA = Array.from(await a.predict(probe, { samples: 2, noise: Random.fromSeed(4) }));
      const again = Array.from(await a.predict(probe, { samples: 2, noise: Random.fromSeed(4) }));
      expect(again).toEqual(predictA);
      expect(Array.from(await b.predict(probe, { samples: 2, noise: Random.fromSeed(4) }))).toEqual(predictA);
      expect(predictA).toHaveLength(7 * IR.classes);
      expect(await b.withAveragedWeights(async () => Array.from(await b.predict(probe, { samples: 2, noise: Random.fromSeed(4) })))).toEqual(predictA);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("evaluate is predict's pass plus its loss terms, which equal the reference interpreter's (2 eval samples, and the deterministic mean)", async () => {
    const weights = weightsFor(IR, 7);
    const engine = make(choice(), { model: IR, optimizer: SGD }, weights);
    try {
      const probe = batch(60, 6);
      for (const samples of [2, 0]) {
        const noise = () => (samples === 0 ? {} : { noise: Random.fromSeed(8) });
        const predicted = Array.from(await engine.predict(probe, { samples, ...noise() }));
        const { loss, logits } = await engine.evaluate(probe, { samples, ...noise() });
        expect(Array.from(logits)).toEqual(predicted);
        const want = referenceEvaluation(IR, weights, probe, samples, 8);
        expect(want.rows).toBe(samples === 0 ? 6 : 12); // KL's rows: n B when sampling, B for the mean
        const close = (got: number, wanted: number, what: string) => expect(Math.abs(got - wanted), `${what}: ${got} vs ${wanted}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(wanted)));
        close(loss.terms.crossEntropy, want.ce, 'CE');
        close(loss.terms.kl, want.kl, 'KL');
        close(loss.terms.vq, want.vq, 'vq');
        close(loss.terms.commit, want.vq, 'commit');
        close(loss.total, want.total, 'objective');
        expect(want.vq).toBeGreaterThan(0);
      }
      // Evaluation leaves the weights, the running statistics and the optimizer as they were.
      expect(bits(await engine.weights())).toEqual(bits(weights));
    } finally {
      engine.dispose();
    }
  });

  it("a parameter trains at the step's rate times its lrScale (a dense kernel at 0.25, not the anchors)", async () => {
    const scaled = 'dec/dense2/kernel';
    const withScale: ModelIR = { ...IR, params: IR.params.map((p) => (p.name === scaled ? { ...p, lrScale: 0.25 } : p)) };
    const start = weightsFor(IR, 5);
    const moved = async (ir: ModelIR): Promise<Map<string, Float32Array>> => {
      const engine = make(choice(), { model: ir, optimizer: PLAIN_SGD }, start);
      try {
        takeSteps(engine, 0, 1, Random.fromSeed(6));
        await engine.drain('all');
        const after = await engine.weights();
        return new Map([...after].map(([k, v]) => [k, v.map((x, i) => x - start.get(k)![i]!)]));
      } finally {
        engine.dispose();
      }
    };
    const full = await moved(IR);
    const quarter = await moved(withScale);
    for (const [param, delta] of full) {
      const got = quarter.get(param)!;
      if (param !== scaled) {
        expect(Array.from(got), param).toEqual(Array.from(delta));
        continue;
      }
      expect(delta.some((d) => d !== 0)).toBe(true);
      // SGD without momentum: the step is rate x gradient, and the first step's gradient is the same.
      for (let i = 0; i < delta.length; i++) expect(got[i]!, `${param}[${i}]`).toBeCloseTo(0.25 * delta[i]!, 6);
    }
  });
});

describe.runIf(HAVE_NATIVE)('both engines', () => {
  it("give the same validation loss terms after the same steps", async () => {
    const [tfjs, compiled] = ENGINES.map((e) => make(e.choice(), { model: IR, optimizer: SGD }, weightsFor(IR, 1)));
    try {
      const evaluations = [];
      for (const engine of [tfjs!, compiled!]) {
        takeSteps(engine, 0, 2, Random.fromSeed(2));
        await engine.drain('all');
        evaluations.push(await engine.evaluate(batch(70, 9), { samples: 2, noise: Random.fromSeed(3) }));
      }
      const [a, b] = evaluations.map((e) => e.loss);
      if (!a || !b) throw new Error('two evaluations expected');
      for (const term of ['crossEntropy', 'kl', 'vq', 'commit'] as const) {
        expect(Math.abs(a.terms[term] - b.terms[term]), term).toBeLessThan(1e-4 * Math.max(1, Math.abs(a.terms[term])));
      }
      expect(a.terms.vq).toBeGreaterThan(0);
      expect(Math.abs(a.total - b.total)).toBeLessThan(1e-4 * Math.abs(a.total));
    } finally {
      tfjs!.dispose();
      compiled!.dispose();
    }
  });
});

describe('the weight average (the TF.js executor keeps one)', () => {
  it('evaluates on the averaged weights inside withAveragedWeights, and saves and restores them with the state', async () => {
    const training: TrainingIR = { model: IR, optimizer: SGD, weightAverage: { decay: 0.5 } };
    const a = make({ engine: 'tfjs', reason: 'test' }, training, weightsFor(IR, 1));
    const b = make({ engine: 'tfjs', reason: 'test' }, training, weightsFor(IR, 2));
    try {
      takeSteps(a, 0, 2, Random.fromSeed(3));
      await a.drain('all');
      const averaged = (await a.averagedWeights())!;
      expect(averaged).toBeDefined();
      const probe = batch(50, 3);
      const predict = (e: TrainingEngine) => e.predict(probe, { samples: 0 }).then((l) => Array.from(l));
      const live = await predict(a);
      const onAverage = await a.withAveragedWeights(() => predict(a));
      expect(onAverage).not.toEqual(live);
      expect(await predict(a)).toEqual(live);
      // An engine holding the averaged weights predicts what evaluation on the average does.
      const holder = make({ engine: 'tfjs', reason: 'test' }, { model: IR, optimizer: SGD }, averaged);
      try {
        expect(await predict(holder)).toEqual(onAverage);
      } finally {
        holder.dispose();
      }
      b.restore(await a.state());
      expect(await b.withAveragedWeights(() => predict(b))).toEqual(onAverage);
      const { ema: _ema, ...withoutAverage } = await a.state();
      expect(() => b.restore(withoutAverage)).toThrow(/asks for an EMA of weights, the checkpoint has none/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
