/**
 * The runs of a sweep directory (its manifest's members, in sweep order) or of
 * any folder of runs (every sub-folder with metrics.jsonl or summary.json), as
 * one row each: swept values, status and the metrics a comparison needs.
 * Without a manifest, the swept values are the resolved-spec values that
 * differ between the runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Json } from '../../../compiler/spec/spec-document.js';
import { runError } from '../../../support/errors.js';
import { readManifest, type SweepManifest } from '../sweep/manifest.js';
import { readMetricRows, readRunStatus, readSummary } from '../sweep/run-status.js';

/**
 * finished: summary.json; running: a live process here holds its lock; failed: its
 * launch ended badly (the manifest says so); interrupted: a checkpoint but no summary;
 * incomplete: started, no checkpoint yet (running elsewhere, or stopped early); missing: no run folder.
 */
export type ResultStatus = 'finished' | 'interrupted' | 'running' | 'incomplete' | 'failed' | 'missing';

/** Metric columns, in table order. Accuracies are fractions. */
export const METRICS = ['final_val_top1', 'best_val_top1', 'test_top1', 'test_top5', 'train_top1', 'train_loss_bits', 'ce_bits', 'kl_bits', 'vq', 'commit', 'images_per_second'] as const;
export type MetricName = (typeof METRICS)[number];

export interface ResultRow {
  readonly name: string;
  /** The run folder, relative to the collected folder. */
  readonly dir: string;
  readonly status: ResultStatus;
  readonly epochs: number;
  /** Swept path -> value. */
  readonly values: Readonly<Record<string, Json>>;
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
  readonly manifest?: SweepManifest;
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
  for (const k of ['train_loss_bits', 'ce_bits', 'kl_bits', 'vq', 'commit'] as const) set(k, num(last?.[k]));
  set('images_per_second', num(summary?.images_per_second) ?? num(last?.images_per_second));
  return out;
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

/** Leaf values of a JSON document by dotted path (lists as whole values). */
function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'origin' || k === 'atOrigin') continue;
      flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
    }
    return;
  }
  out.set(prefix, JSON.stringify(value));
}

function resolvedSpec(runDir: string): unknown {
  try {
    return JSON.parse(readFileSync(join(runDir, 'resolved-spec.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The paths whose values differ between the runs' resolved specs (the name aside). */
function differingValues(runDirs: readonly string[]): { swept: string[]; values: Map<string, Record<string, Json>> } {
  const flats = runDirs.map((dir) => {
    const flat = new Map<string, string>();
    flatten(resolvedSpec(dir), '', flat);
    return { dir, flat };
  });
  const paths = new Set<string>();
  for (const { flat } of flats) for (const k of flat.keys()) paths.add(k);
  const swept = [...paths].filter((p) => p !== 'name' && new Set(flats.map(({ flat }) => flat.get(p))).size > 1).sort();
  const values = new Map<string, Record<string, Json>>();
  for (const { dir, flat } of flats) {
    const record: Record<string, Json> = {};
    for (const p of swept) {
      const text = flat.get(p);
      if (text !== undefined) record[p] = JSON.parse(text) as Json;
    }
    values.set(dir, record);
  }
  return { swept, values };
}

export function collectResults(root: string): CollectedResults {
  const manifest = readManifest(root);
  if (manifest) {
    const rows = manifest.members.map((m) => {
      const runDir = join(root, m.dir);
      const metricRows = readMetricRows(runDir);
      return { name: m.name, dir: m.dir, status: statusOf(runDir, manifest, m.name), epochs: metricRows.length, values: m.values, metrics: metricsOf(runDir, metricRows), runDir, rows: metricRows };
    });
    return { root, swept: manifest.swept, rows, manifest };
  }
  const runDirs = findRuns(root);
  if (runDirs.length === 0) throw runError('resultsNoRuns', { path: root });
  const { swept, values } = differingValues(runDirs);
  const rows = runDirs.map((runDir) => {
    const metricRows = readMetricRows(runDir);
    const summary = readSummary(runDir);
    const spec = resolvedSpec(runDir) as { name?: unknown } | undefined;
    const name = typeof summary?.name === 'string' ? summary.name : typeof spec?.name === 'string' ? spec.name : relative(root, runDir) || runDir;
    return { name, dir: relative(root, runDir) || '.', status: statusOf(runDir, undefined, name), epochs: metricRows.length, values: values.get(runDir) ?? {}, metrics: metricsOf(runDir, metricRows), runDir, rows: metricRows };
  });
  return { root, swept, rows };
}
