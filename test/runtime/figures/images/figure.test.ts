/** Attention figures: one colour scale, viridis bar, anchors, boxes, class names, real-font text, files by test index, no stale images. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { attentionFigureSvg, figureScale, svgToPng, type AttentionItem } from '../../../../src/runtime/figures/images/figure.js';
import { attentionFileName, writeAttentionImages } from '../../../../src/runtime/figures/images/write-attention.js';
import { VIRIDIS, viridisAt } from '../../../../src/runtime/figures/images/colormap.js';
import { FASHION_MNIST_CLASSES } from '../../../../src/runtime/data/class-names.js';

function item(index: number, quantized: boolean, predicted = 1, label = 1): AttentionItem {
  const image = Float32Array.from({ length: 28 * 28 }, (_, i) => ((i % 17) / 17 - 0.5) / 0.5);
  const attention = Float32Array.from({ length: 49 }, (_, i) => (i === 24 ? 0.9 : 0.1));
  return {
    index,
    image,
    shape: [28, 28, 1],
    normalize: { mean: [0.5], std: [0.5] },
    attention,
    mapShape: [7, 7],
    ...(quantized ? { attentionQuantized: Float32Array.from(attention, (v) => (v > 0.5 ? 1.2 : 0)) } : {}),
    predicted,
    label,
    classNames: [...FASHION_MNIST_CLASSES],
    box: [4, 6, 20, 22],
  };
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
});

describe('writeAttentionImages', () => {
  it('names files by test-set index, writes the grid, and removes the images of an earlier call only', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ibc-fig-'));
    writeFileSync(join(folder, 'test-00099.png'), 'stale');
    writeFileSync(join(folder, '000.png'), 'stale, older naming');
    writeFileSync(join(folder, 'notes.txt'), 'the user');
    const paths = writeAttentionImages(folder, [item(12, false), item(13, false, 3, 3)], { title: 't' });
    expect(paths).toEqual([join(folder, 'test-00012.png'), join(folder, 'test-00013.png'), join(folder, 'grid.png')]);
    expect(readdirSync(folder).sort()).toEqual(['grid.png', 'notes.txt', 'test-00012.png', 'test-00013.png']);
    for (const p of paths) expect(decode(readFileSync(p)).width).toBeGreaterThan(0);
    expect(attentionFileName(12345)).toBe('test-12345.png');
    // A second call with other images leaves only its own.
    writeAttentionImages(folder, [item(40, false)], { title: 't' });
    expect(readdirSync(folder).sort()).toEqual(['grid.png', 'notes.txt', 'test-00040.png']);
    expect(existsSync(join(folder, 'test-00012.png'))).toBe(false);
  });
});
