import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../../src/runtime/data/index.js';
import { readIdxPair } from '../../../src/runtime/data/idx.js';
import type { IdxData } from '../../../src/compiler/spec/resolved-spec.js';
import { asyncRunErrorOf, idxImages, idxLabels, runErrorOf, tempDir, writeBytes } from '../../fixtures/data-files.js';

const base = { validation: 0, augment: { flip: 'none' as const }, normalize: { mean: [0], std: [1] } };

function tinyIdx(dir: string, gzip: boolean, count = 5): { images: string; labels: string } {
  const ext = gzip ? '.gz' : '';
  return {
    images: writeBytes(join(dir, `img${ext}`), idxImages(count, 3, 2, (n, i) => n * 10 + i), gzip),
    labels: writeBytes(join(dir, `lab${ext}`), idxLabels(Array.from({ length: count }, (_, n) => n % 3)), gzip),
  };
}

describe('IDX reader', () => {
  for (const gzip of [false, true]) {
    it(`round-trips a tiny ${gzip ? 'gzipped' : 'plain'} file`, () => {
      const files = tinyIdx(tempDir(), gzip);
      const split = readIdxPair(files.images, files.labels);
      expect(split.count).toBe(5);
      expect(split.shape).toEqual([3, 2, 1]);
      expect(Array.from(split.labels)).toEqual([0, 1, 2, 0, 1]);
      expect(Array.from(split.images.subarray(6, 12))).toEqual([10, 11, 12, 13, 14, 15]);
    });
  }

  it('rejects a wrong magic number, naming the file and the expected magic', () => {
    const dir = tempDir();
    const files = tinyIdx(dir, false);
    const e = runErrorOf(() => readIdxPair(files.labels, files.labels));
    expect(e.diagnostic.code).toBe('IB6003');
    expect(e.message).toContain(files.labels);
    expect(e.message).toContain('0x00000801');
    expect(e.message).toContain('expected the magic number 0x00000803');
  });

  it('names what a file that is no IDX file looks like, never its bytes (the path may lead to a secret)', () => {
    const dir = tempDir();
    const files = tinyIdx(dir, false);
    const secret = writeBytes(join(dir, 'secret'), new TextEncoder().encode('root:$6$saltsalt$hash\n'));
    const e = runErrorOf(() => readIdxPair(secret, files.labels));
    expect(e.diagnostic.code).toBe('IB6003');
    expect(e.message).toContain('it looks like text, expected the magic number 0x00000803');
    expect(e.message).not.toMatch(/root|0x726f/);
  });

  it('reports a truncated images file with expected and actual byte counts', () => {
    const dir = tempDir();
    const full = idxImages(4, 3, 3, () => 7);
    const images = writeBytes(join(dir, 'img.gz'), full.subarray(0, full.length - 5), true);
    const labels = writeBytes(join(dir, 'lab'), idxLabels([0, 1, 2, 3]));
    const e = runErrorOf(() => readIdxPair(images, labels));
    expect(e.diagnostic.code).toBe('IB6005');
    expect(e.message).toContain(images);
    expect(e.message).toContain(`expected ${full.length} bytes`);
    expect(e.message).toContain(`found ${full.length - 5}`);
  });

  it('reports a broken gzip stream', () => {
    const dir = tempDir();
    const path = writeBytes(join(dir, 'img.gz'), new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]));
    const e = runErrorOf(() => readIdxPair(path, path));
    expect(e.diagnostic.code).toBe('IB6002');
    expect(e.message).toContain(path);
  });

  it('rejects image and label counts that differ', () => {
    const dir = tempDir();
    const images = writeBytes(join(dir, 'img'), idxImages(4, 2, 2, () => 0));
    const labels = writeBytes(join(dir, 'lab'), idxLabels([0, 1, 2]));
    const e = runErrorOf(() => readIdxPair(images, labels));
    expect(e.diagnostic.code).toBe('IB6007');
    expect(e.message).toContain(images);
    expect(e.message).toContain(labels);
    expect(e.message).toContain('4 images');
    expect(e.message).toContain('3 labels');
  });

  it('reports a missing file by path', async () => {
    const dir = tempDir();
    const files = tinyIdx(dir, false);
    const spec: IdxData = { ...base, kind: 'idx', train: files, test: { images: join(dir, 'nope-images'), labels: files.labels } };
    const e = await asyncRunErrorOf(() => loadDataset(spec, { seed: 1 }));
    expect(e.diagnostic.code).toBe('IB6000');
    expect(e.message).toContain(join(dir, 'nope-images'));
    expect(e.message).toContain('does not exist');
  });

  it('rejects labels at or above the model class count, naming the labels file', async () => {
    const dir = tempDir();
    const files = tinyIdx(dir, false);
    const spec: IdxData = { ...base, kind: 'idx', train: files, test: files };
    const e = await asyncRunErrorOf(() => loadDataset(spec, { seed: 1, classes: 2 }));
    expect(e.diagnostic.code).toBe('IB6009');
    expect(e.message).toContain(files.labels);
    expect(e.message).toContain('label 2');
  });

  it('rejects data whose shape differs from the model input', async () => {
    const dir = tempDir();
    const files = tinyIdx(dir, false);
    const spec: IdxData = { ...base, kind: 'idx', train: files, test: files };
    const e = await asyncRunErrorOf(() => loadDataset(spec, { seed: 1, input: [28, 28, 1] }));
    expect(e.diagnostic.code).toBe('IB6008');
    expect(e.message).toContain('3x2x1');
    expect(e.message).toContain('28x28x1');
  });

  it('holds out a seeded validation split and applies limits', async () => {
    const dir = tempDir();
    const files = tinyIdx(dir, true, 20);
    const spec: IdxData = { ...base, validation: 0.25, kind: 'idx', train: files, test: files };
    const a = await loadDataset(spec, { seed: 3 });
    const b = await loadDataset(spec, { seed: 3 });
    const c = await loadDataset(spec, { seed: 4 });
    expect(a.train.count).toBe(15);
    expect(a.validation!.count).toBe(5);
    expect(Array.from(a.validation!.images)).toEqual(Array.from(b.validation!.images));
    expect(Array.from(a.validation!.images)).not.toEqual(Array.from(c.validation!.images));
    // Every example lands in exactly one part: first pixels are n*10.
    const firsts = (s: { images: Uint8Array; count: number }): number[] => Array.from({ length: s.count }, (_, i) => s.images[i * 6]! / 10);
    expect([...firsts(a.train), ...firsts(a.validation!)].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a.classes).toBe(3);
    const limited = await loadDataset(spec, { seed: 3, limitTrain: 4, limitTest: 2 });
    expect(limited.train.count).toBe(4);
    expect(limited.train.labels.length).toBe(4);
    expect(limited.train.images.length).toBe(24);
    expect(Array.from(limited.train.images)).toEqual(Array.from(a.train.images.subarray(0, 24)));
    expect(limited.test.count).toBe(2);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('Fashion-MNIST from Debian', () => {
  const present = existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'));
  if (!present) console.log(`skipping the Fashion-MNIST test: ${FASHION} is absent (apt package dataset-fashion-mnist)`);
  it.skipIf(!present)('loads the real test file: 10000 images of 28x28, labels 0-9', () => {
    const split = readIdxPair(join(FASHION, 't10k-images-idx3-ubyte.gz'), join(FASHION, 't10k-labels-idx1-ubyte.gz'));
    expect(split.count).toBe(10000);
    expect(split.shape).toEqual([28, 28, 1]);
    expect(split.images.length).toBe(10000 * 784);
    const seen = new Set(split.labels);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
