import { describe, expect, it } from 'vitest';
import { makeBatches, normalizeTable } from '../../../src/runtime/data/index.js';
import { axisSources } from '../../../src/runtime/data/augment.js';
import type { Split } from '../../../src/runtime/data/index.js';
import type { AugmentSpec } from '../../../src/compiler/spec/resolved-spec.js';
import { Random } from '../../../src/support/random.js';
import { runErrorOf } from '../../fixtures/data-files.js';

const identity = { mean: [0], std: [1] };

/** count images of h x w x c whose bytes are all distinct mod 256. */
function split(count: number, h: number, w: number, c: number): Split {
  const images = new Uint8Array(count * h * w * c);
  for (let i = 0; i < images.length; i++) images[i] = i % 251;
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i), count };
}

function toBytes(images: Float32Array): number[] {
  return Array.from(images, (v) => Math.round(v * 255));
}

describe('makeBatches', () => {
  it('without a Random: in order, no augmentation, last partial batch included', () => {
    const s = split(5, 2, 2, 1);
    const batches = [...makeBatches(s, 2, undefined, undefined, identity, [2, 2, 1])];
    expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
    expect(batches.map((b) => Array.from(b.labels))).toEqual([[0, 1], [2, 3], [4]]);
    expect(toBytes(batches[2]!.images)).toEqual([16, 17, 18, 19]);
  });

  it("'reused' images: the same values as fresh ones, read one batch at a time, all in one array", () => {
    const s = split(7, 3, 2, 2);
    const fresh = [...makeBatches(s, 3, undefined, undefined, identity, [3, 2, 2])].map((b) => Array.from(b.images));
    const seen: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (const b of makeBatches(s, 3, undefined, undefined, identity, [3, 2, 2], 0, 'reused')) {
      seen.push(Array.from(b.images));
      buffers.add(b.images.buffer);
    }
    expect(seen).toEqual(fresh);
    expect(seen.map((images) => images.length)).toEqual([36, 36, 12]);
    expect(buffers.size).toBe(1);
  });

  it('normalises per channel: (v/255 - mean) / std', () => {
    const s: Split = { images: new Uint8Array([0, 255, 51, 102]), labels: new Int32Array([0, 1]), count: 2 };
    const [batch] = [...makeBatches(s, 2, undefined, undefined, { mean: [0.5, 0.2], std: [0.5, 0.1] }, [1, 1, 2])];
    const values = Array.from(batch!.images);
    expect(values[0]).toBeCloseTo(-1, 6);
    expect(values[1]).toBeCloseTo(8, 5);
    expect(values[2]).toBeCloseTo((0.2 - 0.5) / 0.5, 6);
    expect(values[3]).toBeCloseTo((0.4 - 0.2) / 0.1, 5);
    expect(normalizeTable({ mean: [0.5], std: [0.25] }, 3)[255 * 3 + 2]).toBeCloseTo(2, 6);
  });

  it('rejects mismatched normalisation channel counts', () => {
    const s = split(1, 2, 2, 3);
    const e = runErrorOf(() => makeBatches(s, 1, undefined, undefined, { mean: [0, 0], std: [1] }, [2, 2, 3]));
    expect(e.diagnostic.code).toBe('IB6016');
  });

  const augment: AugmentSpec = { crop: { padding: 2, mode: 'reflect' }, flip: 'horizontal' };

  function epoch(seed: number): number[][] {
    const s = split(10, 4, 4, 3);
    return [...makeBatches(s, 4, Random.fromSeed(seed).derive('shuffle'), augment, identity, [4, 4, 3])].map((b) => [
      ...b.labels,
      ...toBytes(b.images),
    ]);
  }

  it('same seed, same batches; different seed, different batches', () => {
    expect(epoch(1)).toEqual(epoch(1));
    expect(epoch(1)).not.toEqual(epoch(2));
  });

  it('skipBatches resumes an epoch: the later batches as a full pass makes them, the generator where the full pass leaves it', () => {
    const s = split(10, 4, 4, 3);
    const full = Random.fromSeed(3);
    const all = [...makeBatches(s, 4, full, augment, identity, [4, 4, 3])].map((b) => [...b.labels, ...toBytes(b.images)]);
    const resumed = Random.fromSeed(3);
    const rest = [...makeBatches(s, 4, resumed, augment, identity, [4, 4, 3], 2)].map((b) => [...b.labels, ...toBytes(b.images)]);
    expect(rest).toEqual(all.slice(2));
    expect(resumed.state()).toEqual(full.state());
    expect([...makeBatches(s, 4, Random.fromSeed(3), augment, identity, [4, 4, 3], 3)]).toHaveLength(0);
  });

  it('shuffles: each example exactly once per epoch', () => {
    const s = split(10, 1, 1, 1);
    const labels = [...makeBatches(s, 3, Random.fromSeed(9), undefined, identity, [1, 1, 1])].flatMap((b) => Array.from(b.labels));
    expect(labels).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...labels].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('pads by reflection without repeating the edge, or with zeros', () => {
    // Row 0..3; shifted by -2: positions -2,-1,0,1 -> reflect 2,1,0,1; zero -1,-1,0,1
    expect(Array.from(axisSources(new Int32Array(4), 4, -2, 'reflect', false))).toEqual([2, 1, 0, 1]);
    expect(Array.from(axisSources(new Int32Array(4), 4, -2, 'zero', false))).toEqual([-1, -1, 0, 1]);
    expect(Array.from(axisSources(new Int32Array(4), 4, 2, 'reflect', false))).toEqual([2, 3, 2, 1]);
    // flip reverses the cropped row
    expect(Array.from(axisSources(new Int32Array(4), 4, 1, 'zero', true))).toEqual([-1, 3, 2, 1]);
  });

  it('crops a hand example with reflect and zero padding, and flips', () => {
    // One 3x3 grey image with bytes 1..9; find an epoch whose transform is a known shift by trying seeds.
    const s: Split = { images: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), labels: new Int32Array([0]), count: 1 };
    const seen = new Map<string, number[]>();
    for (let seed = 0; seed < 200; seed++) {
      for (const mode of ['reflect', 'zero'] as const) {
        const [batch] = [...makeBatches(s, 1, Random.fromSeed(seed), { crop: { padding: 1, mode }, flip: 'horizontal' }, identity, [3, 3, 1])];
        const rng = Random.fromSeed(seed);
        rng.permutation(1);
        const dy = rng.int(3) - 1;
        const dx = rng.int(3) - 1;
        const flip = rng.next() < 0.5;
        seen.set(`${mode} ${dy} ${dx} ${flip}`, toBytes(batch!.images));
      }
    }
    // shift down-right by one (dy = dx = -1 reads padded row/col -1 first)
    expect(seen.get('reflect -1 -1 false')).toEqual([5, 4, 5, 2, 1, 2, 5, 4, 5]);
    expect(seen.get('zero -1 -1 false')).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
    expect(seen.get('zero 0 0 true')).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(seen.get('reflect 1 0 false')).toEqual([4, 5, 6, 7, 8, 9, 4, 5, 6]);
    expect(seen.get('zero 0 1 true')).toEqual([0, 3, 2, 0, 6, 5, 0, 9, 8]);
  });

  it('zero padding is byte 0 normalised', () => {
    const s: Split = { images: new Uint8Array([255]), labels: new Int32Array([0]), count: 1 };
    const values = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const [b] = [...makeBatches(s, 1, Random.fromSeed(seed), { crop: { padding: 1, mode: 'zero' }, flip: 'none' }, { mean: [0.5], std: [0.5] }, [1, 1, 1])];
      values.add(b!.images[0]!);
    }
    expect([...values].sort()).toEqual([-1, 1]);
  });
});
