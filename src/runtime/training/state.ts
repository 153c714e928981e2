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
  readonly settings: RunSettings;
  readonly backend: string;
}
