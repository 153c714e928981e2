import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCheckpoint, encodeCheckpoint } from '../../../../src/runtime/runs/checkpoint/index.js';

function join(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const tensor = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 })
  .chain((shape) =>
    fc
      .float32Array({ minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
      .map((values) => ({ shape, data: Float32Array.from(values) })),
  );

describe('checkpoint format (property)', () => {
  it('decode(encode(x)) = x for any tensors and JSON metadata', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), tensor, { maxKeys: 5 }), fc.jsonValue(), (tensors, meta) => {
        const map = new Map(Object.entries(tensors));
        const result = decodeCheckpoint(join(encodeCheckpoint({ tensors: map, meta })));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.checkpoint.meta).toEqual(JSON.parse(JSON.stringify(meta)));
        expect([...result.checkpoint.tensors.keys()]).toEqual([...map.keys()]);
        for (const [name, t] of map) {
          const back = result.checkpoint.tensors.get(name)!;
          expect(back.shape).toEqual(t.shape);
          expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        }
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('any single flipped bit or truncation is detected, never decoded', () => {
    const bytes = join(encodeCheckpoint({ tensors: new Map([['w', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }]]), meta: { epoch: 1 } }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), fc.integer({ min: 0, max: bytes.length - 1 }), (bit, keep) => {
        const flipped = bytes.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(decodeCheckpoint(flipped).ok).toBe(false);
        expect(decodeCheckpoint(bytes.subarray(0, keep)).ok).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
