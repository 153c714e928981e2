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

/** What an epoch's metrics row sums over its batches so far (each batch's mean times its size; correct and seen are counts). */
export interface EpochSums {
  readonly total: number;
  readonly ce: number;
  readonly kl: number;
  readonly vq: number;
  readonly commit: number;
  readonly correct: number;
  readonly seen: number;
}

/**
 * Where a checkpoint written inside an epoch (an interrupt, `checkpoint every_steps=N`) stands in
 * it: a resume skips the batches taken and ends the epoch with the metrics row the uninterrupted
 * run writes.
 */
export interface EpochProgress {
  /** Training batches of the epoch already taken. */
  readonly batches: number;
  readonly sums: EpochSums;
  /** Training seconds those batches took. */
  readonly seconds: number;
}

/** What early stopping may watch: a field of the metrics row (lower is better but for val_top1). */
export type EarlyStopMetric = 'val_top1' | 'val_ce_bits' | 'val_loss_bits';

/** Early stopping's record (train.early_stop), carried by checkpoints so a resume continues it. */
export interface EarlyStopState {
  readonly metric: EarlyStopMetric;
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
  /** Completed epochs (with `inEpoch`, the epoch in progress is the next one). */
  readonly epoch: number;
  /** Completed optimizer steps. */
  readonly step: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly optimizer: OptimizerState;
  readonly ema?: EmaState;
  /**
   * 'shuffle' feeds the epoch order and augmentation (one generator, drawn in batch order), 'noise' the
   * reparameterisation and dropout. With `inEpoch`, 'shuffle' is the stream as the epoch in progress
   * started (its order is drawn again and the taken batches' augmentation skipped), 'noise' as it is now.
   */
  readonly random: { readonly shuffle: RandomState; readonly noise: RandomState };
  /** Present when the checkpoint was written inside an epoch. */
  readonly inEpoch?: EpochProgress;
  readonly best?: BestScore;
  readonly earlyStop?: EarlyStopState;
  readonly settings: RunSettings;
  readonly backend: string;
}
