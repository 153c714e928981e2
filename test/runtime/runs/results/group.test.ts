/** ibc results: runs that differ only in the seed pooled per setting (mean ± sd, n); loss terms a model lacks are absent, never 0. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResults } from '../../../../src/runtime/runs/results/collect.js';
import { formatTable, type ResultFormat } from '../../../../src/runtime/runs/results/format.js';
import { buildTable } from '../../../../src/runtime/runs/results/table.js';
import { groupBySetting, summarize } from '../../../../src/runtime/runs/results/group.js';
import type { CollectedResults, ResultRow } from '../../../../src/runtime/runs/results/collect.js';

/** What `ibc results` prints: the table of `rows` in `format` (machine formats with the status column), unlimited width. */
function formatResults(results: CollectedResults, rows: readonly ResultRow[], format: ResultFormat): string {
  return formatTable(buildTable(results, rows, { withStatus: format === 'csv' || format === 'json' }), format, { width: 0, chosen: false });
}

/** A finished run folder: resolved spec (with or without attention and quantization), one metrics row, summary. */
function run(root: string, name: string, seed: number, quantized: boolean, top1: number, finished = true): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const attention = quantized ? { beta: 0.01, quantize: { anchors: 8 } } : undefined;
  writeFileSync(join(dir, 'resolved-spec.json'), JSON.stringify({ name: quantized ? 'qt' : 'base', model: { input: [12, 12, 1], ...(attention ? { attention } : {}) }, train: { seed } }));
  // An older run: metrics.jsonl recorded the terms the model lacks as 0.
  writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ epoch: 1, train_loss_bits: 1, ce_bits: 1, kl_bits: quantized ? 3 : 0, vq: quantized ? 0.01 : 0, commit: quantized ? 0.01 : 0, train_top1: 0.5, test_top1: top1, test_top5: 1, val_loss_bits: 2, val_ce_bits: 1.5, ...(quantized ? { val_kl_bits: 4, val_vq: 0.02, val_commit: 0.02 } : {}) })}\n`);
  if (finished) writeFileSync(join(dir, 'summary.json'), JSON.stringify({ name: quantized ? 'qt' : 'base', test_top1: top1, test_top5: 1, images_per_second: 100 }));
}

describe('results per setting', () => {
  const root = mkdtempSync(join(tmpdir(), 'ibc-results-'));
  run(root, 'base-1', 1, false, 0.8);
  run(root, 'base-2', 2, false, 0.84);
  run(root, 'base-3', 3, false, 0.1, false); // interrupted: not pooled
  run(root, 'qt-1', 1, true, 0.9);
  run(root, 'qt-2', 2, true, 0.86);

  it('pools finished runs per setting: mean, sample sd, n', () => {
    const two = summarize([0.8, 0.84])!;
    expect(two.n).toBe(2);
    expect(two.mean).toBeCloseTo(0.82, 12);
    expect(two.sd).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(summarize([0.8])).toEqual({ mean: 0.8, n: 1 });
    const results = collectResults(root);
    expect(results.swept).toContain('train.seed');
    const groups = groupBySetting(results, results.rows)!;
    expect(groups.map((g) => [g.members, g.finished])).toEqual([
      [['base', 'base', 'base'], 2],
      [['qt', 'qt'], 2],
    ]);
    expect(groups[0]!.metrics.test_top1!.mean).toBeCloseTo(0.82, 12);
    expect(groups[0]!.metrics.test_top1!.sd).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(groups[0]!.metrics.vq).toBeUndefined();
  });

  it('prints the per-setting table after the per-run one (text and Markdown); a baseline has no VQ, not 0', () => {
    const results = collectResults(root);
    const text = formatResults(results, results.rows, 'text');
    expect(text).toContain('Per setting over seeds: mean ± sd (sample standard deviation) of the n finished runs');
    expect(text).toMatch(/\n +- +2 +82\.00% ± 2\.83/); // the baseline: no attention section
    expect(text).toMatch(/\n +yes +2 +88\.00% ± 2\.83/);
    expect(text).not.toMatch(/0\.000\b/);
    const markdown = formatResults(results, results.rows, 'markdown');
    expect(markdown).toContain('| n |');
    expect(markdown).toContain('82.00% ± 2.83');
    const json = JSON.parse(formatResults(results, results.rows, 'json')) as Array<{ member: string; metrics: Record<string, number | null> }>;
    const base = json.find((r) => r.member === 'base')!;
    expect(base.metrics.vq).toBeNull();
    expect(base.metrics.commit).toBeNull();
    expect(base.metrics.kl_bits).toBeNull();
    expect(json.find((r) => r.member === 'qt')!.metrics.vq).toBe(0.01);
  });

  it('the final validation objective and terms are columns beside the training ones, null where the model lacks the term', () => {
    const results = collectResults(root);
    const json = JSON.parse(formatResults(results, results.rows, 'json')) as Array<{ member: string; metrics: Record<string, number | null> }>;
    const base = json.find((r) => r.member === 'base')!.metrics;
    const qt = json.find((r) => r.member === 'qt')!.metrics;
    expect([base.val_loss_bits, base.val_ce_bits, base.val_kl_bits, base.val_vq, base.val_commit]).toEqual([2, 1.5, null, null, null]);
    expect([qt.val_loss_bits, qt.val_ce_bits, qt.val_kl_bits, qt.val_vq, qt.val_commit]).toEqual([2, 1.5, 4, 0.02, 0.02]);
    const markdown = formatResults(results, results.rows, 'markdown');
    expect(markdown.split('\n')[0]).toContain('| val loss (bits) | val CE (bits) | val KL (bits) | val VQ | val commit |');
  });

  it('adds nothing when no setting repeats', () => {
    const single = mkdtempSync(join(tmpdir(), 'ibc-results-'));
    run(single, 'a', 1, false, 0.8);
    run(single, 'b', 2, true, 0.9);
    const results = collectResults(single);
    expect(groupBySetting(results, results.rows)).toBeUndefined();
    expect(formatResults(results, results.rows, 'text')).not.toContain('Per setting');
  });
});
