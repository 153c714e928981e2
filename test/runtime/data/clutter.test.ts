/** The cluttered, translated data option: placement, clutter, boxes, determinism, and the spec key end to end. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clutterProblem, clutterSplit, tightBox, type ClutterSettings } from '../../../src/runtime/data/clutter.js';
import type { LoadedSplit } from '../../../src/runtime/data/dataset.js';
import { loadDataset } from '../../../src/runtime/data/load-dataset.js';
import { compileSpec } from '../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';
import { RunError } from '../../../src/support/errors.js';

/** `count` 6x6 images: image n is a 2x3 block of value 100 + n at rows 2-3, columns 1-3; labels n % 3. */
function source(count: number): LoadedSplit {
  const images = new Uint8Array(count * 36);
  for (let n = 0; n < count; n++) for (let y = 2; y < 4; y++) for (let x = 1; x < 4; x++) images[n * 36 + y * 6 + x] = 100 + n;
  return { images, labels: Int32Array.from({ length: count }, (_, n) => n % 3), count, shape: [6, 6, 1], source: 'fixture' };
}

const settings: ClutterSettings = { canvas: 16, pieces: 3, pieceSize: 3, seed: 7 };

describe('clutterSplit', () => {
  it('places each image whole inside its box on the canvas, keeps labels, and is deterministic', () => {
    const src = source(5);
    const out = clutterSplit(src, settings, 'train');
    expect(out.shape).toEqual([16, 16, 1]);
    expect(Array.from(out.labels)).toEqual([0, 1, 2, 0, 1]);
    const boxes = out.boxes!;
    for (let n = 0; n < 5; n++) {
      const [y0, x0, y1, x1] = Array.from(boxes.subarray(n * 4, n * 4 + 4));
      // The tight box of the 2x3 block.
      expect(y1! - y0!).toBe(2);
      expect(x1! - x0!).toBe(3);
      expect(y0).toBeGreaterThanOrEqual(2);
      expect(y1).toBeLessThanOrEqual(16);
      for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) expect(out.images[n * 256 + y * 16 + x]).toBeGreaterThanOrEqual(100 + n);
    }
    const again = clutterSplit(src, settings, 'train');
    expect(Array.from(again.images)).toEqual(Array.from(out.images));
    expect(Array.from(again.boxes!)).toEqual(Array.from(boxes));
    // Another stream name or seed gives other canvases.
    expect(Array.from(clutterSplit(src, settings, 'test').boxes!)).not.toEqual(Array.from(boxes));
    expect(Array.from(clutterSplit(src, { ...settings, seed: 8 }, 'train').images)).not.toEqual(Array.from(out.images));
  });

  it('cuts clutter only from other images: with no pieces the canvas holds the image alone', () => {
    const src = source(4);
    const bare = clutterSplit(src, { ...settings, pieces: 0 }, 'train');
    for (let n = 0; n < 4; n++) {
      const canvas = bare.images.subarray(n * 256, (n + 1) * 256);
      expect(canvas.reduce((s, v) => s + (v > 0 ? 1 : 0), 0)).toBe(6);
      expect(new Set(Array.from(canvas).filter((v) => v > 0))).toEqual(new Set([100 + n]));
    }
    const cluttered = clutterSplit(src, { ...settings, pieces: 20 }, 'train');
    for (let n = 0; n < 4; n++) {
      const values = new Set(Array.from(cluttered.images.subarray(n * 256, (n + 1) * 256)).filter((v) => v > 0 && v !== 100 + n));
      // Clutter pixels come from the other images only.
      for (const v of values) expect([100, 101, 102, 103].filter((x) => x !== 100 + n)).toContain(v);
      expect(values.size).toBeGreaterThan(0);
    }
  });

  it('tightBox falls back to the whole image when it is blank', () => {
    expect(tightBox(new Uint8Array(12), 3, 4, 1)).toEqual([0, 0, 3, 4]);
    const one = new Uint8Array(12);
    one[1 * 4 + 2] = 9;
    expect(tightBox(one, 3, 4, 1)).toEqual([1, 2, 2, 3]);
  });

  it('clutterProblem names a canvas smaller than the images and pieces larger than them', () => {
    expect(clutterProblem({ ...settings, canvas: 5 }, [6, 6, 1])).toMatch(/canvas \(5\) is smaller than the images \(6x6\)/);
    expect(clutterProblem({ ...settings, pieceSize: 7 }, [6, 6, 1])).toMatch(/pieces of 7 pixels/);
    expect(clutterProblem(settings, [6, 6, 1])).toBeUndefined();
  });
});

function u32be(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

function writeIdx(dir: string, name: string, count: number): { images: string; labels: string } {
  const images = new Uint8Array(16 + count * 36);
  images.set([...u32be(0x803), ...u32be(count), ...u32be(6), ...u32be(6)]);
  images.set(source(count).images, 16);
  const labels = new Uint8Array([...u32be(0x801), ...u32be(count), ...Array.from({ length: count }, (_, n) => n % 3)]);
  writeFileSync(join(dir, `${name}-images.idx`), images);
  writeFileSync(join(dir, `${name}-labels.idx`), labels);
  return { images: join(dir, `${name}-images.idx`), labels: join(dir, `${name}-labels.idx`) };
}

describe('data idx { clutter ... }', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-clutter-'));
  writeIdx(dir, 'train', 10);
  writeIdx(dir, 'test', 4);
  const specText = (canvas: number): string => `
model {
  input ${canvas}x${canvas}x1
  classes 3
  backbone custom { stage s1 { conv 2 kernel=3; relu; maxpool 2 } }
}
data idx {
  train images="train-images.idx" labels="train-labels.idx"
  test images="test-images.idx" labels="test-labels.idx"
  clutter canvas=${canvas} pieces=2 piece_size=3 seed=4
  validation 0.2
}
train { epochs 1; batch 2; seed 3 }
`;

  it('compiles to a resolved clutter record with its defaults, and loads canvases with boxes through the validation split', async () => {
    writeFileSync(join(dir, 'c.ibspec'), specText(16));
    const compiled = compileSpec(join(dir, 'c.ibspec'), nodeFileSystem);
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const data = compiled.value!.spec.data;
    if (data.kind !== 'idx') throw new Error('expected idx data');
    expect(data.clutter).toEqual({ canvas: 16, pieces: 2, pieceSize: 3, seed: 4 });
    const ds = await loadDataset(data, { seed: 3, input: [16, 16, 1], classes: 3, baseDir: dir });
    expect(ds.shape).toEqual([16, 16, 1]);
    expect(ds.train.count + ds.validation!.count).toBe(10);
    for (const split of [ds.train, ds.validation!, ds.test]) expect(split.boxes!.length).toBe(split.count * 4);
    // The split carries each example's own box: the block's value is inside it.
    const v = ds.validation!;
    for (let i = 0; i < v.count; i++) {
      const [y0, x0] = Array.from(v.boxes!.subarray(i * 4, i * 4 + 2));
      expect(v.images[i * 256 + y0! * 16 + x0!]).toBeGreaterThanOrEqual(100);
    }
    // Same spec, other training seed: the same test canvases (the clutter has its own seed).
    const other = await loadDataset(data, { seed: 9, input: [16, 16, 1], classes: 3, baseDir: dir, limitTest: 2 });
    expect(Array.from(other.test.images)).toEqual(Array.from(ds.test.images.subarray(0, 2 * 256)));
    expect(Array.from(other.test.boxes!)).toEqual(Array.from(ds.test.boxes!.subarray(0, 8)));
  });

  it('a canvas smaller than the images is a data error (IB6030) naming the file, not a crash', async () => {
    writeFileSync(join(dir, 'small.ibspec'), specText(5));
    const compiled = compileSpec(join(dir, 'small.ibspec'), nodeFileSystem);
    const data = compiled.value!.spec.data;
    const error = await loadDataset(data, { seed: 3, input: [5, 5, 1], classes: 3, baseDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).diagnostic.code).toBe('IB6030');
    expect((error as RunError).diagnostic.message).toMatch(/canvas \(5\) is smaller than the images \(6x6\)/);
  });

  it('a canvas that is not the model input is a located compile error (IB3330)', () => {
    writeFileSync(join(dir, 'mismatch.ibspec'), specText(16).replace('canvas=16', 'canvas=20'));
    const compiled = compileSpec(join(dir, 'mismatch.ibspec'), nodeFileSystem);
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.message, d.span?.start.line])).toEqual([
      ['IB3330', 'the clutter canvas is 20x20 but the model input is 16x16x1: they must be the same size', 10],
    ]);
  });

  it('an unknown clutter option is a schema error', () => {
    writeFileSync(join(dir, 'bad.ibspec'), specText(16).replace('piece_size=3', 'piece_sise=3'));
    const compiled = compileSpec(join(dir, 'bad.ibspec'), nodeFileSystem);
    expect(compiled.diagnostics.some((d) => d.severity === 'error' && /piece_sise/.test(d.message))).toBe(true);
  });
});
