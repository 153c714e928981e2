import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isRunError } from '../../../src/support/errors.js';
import type { TinyOptions } from '../../fixtures/tiny-spec.js';
import { roundTrip, timeless, trainTiny } from '../../fixtures/tiny-training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('trainer on the tiny synthetic task', () => {
  it('learns it to high accuracy in a few epochs, with per-epoch metrics and checkpoints, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const { seen } = await trainTiny({}, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.rows.map((r) => r.epoch)).toEqual([1, 2]);
    const last = seen.rows[1]!;
    expect(last.test_top1).toBeGreaterThanOrEqual(0.9);
    expect(last.test_top5).toBe(1);
    expect(last.val_top1).toBeGreaterThanOrEqual(0.9);
    for (const key of ['lr', 'train_loss_bits', 'train_top1', 'ce_bits', 'kl_bits', 'vq', 'commit', 'seconds', 'images_per_second'] as const) {
      expect(Number.isFinite(last[key])).toBe(true);
    }
    expect(last.vq).toBeGreaterThan(0);
    // One unit: the objective in bits is CE and beta c KL in bits plus the (unitless) quantization terms.
    expect(last.train_loss_bits).toBeCloseTo(last.ce_bits + 0.001 * 1 * (last.kl_bits ?? NaN) + 0.4 * (last.vq ?? NaN) + 0.1 * (last.commit ?? NaN), 4);
    expect(seen.checkpoints.filter((c) => c.which === 'last').map((c) => c.state.epoch)).toEqual([1, 2]);
    expect(seen.checkpoints.some((c) => c.which === 'best')).toBe(true);
  });

  it('same seed, same metrics (apart from timings)', async () => {
    const a = await trainTiny({ trainCount: 128 }, 1);
    const b = await trainTiny({ trainCount: 128 }, 1);
    expect(timeless(b.seen.rows)).toEqual(timeless(a.seen.rows));
    for (const [name, w] of a.weights) expect(Array.from(b.weights.get(name)!)).toEqual(Array.from(w));
  });

  it('2 epochs equal 1 epoch then a resume for 1 more (SGD + Nesterov, warm-up, EMA, eval sampling)', async () => {
    const options: TinyOptions = {
      samples: { train: 1, eval: 2 },
      trainCount: 128,
      train: {
        optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
        schedule: { kind: 'step', every: 1, gamma: 0.5 },
        warmup: { lrs: [0.01] },
        ema: 0.9,
      },
    };
    const whole = await trainTiny(options, 2);
    const first = await trainTiny(options, 1);
    const saved = roundTrip(first.seen.checkpoints.find((c) => c.which === 'last')!.state);
    const rest = await trainTiny(options, 2, { resume: saved });
    expect(timeless([...first.seen.rows, ...rest.seen.rows])).toEqual(timeless(whole.seen.rows));
    for (const [name, w] of whole.weights) {
      const r = rest.weights.get(name)!;
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - r[i]!));
      expect(worst, name).toBeLessThanOrEqual(1e-6);
    }
    const finalWhole = whole.seen.checkpoints.filter((c) => c.which === 'last').at(-1)!.state;
    const finalRest = rest.seen.checkpoints.filter((c) => c.which === 'last').at(-1)!.state;
    expect(finalRest.step).toBe(finalWhole.step);
    expect(finalRest.random).toEqual(finalWhole.random);
  });

  it('a non-finite loss stops the run naming epoch and step, and writes no checkpoint after it', async () => {
    const options: TinyOptions = { trainCount: 128, train: { optimizer: { kind: 'sgd', lr: 1e30, momentum: 0.9, nesterov: false, weightDecay: 0 } } };
    let caught: unknown;
    try {
      await trainTiny(options, 2);
    } catch (error) {
      caught = error;
    }
    expect(isRunError(caught)).toBe(true);
    const d = (caught as { diagnostic: { code: string; message: string } }).diagnostic;
    expect(d.code).toBe('IB6300');
    expect(d.message).toMatch(/at epoch 1, step \d+/);
    expect(d.message).toMatch(/No checkpoint had been written yet/);
  });
});
