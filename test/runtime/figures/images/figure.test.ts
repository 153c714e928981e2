/** Attention figures: one colour scale, viridis bar, anchors, boxes, class names, real-font text, files by test index, no stale images. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Resvg } from '@resvg/resvg-js';
import { attentionFigureSvg, figureFontInstalled, figureScale, RIGHT_MARK, svgToPng, svgToPngAsync, WRONG_MARK, type AttentionItem } from '../../../../src/runtime/figures/images/figure.js';
import { attentionFileName, SVG_MARK, writeAttentionImages } from '../../../../src/runtime/figures/images/write-attention.js';
import { VIRIDIS, viridisAt } from '../../../../src/runtime/figures/images/colormap.js';
import { fashionAttentionItem } from '../../../fixtures/attention-items.js';

function item(index: number, quantized: boolean, predicted = 1, label = 1): AttentionItem {
  const image = Float32Array.from({ length: 28 * 28 }, (_, i) => ((i % 17) / 17 - 0.5) / 0.5);
  const attention = Float32Array.from({ length: 49 }, (_, i) => (i === 24 ? 0.9 : 0.1));
  return fashionAttentionItem({
    index,
    image,
    attention,
    ...(quantized ? { attentionQuantized: Float32Array.from(attention, (v) => (v > 0.5 ? 1.2 : 0)) } : {}),
    predicted,
    label,
    box: [4, 6, 20, 22],
  });
}

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

describe('colours and scale', () => {
  it('viridis runs from dark purple to yellow', () => {
    expect(Array.from(VIRIDIS.subarray(0, 3))).toEqual([68, 1, 84]);
    expect(Array.from(VIRIDIS.subarray(765, 768))).toEqual([253, 231, 37]);
    expect(viridisAt(0.5, 0, 1)).toEqual(Array.from(VIRIDIS.subarray(3 * 128, 3 * 128 + 3)));
    expect(viridisAt(-3, 0, 1)).toEqual([68, 1, 84]);
  });

  it('one scale per figure: [0, 1] widened to every map value and anchor, never per image', () => {
    expect(figureScale([item(0, false)])).toEqual({ low: 0, high: 1 });
    // The quantized map's 1.2 widens the scale for every map of the figure.
    expect(figureScale([item(0, false), item(1, true)])).toEqual({ low: 0, high: Math.fround(1.2) });
    expect(figureScale([item(0, false)], [-0.1, 0.5])).toEqual({ low: -0.1, high: 1 });
  });
});

describe('attentionFigureSvg', () => {
  const svg = attentionFigureSvg([item(3, true, 1, 1), item(7, true, 0, 1)], { title: 'spec-x: last checkpoint, epoch 4', anchors: [0, 1.2] }, 2);

  it('carries the title, the colour range, the anchors, class names, test indices and the boxes', () => {
    expect(svg).toContain('spec-x: last checkpoint, epoch 4');
    expect(svg).toContain('viridis, 0.00 to 1.20');
    expect(svg).toContain('Anchors (2, marked on the bar): 0.000, 1.200');
    expect(svg).toContain('predicted: Trouser (1)');
    expect(svg).toContain('predicted: T-shirt/top (0)');
    expect(svg).toContain('test image #7');
    // Box [4, 6, 20, 22] at the 5x display scale of a 28x28 input: x 30, y 20, 80 x 80, on all three tiles of both panels.
    expect(svg.match(/width="80\.0" height="80\.0" fill="none" stroke="#ff3b30"/g)).toHaveLength(6);
    // The bar's tick labels.
    for (const v of ['0.00', '0.30', '0.60', '0.90', '1.20']) expect(svg).toContain(`>${v}</text>`);
  });

  it('renders to a PNG with text drawn in a real font (dark pixels in the title row)', () => {
    const png = decode(svgToPng(svg));
    expect(png.width).toBeGreaterThan(2 * 3 * 140);
    let dark = 0;
    for (let y = 12; y < 28; y++) for (let x = 12; x < 200; x++) if (png.data[4 * (y * png.width + x)]! < 100) dark++;
    expect(dark).toBeGreaterThan(100);
  });

  it('renders on the thread pool (svgToPngAsync) to the bytes of svgToPng', async () => {
    expect(Buffer.compare(Buffer.from(await svgToPngAsync(svg)), Buffer.from(svgToPng(svg)))).toBe(0);
  });

  it.skipIf(!figureFontInstalled() && process.env['CI'] !== 'true')('renders with the two DejaVu Sans files exactly as with every font of the font folders', () => {
    const png = svgToPng(svg);
    const fromFolders = new Resvg(svg, {
      font: { loadSystemFonts: false, fontDirs: ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts'].filter((d) => existsSync(d)), defaultFontFamily: 'DejaVu Sans' },
      background: '#ffffff',
    }).render();
    const decoded = decode(png);
    expect([decoded.width, decoded.height]).toEqual([fromFolders.width, fromFolders.height]);
    expect(Buffer.compare(decoded.data, Buffer.from(fromFolders.pixels))).toBe(0);
  });
});

describe('tile images made once per call', () => {
  it('draws the grid with its single figures\' tiles exactly as from items never drawn before (fixed, auto, overlay)', () => {
    for (const info of [{ title: 't' }, { title: 't', scale: 'auto' as const }, { title: 't', overlay: true }]) {
      const items = [item(3, true, 1, 1), item(7, true, 0, 1), item(9, false)];
      const scale = figureScale(items, undefined, info.scale);
      for (const it of items) attentionFigureSvg([it], info, 1, scale);
      const fresh = items.map((it) => ({ ...it }));
      expect(attentionFigureSvg(items, info, 2, scale)).toBe(attentionFigureSvg(fresh, info, 2, scale));
      // A second scale is not the first's tiles.
      const other = { low: -1, high: 2 };
      expect(attentionFigureSvg(items, info, 2, other)).toBe(attentionFigureSvg(items.map((it) => ({ ...it })), info, 2, other));
    }
  });
});

describe('paper options: scale, overlay, right and wrong without colour', () => {
  it('auto stretches one scale to the maps of the figure and says so on it; fixed stays 0-1', () => {
    const saturated = { ...item(0, true), attention: Float32Array.from({ length: 49 }, (_, i) => 0.81 + (0.19 * i) / 48), attentionQuantized: Float32Array.from({ length: 49 }, () => 0.9) };
    const auto = figureScale([saturated], [0, 0.9, 2], 'auto');
    expect(auto.mode).toBe('auto');
    expect(auto.low).toBeCloseTo(0.81, 6);
    expect(auto.high).toBeCloseTo(1, 6);
    expect(figureScale([saturated], undefined, 'fixed')).toEqual({ low: 0, high: 1 });
    const svg = attentionFigureSvg([saturated], { title: 't', anchors: [0, 0.9, 2] }, 1, auto);
    expect(svg).toContain('AUTO scale stretched');
    expect(svg).toContain('>auto scale</text>');
    expect(svg).toContain('2 outside the auto range not marked');
    // A constant map still gets a range (its colour is the middle one).
    expect(figureScale([{ ...item(0, false), attention: new Float32Array(49).fill(0.5) }], undefined, 'auto')).toEqual({ low: 0, high: 1, mode: 'auto' });
  });

  it('marks right and wrong by symbol as well as colour, and says so in the legend', () => {
    const svg = attentionFigureSvg([item(1, false, 1, 1), item(2, false, 0, 1)], { title: 't' }, 2);
    expect(svg).toContain(`>${RIGHT_MARK} predicted: Trouser (1)</text>`);
    expect(svg).toContain(`>${WRONG_MARK} predicted: T-shirt/top (0) (wrong)</text>`);
    expect(svg).toContain(`${RIGHT_MARK} prediction right, ${WRONG_MARK} prediction wrong.`);
  });

  it('overlay: each pixel of a map tile is its cell colour mixed half and half with the input grey', () => {
    const one = item(0, false);
    const svg = attentionFigureSvg([one], { title: 't', overlay: true }, 1);
    expect(svg).toContain('>μ_a over input</text>');
    expect(svg).toContain('Maps drawn over the input');
    const hrefs = [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => decode(Buffer.from(m[1]!, 'base64')));
    // Tiles: input, map over input (both at the input size times the display scale), then the colour bar.
    const [input, overlay] = hrefs;
    expect(overlay!.width).toBe(input!.width);
    const s = input!.width / 28;
    for (const [y, x] of [[0, 0], [14, 14], [27, 5]] as const) {
      const o = 4 * (y * s * input!.width + x * s);
      const grey = input!.data[o]!;
      const cell = one.attention[Math.floor(y / 4) * 7 + Math.floor(x / 4)]!;
      const colour = viridisAt(cell, 0, 1);
      expect([overlay!.data[o], overlay!.data[o + 1], overlay!.data[o + 2]]).toEqual(colour.map((c) => Math.round(0.5 * grey + 0.5 * c)));
    }
  });
});

describe('writeAttentionImages', () => {
  it('names files by test-set index, writes the grid, and removes the images of an earlier call only', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ibc-fig-'));
    writeFileSync(join(folder, 'test-00099.png'), 'stale');
    writeFileSync(join(folder, '000.png'), 'stale, older naming');
    writeFileSync(join(folder, 'notes.txt'), 'the user');
    const paths = writeAttentionImages(folder, [item(12, false), item(13, false, 3, 3)], { title: 't' });
    expect(paths).toEqual(['test-00012.png', 'test-00012.svg', 'test-00013.png', 'test-00013.svg', 'grid.png', 'grid.svg'].map((f) => join(folder, f)));
    expect(readdirSync(folder).sort()).toEqual(['grid.png', 'grid.svg', 'notes.txt', 'test-00012.png', 'test-00012.svg', 'test-00013.png', 'test-00013.svg']);
    for (const p of paths.filter((f) => f.endsWith('.png'))) expect(decode(readFileSync(p)).width).toBeGreaterThan(0);
    // The SVG is the figure the PNG was rendered from, marked as ibc's.
    const svg = readFileSync(join(folder, 'grid.svg'), 'utf8');
    expect(svg.startsWith(`${SVG_MARK}\n<svg`)).toBe(true);
    // Its text is text (selectable where the figure is used), though the PNG was rasterised from outlines.
    expect(svg).toContain('>true: Trouser (1)</text>');
    expect(svg).not.toContain('<path');
    expect(decode(svgToPng(svg.slice(SVG_MARK.length + 1))).width).toBe(decode(readFileSync(join(folder, 'grid.png'))).width);
    expect(attentionFileName(12345)).toBe('test-12345.png');
    // A second call with other images leaves only its own.
    writeAttentionImages(folder, [item(40, false)], { title: 't' });
    expect(readdirSync(folder).sort()).toEqual(['grid.png', 'grid.svg', 'notes.txt', 'test-00040.png', 'test-00040.svg']);
    expect(existsSync(join(folder, 'test-00012.png'))).toBe(false);
  });
});
