/**
 * The compiled step in bf16 precision (train.precision bf16): one step of a shipped spec
 * against the same step in fp32 (loss terms, logits, every parameter gradient within bf16's
 * tolerances, and not bit-equal: the bf16 kernels really ran), a short training whose loss
 * and accuracy track fp32's, float32 checkpoints that move between the two, and the engine
 * choice that refuses bf16 wherever it cannot run.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon, NativeInfo } from '../../../../src/runtime/engine/backends/native/addon.js';
import { CompiledTrainingStep } from '../../../../src/runtime/engine/compiled/compiled-step.js';
import { chooseStepEngine } from '../../../../src/runtime/engine/choose-engine.js';
import { bf16Obstacle } from '../../../../src/runtime/engine/precision.js';
import { RunError } from '../../../../src/support/errors.js';
import { Random } from '../../../../src/support/random.js';
import { compileFile, SPECS } from '../../../fixtures/graph-model.js';
import { scaledWeights } from '../../../fixtures/onnx.js';
import { HAVE_NATIVE, nativeAddonForTests, relativeError } from '../../../fixtures/native.js';
import { trainTiny } from '../../../fixtures/tiny-training.js';
import { tinyModel, tinySpec } from '../../../fixtures/tiny-spec.js';

const kernels: NativeAddon | undefined = nativeAddonForTests();
// On a CPU without native bf16 kernels the bf16 steps are skipped; the refusal is tested below
// and in the native kernel tests (test/runtime/engine/backends/native/bf16.test.ts).
const bf16Here = (): boolean => kernels?.info().bf16 === true;
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Per parameter: the cosine between the bf16 and the fp32 gradient, and the ratio of their norms.
 * Gradients that are zero in exact arithmetic (a bias before a batch norm: norm below 1e-4 of the
 * largest) are rounding noise on both sides and left out.
 */
function gradientAgreement(bf16: ReadonlyMap<string, Float32Array>, fp32: ReadonlyMap<string, Float32Array>): { name: string; cosine: number; normRatio: number }[] {
  const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const largest = Math.max(...[...fp32.values()].map(norm));
  return [...fp32].filter(([, v]) => norm(v) > 1e-4 * largest).map(([name, v]) => {
    const mine = bf16.get(name)!;
    const dot = v.reduce((s, x, i) => s + x * mine[i]!, 0);
    return { name, cosine: dot / (norm(v) * norm(mine)), normRatio: norm(mine) / norm(v) };
  });
}

function errorOf(run: () => unknown): RunError {
  try {
    run();
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error('expected a RunError');
}

describe.skipIf(!HAVE_NATIVE)('the compiled step in bf16 precision', () => {
  it.skipIf(!bf16Here())('fashion-small-aib-qt: one step agrees with fp32 within bf16 tolerances, and differs from it', () => {
    const { ir } = compileFile(join(SPECS, 'fashion-small-aib-qt.ibspec'));
    const weights = scaledWeights(ir, 9);
    const rng = Random.fromSeed(13).derive('batch');
    const images = rng.fillNormal(new Float32Array(8 * 28 * 28));
    const labels = Int32Array.from({ length: 8 }, () => rng.int(10));
    const run = (precision: 'fp32' | 'bf16') => {
      const step = new CompiledTrainingStep(ir, { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }, kernels!, weights, precision);
      const noise = Random.fromSeed(7);
      const out = step.gradients(images, labels, 1, noise);
      return { terms: [...out.terms], logits: out.logits.slice(), gradients: step.parameterGradients(), noiseAfter: noise.next() };
    };
    const fp32 = run('fp32');
    const bf16 = run('bf16');
    // Loss terms: CE, KL and the anchor terms are float32 on float32 inputs; only the values
    // reaching them moved by bf16 rounding of the convolutions' and dense layers' operands.
    bf16.terms.forEach((t, i) => expect(Math.abs(t - fp32.terms[i]!), `term ${i}`).toBeLessThanOrEqual(2e-2 * (1 + Math.abs(fp32.terms[i]!))));
    const logitError = relativeError(bf16.logits, fp32.logits);
    expect(logitError).toBeLessThan(3e-2);
    expect(logitError).toBeGreaterThan(1e-5); // the bf16 kernels ran
    // Gradients: bf16 rounding of each backward operand, compounded through the batch norms'
    // cancellations, moves the first layers' gradients by a few percent (what PyTorch's autocast
    // does too), but every one points the way fp32's does.
    const agreement = gradientAgreement(bf16.gradients, fp32.gradients);
    expect(agreement.length).toBeGreaterThan(10);
    for (const g of agreement) {
      expect(g.cosine, g.name).toBeGreaterThan(0.97);
      expect(Math.abs(g.normRatio - 1), g.name).toBeLessThan(0.15);
    }
    // The noise is drawn in float32, in the same order: the same draws.
    expect(bf16.noiseAfter).toBe(fp32.noiseAfter);
  });

  it.skipIf(!bf16Here())('a short training of the tiny task: the loss and accuracy of every epoch track fp32, and the checkpoints are float32 weights both engines read', async () => {
    const options = { quantize: true, train: { epochs: 3 } } as const;
    const fp32 = await trainTiny(options, 3, { kernels: kernels!, precision: 'fp32' });
    const bf16 = await trainTiny(options, 3, { kernels: kernels!, precision: 'bf16' });
    expect(bf16.seen.rows.length).toBe(3);
    bf16.seen.rows.forEach((row, i) => {
      const reference = fp32.seen.rows[i]!;
      expect(Math.abs(row.train_loss_bits - reference.train_loss_bits), `epoch ${i + 1} loss`).toBeLessThanOrEqual(0.05 * reference.train_loss_bits);
      expect(Math.abs(row.test_top1 - reference.test_top1), `epoch ${i + 1} test top-1`).toBeLessThanOrEqual(0.08);
    });
    // It learned: the loss fell as fp32's did.
    expect(bf16.seen.rows[2]!.train_loss_bits).toBeLessThan(0.9 * bf16.seen.rows[0]!.train_loss_bits);
    // Not the fp32 run under another name.
    expect(bf16.seen.rows[0]!.train_loss_bits).not.toBe(fp32.seen.rows[0]!.train_loss_bits);
    // The checkpoint holds float32 weights, which an fp32 step (and the TF.js model) takes as they are.
    const state = bf16.seen.checkpoints.find((c) => c.which === 'last')!.state;
    for (const values of state.weights.values()) expect(values).toBeInstanceOf(Float32Array);
    const ir = tinyModel(tinySpec(options));
    const continued = new CompiledTrainingStep(ir, tinySpec(options).train.optimizer, kernels!, state.weights, 'fp32');
    continued.setOptimizerState(state.optimizer);
    expect(continued.optimizerState()).toEqual(state.optimizer);
  });
});

describe('which engine trains a bf16 run', () => {
  const spec = tinySpec({ train: { precision: 'bf16' } });
  const ir = tinyModel(spec);

  it('fp32 and bf16 both record their precision in the choice', () => {
    expect(chooseStepEngine('tfjs', 'cpu', tinySpec(), ir).precision).toBe('fp32');
    if (HAVE_NATIVE && bf16Here()) expect(chooseStepEngine('auto', 'ibc-native', spec, ir).precision).toBe('bf16');
  });

  it('refuses bf16 on the TF.js executor (IB6440): another backend, --step tfjs, an EMA of weights', () => {
    expect(errorOf(() => chooseStepEngine('auto', 'cpu', spec, ir)).diagnostic.code).toBe('IB6440');
    expect(errorOf(() => chooseStepEngine('auto', 'cpu', spec, ir)).diagnostic.message).toMatch(/the backend is cpu/);
    expect(errorOf(() => chooseStepEngine('tfjs', 'ibc-native', spec, ir)).diagnostic.message).toMatch(/--step tfjs .* float32 only/);
    const withEma = tinySpec({ train: { precision: 'bf16', ema: 0.99 } });
    expect(errorOf(() => chooseStepEngine('auto', 'ibc-native', withEma, tinyModel(withEma))).diagnostic.message).toMatch(/EMA/);
  });

  it("says why a CPU cannot train in bf16, from the addon's own report", () => {
    const info = (over: Partial<NativeInfo>): NativeInfo => ({ dnnl: '2.6.3', cpuRuntime: 'omp', threads: 2, isa: 'avx512_core_bf16', bf16: true, ...over });
    expect(bf16Obstacle(info({}), {})).toBeUndefined();
    expect(bf16Obstacle(info({ isa: 'avx2', bf16: false }), {})).toBe('oneDNN 2.6.3 runs at instruction set avx2: this CPU has neither AVX512_BF16 nor AMX');
    expect(bf16Obstacle(info({ isa: 'avx512_core', bf16: false }), { ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' })).toBe('oneDNN 2.6.3 runs at instruction set avx512_core, limited by ONEDNN_MAX_CPU_ISA=AVX512_CORE');
    const old = { dnnl: '2.6.3', cpuRuntime: 'omp', threads: 2 } as unknown as NativeInfo;
    expect(bf16Obstacle(old, {})).toMatch(/built before bf16 support .* npm run build:native/);
  });
});
