/**
 * The evaluation tape drawn ahead on a worker (evaluation-noise.ts): the count it draws is what
 * an evaluation actually reads (checked against a tape an evaluation filled itself), a model
 * without Sample nodes or evaluated with 0 samples starts no worker, and a whole short run
 * through a prefilled tape writes exactly the metrics and checkpoints of a run without one.
 */
import { describe, expect, it } from 'vitest';
import { evaluateSplit, evaluationTape } from '../../../src/runtime/training/loop.js';
import { evaluationNormalsPerImage, startEvaluationNoise } from '../../../src/runtime/training/evaluation-noise.js';
import { loadDataset } from '../../../src/runtime/data/index.js';
import { createTrainingEngine } from '../../../src/runtime/engine/choose-engine.js';
import { buildTraining } from '../../../src/compiler/network/build-training.js';
import { tinyModel, tinySpec } from '../../fixtures/tiny-spec.js';
import { timeless, trainTiny } from '../../fixtures/tiny-training.js';

const options = { samples: { train: 1, eval: 3 }, train: { evalBatchSize: 40 }, trainCount: 128 };
const spec = tinySpec(options);
const ir = tinyModel(spec);

describe('the normals an evaluation draws per image', () => {
  it('are the Sample nodes’ rows per image times their widths: 3 maps of 12x12 and 9 latents of 16 at 3 samples', () => {
    expect(evaluationNormalsPerImage(ir, 3)).toBe(3 * 144 + 9 * 16);
    expect(evaluationNormalsPerImage(ir, 1)).toBe(144 + 16);
    expect(evaluationNormalsPerImage(ir, 0)).toBe(0);
    expect(evaluationNormalsPerImage(tinyModel(tinySpec({ attention: false })), 4)).toBe(0);
  });

  it('times a split’s images, are exactly what evaluating it records on a tape', async () => {
    const data = await loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
    const engine = createTrainingEngine({ engine: 'tfjs', reason: 'test', precision: 'fp32' }, buildTraining(spec, ir), { seed: 1 });
    try {
      for (const samples of [3, 2]) {
        const tape = evaluationTape(1);
        await evaluateSplit(engine, spec, data.test, 1, samples, undefined, tape);
        expect(tape.recorded).toBe(data.test.count * evaluationNormalsPerImage(ir, samples));
      }
    } finally {
      engine.dispose();
    }
  });
});

describe('startEvaluationNoise', () => {
  it('starts no worker for a model without Sample nodes, or evaluated with 0 samples', async () => {
    for (const noise of [startEvaluationNoise(1, tinyModel(tinySpec({ attention: false }))), startEvaluationNoise(1, ir, 0)]) {
      expect(noise.prefill).toBeUndefined();
      noise.fitTo(256);
      await noise.stop();
      expect(noise.tape.recorded).toBe(0);
    }
  });

  it('fitted to the largest split, draws on its worker exactly what an evaluation of it reads, and the evaluation draws nothing more', async () => {
    const data = await loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
    const noise = startEvaluationNoise(1, ir);
    noise.fitTo(Math.max(data.test.count, data.validation?.count ?? 0));
    const engine = createTrainingEngine({ engine: 'tfjs', reason: 'test', precision: 'fp32' }, buildTraining(spec, ir), { seed: 1 });
    try {
      const taped = await evaluateSplit(engine, spec, data.test, 1, undefined, undefined, noise.tape);
      const needed = data.test.count * evaluationNormalsPerImage(ir, 3);
      expect(await noise.prefill!.outcome).toEqual({ kind: 'filled', count: needed });
      expect(noise.tape.recorded).toBe(needed);
      expect(taped).toEqual(await evaluateSplit(engine, spec, data.test, 1));
    } finally {
      engine.dispose();
      await noise.stop();
    }
  });

  it('a short run through the prefilled tape writes the metrics and checkpoints of a run without it', async () => {
    const noise = startEvaluationNoise(1, ir);
    noise.fitTo(256);
    try {
      const prefilled = await trainTiny(options, 2, { evaluationTape: noise.tape });
      expect(await noise.prefill!.outcome).toEqual({ kind: 'filled', count: 256 * evaluationNormalsPerImage(ir, 3) });
      const plain = await trainTiny(options, 2);
      expect(timeless(prefilled.seen.rows)).toEqual(timeless(plain.seen.rows));
      expect(prefilled.seen.checkpoints).toEqual(plain.seen.checkpoints);
      expect(prefilled.weights).toEqual(plain.weights);
    } finally {
      await noise.stop();
    }
  });
});
