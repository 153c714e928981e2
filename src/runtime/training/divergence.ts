/**
 * Telling a run that is blowing up from one that is learning slowly. Losses
 * are in bits (MetricsRow.train_loss_bits): the cross-entropy of a uniform
 * guess is log2(classes) bits; an average training loss a
 * hundred times that (logits in the hundreds), or ten times the first epoch's,
 * means the optimizer is diverging even though every number is still finite.
 */
import type { TrainingState } from './state.js';
import type { ModelIR } from '../../compiler/ir/ir.js';

export const DIVERGENCE_OVER_CHANCE = 100;
export const DIVERGENCE_OVER_FIRST = 10;

export function isDiverging(loss: number, firstEpochLoss: number | undefined, classes: number): boolean {
  if (!Number.isFinite(loss)) return false; // non-finite losses stop the run with their own error
  const chance = Math.log2(Math.max(classes, 2));
  if (loss > DIVERGENCE_OVER_CHANCE * chance) return true;
  return firstEpochLoss !== undefined && firstEpochLoss > 0 && loss > DIVERGENCE_OVER_FIRST * firstEpochLoss && loss > chance;
}

/** Why `isDiverging` said so, for the warning. */
export function divergenceReason(loss: number, firstEpochLoss: number | undefined, classes: number): string {
  const chance = Math.log2(Math.max(classes, 2));
  if (loss > DIVERGENCE_OVER_CHANCE * chance) return `over ${DIVERGENCE_OVER_CHANCE} times the ${chance.toFixed(2)} bits of a uniform guess over ${classes} classes`;
  return `over ${DIVERGENCE_OVER_FIRST} times the first epoch's ${firstEpochLoss?.toPrecision(4) ?? '?'} bits`;
}

/**
 * The first parameter holding NaN or an infinity, for refusing to export or
 * train from a broken model. Names in `overflowOk` (batch norm's running
 * statistics) only count when NaN: a diverging run's running variance can
 * overflow to Infinity, which normalisation turns into 0 in both engines, while
 * NaN would spread.
 */
export function firstNonFinite(weights: ReadonlyMap<string, Float32Array>, overflowOk: ReadonlySet<string> = new Set()): { name: string; index: number; value: number } | undefined {
  for (const [name, values] of weights) {
    const nanOnly = overflowOk.has(name);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (nanOnly ? Number.isNaN(v) : !Number.isFinite(v)) return { name, index: i, value: v };
    }
  }
  return undefined;
}

/** The names of a model's running statistics (batch norm's moving mean and variance): `firstNonFinite`'s overflowOk. */
export function runningStatistics(ir: ModelIR): Set<string> {
  return new Set(ir.params.filter((p) => p.group === 'buffers').map((p) => p.name));
}

/** NaN, Infinity or -Infinity, for messages. */
export function formatNonFinite(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The first non-finite value anywhere in a training state: weights, optimizer buffers, EMA shadows.
 * Optimizer buffers count only when NaN: Adam's second moment of a huge gradient overflows to
 * Infinity, which makes that value's update 0 (m / (sqrt(v) + eps)) in both engines, as in PyTorch,
 * and a resume continues it exactly; a momentum that overflows shows up in the weights it moves.
 */
export function firstNonFiniteInState(state: TrainingState, overflowOk: ReadonlySet<string> = new Set()): { name: string; index: number; value: number; count: number } | undefined {
  const tables: [string, ReadonlyMap<string, Float32Array>][] = [
    ['', state.weights],
    ['optimizer state ', new Map(Object.entries(state.optimizer.buffers).map(([k, b]) => [k, b.values] as const))],
    ['weight average ', new Map(Object.entries(state.ema?.shadows ?? {}).map(([k, s]) => [k, s.values] as const))],
  ];
  for (const [kind, table] of tables) {
    const found = firstNonFinite(table, kind === 'optimizer state ' ? new Set(table.keys()) : overflowOk);
    if (found) return { ...found, name: `${kind}'${found.name}'`, count: table.get(found.name)!.length };
  }
  return undefined;
}

