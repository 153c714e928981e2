/** The shared index arithmetic (resize sources, adaptive bins, nearest anchors) every path computes with. */
import { describe, expect, it } from 'vitest';
import { adaptiveBins, nearestAnchorIndex, nearestSourceIndices } from '../../../src/compiler/ir/index-maps.js';

describe('index maps', () => {
  it('picks the nearest anchor by squared distance, ties and NaN to the lowest index', () => {
    const anchors = Float32Array.from([0, 0.5, 1]);
    expect([-3, 0.2, 0.3, 0.74, 0.76, 9].map((v) => nearestAnchorIndex(v, anchors))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(nearestAnchorIndex(0.25, anchors)).toBe(0);
    expect(nearestAnchorIndex(0.5, [0, 0.5, 0.5])).toBe(1);
    expect(nearestAnchorIndex(NaN, anchors)).toBe(0);
  });

  it('keeps resize sources and adaptive bins inside the input, covering every input cell when shrinking', () => {
    for (const [n, m] of [[1, 5], [5, 1], [6, 4], [13, 7], [7, 13]] as const) {
      expect(nearestSourceIndices(n, m).every((i) => i >= 0 && i < n)).toBe(true);
      const bins = adaptiveBins(n, m);
      expect(bins.every(([s, e]) => s >= 0 && e <= n && e > s)).toBe(true);
      expect(bins[0]![0]).toBe(0);
      expect(bins[m - 1]![1]).toBe(n);
    }
  });
});
