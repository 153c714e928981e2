/**
 * The evaluation stream's tape (loop.ts evaluationTape), its values drawn ahead on a worker
 * thread (support/normal-prefill.ts) from as soon as a job knows the seed and the model, so
 * that the first evaluation costs what later ones cost. How many: what one evaluation of the
 * largest split reads (its images times the normals one image draws), capped by the tape's
 * capacity; until the data has loaded the split sizes are unknown, so the worker starts with
 * the capacity and `fitTo` lowers it. A model without Sample nodes (or evaluated with 0
 * samples) draws no evaluation noise, and no worker starts.
 */
import type { ModelIR } from '../../compiler/ir/ir.js';
import { rowsPerImage } from '../../compiler/ir/op-facts.js';
import { NormalPrefill } from '../../support/normal-prefill.js';
import type { NormalTape } from '../../support/normal-tape.js';
import { evaluationTape } from './loop.js';

/**
 * Standard normals one evaluation pass draws per input image with `samples` draws: each Sample
 * node fills its tiled output (rows per image times its per-row size), as both engines do.
 */
export function evaluationNormalsPerImage(ir: ModelIR, samples: number): number {
  if (samples <= 0) return 0;
  const rows = rowsPerImage(ir, samples);
  let normals = 0;
  for (const node of ir.nodes) {
    if (node.op !== 'Sample') continue;
    normals += (rows.get(node.id) ?? 0) * node.shape.reduce((a, b) => a * b, 1);
  }
  return normals;
}

/** A job's evaluation tape and the worker filling it, if one runs. */
export interface EvaluationNoise {
  readonly tape: NormalTape;
  /** The worker drawing the tape's values ahead; absent where the model draws no evaluation noise. */
  readonly prefill?: NormalPrefill;
  /** Once the data has loaded: the images of the largest split to evaluate, so that the worker draws no more than they read. */
  fitTo(images: number): void;
  /** Ends the worker if it still runs (the job's end, an interrupt, an error). */
  stop(): Promise<void>;
}

/** The evaluation tape of `seed` for `ir` evaluated with `samples` draws, prefilled on a worker where the model samples. */
export function startEvaluationNoise(seed: number, ir: ModelIR, samples: number = ir.samples.eval): EvaluationNoise {
  const tape = evaluationTape(seed);
  const perImage = evaluationNormalsPerImage(ir, samples);
  const prefill = perImage > 0 ? NormalPrefill.start(tape, tape.limit) : undefined;
  return {
    tape,
    ...(prefill ? { prefill } : {}),
    fitTo: (images) => prefill?.limit(perImage * images),
    stop: async () => prefill?.stop(),
  };
}
