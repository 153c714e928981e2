/**
 * The seeded generator's normal draws: fillNormal (the fast loop every Sample op and the
 * initialisers use) gives exactly the values, and leaves exactly the state, of normal() called
 * once per element; and the stream itself is pinned, so that a seed keeps meaning the same run.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/support/random.js';

describe('Random.fillNormal', () => {
  it('equals normal() drawn once per element, with mean and std applied, and ends in the same state', () => {
    for (const [seed, n, mean, std] of [[1, 1, 0, 1], [2, 1000, 0, 1], [3, 777, 0.5, 2]] as const) {
      const a = Random.fromSeed(seed).derive('noise');
      const b = Random.fromState(a.state());
      const filled = a.fillNormal(new Float32Array(n), mean, std);
      const oneByOne = Float32Array.from({ length: n }, () => mean + std * b.normal());
      expect(filled).toEqual(oneByOne);
      expect(a.state()).toEqual(b.state());
      expect(a.next()).toBe(b.next());
    }
  });

  it('keeps the stream of earlier versions (seed 7, stream "noise")', () => {
    const r = Random.fromSeed(7).derive('noise');
    expect(Array.from(r.fillNormal(new Float32Array(5)))).toEqual([-0.879519522190094, -0.41641178727149963, -1.302965521812439, -0.5595163106918335, 0.13787028193473816]);
    expect(r.state()).toEqual([910053451, 2448690433, 2417232432, 2306678397]);
  });
});
