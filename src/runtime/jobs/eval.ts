/**
 * One `ibc eval` invocation after the run is opened and the backend chosen:
 * the run's test data, its model from the checkpoint, top-1 / top-5 with the
 * requested number of samples, and localization where the test images have
 * object boxes and the model has attention.
 */
import { loadRunData, modelFromState, type OpenedRun } from '../runs/open-run.js';
import { evaluateSplit } from '../training/loop.js';
import { startEvaluationNoise } from '../training/evaluation-noise.js';
import { localizeSplit } from '../training/localize-split.js';
import type { Accuracy } from '../training/evaluate.js';
import type { Localization } from '../training/localization.js';
import type { ImageLoadOptions } from '../data/index.js';

export interface EvalRequest {
  /** Evaluation samples n (0 = the deterministic mean); undefined: the spec's eval samples. */
  readonly samples?: number;
  /** Use only the first N test images. */
  readonly limitTest?: number;
  /** Folder data: the image cache, memory budget and workers to load it with. */
  readonly images?: ImageLoadOptions;
}

export interface EvalResult {
  /** The samples n the accuracy was measured with. */
  readonly samples: number;
  readonly accuracy: Accuracy;
  readonly localization?: Localization;
}

export async function evaluateRun(opened: OpenedRun, request: EvalRequest): Promise<EvalResult> {
  let model: ReturnType<typeof modelFromState> | undefined;
  let data: Awaited<ReturnType<typeof loadRunData>> | undefined;
  const samples = request.samples ?? opened.ir.samples.eval;
  // The evaluation noise is drawn on a worker while the data loads (evaluation-noise.ts).
  const noise = startEvaluationNoise(opened.state.settings.seed, opened.ir, samples);
  try {
    data = await loadRunData(opened, request.limitTest, request.images);
    noise.fitTo(data.test.count);
    model = modelFromState(opened);
    const accuracy = await evaluateSplit(model, opened.spec, data.test, opened.state.settings.seed, samples, undefined, noise.tape);
    const localization = await localizeSplit(model, opened.spec, data.test);
    return { samples, accuracy, ...(localization ? { localization } : {}) };
  } finally {
    await noise.stop();
    model?.dispose();
    await data?.close();
  }
}
