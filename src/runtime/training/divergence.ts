/**
 * Telling a run that is blowing up from one that is learning slowly. Losses
 * are in bits (MetricsRow.train_loss_bits): the cross-entropy of a uniform
 * guess is log2(classes) bits; an average training loss a
 * hundred times that (logits in the hundreds), or ten times the first epoch's,
 * means the optimizer is diverging even though every number is still finite.
 */
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
