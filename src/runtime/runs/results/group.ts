/**
 * Runs that differ only in their seed are one setting: their metrics as
 * mean ± standard deviation and the number of runs (n), what a paper's
 * table reports. Only finished runs count (an interrupted run's numbers are
 * from fewer epochs); the sd is the sample standard deviation (n - 1), and a
 * setting with one finished run has none.
 */
import type { Json } from '../../../compiler/spec/spec-document.js';
import { SEED_PATH } from '../../../compiler/spec/sweep-block.js';
import { METRICS, type CollectedResults, type MetricName, type ResultRow } from './collect.js';
import { settingText } from './settings.js';

export interface MetricSummary {
  readonly mean: number;
  /** Sample standard deviation; undefined when n < 2. */
  readonly sd?: number;
  readonly n: number;
}

export interface SettingGroup {
  /** The swept values other than the seed. */
  readonly values: Readonly<Record<string, Json>>;
  /** The other differing settings (a section only some runs have, a budget), as the table shows them. */
  readonly settings: Readonly<Record<string, string>>;
  /** The runs of this setting (any status), in table order. */
  readonly members: readonly string[];
  /** Finished runs, which the summaries are over. */
  readonly finished: number;
  readonly metrics: Readonly<Partial<Record<MetricName, MetricSummary>>>;
}

export function summarize(values: readonly number[]): MetricSummary | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(variance), n };
}

/**
 * The settings of `rows` (in the order they first appear) when the seed is swept and
 * some setting has more than one run; undefined otherwise (nothing to average).
 */
export function groupBySetting(results: CollectedResults, rows: readonly ResultRow[]): SettingGroup[] | undefined {
  if (!results.swept.includes(SEED_PATH)) return undefined;
  const paths = results.swept.filter((p) => p !== SEED_PATH);
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    // Runs of different settings or budgets are never pooled, swept or not.
    const key = JSON.stringify([paths.map((p) => row.values[p] ?? null), results.differing.map((c) => settingText(row.settings, c))]);
    const members = groups.get(key);
    if (members) members.push(row);
    else groups.set(key, [row]);
  }
  if (![...groups.values()].some((members) => members.length > 1)) return undefined;
  return [...groups.values()].map((members) => {
    const finished = members.filter((r) => r.status === 'finished');
    const metrics: Partial<Record<MetricName, MetricSummary>> = {};
    for (const m of METRICS) {
      const s = summarize(finished.map((r) => r.metrics[m]).filter((v): v is number => v !== undefined));
      if (s) metrics[m] = s;
    }
    const first = members[0]!;
    const values: Record<string, Json> = {};
    for (const p of paths) if (first.values[p] !== undefined) values[p] = first.values[p]!;
    const settings = Object.fromEntries(results.differing.map((c) => [c.key, settingText(first.settings, c)]));
    return { values, settings, members: members.map((r) => r.name), finished: finished.length, metrics };
  });
}
