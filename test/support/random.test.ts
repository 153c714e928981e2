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

/** xoshiro128** as written before the generator kept its state as int32: the reference the stream must keep. */
class ReferenceXoshiro {
  constructor(private s: [number, number, number, number]) {}
  nextUint32(): number {
    const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
    const [s0, s1] = this.s;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.s[2] = (this.s[2] ^ s0) >>> 0;
    this.s[3] = (this.s[3] ^ s1) >>> 0;
    this.s[1] = (s1 ^ this.s[2]) >>> 0;
    this.s[0] = (s0 ^ this.s[3]) >>> 0;
    this.s[2] = (this.s[2] ^ t) >>> 0;
    this.s[3] = rotl(this.s[3], 11);
    return result;
  }
}

describe('Random stream', () => {
  it('draws the reference xoshiro128** words and states, including states with words above 2^31', () => {
    for (const seed of [0, 1, 7, 123456789]) {
      const r = Random.fromSeed(seed).derive('noise');
      const ref = new ReferenceXoshiro([...r.state()] as [number, number, number, number]);
      const words = Uint32Array.from({ length: 20_000 }, () => r.nextUint32());
      const reference = Uint32Array.from({ length: 20_000 }, () => ref.nextUint32());
      expect(Buffer.from(words.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
      expect(r.state()).toEqual(ref['s']);
      for (const word of r.state()) expect(word >>> 0).toBe(word);
    }
    const high = Random.fromState([0xffffffff, 0x80000000, 0xdeadbeef, 0x7fffffff]);
    const ref = new ReferenceXoshiro([0xffffffff, 0x80000000, 0xdeadbeef, 0x7fffffff]);
    for (let i = 0; i < 1000; i++) expect(high.nextUint32()).toBe(ref.nextUint32());
    expect(high.state()).toEqual(ref['s']);
  });

  it('derives and draws as before from states with words above 2^31 (values pinned from the uint32-state generator)', () => {
    expect(Random.fromState([0xffffffff, 0x80000001, 3, 0xfffffffe]).derive('eval-noise').state()).toEqual([3009128040, 1934723322, 2277382784, 759574895]);
    const r = Random.fromSeed(1).derive('eval-noise');
    expect(r.state()).toEqual([470880028, 3689674125, 1624146046, 3257624897]);
    const drawn = r.fillNormal(new Float32Array(1000));
    expect(Array.from(drawn.subarray(995))).toEqual([1.5175831317901611, 0.4683201014995575, -0.8571678400039673, -0.07918932288885117, -1.9333349466323853]);
    expect(r.state()).toEqual([2289735954, 3929116137, 1130602788, 2258045097]);
  });
});
