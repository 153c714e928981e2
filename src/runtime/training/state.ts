/**
 * Everything a run needs to continue exactly where it stopped: weights and BN
 * buffers, optimizer and EMA state, the completed epoch and step counts, the
 * random streams' states, the best validation score so far, and the run
 * settings that shaped the data (seed, limits). Checkpoints hold one of these.
 */
import type { RandomState } from '../../support/random.js';
import type { EmaState, OptimizerState } from '../engine/training-engine.js';

export interface RunSettings {
  readonly seed: number;
  /** Total epochs the run is asked to reach. */
  readonly epochs: number;
  readonly limitTrain?: number;
  /** Validation images kept (with limitTrain, by default the validation fraction of it). */
  readonly limitValidation?: number;
  readonly limitTest?: number;
  /** Folder relative data paths are resolved against (the spec file's folder), so eval and attention find the same data. */
  readonly dataBaseDir?: string;
  /** The weights file the trunk started from (weights="..."): a resume refuses another. */
  readonly weights?: { readonly path: string; readonly size: number; readonly sha256: string };
}

export interface BestScore {
  readonly valTop1: number;
  /** 1-based epoch at which it was reached. */
  readonly epoch: number;
}

/** Early stopping's record (train.early_stop), carried by checkpoints so a resume continues it. */
export interface EarlyStopState {
  readonly metric: 'val_top1' | 'val_ce_bits';
  /** The best value seen, and the 1-based epoch it was seen at. */
  readonly best: number;
  readonly bestEpoch: number;
  /** Epochs since the best without an improvement of more than min_delta. */
  readonly waited: number;
  /** Whether the run stopped; `reason` says why in words (summary.json, the terminal). */
  readonly stopped: boolean;
  readonly reason?: string;
}

export interface TrainingState {
  readonly specHash: string;
  /** Completed epochs. */
  readonly epoch: number;
  /** Completed optimizer steps. */
  readonly step: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly optimizer: OptimizerState;
  readonly ema?: EmaState;
  /** 'shuffle' feeds the epoch order and augmentation (one generator, drawn in batch order), 'noise' the reparameterisation and dropout. */
  readonly random: { readonly shuffle: RandomState; readonly noise: RandomState };
  readonly best?: BestScore;
  readonly earlyStop?: EarlyStopState;
  readonly settings: RunSettings;
  readonly backend: string;
}
