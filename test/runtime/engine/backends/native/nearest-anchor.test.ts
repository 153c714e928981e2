/**
 * The native nearest-anchor scan (native/src/nearest_anchor.cc) gives exactly the anchors of
 * compiler/ir/index-maps.ts nearestAnchorIndex, the definition every other path uses: the
 * quantizer of the compiled step reads it, so any disagreement would change a map's anchor.
 */
import { describe, expect, it } from 'vitest';
import { STATUS, loadAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { nearestAnchorIndex } from '../../../../../src/compiler/ir/index-maps.js';
import { Random } from '../../../../../src/support/random.js';

const loaded = loadAddon();
const inCi = process.env.CI === 'true';
if (!loaded.ok && !inCi) console.warn(`native nearest-anchor tests skipped: ${loaded.reason}`);

describe.skipIf(!loaded.ok && !inCi)('native nearestAnchor', () => {
  const random = Random.fromSeed(11);
  const anchorSets: number[][] = [
    [0, 0.5, 1],
    [1, 0.5, 0.5, 0, 0.5],
    [0.25, 0.75],
    [3],
    [0, 2 ** -140, 2 ** -139, 1],
    Array.from(Float32Array.from({ length: 20 }, (_, i) => i / 19)),
    Array.from(random.fillNormal(new Float32Array(20))),
    Array.from(Float32Array.from({ length: 33 }, () => Math.round(random.next() * 8) / 8)),
    [0, Infinity, 1],
    [NaN, 0.5, 1],
    [-Infinity, Infinity],
  ];
  // Above and below the kernel's parallel threshold (values x anchors > 262,144).
  const values = Float32Array.from([
    ...Array.from(random.fillNormal(new Float32Array(20_000))),
    ...Array.from({ length: 2_000 }, () => Math.round(random.next() * 32) / 32 - 0.25),
    0.25, 0.5, 0.75, 2 ** -141, -0, Infinity, -Infinity, NaN, 1e38, -1e38,
  ]);

  for (const anchors of anchorSets) {
    it(`gives nearestAnchorIndex's index and anchor for every value: anchors ${anchors.slice(0, 6).join(', ')}${anchors.length > 6 ? ', ...' : ''}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const table = Float32Array.from(anchors);
      const index = new Int32Array(values.length);
      const out = new Float32Array(values.length);
      expect(loaded.addon.nearestAnchor(values, table, index, out)).toBe(STATUS.ok);
      const expected = Int32Array.from(values, (v) => nearestAnchorIndex(v, table));
      expect(Array.from(index)).toEqual(Array.from(expected));
      expect(Array.from(out)).toEqual(Array.from(expected, (k) => table[k]!));
      // Without the values' output: the indices alone.
      const again = new Int32Array(values.length);
      expect(loaded.addon.nearestAnchor(values, table, again, null)).toBe(STATUS.ok);
      expect(again).toEqual(index);
    });
  }

  it('refuses mismatched lengths and an empty anchor table', () => {
    if (!loaded.ok) throw new Error(loaded.reason);
    const v = new Float32Array(4);
    expect(loaded.addon.nearestAnchor(v, new Float32Array(2), new Int32Array(3), null)).toBe(STATUS.badArguments);
    expect(loaded.addon.nearestAnchor(v, new Float32Array(0), new Int32Array(4), null)).toBe(STATUS.badArguments);
    expect(loaded.addon.nearestAnchor(v, new Float32Array(2), new Int32Array(4), new Float32Array(3))).toBe(STATUS.badArguments);
  });
});
