/**
 * The runs of a sweep directory (its manifest's members, in sweep order) or of
 * any folder of runs (every sub-folder with metrics.jsonl or summary.json), as
 * one row each: swept values, status, identity, settings and the metrics a
 * comparison needs. Without a manifest, the swept values are the spec keys
 * (documented names) whose values differ between the runs; either way the
 * other settings that differ (a budget, a backend, a section only some runs
 * have) are columns too (settings.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readTextIfReadable } from '../../../host/read-file.js';
import { join, relative } from 'node:path';
import type { Json } from '../../../compiler/spec/spec-document.js';
import { runError } from '../../../support/errors.js';
import { readManifest, type SweepManifest } from '../sweep/manifest.js';
import { readMetricRows, readRunStatus, readSummary } from '../sweep/run-status.js';
import { readRunIdentity, type RunIdentity } from '../run-identity.js';
import { differingColumns, runSettings, settingJson, type RunSettings, type SettingColumn } from './settings.js';

/**
 * finished: summary.json; running: a live process here holds its lock; failed: its
 * launch ended badly (the manifest says so); interrupted: a checkpoint but no summary;
 * incomplete: started, no checkpoint yet (running elsewhere, or stopped early); missing: no run folder.
 */
export type ResultStatus = 'finished' | 'interrupted' | 'running' | 'incomplete' | 'failed' | 'missing';

/** Metric columns, in table order. Accuracies are fractions. */
export const METRICS = [
  'final_val_top1',
  'best_val_top1',
  'test_top1',
  'test_top5',
  'train_top1',
  'train_loss_bits',
  'ce_bits',
  'kl_bits',
  'vq',
  'commit',
  'val_loss_bits',
  'val_ce_bits',
  'val_kl_bits',
  'val_vq',
  'val_commit',
  'images_per_second',
] as const;

/** Each training loss term's validation twin (the final epoch's, as the training terms are). */
const VALIDATION_TWIN = { train_loss_bits: 'val_loss_bits', ce_bits: 'val_ce_bits', kl_bits: 'val_kl_bits', vq: 'val_vq', commit: 'val_commit' } as const;
export type MetricName = (typeof METRICS)[number];

export interface ResultRow {
  readonly name: string;
  /** The run folder, relative to the collected folder. */
  readonly dir: string;
  readonly status: ResultStatus;
  /** Epochs trained (metrics.jsonl rows). */
  readonly epochs: number;
  /** Epochs the run was asked to reach (run.json), when known. */
  readonly epochsTarget?: number;
  /** Swept path -> value. */
  readonly values: Readonly<Record<string, Json>>;
  readonly identity: Partial<RunIdentity>;
  readonly settings: RunSettings;
  readonly metrics: Readonly<Partial<Record<MetricName, number>>>;
  /** The run folder's absolute path (for curves). */
  readonly runDir: string;
  /** metrics.jsonl rows, for curves. */
  readonly rows: readonly Record<string, unknown>[];
}

export interface CollectedResults {
  readonly root: string;
  readonly swept: readonly string[];
  readonly rows: readonly ResultRow[];
  /** The other settings that differ between the rows (budgets, backends, sections only some runs have). */
  readonly differing: readonly SettingColumn[];
  readonly manifest?: SweepManifest;
}

/** Whether a row is a finished run: the others (failed, interrupted, running...) are marked, and left out of means and plots unless asked. */
export function isFinished(row: ResultRow): boolean {
  return row.status === 'finished';
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function metricsOf(runDir: string, rows: readonly Record<string, unknown>[]): Partial<Record<MetricName, number>> {
  const summary = readSummary(runDir);
  const last = rows[rows.length - 1];
  const vals = rows.map((r) => num(r.val_top1)).filter((v): v is number => v !== undefined);
  const out: Partial<Record<MetricName, number>> = {};
  const set = (k: MetricName, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('final_val_top1', num(last?.val_top1));
  set('best_val_top1', num(summary?.best_val_top1) ?? (vals.length > 0 ? Math.max(...vals) : undefined));
  set('test_top1', num(summary?.test_top1) ?? num(last?.test_top1));
  set('test_top5', num(summary?.test_top5) ?? num(last?.test_top5));
  set('train_top1', num(last?.train_top1));
  const terms = modelTerms(runDir);
  for (const k of ['train_loss_bits', 'ce_bits', 'kl_bits', 'vq', 'commit'] as const) {
    if (!terms.has(k)) continue;
    set(k, num(last?.[k]));
    set(VALIDATION_TWIN[k], num(last?.[VALIDATION_TWIN[k]]));
  }
  set('images_per_second', num(summary?.images_per_second) ?? num(last?.images_per_second));
  return out;
}

/**
 * The loss terms the run's model has: a model without attention has no KL, one without
 * quantization no VQ or commitment term. Runs written before ibc left such terms out of
 * metrics.jsonl recorded them as 0; they are absent here, never 0. Without a readable
 * resolved spec every term the rows hold is kept.
 */
function modelTerms(runDir: string): ReadonlySet<string> {
  const all = new Set(['train_loss_bits', 'ce_bits', 'kl_bits', 'vq', 'commit']);
  const spec = resolvedSpec(runDir) as { model?: { attention?: { quantize?: unknown } } } | undefined;
  if (spec?.model === undefined) return all;
  const attention = spec.model.attention;
  if (attention === undefined || attention === null) return new Set(['train_loss_bits', 'ce_bits']);
  return attention.quantize === undefined || attention.quantize === null ? new Set(['train_loss_bits', 'ce_bits', 'kl_bits']) : all;
}

/** A failed launch outcome, as the manifest recorded it (local exit status, Slurm state). */
function failedOutcome(manifest: SweepManifest | undefined, name: string): boolean {
  const last = [...(manifest?.launches ?? [])].reverse().find((l) => l.members.includes(name));
  const outcome = last?.outcomes?.[name];
  return outcome !== undefined && outcome !== 'exited 0' && outcome !== 'COMPLETED';
}

function statusOf(runDir: string, manifest: SweepManifest | undefined, name: string): ResultStatus {
  const status = readRunStatus(runDir);
  if (status.state === 'finished') return 'finished';
  if (status.state === 'running') return 'running';
  if (status.state === 'missing') return failedOutcome(manifest, name) ? 'failed' : 'missing';
  if (failedOutcome(manifest, name)) return 'failed';
  return status.state === 'interrupted' ? 'interrupted' : 'incomplete';
}

function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'summary.json'));
}

/** Run folders under `root` (root itself when it is one), at most two levels down. */
function findRuns(root: string): string[] {
  if (isRunFolder(root)) return [root];
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      try {
        if (!statSync(p).isDirectory()) continue;
      } catch {
        continue;
      }
      if (isRunFolder(p)) out.push(p);
      else if (depth > 1) visit(p, depth - 1);
    }
  };
  visit(root, 2);
  return out;
}

function resolvedSpec(runDir: string): unknown {
  const text = readTextIfReadable('record', join(runDir, 'resolved-spec.json'));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One row of a run folder; `values` are filled in once every row is known. */
function rowOf(root: string, runDir: string, name: string, dir: string, status: ResultStatus, values: Readonly<Record<string, Json>>): ResultRow {
  const metricRows = readMetricRows(runDir);
  const identity = readRunIdentity(runDir);
  return {
    name,
    dir,
    status,
    epochs: metricRows.length,
    ...(identity.epochs !== undefined ? { epochsTarget: identity.epochs } : {}),
    values,
    identity,
    settings: runSettings(resolvedSpec(runDir), identity),
    metrics: metricsOf(runDir, metricRows),
    runDir,
    rows: metricRows,
  };
}

export function collectResults(root: string): CollectedResults {
  const manifest = readManifest(root);
  if (manifest) {
    const rows = manifest.members.map((m) => rowOf(root, join(root, m.dir), m.name, m.dir, statusOf(join(root, m.dir), manifest, m.name), m.values));
    return { root, swept: manifest.swept, rows, differing: differingColumns(rows.map((r) => r.settings), new Set(manifest.swept)), manifest };
  }
  const runDirs = findRuns(root);
  if (runDirs.length === 0) throw runError('resultsNoRuns', { path: root });
  const partial = runDirs.map((runDir) => {
    const summary = readSummary(runDir);
    const spec = resolvedSpec(runDir) as { name?: unknown } | undefined;
    const name = typeof summary?.name === 'string' ? summary.name : typeof spec?.name === 'string' ? spec.name : relative(root, runDir) || runDir;
    return rowOf(root, runDir, name, relative(root, runDir) || '.', statusOf(runDir, undefined, name), {});
  });
  // The spec keys that differ are the swept values (a plot's x and series); the rest (identity, sections) are settings columns.
  const columns = differingColumns(partial.map((r) => r.settings));
  const sweptColumns = columns.filter((c) => !c.presence && c.key.includes('.'));
  const swept = sweptColumns.map((c) => c.key);
  const rows = partial.map((r) => {
    const values: Record<string, Json> = {};
    for (const c of sweptColumns) {
      const v = settingJson(r.settings, c);
      if (v !== null) values[c.key] = v;
    }
    return { ...r, values };
  });
  return { root, swept, rows, differing: columns.filter((c) => !sweptColumns.includes(c)) };
}
