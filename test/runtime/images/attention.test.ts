import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  continuousMap,
  displayScale,
  gaussianBlur7,
  minMaxTo255,
  quantizedMap,
  renderAttentionGrid,
  renderAttentionPanel,
  resizeBicubic,
  resizeNearest,
  writeAttentionImages,
  type AttentionItem,
} from '../../../src/runtime/images/index.js';
import { BLUR_KERNEL_7, reflect101 } from '../../../src/runtime/images/attention-map.js';
import { fontCharacters, glyphSource, glyph } from '../../../src/runtime/images/font.js';
import { createCanvas, drawText } from '../../../src/runtime/images/canvas.js';
import { JET } from '../../../src/runtime/images/colormap.js';

function item(h: number, w: number, c: number, quantized: boolean, predicted = 1, label = 1): AttentionItem {
  const image = new Float32Array(h * w * c);
  for (let i = 0; i < image.length; i++) image[i] = ((i % 17) / 17 - 0.5) / 0.5;
  const attention = Float32Array.from({ length: 49 }, (_, i) => (i === 24 ? 0.9 : 0.1));
  return {
    image,
    shape: [h, w, c],
    normalize: { mean: [0.5], std: [0.5] },
    attention,
    mapShape: [7, 7],
    ...(quantized ? { attentionQuantized: Float32Array.from(attention, (v) => (v > 0.5 ? 1 : 0)) } : {}),
    predicted,
    label,
    classNames: ['T-shirt/top', 'Trouser'],
  };
}

describe('attention map pipeline', () => {
  it('subtracts the minimum and scales the maximum to 255', () => {
    const scaled = minMaxTo255(new Float32Array([0.2, 0.4, 0.6]));
    expect(scaled[0]).toBe(0);
    expect(scaled[1]).toBeCloseTo(127.5, 4);
    expect(scaled[2]).toBe(255);
    expect(Array.from(minMaxTo255(new Float32Array([0.3, 0.3])))).toEqual([0, 0]);
  });

  it('blurs with the normalised 7-tap kernel and reflect-101 borders', () => {
    expect(BLUR_KERNEL_7.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect([-2, -1, 0, 3, 4, 5].map((i) => reflect101(i, 4))).toEqual([2, 1, 0, 3, 2, 1]);
    // An impulse in the middle of a 7x7 map spreads as the outer product of the kernel.
    const impulse = new Float32Array(49);
    impulse[24] = 1;
    const blurred = gaussianBlur7(impulse, 7, 7);
    expect(blurred[24]).toBeCloseTo(0.28125 * 0.28125, 7);
    // the corner reads the impulse twice per axis: at offset 3 and at offset -3 mirrored
    expect(blurred[0]).toBeCloseTo(0.0625 * 0.0625, 7);
    expect(blurred[1]).toBeCloseTo(0.0625 * 0.109375, 7);
    // A constant map stays constant.
    expect(Array.from(gaussianBlur7(new Float32Array(12).fill(3), 3, 4)).every((v) => Math.abs(v - 3) < 1e-5)).toBe(true);
  });

  it('bicubic resize keeps constants and reproduces the grid at the same size', () => {
    const m = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(resizeBicubic(m, 2, 2, 2, 2))).toEqual([1, 2, 3, 4]);
    expect(Array.from(resizeBicubic(new Float32Array(4).fill(5), 2, 2, 6, 6)).every((v) => Math.abs(v - 5) < 1e-5)).toBe(true);
    expect(Array.from(resizeNearest(m, 2, 2, 4, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('continuous: maximum exactly 255, minimum 0, peak where the map peaks', () => {
    const map = new Float32Array(16).fill(0.2);
    map[15] = 0.6; // bottom-right of 4x4
    const out = continuousMap(map, [4, 4], 8, 8);
    expect(out.length).toBe(64);
    expect(Math.max(...out)).toBeCloseTo(255, 4);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(out.indexOf(Math.max(...out))).toBe(63);
    expect(Array.from(continuousMap(new Float32Array(16).fill(0.5), [4, 4], 8, 8)).every((v) => v === 0)).toBe(true);
  });

  it('quantized: nearest resize times 255', () => {
    const out = quantizedMap(Float32Array.from([0, 0.5, 1, 0.25]), [2, 2], 4, 4);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 127.5, 127.5]);
    expect(out[15]).toBe(63.75);
    expect(out[8]).toBe(255);
  });
});

describe('font and colours', () => {
  it('every glyph is 7 rows of 5 cells', () => {
    const chars = fontCharacters();
    for (const ch of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .:-/()%']) expect(chars).toContain(ch);
    for (const ch of chars) expect(glyphSource(ch)).toMatch(/^([.#]{5}\/){6}[.#]{5}$/);
    expect(glyph('~')).toBe(glyph('?'));
  });

  it('draws text pixels', () => {
    const c = createCanvas(20, 10, [0, 0, 0]);
    drawText(c, 'I', 0, 0, [255, 0, 0]);
    // 'I' row 0 is .###.
    expect([0, 1, 2, 3, 4].map((x) => c.data[4 * x])).toEqual([0, 255, 255, 255, 0]);
  });

  it('jet runs from dark blue to dark red', () => {
    expect(Array.from(JET.subarray(0, 3))).toEqual([0, 0, 128]);
    expect(Array.from(JET.subarray(765, 768))).toEqual([128, 0, 0]);
  });
});

describe('attention images', () => {
  it('panel dimensions: 28x28 inputs scaled 4x, two or three tiles', () => {
    expect(displayScale(28, 28)).toBe(4);
    expect(displayScale(224, 224)).toBe(1);
    const two = renderAttentionPanel(item(28, 28, 1, false));
    const three = renderAttentionPanel(item(28, 28, 1, true));
    expect(two.width).toBe(4 + 112 + 4 + 112 + 4);
    expect(three.width).toBe(two.width + 112 + 4);
    expect(two.height).toBe(three.height);
    expect(two.data.length).toBe(two.width * two.height * 4);
    // the input tile shows the de-normalised image: pixel 0 is byte round((0/17-0.5)*0.5+0.5)*255) = 0
    expect(two.data[4 * (14 * two.width + 4)]).toBe(0);
  });

  it('grid of panels', () => {
    const p = renderAttentionPanel(item(12, 12, 3, false));
    const grid = renderAttentionGrid([p, p, p], 2);
    expect(grid.width).toBe(2 * p.width + 3 * 4);
    expect(grid.height).toBe(2 * p.height + 3 * 4);
  });

  it('writes attention/000.png ... and grid.png in the run directory', () => {
    const run = mkdtempSync(join(tmpdir(), 'ibc-att-'));
    const items = [item(28, 28, 1, true, 1, 1), item(28, 28, 1, true, 0, 1), item(28, 28, 1, true, 1, 0)];
    const paths = writeAttentionImages(run, items);
    expect(paths).toEqual([...['000', '001', '002'].map((n) => join(run, 'attention', `${n}.png`)), join(run, 'attention', 'grid.png')]);
    const panel = PNG.sync.read(readFileSync(paths[0]!));
    const expected = renderAttentionPanel(items[0]!);
    expect([panel.width, panel.height]).toEqual([expected.width, expected.height]);
    expect(Buffer.compare(panel.data, Buffer.from(expected.data))).toBe(0);
    const grid = PNG.sync.read(readFileSync(paths[3]!));
    expect(grid.width).toBe(2 * expected.width + 12);
    expect(grid.height).toBe(2 * expected.height + 12);
  });
});
