/** curves.png/.svg: lines from the step log, one panel per unit, train and validation paired, no VQ on a baseline. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { Resvg } from '@resvg/resvg-js';
import { curvesChart, writeCurves } from '../../../../src/runtime/figures/plots/curves.js';
import { CHART_FONT } from '../../../../src/runtime/figures/plots/render.js';
import { markPng } from '../../../../src/runtime/figures/png-mark.js';

/** A one-epoch run's step log: 20 lines; quantized models have KL, VQ and commitment. */
function stepLog(quantized: boolean): Record<string, unknown>[] {
  return Array.from({ length: 20 }, (_, i) => ({
    step: 5 * (i + 1),
    epoch: 1,
    epochs: (i + 1) / 20,
    lr: 1e-3,
    train_loss_bits: 2 - i / 20,
    ce_bits: 1.5 - i / 20,
    train_top1: 0.8 + i / 400,
    grad_norm: 1 + i / 10,
    images_per_second: 1000,
    ...(quantized ? { kl_bits: 50, vq: 0.02, commit: 0.02 } : {}),
  }));
}

function epochRow(quantized: boolean): Record<string, unknown> {
  return {
    epoch: 1,
    lr: 1e-3,
    train_loss_bits: 1.5,
    ce_bits: 1,
    train_top1: 0.82,
    val_top1: 0.86,
    test_top1: 0.85,
    val_loss_bits: 1.4,
    val_ce_bits: 0.9,
    ...(quantized ? { kl_bits: 50, vq: 0.02, commit: 0.02, val_kl_bits: 49, val_vq: 0.021, val_commit: 0.021 } : {}),
  };
}

interface Layer {
  data?: { values: Array<{ series: string; marked: boolean; value: number }> };
  layer: Array<{ encoding: { y: { scale: { domain?: number[] } }; strokeDash?: { scale: { domain: string[]; range: number[][] } } } }>;
  title: string;
}

function panels(quantized: boolean): Layer[] {
  return (curvesChart('run', [epochRow(quantized)], stepLog(quantized)) as unknown as { concat: Layer[] }).concat;
}

describe('curves', () => {
  it('one panel per unit; a baseline has no quantization panel and no label naming VQ', () => {
    expect(panels(true).map((p) => p.title)).toEqual(['loss (bits)', 'quantization (map units)', 'top-1 accuracy', 'learning rate', 'gradient norm']);
    expect(panels(false).map((p) => p.title)).toEqual(['loss (bits)', 'top-1 accuracy', 'learning rate', 'gradient norm']);
    expect(JSON.stringify(curvesChart('run', [epochRow(false)], stepLog(false)))).not.toMatch(/VQ|commit/);
  });

  it('a one-epoch run is a line of every logged step, with validation at the epoch end', () => {
    const bits = panels(false)[0]!.data!.values;
    expect(bits.filter((p) => p.series === 'objective (train)' && !p.marked)).toHaveLength(20);
    expect(bits.filter((p) => p.series === 'objective (validation)' && p.marked)).toHaveLength(1);
  });

  it('pairs train and validation by colour, tells them apart by dash; VQ and commitment never share a dash', () => {
    const [bits, map] = panels(true);
    const dashOf = (panel: Layer, series: string): number[] => {
      const scale = panel.layer[0]!.encoding.strokeDash!.scale;
      return scale.range[scale.domain.indexOf(series)]!;
    };
    expect(dashOf(bits!, 'objective (train)')).toEqual([]);
    expect(dashOf(bits!, 'objective (validation)')).not.toEqual([]);
    const dashes = ['VQ (train)', 'commitment (train)', 'VQ (validation)', 'commitment (validation)'].map((s) => JSON.stringify(dashOf(map!, s)));
    expect(new Set(dashes).size).toBe(4);
  });

  it('fits the accuracy axis to the data instead of 0-100%', () => {
    const [lo, hi] = panels(false)[1]!.layer[0]!.encoding.y.scale.domain!;
    expect(lo).toBeGreaterThan(0.7);
    expect(hi).toBeLessThan(0.9);
  });

  it('writes curves.png and curves.svg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-curves-'));
    expect(await writeCurves(dir, 'run', [epochRow(true)], stepLog(true))).toBe(join(dir, 'curves.png'));
    expect(PNG.sync.read(readFileSync(join(dir, 'curves.png'))).width).toBeGreaterThan(600);
    expect(existsSync(join(dir, 'curves.svg'))).toBe(true);
    expect(readFileSync(join(dir, 'curves.svg'), 'utf8')).toContain('commitment (validation)');
  });

  it('draws curves.png from curves.svg itself, with the bytes of the synchronous renderer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-curves-'));
    await writeCurves(dir, 'run', [epochRow(true)], stepLog(true));
    const fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `/usr/share/fonts/truetype/dejavu/${f}`).filter((f) => existsSync(f));
    const png = new Resvg(readFileSync(join(dir, 'curves.svg'), 'utf8'), {
      background: 'white',
      fitTo: { mode: 'zoom', value: 2 },
      font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: CHART_FONT },
    })
      .render()
      .asPng();
    expect(Buffer.compare(readFileSync(join(dir, 'curves.png')), Buffer.from(markPng(new Uint8Array(png))))).toBe(0);
  });
});
