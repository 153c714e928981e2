/**
 * Dedicated flags for the trainer controls (`--early-stop val_top1 --patience 5`,
 * `--clip-norm 1`, `--warmup-steps 500`, `--log-every 10`), as Lightning's Trainer
 * arguments. Each flag is only a spelling of the Hydra-style override of one spec
 * key: the spec's definition stays the one place for its range, default, checks and
 * docs, the run's identity and resume command record it like any override, and a
 * flag given with its own override is the same statement twice (the flag, later,
 * wins).
 */
import { OptionValueError, type OptionDefinition } from './define-command.js';
import { positiveNumber, wholeNumber } from './option-values.js';

/** The values commander gives the train command for these flags. */
export interface TrainerFlagValues {
  readonly logEvery?: number;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  readonly warmupSteps?: number;
  readonly earlyStop?: string;
  readonly patience?: number;
  readonly minDelta?: number;
}

interface TrainerFlag {
  readonly option: OptionDefinition;
  readonly value: keyof TrainerFlagValues;
  /** The spec key the flag sets, as an override path. */
  readonly path: string;
}

function nonNegativeNumber(option: string): (text: string) => number {
  return (text) => {
    const x = Number(text);
    if (text.trim() === '' || !Number.isFinite(x) || x < 0) throw new OptionValueError(`${option} expects a number of 0 or more, got '${text}'`);
    return x;
  };
}

const TRAINER_FLAGS: readonly TrainerFlag[] = [
  { value: 'logEvery', path: 'train.log_every', option: { flags: '--log-every <N>', description: 'a line of metrics-steps.jsonl every N optimizer steps (train.log_every; default 50)', parse: wholeNumber('--log-every') } },
  { value: 'clipNorm', path: 'train.clip.norm', option: { flags: '--clip-norm <X>', description: 'clip the gradients to global L2 norm X (train { clip norm=X }; default: no clipping)', parse: positiveNumber('--clip-norm') } },
  { value: 'clipValue', path: 'train.clip.value', option: { flags: '--clip-value <X>', description: 'clamp every gradient value to [-X, X] (train { clip value=X })', parse: positiveNumber('--clip-value') } },
  { value: 'warmupSteps', path: 'train.warmup.steps', option: { flags: '--warmup-steps <N>', description: 'linear learning-rate warm-up over the first N optimizer steps (train { warmup steps=N }; default: none)', parse: wholeNumber('--warmup-steps') } },
  { value: 'earlyStop', path: 'train.early_stop.metric', option: { flags: '--early-stop <METRIC>', description: 'stop when METRIC (val_top1, val_ce_bits, val_loss_bits) has not improved for --patience epochs (train { early_stop ... }; default: never)' } },
  { value: 'patience', path: 'train.early_stop.patience', option: { flags: '--patience <N>', description: 'early stopping: epochs without improvement before stopping (default 3; turns early stopping on)', parse: wholeNumber('--patience') } },
  { value: 'minDelta', path: 'train.early_stop.min_delta', option: { flags: '--min-delta <X>', description: 'early stopping: the smallest change that counts as an improvement (default 0)', parse: nonNegativeNumber('--min-delta') } },
];

export const TRAINER_OPTIONS: readonly OptionDefinition[] = TRAINER_FLAGS.map((flag) => flag.option);

/** The overrides the given trainer flags stand for, in the flags' table order. */
export function trainerOverrides(values: TrainerFlagValues): string[] {
  return TRAINER_FLAGS.flatMap((flag) => {
    const value = values[flag.value];
    return value === undefined ? [] : [`${flag.path}=${value}`];
  });
}
