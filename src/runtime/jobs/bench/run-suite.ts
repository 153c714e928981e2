/**
 * `ibc bench --suite default|e2e`: the suite's cases, each measured in a child
 * process (processes.ts) next to its PyTorch twin (suites.ts); the default
 * suite then measures the step log's cost (suites.ts, runStepLogCost).
 */
import { fileURLToPath } from 'node:url';
import type { BackendRequest } from '../../engine/backends/select.js';
import type { StepRequest } from '../../engine/choose-engine.js';
import { childMeasurer } from './processes.js';
import { defaultSuite, e2eSuite, runE2eSuite, runStepLogCost, runStepsSuite, stepLogCase, type PytorchConfig, type SuiteOutput } from './suites.js';
import type { Precision } from '../../engine/precision.js';

export type SuiteName = 'default' | 'e2e';

export interface SuiteRequest {
  readonly backend: BackendRequest;
  /** --step for the ibc children; undefined: their default. */
  readonly step?: StepRequest;
  readonly json: boolean;
  readonly profile: boolean;
  /** --suite default: VGG's batch and every model's steps and warm-up; undefined ones take each model's default. */
  readonly batch?: number;
  readonly steps?: number;
  readonly warmup?: number;
  /** --suite e2e: train on the first N images only, on both sides. */
  readonly limitTrain?: number;
  /** --suite e2e: ibc train's --precision (default: the spec's). */
  readonly precision?: Precision;
  /** --suite e2e: the twin's configuration (default fp32). */
  readonly peerConfig?: PytorchConfig;
  /** The first ibc bench child measures the machine's peak again. */
  readonly recalibrate?: boolean;
}

/** The repository root (the same relative place from src/ and dist/): bin/ibc.js, bench/ and specs/ are found from it. */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}

/** Runs the suite; its exit status (0 when every measurement was taken). */
export function runSuite(name: SuiteName, request: SuiteRequest, output: SuiteOutput): number {
  const measurer = childMeasurer({
    root: packageRoot(), backend: request.backend, ...(request.step !== undefined ? { step: request.step } : {}), json: request.json, profile: request.profile,
    ...(request.precision !== undefined ? { precision: request.precision } : {}), recalibrate: request.recalibrate === true,
  });
  if (name === 'e2e') return runE2eSuite(e2eSuite(), request.limitTrain, measurer, output, request.peerConfig ?? 'fp32');
  const status = runStepsSuite(
    defaultSuite({ ...(request.batch !== undefined ? { batch: request.batch } : {}), ...(request.steps !== undefined ? { steps: request.steps } : {}), ...(request.warmup !== undefined ? { warmup: request.warmup } : {}) }),
    measurer,
    output,
  );
  return status === 0 ? runStepLogCost(stepLogCase(), measurer, output) : status;
}
