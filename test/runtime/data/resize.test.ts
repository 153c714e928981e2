import { describe, expect, it } from 'vitest';
import { centreCrop, resizeBilinear, shorterSideSize } from '../../../src/runtime/data/resize.js';

function row(values: number[]): { width: number; height: number; channels: number; data: Uint8Array } {
  return { width: values.length, height: 1, channels: 1, data: Uint8Array.from(values) };
}

describe('folder image resizing', () => {
  it('bilinear upscaling with aligned pixel centres', () => {
    expect(Array.from(resizeBilinear(row([0, 255]), 4, 1).data)).toEqual([0, 64, 191, 255]);
  });

  it('anti-aliased downscaling: the triangle widens with the scale', () => {
    // output 0 centre at source 1.0, radius 2: taps 0,1,2 weighted 0.75, 0.75, 0.25; output 1 at 3.0: taps 1,2,3 weighted 0.25, 0.75, 0.75
    expect(Array.from(resizeBilinear(row([0, 100, 200, 255]), 2, 1).data)).toEqual([71, 209]);
  });

  it('keeps constant images constant and handles colour channels', () => {
    const img = { width: 5, height: 3, channels: 3, data: new Uint8Array(45).map((_, i) => [10, 120, 250][i % 3]!) };
    const out = resizeBilinear(img, 2, 7);
    expect(out.data.length).toBe(2 * 7 * 3);
    expect(Array.from(out.data).every((v, i) => v === [10, 120, 250][i % 3])).toBe(true);
  });

  it('shorter-side sizes and centre crops', () => {
    expect(shorterSideSize(500, 375, 256)).toEqual({ width: 341, height: 256 });
    expect(shorterSideSize(300, 600, 256)).toEqual({ width: 256, height: 512 });
    const img = { width: 4, height: 1, channels: 1, data: Uint8Array.from([1, 2, 3, 4]) };
    expect(Array.from(centreCrop(img, 2, 1).data)).toEqual([2, 3]);
  });
});
