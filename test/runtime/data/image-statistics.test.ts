import { describe, expect, it } from 'vitest';
import { imageStatistics, measureImage, quantile } from '../../../src/runtime/data/image-statistics.js';
import type { Split } from '../../../src/runtime/data/dataset.js';

/** n 4x4 grey images: image i has border value border(i) and centre value centre(i). */
function split(n: number, border: (i: number) => number, centre: (i: number) => number): Split {
  const images = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 16; p++) {
      const y = Math.floor(p / 4);
      const x = p % 4;
      images[i * 16 + p] = y === 0 || y === 3 || x === 0 || x === 3 ? border(i) : centre(i);
    }
  }
  return { images, labels: new Int32Array(n), count: n };
}

describe('image statistics (the explorer compares uploads with them)', () => {
  it('measures mean, standard deviation and border of one image in [0, 1] units', () => {
    const { mean, std, border } = measureImage(split(1, () => 0, () => 255).images, 4, 4, 1);
    expect(border).toBe(0);
    expect(mean).toBeCloseTo(4 / 16, 12);
    expect(std).toBeCloseTo(Math.sqrt(4 / 16 - (4 / 16) ** 2), 12);
  });

  it('takes the 1st-99th percentile of per-image means and stds, interpolated as numpy does', () => {
    expect(quantile(Float64Array.from([0, 10]), 0.25)).toBe(2.5);
    const s = imageStatistics(split(101, () => 0, (i) => i), [4, 4, 1]);
    // Per-image means are (4/16) * i / 255 for i = 0..100: the 1st and 99th percentiles are i = 1 and i = 99.
    expect(s.mean.low).toBeCloseTo(0.25 / 255, 12);
    expect(s.mean.high).toBeCloseTo((0.25 * 99) / 255, 12);
    expect(s.images).toBe(101);
    expect(s.coverage).toBeCloseTo(0.98, 12);
  });

  it('finds a polarity only when 90% of the borders agree', () => {
    expect(imageStatistics(split(10, () => 10, () => 200), [4, 4, 1]).polarity).toBe('dark-background');
    expect(imageStatistics(split(10, () => 250, () => 20), [4, 4, 1]).polarity).toBe('light-background');
    // Two images of ten with a light border: 80% dark is not enough (CIFAR-like mixed backgrounds).
    expect(imageStatistics(split(10, (i) => (i < 2 ? 250 : 10), () => 128), [4, 4, 1]).polarity).toBeUndefined();
  });
});
