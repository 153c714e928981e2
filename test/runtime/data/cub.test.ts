/** CUB-200-2011's metadata files on a small fixture in CUB's format, and boxes through the folder loader. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { boxAfterResize, findCubRoot, readCubBoxes, readCubIndex } from '../../../src/runtime/data/cub.js';
import { loadDataset } from '../../../src/runtime/data/load-dataset.js';
import type { FolderData } from '../../../src/compiler/spec/resolved-spec.js';
import { RunError } from '../../../src/support/errors.js';

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  image.data.fill(200);
  return PNG.sync.write(image);
}

/** A CUB-shaped root: 2 classes, 3 images (one test image), the four metadata files. */
function cubFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'ibc-cub-'));
  const files: [string, number, number][] = [
    ['001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.png', 40, 20],
    ['001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.png', 20, 20],
    ['002.Laysan_Albatross/Laysan_Albatross_0002_1027.png', 20, 40],
  ];
  for (const [path, w, h] of files) {
    mkdirSync(join(root, 'images', path.split('/')[0]!), { recursive: true });
    writeFileSync(join(root, 'images', path), png(w, h));
  }
  writeFileSync(join(root, 'images.txt'), files.map(([p], i) => `${i + 1} ${p}`).join('\n') + '\n');
  writeFileSync(join(root, 'bounding_boxes.txt'), '1 10.0 4.0 20.0 8.0\n2 0.0 0.0 20.0 20.0\n3 2.0 10.0 10.0 20.0\n');
  writeFileSync(join(root, 'image_class_labels.txt'), '1 1\n2 1\n3 2\n');
  writeFileSync(join(root, 'train_test_split.txt'), '1 1\n2 0\n3 1\n');
  return root;
}

describe('readCubIndex', () => {
  it('reads images.txt, bounding_boxes.txt, image_class_labels.txt and train_test_split.txt by image id', () => {
    const root = cubFixture();
    expect(readCubIndex(root)).toEqual([
      { id: 1, path: '001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.png', classId: 1, isTraining: true, box: [10, 4, 20, 8] },
      { id: 2, path: '001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.png', classId: 1, isTraining: false, box: [0, 0, 20, 20] },
      { id: 3, path: '002.Laysan_Albatross/Laysan_Albatross_0002_1027.png', classId: 2, isTraining: true, box: [2, 10, 10, 20] },
    ]);
    expect(findCubRoot(join(root, 'images'))).toBe(root);
    expect(readCubBoxes(root)!.get('002.Laysan_Albatross/Laysan_Albatross_0002_1027.png')).toEqual([2, 10, 10, 20]);
  });

  it('names the file and line of a malformed record', () => {
    const root = cubFixture();
    writeFileSync(join(root, 'bounding_boxes.txt'), '1 10 4 20 8\n2 0 0 twenty 20\n');
    let error: unknown;
    try {
      readCubIndex(root);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).diagnostic.code).toBe('IB6031');
    // The line is named by number, never quoted: a data file may be a link to anything.
    expect((error as RunError).diagnostic.message).not.toContain('twenty');
    expect((error as RunError).diagnostic.message).toBe(
      `'${join(root, 'bounding_boxes.txt')}' line 2: expected '<image_id> <x> <y> <width> <height>', found a value of the wrong form`,
    );
  });

  it('has no boxes without bounding_boxes.txt', () => {
    const root = mkdtempSync(join(tmpdir(), 'ibc-cub-'));
    writeFileSync(join(root, 'images.txt'), '1 a/b.png\n');
    expect(readCubBoxes(root)).toBeUndefined();
    expect(findCubRoot(root)).toBeUndefined();
  });
});

describe('boxAfterResize', () => {
  it('scales a box with a straight resize and shifts it with the centre crop', () => {
    // 40x20 image (w x h) straight to 10x10: x halves... x scale 0.25, y scale 0.5.
    expect(boxAfterResize([10, 4, 20, 8], { width: 40, height: 20 }, { width: 10, height: 10 }, [10, 10])).toEqual([2, 2.5, 6, 7.5]);
    // Shorter side 20 -> 10 gives 20x10; the centre 10x10 crop starts at x = 5; clipped at the crop's edge.
    expect(boxAfterResize([10, 4, 20, 8], { width: 40, height: 20 }, { width: 20, height: 10 }, [10, 10])).toEqual([2, 0, 6, 10]);
  });
});

describe('folder data next to CUB metadata', () => {
  it('gives each image its box through the resize, in the loader order', async () => {
    const root = cubFixture();
    const data: FolderData = {
      kind: 'folder',
      train: join(root, 'images'),
      test: join(root, 'images'),
      validation: 0,
      augment: { flip: 'none' },
      normalize: { mean: [0], std: [1] },
      badFiles: 'stop',
    };
    const ds = await loadDataset(data, { seed: 1, input: [10, 10, 1], classes: 2 });
    // Sorted order: 0009_34 (20x20), 0046_18 (40x20), then class 2's 20x40 image.
    expect(Array.from(ds.test.labels)).toEqual([0, 0, 1]);
    expect(Array.from(ds.test.boxes!)).toEqual([0, 0, 10, 10, 2, 2.5, 6, 7.5, 2.5, 1, 7.5, 6]);
    expect(ds.train.boxes!.length).toBe(12);
  });
});
