/** The crops' arithmetic on its own (the torchvision comparison is torchvision.test.ts): rounding, ranges, fallback, seeding. */
import { describe, expect, it } from 'vitest';
import { centreView, epochRandom, exampleRandom, randomCropView, randomResizedCropView, roundHalfEven, trainingView } from '../../../../src/runtime/data/images/views.js';
import { storedSize } from '../../../../src/runtime/data/images/decode.js';
import { Random } from '../../../../src/support/random.js';

describe('views', () => {
  it("rounds halves to even, as Python's round does", () => {
    expect([0.5, 1.5, 2.5, 58.5, 59.5, 3.49, 3.51].map(roundHalfEven)).toEqual([0, 2, 2, 58, 60, 3, 4]);
  });

  it("centres the crop with CenterCrop's offsets (Python rounding of a half)", () => {
    expect(centreView({ width: 341, height: 256 }, [224, 224])).toEqual({ top: 16, left: 58, height: 224, width: 224, flip: false });
    expect(centreView({ width: 343, height: 256 }, [224, 224])).toEqual({ top: 16, left: 60, height: 224, width: 224, flip: false });
  });

  it("sizes stored images as torchvision's Resize does: shorter side exact, longer side truncated", () => {
    expect(storedSize(500, 375, { kind: 'shorter', size: 256 })).toEqual({ width: 341, height: 256 });
    expect(storedSize(53, 41, { kind: 'shorter', size: 40 })).toEqual({ width: 51, height: 40 }); // 51.7: truncated, not rounded
    expect(storedSize(300, 600, { kind: 'shorter', size: 256 })).toEqual({ width: 256, height: 512 });
    expect(storedSize(300, 600, { kind: 'exact', width: 28, height: 30 })).toEqual({ width: 28, height: 30 });
  });

  it('draws random crops over every position the padded image allows, and none outside', () => {
    const rng = Random.fromSeed(2);
    const tops = new Set<number>();
    const lefts = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = randomCropView(rng, { width: 12, height: 10 }, [8, 8], 2);
      tops.add(v.top);
      lefts.add(v.left);
    }
    expect([...tops].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3, 4]);
    expect([...lefts].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('falls back to the central crop clamped to the ratio range after ten misses', () => {
    // Aspect ratios of 3 to 4 never fit a square image: the whole width, height width / 3, centred.
    const v = randomResizedCropView(Random.fromSeed(1), { width: 60, height: 60 }, [0.5, 1], [3, 4]);
    expect(v).toEqual({ top: 20, left: 0, height: 20, width: 60 });
    // Inside the range: the whole image.
    expect(randomResizedCropView(Random.fromSeed(1), { width: 40, height: 40 }, [1.5, 2], [0.75, 4 / 3])).toEqual({ top: 0, left: 0, height: 40, width: 40 });
  });

  it("keeps a resized crop's area and aspect ratio within the ranges (up to rounding)", () => {
    const rng = Random.fromSeed(9);
    for (let i = 0; i < 500; i++) {
      const v = randomResizedCropView(rng, { width: 341, height: 256 }, [0.08, 1], [3 / 4, 4 / 3]);
      expect(v.top >= 0 && v.left >= 0 && v.top + v.height <= 256 && v.left + v.width <= 341).toBe(true);
      const area = (v.width * v.height) / (341 * 256);
      expect(area).toBeGreaterThan(0.07);
      expect(area).toBeLessThanOrEqual(1);
      const ratio = v.width / v.height;
      expect(ratio).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.42);
    }
  });

  it('derives each example\'s crop from (seed, epoch, index) alone', () => {
    const view = (seed: number, epoch: number, index: number) =>
      trainingView(exampleRandom(epochRandom(seed, epoch, 'augment'), index), { width: 341, height: 256 }, [224, 224], { kind: 'random', padding: 0 }, true);
    const first = Array.from({ length: 20 }, (_, i) => view(1, 3, i));
    expect(Array.from({ length: 20 }, (_, i) => view(1, 3, i))).toEqual(first);
    expect(Array.from({ length: 20 }, (_, i) => view(1, 4, i))).not.toEqual(first);
    expect(Array.from({ length: 20 }, (_, i) => view(2, 3, i))).not.toEqual(first);
    expect(epochRandom(1, 3, 'order').permutation(50)).toEqual(epochRandom(1, 3, 'order').permutation(50));
    expect(epochRandom(1, 3, 'order').permutation(50)).not.toEqual(epochRandom(1, 4, 'order').permutation(50));
  });
});
