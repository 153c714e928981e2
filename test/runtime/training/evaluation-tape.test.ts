/**
 * Evaluation through the run's noise tape (loop.ts evaluationTape) gives exactly the accuracy and
 * cross-entropy of evaluation drawing its own noise, on both engines, for every split and
 * every epoch's repeat (a tiny IB spec evaluated with 3 samples).
 */
import { describe, expect, it } from 'vitest';
import { evaluateSplit, evaluationTape } from '../../../src/runtime/training/loop.js';
import { loadDataset } from '../../../src/runtime/data/index.js';
import { createTrainingEngine, type StepChoice } from '../../../src/runtime/engine/choose-engine.js';
import { buildTraining } from '../../../src/compiler/network/build-training.js';
import { tinyModel, tinySpec } from '../../fixtures/tiny-spec.js';
import { nativeAddonForTests } from '../../fixtures/native.js';
import { trainTiny } from '../../fixtures/tiny-training.js';

const spec = tinySpec({ samples: { train: 1, eval: 3 }, train: { evalBatchSize: 40 } });
const ir = tinyModel(spec);

async function splitsEvaluatedTwice(choice: StepChoice) {
  const data = await loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
  const engine = createTrainingEngine(choice, buildTraining(spec, ir), { seed: 1 });
  try {
    const splits = [data.validation!, data.test, data.validation!, data.test];
    const tape = evaluationTape(1);
    const taped = [];
    for (const split of splits) taped.push(await evaluateSplit(engine, spec, split, 1, undefined, undefined, tape));
    const plain = [];
    for (const split of splits) plain.push(await evaluateSplit(engine, spec, split, 1));
    return { taped, plain, recorded: tape.recorded };
  } finally {
    engine.dispose();
  }
}

describe('evaluation noise from the tape', () => {
  it('TF.js executor: the same accuracy and cross-entropy as plain draws, split after split', async () => {
    const { taped, plain, recorded } = await splitsEvaluatedTwice({ engine: 'tfjs', reason: 'test', precision: 'fp32' });
    expect(taped).toEqual(plain);
    // The test split (256 images, the longer) decides what was drawn: 3 map draws of 12x12 and 9 latent draws of 16 per image.
    expect(recorded).toBe(256 * (3 * 144 + 9 * 16));
    expect(plain[0]!.count).toBe(64);
  });

  const kernels = nativeAddonForTests();
  it.skipIf(!kernels)('compiled step: the same accuracy and cross-entropy as plain draws, split after split', async () => {
    const { taped, plain } = await splitsEvaluatedTwice({ engine: 'compiled', kernels: kernels!, reason: 'test', precision: 'fp32' });
    expect(taped).toEqual(plain);
  });
});

describe('the training loop evaluates through the tape', () => {
  it('the last epoch’s validation and test scores equal a plain evaluation of the final weights', async () => {
    const options = { samples: { train: 1, eval: 3 }, train: { evalBatchSize: 40 }, trainCount: 128 };
    const trained = tinySpec(options);
    const { seen, weights } = await trainTiny(options, 1);
    const last = seen.rows[seen.rows.length - 1]!;
    const data = await loadDataset(trained.data, { seed: 1, input: trained.model.input, classes: trained.model.classes });
    const engine = createTrainingEngine({ engine: 'tfjs', reason: 'test', precision: 'fp32' }, buildTraining(trained, ir), weights);
    try {
      const val = await evaluateSplit(engine, trained, data.validation!, 1);
      const test = await evaluateSplit(engine, trained, data.test, 1);
      expect([last.val_top1, last.val_ce_bits, last.test_top1, last.test_top5]).toEqual([val.top1, val.crossEntropy / Math.LN2, test.top1, test.top5]);
    } finally {
      engine.dispose();
    }
  });
});
