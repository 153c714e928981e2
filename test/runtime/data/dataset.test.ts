/** The validation split taken in place (partitionInPlace): the same examples as copying each part out, the training part in the split's own memory. */
import { describe, expect, it } from 'vitest';
import { partitionInPlace, subset, validationIndices, type Split } from '../../../src/runtime/data/dataset.js';

function split(count: number, size: number, withBoxes: boolean): Split {
  const images = new Uint8Array(count * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 31 + (i >> 7)) & 255;
  const labels = Int32Array.from({ length: count }, (_, i) => (i * 7) % 10);
  const boxes = withBoxes ? Float32Array.from({ length: count * 4 }, (_, i) => i / 4) : undefined;
  return { images, labels, count, ...(boxes ? { boxes } : {}) };
}

describe('partitionInPlace', () => {
  for (const [count, fraction, withBoxes] of [[60, 0.1, false], [257, 0.5, true], [9, 0.9, true], [40, 0.025, false]] as const) {
    it(`gives subset's examples for ${count} examples, fraction ${fraction}${withBoxes ? ', with boxes' : ''}`, () => {
      const size = 13;
      const parts = validationIndices(count, fraction, 5)!;
      const original = split(count, size, withBoxes);
      const expectedTrain = subset(original, parts.train, size);
      const expectedValidation = subset(original, parts.validation, size);
      const owned = split(count, size, withBoxes);
      const [train, validation] = partitionInPlace(owned, parts.train, parts.validation, size);
      expect(train).toEqual(expectedTrain);
      expect(validation).toEqual(expectedValidation);
      // The training part is the split's own memory, not a copy.
      expect(train.images.buffer).toBe(owned.images.buffer);
      expect(train.labels.buffer).toBe(owned.labels.buffer);
    });
  }

  it('refuses training indices that do not ascend (a bug, not a user mistake)', () => {
    expect(() => partitionInPlace(split(4, 2, false), Int32Array.of(1, 0), Int32Array.of(2, 3), 2)).toThrow(/must ascend/);
  });
});
