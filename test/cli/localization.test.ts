/**
 * The localization metric end to end: a tiny quantized attention model trained on cluttered IDX
 * data (a fixture in the IDX format) writes the localization line into metrics.jsonl and
 * summary.json, and `ibc eval` prints it with chance levels for both maps; `ibc attention`
 * draws the boxes.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { readMetricRows } from '../../src/runtime/runs/sweep/run-status.js';

const work = mkdtempSync(join(tmpdir(), 'ibc-loc-cli-'));

async function ibc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function u32be(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** `count` 8x8 items: class n % 2 is a horizontal (0) or vertical (1) bar of brightness 200. */
function writeIdx(name: string, count: number): void {
  const images = new Uint8Array(16 + count * 64);
  images.set([...u32be(0x803), ...u32be(count), ...u32be(8), ...u32be(8)]);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < 8; i++) {
      const [y, x] = n % 2 === 0 ? [3 + (i % 2), i] : [i, 3 + (i % 2)];
      images[16 + n * 64 + y * 8 + x] = 200;
    }
  }
  writeFileSync(join(work, `${name}-images.idx`), images);
  writeFileSync(join(work, `${name}-labels.idx`), new Uint8Array([...u32be(0x801), ...u32be(count), ...Array.from({ length: count }, (_, n) => n % 2)]));
}

const SPEC = `name tiny-cluttered
model {
  input 16x16x1
  classes 2
  backbone custom {
    stage stage1 {
      conv 4 kernel=3
      relu
      maxpool 2
    }
    stage stage2 {
      conv 8 kernel=3
      relu
      maxpool 2
    }
  }
  attention at=stage1 {
    latent 8
    samples train=1 eval=2
    decoder {
      linear 2
    }
    quantize {
      anchors 4
    }
  }
}
data idx {
  train images="train-images.idx" labels="train-labels.idx"
  test images="test-images.idx" labels="test-labels.idx"
  clutter canvas=16 pieces=2 piece_size=3 seed=0
}
train {
  epochs 1
  batch 16
  optimizer adam lr=0.01
  seed 1
}
`;

describe('localization in ibc train, eval and attention', () => {
  it('reports pointing game and mass inside the box with chance, for both maps', async () => {
    writeIdx('train', 64);
    writeIdx('test', 24);
    writeFileSync(join(work, 'tiny-cluttered.ibspec'), SPEC);
    const run = join(work, 'run');
    const t = await ibc('train', join(work, 'tiny-cluttered.ibspec'), '--out', run, '--backend', 'cpu', '--attention', '3');
    expect(t.stderr).toContain('test localization, continuous map: pointing game');
    expect(t.code).toBe(0);
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = rows[rows.length - 1]! as { event: string; epoch: number; localization: Record<string, Record<string, number>> };
    expect(last.event).toBe('localization');
    expect(last.epoch).toBe(1);
    for (const map of ['continuous', 'quantized']) {
      const l = last.localization[map]!;
      expect(l['count']).toBe(24);
      for (const k of ['pointing', 'mass_inside']) expect(l[k]).toBeGreaterThanOrEqual(0);
      // Chance is the boxes' mean share of the 16x16 canvas: between a 2x8 bar (1/16) and the whole image.
      expect(l['pointing_chance']).toBe(l['mass_chance']);
      expect(l['pointing_chance']).toBeGreaterThanOrEqual(16 / 256 - 1e-9);
      expect(l['pointing_chance']).toBeLessThan(1);
    }
    // The localization line is not an epoch: readers of epoch rows (sweeps, results, curves) skip it.
    expect(readMetricRows(run).map((r) => r['epoch'])).toEqual([1]);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { localization: unknown };
    expect(summary.localization).toEqual(last.localization);

    const e = await ibc('eval', run, '--backend', 'cpu');
    expect(e.code).toBe(0);
    const lines = e.stdout.split('\n').filter((l) => l.startsWith('test localization'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^test localization, continuous map: pointing game [\d.]+% \(chance [\d.]+%\), mass inside box [\d.]+% \(chance [\d.]+%\), .* over 24 images$/);
    expect(lines[1]).toMatch(/^test localization, quantized map: /);
    // The same weights and data give the same numbers as at the end of training.
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    expect(lines[0]).toContain(`pointing game ${pct(last.localization['continuous']!['pointing']!)}`);

    expect(readdirSync(join(run, 'attention')).filter((f) => f.endsWith('.png')).sort()).toEqual(['grid.png', 'test-00000.png', 'test-00001.png', 'test-00002.png']);
  });
});
