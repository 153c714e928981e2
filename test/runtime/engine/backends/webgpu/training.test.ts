/**
 * Training on TF.js's WebGPU backend, on a real WebGPU implementation
 * (SwiftShader through Dawn; see test/fixtures/webgpu.ts): a few steps of the shipped
 * Fashion-MNIST specs, through the real training loop (asynchronous reads,
 * evaluation with 4 samples, checkpoint state), give the losses, accuracies
 * and weights of the CPU backend within float tolerance, a seeded run
 * reproduces itself bit for bit, and no kernel runs on the CPU.
 *
 * Tolerance: every loss term and weight |webgpu - cpu| <= 2e-4 (1 + |cpu|).
 * The two backends add in different orders (tiled shaders against
 * sequential loops), so float32 sums differ in the last bits; a few Adam
 * steps keep that at about 1e-6.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compileSpec } from '../../../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../../../src/host/file-system.js';
import type { ResolvedSpec } from '../../../../../src/compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../../../../src/compiler/ir/ir.js';
import { loadDataset } from '../../../../../src/runtime/data/index.js';
import { train, type MetricsRow } from '../../../../../src/runtime/training/loop.js';
import { createTrainingEngine } from '../../../../../src/runtime/engine/choose-engine.js';
import { buildTraining } from '../../../../../src/compiler/network/build-training.js';
import type { RunSettings, TrainingState } from '../../../../../src/runtime/training/state.js';
import { startTestWebgpu } from '../../../../fixtures/webgpu.js';

const ROOT = resolve(__dirname, '../../../../..');
const TOLERANCE = 2e-4;

const gpu = await startTestWebgpu();

afterAll(() => {
  if (gpu.ok) gpu.choice.release?.();
});

interface Trained {
  readonly rows: Omit<MetricsRow, 'seconds' | 'images_per_second'>[];
  /** Running mean loss after each batch. */
  readonly batchLosses: number[];
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly ir: ModelIR;
  readonly lr: number;
}

/**
 * Biases of convolutions that feed a batch norm: the norm subtracts them again, so their
 * gradient is zero up to rounding, and Adam turns that rounding noise into steps of the full
 * rate with whatever sign the noise has, on each backend its own. They are checked against
 * that bound instead of the float tolerance.
 */
function biasesBeforeBatchNorm(ir: ModelIR): Set<string> {
  const out = new Set<string>();
  for (const node of ir.nodes) {
    if (node.op !== 'Conv2D' || node.params['bias'] === undefined) continue;
    const readers = ir.nodes.filter((n) => n.inputs.includes(node.id));
    if (readers.length > 0 && readers.every((n) => n.op === 'BatchNorm')) out.add(node.params['bias']);
  }
  return out;
}

/**
 * One epoch over 8 training images in batches of 4 (two optimizer steps), then evaluation on
 * 4 test images with the spec's 4 samples. Every batch has the same size and there is no
 * validation split: each new tensor shape makes TF.js compile its shaders again, which
 * SwiftShader does slowly.
 */
async function trainFew(specFile: string, backend: string): Promise<Trained> {
  const compiled = compileSpec(resolve(ROOT, 'specs', specFile), nodeFileSystem).value!;
  const spec: ResolvedSpec = {
    ...compiled.spec,
    data: { ...compiled.spec.data, validation: 0 },
    train: { ...compiled.spec.train, batchSize: 4, evalBatchSize: 4 },
  };
  const settings: RunSettings = { seed: spec.train.seed, epochs: 1, limitTrain: 8, limitTest: 4 };
  await tf.setBackend(backend);
  const data = await loadDataset(spec.data, {
    seed: settings.seed, limitTrain: 8, limitTest: 4, input: spec.model.input, classes: spec.model.classes, baseDir: resolve(ROOT, 'specs'),
  });
  const rows: MetricsRow[] = [];
  const batchLosses: number[] = [];
  let last: TrainingState | undefined;
  const engine = createTrainingEngine({ engine: 'tfjs', reason: 'test' }, buildTraining(spec, compiled.ir), { seed: settings.seed });
  await train({
    engine, spec, specHash: 'h', settings, data, backend,
    sink: {
      appendMetrics: (row) => rows.push(row),
      writeCheckpoint: (which, state) => {
        if (which === 'last') last = state;
      },
      checkpointPath: (which) => `/runs/x/${which}.ibck`,
      onBatch: (p) => batchLosses.push(p.loss),
    },
  });
  engine.dispose();
  return { rows: rows.map(({ seconds: _s, images_per_second: _i, ...rest }) => rest), batchLosses, weights: last!.weights, ir: compiled.ir, lr: spec.train.optimizer.lr };
}

function worstExcess(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) - TOLERANCE * (1 + Math.abs(want[i]!)));
  return worst;
}

describe.skipIf(!gpu.ok)('training on WebGPU (SwiftShader unless IBC_WEBGPU_HARDWARE=1)', () => {
  it('runs on the adapter it reports', () => {
    if (!gpu.ok) return;
    expect(gpu.choice.name).toBe('webgpu');
    expect(gpu.choice.adapter?.name).toBeTruthy();
    expect(gpu.choice.adapter?.vendor).toBeTruthy();
  });

  // fashion-small-aib-qt is fashion-small-aib with the quantizer: the seeded rerun is checked on it alone.
  for (const [specFile, rerun] of [['fashion-small-aib.ibspec', false], ['fashion-small-aib-qt.ibspec', true]] as const) {
    it(`${specFile}: the CPU backend's losses, accuracies and weights${rerun ? '; a second seeded run is identical' : ''}; nothing on the CPU`, { timeout: 600_000 }, async () => {
      if (!gpu.ok) return;
      const cpu = await trainFew(specFile, 'cpu');
      const first = await trainFew(specFile, 'webgpu');

      expect(first.batchLosses).toHaveLength(2);
      expect(worstExcess(first.batchLosses, cpu.batchLosses)).toBeLessThanOrEqual(0);
      const terms = (r: Trained['rows'][number]): number[] => [r.train_loss_bits, r.ce_bits, r.kl_bits, r.vq, r.commit];
      expect(worstExcess(terms(first.rows[0]!), terms(cpu.rows[0]!))).toBeLessThanOrEqual(0);
      for (const key of ['train_top1', 'test_top1', 'test_top5'] as const) expect(first.rows[0]![key], key).toBe(cpu.rows[0]![key]);
      const noiseDriven = biasesBeforeBatchNorm(cpu.ir);
      expect(noiseDriven.size).toBeGreaterThan(0);
      for (const [name, want] of cpu.weights) {
        const got = first.weights.get(name)!;
        if (noiseDriven.has(name)) {
          const steps = first.batchLosses.length;
          for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), name).toBeLessThanOrEqual(2 * steps * cpu.lr * (1 + TOLERANCE));
        } else {
          expect(worstExcess(got, want), name).toBeLessThanOrEqual(0);
        }
      }

      if (rerun) {
        // Same seed, same backend: the same numbers exactly.
        const second = await trainFew(specFile, 'webgpu');
        expect(second.rows).toEqual(first.rows);
        expect(second.batchLosses).toEqual(first.batchLosses);
        for (const [name, values] of first.weights) expect(Buffer.from(second.weights.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
      }

      expect(gpu.choice.hostFallbacks?.()).toEqual([]);
    });
  }
});
