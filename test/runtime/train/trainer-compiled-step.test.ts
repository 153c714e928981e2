/**
 * The trainer on the compiled step (src/runtime/step/): it learns the tiny
 * task as the TF.js path does, reruns with the same seed give the same
 * metrics and weights, and 1 epoch + a resume equals 2 epochs (weights, BN
 * statistics, optimizer state and random streams all go through the
 * checkpoint). A checkpoint written by the TF.js path resumes on the compiled
 * step (one optimizer-state format).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { train, type MetricsRow, type RunSink } from '../../../src/runtime/train/trainer.js';
import { loadDataset } from '../../../src/runtime/data/index.js';
import type { TrainingState } from '../../../src/runtime/train/state.js';
import { stateToCheckpoint, checkpointToState } from '../../../src/runtime/train/resume.js';
import { encodeCheckpoint, decodeCheckpoint } from '../../../src/runtime/checkpoint/index.js';
import { loadAddon, type NativeAddon } from '../../../src/runtime/backends/native/addon.js';
import { tinySpec, tinyModel, type TinyOptions } from '../../fixtures/tiny-spec.js';
import { HAVE_NATIVE, NATIVE_REASON } from '../../fixtures/native.js';

let kernels: NativeAddon | undefined;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  if (!HAVE_NATIVE) {
    if (process.env['CI'] === 'true') throw new Error(`the native addon is required in CI: ${NATIVE_REASON}`);
    return;
  }
  const loaded = loadAddon();
  if (!loaded.ok) throw new Error(loaded.reason);
  kernels = loaded.addon;
});

function recorder(): { sink: RunSink; rows: MetricsRow[]; checkpoints: { which: 'last' | 'best'; state: TrainingState }[] } {
  const rows: MetricsRow[] = [];
  const checkpoints: { which: 'last' | 'best'; state: TrainingState }[] = [];
  return {
    rows,
    checkpoints,
    sink: {
      appendMetrics: (row) => rows.push(row),
      writeCheckpoint: (which, state) => checkpoints.push({ which, state }),
      checkpointPath: (which) => `/runs/x/checkpoints/${which}.ibck`,
    },
  };
}

async function trainTiny(options: TinyOptions, epochs: number, compiled: boolean, resume?: TrainingState) {
  const spec = tinySpec(options);
  const ir = tinyModel(spec);
  const settings = resume ? { ...resume.settings, epochs } : { seed: spec.train.seed, epochs };
  const data = await loadDataset(spec.data, { seed: settings.seed, input: spec.model.input, classes: spec.model.classes });
  const { sink, rows, checkpoints } = recorder();
  const outcome = await train({
    spec, ir, specHash: 'h', settings, data, backend: 'cpu', sink,
    ...(compiled ? { kernels: kernels! } : {}),
    ...(resume ? { resume } : {}),
  });
  const weights = outcome.model.getWeights();
  outcome.model.dispose();
  return { rows, checkpoints, weights };
}

const timeless = (rows: MetricsRow[]) => rows.map(({ seconds: _s, images_per_second: _i, ...rest }) => rest);

function roundTrip(state: TrainingState): TrainingState {
  const chunks = encodeCheckpoint(stateToCheckpoint(state));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  const decoded = decodeCheckpoint(bytes);
  if (!decoded.ok) throw new Error('checkpoint did not decode');
  return checkpointToState(decoded.checkpoint, (r) => new Error(r) as never);
}

describe.skipIf(!HAVE_NATIVE)('trainer on the compiled step', () => {
  it('learns the tiny task (quantized IB model) like the TF.js path, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const compiled = await trainTiny({}, 2, true);
    expect(tf.memory().numTensors).toBe(before);
    const reference = await trainTiny({}, 2, false);
    const last = compiled.rows[1]!;
    expect(last.test_top1).toBeGreaterThanOrEqual(0.9);
    expect(last.vq).toBeGreaterThan(0);
    // Not bit-identical to the TF.js path (other kernels, other rounding), but the same training.
    expect(Math.abs(last.train_loss_bits - reference.rows[1]!.train_loss_bits)).toBeLessThan(0.05 * reference.rows[1]!.train_loss_bits);
    expect(last.train_loss_bits).toBeCloseTo(last.ce_bits + 0.001 * 1 * last.kl_bits + 0.4 * last.vq + 0.1 * last.commit, 4);
  });

  it('same seed, same metrics and weights', async () => {
    const a = await trainTiny({ trainCount: 128 }, 1, true);
    const b = await trainTiny({ trainCount: 128 }, 1, true);
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
    const whole = await trainTiny(options, 2, true);
    const first = await trainTiny(options, 1, true);
    const saved = roundTrip(first.checkpoints.find((c) => c.which === 'last')!.state);
    const rest = await trainTiny(options, 2, true, saved);
    expect(timeless([...first.rows, ...rest.rows])).toEqual(timeless(whole.rows));
    for (const [name, w] of whole.weights) expect(rest.weights.get(name), name).toEqual(w);
  });

  it('resumes a checkpoint the TF.js path wrote (Adam state in one format)', async () => {
    const first = await trainTiny({ trainCount: 128 }, 1, false);
    const saved = roundTrip(first.checkpoints.find((c) => c.which === 'last')!.state);
    expect(saved.optimizer.kind).toBe('adam');
    const rest = await trainTiny({ trainCount: 128 }, 2, true, saved);
    expect(rest.rows.map((r) => r.epoch)).toEqual([2]);
    const tfjsRest = await trainTiny({ trainCount: 128 }, 2, false, saved);
    expect(Math.abs(rest.rows[0]!.train_loss_bits - tfjsRest.rows[0]!.train_loss_bits)).toBeLessThan(0.02 * tfjsRest.rows[0]!.train_loss_bits);
  });
});
