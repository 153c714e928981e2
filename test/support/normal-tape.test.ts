/**
 * The evaluation noise tape: a reader is exactly `Random.fromState(start)` (values and end
 * state), whatever other readers asked for before it, across the tape's capacity, and after it
 * draws something other than standard normals.
 */
import { describe, expect, it } from 'vitest';
import { NormalTape } from '../../src/support/normal-tape.js';
import { Random } from '../../src/support/random.js';

const START = Random.fromSeed(11).derive('eval-noise').state();

/** Reads `sizes` normals in turn from `stream`, concatenated. */
function drawn(stream: Random, sizes: readonly number[]): Float32Array {
  const parts = sizes.map((n) => stream.fillNormal(new Float32Array(n)));
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bit-for-bit equality of two float arrays (one comparison, not one expect per element). */
function expectSameBits(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
}

describe('NormalTape', () => {
  it('gives every reader the plain stream’s values and end state, whatever the readers before it read', () => {
    const tape = new NormalTape(START);
    // Validation-like, then test-like (longer, other chunks), then the first pattern again (a later epoch).
    for (const sizes of [[500, 2000, 400, 1600], [500, 2000, 500, 2000, 500, 2000], [500, 2000, 400, 1600], [7]]) {
      const reader = tape.reader();
      const plain = Random.fromState(START);
      expectSameBits(drawn(reader, sizes), drawn(plain, sizes));
      expect(reader.state()).toEqual(plain.state());
      expect(reader.next()).toBe(plain.next());
    }
    expect(tape.recorded).toBe(7500);
  });

  it('draws each value once: a second reader of the same length adds nothing to the tape', () => {
    const tape = new NormalTape(START);
    drawn(tape.reader(), [1000, 1000]);
    const recorded = tape.recorded;
    drawn(tape.reader(), [2000]);
    expect(tape.recorded).toBe(recorded);
  });

  it('past its capacity a reader draws the rest itself, exactly as the plain stream', () => {
    const tape = new NormalTape(START, 100);
    for (let round = 0; round < 2; round++) {
      const reader = tape.reader();
      const plain = Random.fromState(START);
      expectSameBits(drawn(reader, [60, 60, 30]), drawn(plain, [60, 60, 30]));
      expect(reader.state()).toEqual(plain.state());
    }
    expect(tape.recorded).toBe(100);
  });

  it('after any other draw (uniforms, a scaled normal) the reader carries on live from the true state', () => {
    const tape = new NormalTape(START);
    drawn(tape.reader(), [300]);
    const reader = tape.reader();
    const plain = Random.fromState(START);
    expectSameBits(drawn(reader, [123]), drawn(plain, [123]));
    expect(reader.next()).toBe(plain.next());
    expectSameBits(drawn(reader, [50]), drawn(plain, [50]));
    expect(reader.fillNormal(new Float32Array(9), 2, 3)).toEqual(plain.fillNormal(new Float32Array(9), 2, 3));
    expect(reader.derive('x').state()).toEqual(plain.derive('x').state());
    expect(reader.state()).toEqual(plain.state());
  });
});
