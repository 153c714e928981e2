/** Data-file messages issue 16 found wrong: each names the right file and says what is wrong in plain words. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../../src/runtime/data/index.js';
import type { FolderData, IdxData } from '../../../src/compiler/spec/resolved-spec.js';
import { asyncRunErrorOf, idxImages, idxLabels, pngBytes, tempDir, writeBytes } from '../../fixtures/data-files.js';

const base = { validation: 0, augment: { flip: 'none' as const }, normalize: { mean: [0], std: [1] } };

describe('IDX', () => {
  it('images of the wrong size are reported against the images file, not the labels file', async () => {
    const dir = tempDir();
    const images = writeBytes(join(dir, 'ok-train-img.gz'), idxImages(4, 32, 32, () => 1), true);
    const labels = writeBytes(join(dir, 'ok-train-lab.gz'), idxLabels([0, 1, 0, 1]), true);
    const spec: IdxData = { ...base, kind: 'idx', train: { images, labels }, test: { images, labels } };
    const e = await asyncRunErrorOf(() => loadDataset(spec, { seed: 1, input: [28, 28, 1] }));
    expect(e.diagnostic.code).toBe('IB6008');
    expect(e.diagnostic.message).toBe(`the images in '${images}' are 32x32x1 (height x width x channels) but the model input is 28x28x1`);
  });

  it('a device named as a data file is refused, not read forever', async () => {
    const spec: IdxData = { ...base, kind: 'idx', train: { images: '/dev/zero', labels: '/dev/zero' }, test: { images: '/dev/zero', labels: '/dev/zero' } };
    const e = await asyncRunErrorOf(() => loadDataset(spec, { seed: 1 }));
    expect(e.diagnostic.message).toContain("IDX images file must be a regular file, but it is a character device");
  });
});

describe('image folders', () => {
  function folder(): { root: string; png: Uint8Array } {
    const root = tempDir();
    const png = pngBytes(4, 4, () => [10, 20, 30, 255]);
    for (const cls of ['a', 'b']) writeBytes(join(root, cls, '0.png'), png);
    return { root, png };
  }
  const spec = (root: string): FolderData => ({ ...base, kind: 'folder', train: root, test: root, badFiles: 'stop' });

  it('a truncated PNG says so, not what the decoder calls its stream', async () => {
    const { root, png } = folder();
    const bad = writeBytes(join(root, 'a', '1.png'), png.subarray(0, png.length - 20));
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 1, input: [4, 4, 1] }));
    expect(e.diagnostic.code).toBe('IB6014');
    expect(e.diagnostic.message).toMatch(new RegExp(`^cannot decode image '${bad}': the PNG file (is truncated|is corrupt)`));
    expect(e.diagnostic.message).not.toContain('waitng');
  });

  it('a PNG whose header claims an absurd size is refused before decoding', async () => {
    const { root, png } = folder();
    const huge = Uint8Array.from(png);
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    writeBytes(join(root, 'a', '1.png'), huge);
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 1, input: [4, 4, 1] }));
    expect(e.diagnostic.message).toContain('its header says 100000x100000 pixels');
  });

  it('a symbolic link loop in the root is an error naming it, never a class', async () => {
    const { root } = folder();
    symlinkSync(join(root, 'loop'), join(root, 'loop'));
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 1, input: [4, 4, 1] }));
    expect(e.diagnostic.message).toBe(`cannot read '${join(root, 'loop')}': it is a symbolic link loop; a class folder must be a folder`);
  });

  it('a link to a class folder is a class; a link to a file is not', async () => {
    const { root } = folder();
    const elsewhere = tempDir();
    writeBytes(join(elsewhere, 'c', '0.png'), pngBytes(4, 4, () => [1, 2, 3, 255]));
    symlinkSync(join(elsewhere, 'c'), join(root, 'c'));
    mkdirSync(join(elsewhere, 'file'), { recursive: true });
    symlinkSync(join(root, 'a', '0.png'), join(root, 'readme'));
    const data = await loadDataset(spec(root), { seed: 1, input: [4, 4, 1] });
    expect(data.classes).toBe(3);
  });
});
