/** Localization scores of attention maps against object boxes (pointing game, mass inside, chance). */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { formatLocalization, LocalizationTotals, localizationRecord, localizeMap } from '../../../src/runtime/training/localization.js';
import { evaluateLocalization, type EvalBatch } from '../../../src/runtime/training/evaluate.js';

describe('localizeMap', () => {
  // A 4x4 map over an 8x8 input: each cell is 2x2 pixels. The box covers rows 0-3, columns 0-3 (a quarter).
  const box = [0, 0, 4, 4] as const;

  it('a map peaked inside the box scores a hit and the box holds the expected mass', () => {
    const map = new Float32Array(16).fill(0.1);
    map[1 * 4 + 1] = 0.9;
    const s = localizeMap(map, [4, 4], box, [8, 8]);
    expect(s.pointing).toBe(1);
    expect(s.boxShare).toBeCloseTo(0.25, 12);
    // Inside: cells (0,0),(0,1),(1,0),(1,1) = 0.1 * 3 + 0.9; all: 0.1 * 15 + 0.9.
    expect(s.massInside).toBeCloseTo(1.2 / 2.4, 6);
    expect(s.insideMean).toBeCloseTo(0.3, 6);
    expect(s.outsideMean).toBeCloseTo(0.1, 6);
  });

  it('a map peaked outside misses; a uniform map scores exactly the box share on mass', () => {
    const map = new Float32Array(16).fill(0.2);
    map[15] = 0.5;
    expect(localizeMap(map, [4, 4], box, [8, 8]).pointing).toBe(0);
    const uniform = localizeMap(new Float32Array(16).fill(0.7), [4, 4], [1, 1, 6, 4], [8, 8]);
    expect(uniform.massInside).toBeCloseTo(uniform.boxShare, 6);
    expect(uniform.boxShare).toBeCloseTo(15 / 64, 12);
  });

  it('splits the pointing game over tied maxima by where their centres lie, and weights cells by their area in the box', () => {
    // Two tied maxima: one centre inside the box, one outside.
    const map = new Float32Array(16);
    map[0] = 1;
    map[3] = 1;
    expect(localizeMap(map, [4, 4], box, [8, 8]).pointing).toBe(0.5);
    // A box covering half of cell (0,0) only: half of that cell's mass.
    const one = new Float32Array(16);
    one[0] = 1;
    expect(localizeMap(one, [4, 4], [0, 0, 2, 1], [8, 8]).massInside).toBeCloseTo(0.5, 6);
  });

  it('counts negative values as no mass, and an all-zero map scores the box share', () => {
    const map = new Float32Array(16).fill(-0.3);
    map[0] = 0.6;
    expect(localizeMap(map, [4, 4], box, [8, 8]).massInside).toBeCloseTo(1, 6);
    expect(localizeMap(new Float32Array(16), [4, 4], box, [8, 8]).massInside).toBeCloseTo(0.25, 6);
  });

  it('rejects a map of the wrong size as a bug', () => {
    expect(() => localizeMap(new Float32Array(15), [4, 4], box, [8, 8])).toThrow(/15 values, not 4x4/);
  });
});

describe('LocalizationTotals and the report', () => {
  it('averages scores and chance over examples and formats both maps with their chance levels', () => {
    const totals = new LocalizationTotals();
    totals.add({ pointing: 1, massInside: 0.5, boxShare: 0.25, insideMean: 0.4, outsideMean: 0.2 });
    totals.add({ pointing: 0, massInside: 0.1, boxShare: 0.15, insideMean: 0.2, outsideMean: NaN });
    const s = totals.summary();
    expect(s).toMatchObject({ count: 2, pointing: 0.5, massInside: 0.3, outsideMean: 0.2 });
    expect(s.insideMean).toBeCloseTo(0.3, 12);
    expect(s.pointingChance).toBeCloseTo(0.2, 12);
    expect(s.massChance).toBeCloseTo(0.2, 12);
    const lines = formatLocalization({ continuous: s, quantized: s });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'continuous map: pointing game 50.0% (chance 20.0%), mass inside box 30.0% (chance 20.0%), mean map value 0.300 inside the box / 0.200 outside, over 2 images',
    );
    expect(lines[1]).toMatch(/^quantized map: /);
    expect(Object.keys(localizationRecord({ continuous: s }))).toEqual(['continuous']);
    expect(localizationRecord({ continuous: s }).continuous).toMatchObject({ pointing: 0.5, pointing_chance: s.pointingChance, mass_inside: 0.3 });
  });
});

describe('evaluateLocalization', () => {
  it('pairs each batch example with its own box across batches, for the continuous and quantized maps', async () => {
    // Three 4x4 inputs in batches of 2 and 1; 2x2 maps. Example n's map peaks in cell n (row-major).
    const boxes = new Float32Array([0, 0, 2, 2, 0, 2, 2, 4, 2, 2, 4, 4]); // cells 0, 1, 3
    const batches: EvalBatch[] = [
      { images: tf.zeros([2, 4, 4, 1]) as tf.Tensor4D, labels: new Int32Array([0, 0]) },
      { images: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, labels: new Int32Array([0]) },
    ];
    let call = 0;
    const peaks = [[0, 1], [2]];
    const result = await evaluateLocalization(batches, boxes, [4, 4], async () => {
      const p = peaks[call++]!;
      const mean = new Float32Array(p.length * 4);
      p.forEach((cell, b) => (mean[b * 4 + cell] = 1));
      return { mapShape: [2, 2], mean, quantized: new Float32Array(p.length * 4).fill(0.5) };
    });
    tf.dispose(batches.map((b) => b.images));
    // Examples 0 and 1 hit, example 2 points at cell 2 but its box is cell 3.
    expect(result!.continuous.pointing).toBeCloseTo(2 / 3, 12);
    expect(result!.continuous.count).toBe(3);
    expect(result!.continuous.pointingChance).toBeCloseTo(0.25, 12);
    // A constant quantized map: every cell ties, so each example scores the share of cell centres in its box.
    expect(result!.quantized!.pointing).toBeCloseTo(0.25, 12);
    expect(result!.quantized!.massInside).toBeCloseTo(0.25, 12);
  });

  it('is undefined when the model gives no maps', async () => {
    const batch: EvalBatch = { images: tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, labels: new Int32Array([0]) };
    expect(await evaluateLocalization([batch], new Float32Array(4), [2, 2], async () => undefined)).toBeUndefined();
    batch.images.dispose();
  });
});
