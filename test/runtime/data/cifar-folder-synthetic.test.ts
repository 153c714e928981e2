import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { evaluationImages, loadDataset } from '../../../src/runtime/data/index.js';
import type { CifarData, FolderData, SyntheticData } from '../../../src/compiler/spec/resolved-spec.js';
import { asyncRunErrorOf, cifarRecord, concatBytes, jpegBytes, pngBytes, tempDir, writeBytes } from '../../fixtures/data-files.js';

const base = { validation: 0, augment: { flip: 'none' as const }, normalize: { mean: [0], std: [1] } };

describe('CIFAR readers', () => {
  function cifar10Folder(recordsPerFile: number): string {
    const dir = tempDir();
    const files = [...[1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), 'test_batch.bin'];
    files.forEach((name, f) => {
      const records = Array.from({ length: recordsPerFile }, (_, r) => cifarRecord([(f + r) % 10], (k, i) => (k * 100 + i + r) & 255));
      writeBytes(join(dir, name), concatBytes(records));
    });
    return dir;
  }

  it('reads CIFAR-10 records and converts CHW to HWC', async () => {
    const spec: CifarData = { ...base, kind: 'cifar10', path: cifar10Folder(2) };
    const data = await loadDataset(spec, { seed: 1, input: [32, 32, 3] });
    expect(data.train.count).toBe(10);
    expect(data.test.count).toBe(2);
    expect(data.classes).toBe(10);
    expect(data.shape).toEqual([32, 32, 3]);
    expect(Array.from(data.train.labels)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    // record 1 of batch 1, pixel 5 (row 0, col 5): channels 0,1,2 hold (k*100 + 5 + 1) & 255
    const o = 1 * 3072 + 5 * 3;
    expect(Array.from(data.train.images.subarray(o, o + 3))).toEqual([6, 106, 206]);
    expect(Array.from(data.test.labels)).toEqual([5, 6]);
  });

  it('rejects a CIFAR-10 file that is not a whole number of records', async () => {
    const dir = cifar10Folder(1);
    const bad = join(dir, 'data_batch_3.bin');
    writeBytes(bad, new Uint8Array(3073 + 100));
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'cifar10', path: dir }, { seed: 1 }));
    expect(e.diagnostic.code).toBe('IB6010');
    expect(e.message).toContain(bad);
    expect(e.message).toContain('3173 bytes');
    expect(e.message).toContain('3073-byte');
  });

  it('names a missing CIFAR batch file', async () => {
    const dir = tempDir();
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'cifar10', path: dir }, { seed: 1 }));
    expect(e.diagnostic.code).toBe('IB6000');
    expect(e.message).toContain(join(dir, 'data_batch_1.bin'));
  });

  it('names a missing CIFAR folder', async () => {
    const dir = join(tempDir(), 'cifar-10-batches-bin');
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'cifar10', path: dir }, { seed: 1 }));
    expect(e.diagnostic.code).toBe('IB6000');
    expect(e.message).toContain(dir);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const dir = tempDir();
    const rec = (coarse: number, fine: number): Uint8Array => cifarRecord([coarse, fine], (k) => k);
    writeBytes(join(dir, 'train.bin'), concatBytes([rec(3, 42), rec(19, 99), rec(0, 7)]));
    writeBytes(join(dir, 'test.bin'), concatBytes([rec(1, 11)]));
    const fine = await loadDataset({ ...base, kind: 'cifar100', path: dir, labels: 'fine' }, { seed: 1 });
    expect(Array.from(fine.train.labels)).toEqual([42, 99, 7]);
    expect(fine.classes).toBe(100);
    const coarse = await loadDataset({ ...base, kind: 'cifar100', path: dir, labels: 'coarse' }, { seed: 1 });
    expect(Array.from(coarse.train.labels)).toEqual([3, 19, 0]);
    expect(coarse.classes).toBe(20);
    expect(Array.from(coarse.train.images.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('rejects a CIFAR-100 file with a CIFAR-10 record size', async () => {
    const dir = tempDir();
    writeBytes(join(dir, 'train.bin'), new Uint8Array(3073 * 2));
    writeBytes(join(dir, 'test.bin'), new Uint8Array(3074));
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'cifar100', path: dir }, { seed: 1 }));
    expect(e.diagnostic.code).toBe('IB6010');
    expect(e.message).toContain('3074-byte CIFAR-100 records');
  });
});

describe('folder reader', () => {
  function folderDataset(): { train: string; test: string } {
    const dir = tempDir();
    // class "a": red images 8x4; class "b": blue 6x6. Sorted names give a=0, b=1.
    for (const split of ['train', 'test']) {
      writeBytes(join(dir, split, 'b', 'x.png'), pngBytes(6, 6, () => [0, 0, 255, 255]));
      writeBytes(join(dir, split, 'a', '1.png'), pngBytes(8, 4, () => [255, 0, 0, 255]));
      writeBytes(join(dir, split, 'a', '2.png'), pngBytes(8, 4, (x) => (x < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255])));
      writeFileSync(join(dir, split, 'a', 'notes.txt'), 'ignored');
    }
    return { train: join(dir, 'train'), test: join(dir, 'test') };
  }

  it('reads two classes of PNGs, resized to the input', async () => {
    const { train, test } = folderDataset();
    const spec: FolderData = { ...base, kind: 'folder', train, test, badFiles: 'stop' };
    const data = await loadDataset(spec, { seed: 1, input: [4, 4, 3] });
    expect(data.classes).toBe(2);
    expect(data.classNames).toEqual(['a', 'b']);
    expect(data.train.count).toBe(3);
    expect(Array.from(data.train.labels)).toEqual([0, 0, 1]);
    const images = evaluationImages(data.train, 0, 3, [4, 4, 3]).images;
    expect(Array.from(images.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(images.subarray(96, 99))).toEqual([0, 0, 255]);
    // the half-black, half-white image keeps its halves after an 8->4 horizontal resize
    const second = images.subarray(48, 96);
    expect(second[0]).toBe(0);
    expect(second[3 * 3]).toBe(255);
    await data.close();
  });

  it('converts to grey for 1-channel inputs and centre-crops after a shorter-side resize', async () => {
    const { train, test } = folderDataset();
    const data = await loadDataset({ ...base, kind: 'folder', train, test, resize: 4, badFiles: 'stop' }, { seed: 1, input: [4, 4, 1] });
    // 8x4 image: shorter side 4 already, crop the middle 4 columns: 2 black then 2 white
    const images = evaluationImages(data.train, 0, 3, [4, 4, 1]).images;
    expect(Array.from(images.subarray(16, 20))).toEqual([0, 0, 255, 255]);
    expect(images[0]).toBe(76); // pure red in luma
    await data.close();
  });

  it('names a missing folder', async () => {
    const { train } = folderDataset();
    const test = join(train, '..', 'missing');
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'folder', train, test, badFiles: 'stop' }, { seed: 1, input: [4, 4, 3] }));
    expect(e.diagnostic.code).toBe('IB6000');
    expect(e.message).toContain('missing');
  });

  it('decodes JPEG files', async () => {
    const dir = tempDir();
    const jpg = await jpegBytes(8, 8, () => [180, 180, 180], 95);
    for (const split of ['train', 'test']) {
      writeBytes(join(dir, split, 'grey', 'a.JPG'), jpg);
      writeBytes(join(dir, split, 'other', 'b.jpeg'), jpg);
    }
    const data = await loadDataset({ ...base, kind: 'folder', train: join(dir, 'train'), test: join(dir, 'test'), badFiles: 'stop' }, { seed: 1, input: [4, 4, 1] });
    expect(data.train.count).toBe(2);
    expect(Math.abs(evaluationImages(data.train, 0, 1, [4, 4, 1]).images[5]! - 180)).toBeLessThanOrEqual(2);
    await data.close();
  });

  it('rejects a test class the training folder lacks', async () => {
    const { train, test } = folderDataset();
    writeBytes(join(test, 'c', 'z.png'), pngBytes(2, 2, () => [1, 2, 3, 255]));
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'folder', train, test, badFiles: 'stop' }, { seed: 1, input: [4, 4, 3] }));
    expect(e.diagnostic.code).toBe('IB6013');
    expect(e.message).toContain(join(test, 'c'));
  });

  it('names an image that cannot be decoded', async () => {
    const { train, test } = folderDataset();
    const bad = writeBytes(join(train, 'a', '3.png'), new Uint8Array([1, 2, 3, 4]));
    const e = await asyncRunErrorOf(() => loadDataset({ ...base, kind: 'folder', train, test, badFiles: 'stop' }, { seed: 1, input: [4, 4, 3] }));
    expect(e.diagnostic.code).toBe('IB6014');
    expect(e.message).toContain(bad);
  });
});

describe('synthetic data', () => {
  const spec: SyntheticData = { ...base, kind: 'synthetic', trainCount: 64, testCount: 16 };

  it('is deterministic given the seed and puts the blob in the labelled quadrant', async () => {
    const a = await loadDataset(spec, { seed: 5 });
    const b = await loadDataset(spec, { seed: 5 });
    const c = await loadDataset(spec, { seed: 6 });
    expect(a.shape).toEqual([12, 12, 1]);
    expect(a.classes).toBe(4);
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(Array.from(a.train.images)).not.toEqual(Array.from(c.train.images));
    for (let n = 0; n < a.train.count; n++) {
      const img = a.train.images.subarray(n * 144, (n + 1) * 144);
      const sums = [0, 0, 0, 0];
      for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) sums[(y < 6 ? 0 : 2) + (x < 6 ? 0 : 1)]! += img[y * 12 + x]!;
      expect(sums.indexOf(Math.max(...sums))).toBe(a.train.labels[n]);
    }
  });

  it('follows the model input and class count', async () => {
    const data = await loadDataset(spec, { seed: 5, input: [16, 16, 3], classes: 9 });
    expect(data.shape).toEqual([16, 16, 3]);
    expect(data.classes).toBe(9);
    expect(data.train.images.length).toBe(64 * 16 * 16 * 3);
    expect(Math.max(...data.train.labels)).toBeLessThan(9);
  });
});
