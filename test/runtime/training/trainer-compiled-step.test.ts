/**
 * The trainer on the compiled step (src/runtime/engine/compiled/): it learns the tiny
 * task as the TF.js path does, reruns with the same seed give the same
 * metrics and weights, and 1 epoch + a resume equals 2 epochs (weights, BN
 * statistics, optimizer state and random streams all go through the
 * checkpoint). A checkpoint written by the TF.js path resumes on the compiled
 * step (one optimizer-state format). Warm-up steps and early stopping act the
 * same on both engines in a full run.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { TrainingState } from '../../../src/runtime/training/state.js';
import type { NativeAddon } from '../../../src/runtime/engine/backends/native/addon.js';
import type { TinyOptions } from '../../fixtures/tiny-spec.js';
import { roundTrip, timeless, trainTiny } from '../../fixtures/tiny-training.js';
import { HAVE_NATIVE, nativeAddonForTests } from '../../fixtures/native.js';

let kernels: NativeAddon | undefined;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  kernels = nativeAddonForTests();
});

/** The tiny task on the compiled step (`compiled`) or the TF.js executor. */
async function trainOn(options: TinyOptions, epochs: number, compiled: boolean, resume?: TrainingState) {
  const { seen, weights } = await trainTiny(options, epochs, { ...(resume ? { resume } : {}), ...(compiled ? { kernels: kernels! } : {}) });
  return { rows: seen.rows, checkpoints: seen.checkpoints, weights };
}

describe.skipIf(!HAVE_NATIVE)('trainer on the compiled step', () => {
  it('learns the tiny task (quantized IB model) like the TF.js path, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const compiled = await trainOn({}, 2, true);
    expect(tf.memory().numTensors).toBe(before);
    const reference = await trainOn({}, 2, false);
    const last = compiled.rows[1]!;
    expect(last.test_top1).toBeGreaterThanOrEqual(0.9);
    expect(last.vq).toBeGreaterThan(0);
    // Not bit-identical to the TF.js path (other kernels, other rounding), but the same training.
    expect(Math.abs(last.train_loss_bits - reference.rows[1]!.train_loss_bits)).toBeLessThan(0.05 * reference.rows[1]!.train_loss_bits);
    expect(last.train_loss_bits).toBeCloseTo(last.ce_bits + 0.001 * 1 * (last.kl_bits ?? NaN) + 0.4 * (last.vq ?? NaN) + 0.1 * (last.commit ?? NaN), 4);
  });

  it('same seed, same metrics and weights', async () => {
    const a = await trainOn({ trainCount: 128 }, 1, true);
    const b = await trainOn({ trainCount: 128 }, 1, true);
    expect(timeless(b.rows)).toEqual(timeless(a.rows));
    for (const [name, w] of a.weights) expect(b.weights.get(name), name).toEqual(w);
  });

  it('2 epochs equal 1 epoch then a resume for 1 more (SGD + Nesterov, warm-up, 2 eval samples)', async () => {
    const options: TinyOptions = {
      samples: { train: 1, eval: 2 },
      trainCount: 128,
      train: {
        optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
        schedule: { kind: 'step', every: 1, gamma: 0.5 },
        warmup: { lrs: [0.01] },
      },
    };
    const whole = await trainOn(options, 2, true);
    const first = await trainOn(options, 1, true);
    const saved = roundTrip(first.checkpoints.find((c) => c.which === 'last')!.state);
    const rest = await trainOn(options, 2, true, saved);
    expect(timeless([...first.rows, ...rest.rows])).toEqual(timeless(whole.rows));
    for (const [name, w] of whole.weights) expect(rest.weights.get(name), name).toEqual(w);
  });

  it('warm-up steps and early stopping act the same on both engines in a full run: the same rate at every step, the same stop, the same training', async () => {
    // min_delta=1 on val_top1: no epoch after the first can improve, so patience 1 stops after epoch 2 on either engine.
    const options: TinyOptions = {
      trainCount: 128,
      samples: { train: 1, eval: 2 },
      train: { warmup: { steps: 6 }, logEvery: 1, earlyStop: { metric: 'val_top1', patience: 1, minDelta: 1 } },
    };
    const runs = [await trainTiny(options, 4, { kernels: kernels! }), await trainTiny(options, 4)];
    for (const { seen, outcome } of runs) {
      expect(seen.rows.map((r) => r.epoch)).toEqual([1, 2]);
      expect(outcome.stoppedEarly?.reason).toMatch(/^early stop after epoch 2: val_top1 did not improve by more than 1 for 1 epoch /);
      expect(seen.checkpoints.filter((c) => c.which === 'last').at(-1)!.state.earlyStop?.stopped).toBe(true);
    }
    const [compiled, tfjs] = runs.map((r) => r.seen);
    const rates = compiled!.steps.map((l) => l.lr);
    expect(rates).toEqual(tfjs!.steps.map((l) => l.lr));
    // 112 training images in batches of 32: 4 steps an epoch; the first 6 ramp to Adam's 0.01.
    expect(rates).toEqual([1, 2, 3, 4, 5, 6, 6, 6].map((s) => 0.01 * (s / 6)));
    for (const [i, row] of compiled!.rows.entries()) {
      const other = tfjs!.rows[i]!;
      expect(Math.abs(row.train_loss_bits - other.train_loss_bits)).toBeLessThan(0.05 * other.train_loss_bits);
      expect(Math.abs(row.val_loss_bits! - other.val_loss_bits!)).toBeLessThan(0.05 * other.val_loss_bits!);
    }
  });

  it('resumes a checkpoint the TF.js path wrote (Adam state in one format)', async () => {
    const first = await trainOn({ trainCount: 128 }, 1, false);
    const saved = roundTrip(first.checkpoints.find((c) => c.which === 'last')!.state);
    expect(saved.optimizer.kind).toBe('adam');
    const rest = await trainOn({ trainCount: 128 }, 2, true, saved);
    expect(rest.rows.map((r) => r.epoch)).toEqual([2]);
    const tfjsRest = await trainOn({ trainCount: 128 }, 2, false, saved);
    expect(Math.abs(rest.rows[0]!.train_loss_bits - tfjsRest.rows[0]!.train_loss_bits)).toBeLessThan(0.02 * tfjsRest.rows[0]!.train_loss_bits);
  });
});
