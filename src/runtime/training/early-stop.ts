/**
 * Early stopping (train.early_stop), with Lightning's EarlyStopping rule: after
 * each epoch the watched validation metric improves when it beats the best so
 * far by more than min_delta (val_top1 upwards, val_ce_bits and val_loss_bits downwards); the run
 * stops once `patience` epochs in a row have not improved. A metric that is not
 * finite never improves.
 */
import type { EarlyStopMetric, EarlyStopState } from './state.js';

export interface EarlyStopRule {
  readonly metric: EarlyStopMetric;
  readonly patience: number;
  readonly minDelta: number;
}

/** The state after an epoch whose metrics row is `row`; `previous` is undefined before the first. */
export function earlyStopCheck(rule: EarlyStopRule, previous: EarlyStopState | undefined, row: { readonly epoch: number } & { readonly [M in EarlyStopMetric]?: number }): EarlyStopState {
  const value = row[rule.metric];
  const higherIsBetter = rule.metric === 'val_top1';
  const usable = value !== undefined && Number.isFinite(value);
  const improved =
    usable && (previous === undefined || !Number.isFinite(previous.best) || (higherIsBetter ? value - rule.minDelta > previous.best : value + rule.minDelta < previous.best));
  const state: EarlyStopState = improved
    ? { metric: rule.metric, best: value, bestEpoch: row.epoch, waited: 0, stopped: false }
    : {
        metric: rule.metric,
        best: previous?.best ?? NaN,
        bestEpoch: previous?.bestEpoch ?? 0,
        waited: (previous?.waited ?? 0) + 1,
        stopped: false,
      };
  if (state.waited < rule.patience) return state;
  const best = Number.isFinite(state.best) ? `its best, ${state.best.toPrecision(4)} at epoch ${state.bestEpoch}` : 'it was never finite';
  return {
    ...state,
    stopped: true,
    reason: `early stop after epoch ${row.epoch}: ${rule.metric} did not improve by more than ${rule.minDelta} for ${rule.patience} epoch${rule.patience === 1 ? '' : 's'} (${best})`,
  };
}
