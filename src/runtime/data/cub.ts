/**
 * CUB-200-2011's metadata files, as the official archive ships them next to
 * its images/ folder (one record per line, fields separated by spaces,
 * image ids from 1):
 *
 *   images.txt              <image_id> <class_folder/file.jpg>
 *   bounding_boxes.txt      <image_id> <x> <y> <width> <height>   (pixels of the original image)
 *   image_class_labels.txt  <image_id> <class_id>                 (class ids from 1)
 *   train_test_split.txt    <image_id> <is_training_image>        (1 or 0)
 *
 * A folder dataset (one subfolder per class, as images/ is) gets object boxes
 * when its data folder, or the folder above it, holds images.txt and
 * bounding_boxes.txt: each image is matched by its path relative to the split
 * folder ("001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg"), and
 * its box goes through the same resize and centre crop as the image
 * (`boxAfterResize`). Note that the paper's CUB setup crops every image to its
 * box first, which makes every box the whole image: localization needs the
 * uncropped images.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runError } from '../../support/errors.js';
import { readDataFile } from '../../host/read-file.js';
import type { ObjectBox } from './boxes.js';
import { centreView } from './images/views.js';

export interface CubRecord {
  readonly id: number;
  /** Path relative to images/, with forward slashes. */
  readonly path: string;
  /** 1-based, as in image_class_labels.txt; absent when that file is absent. */
  readonly classId?: number;
  readonly isTraining?: boolean;
  /** [x, y, width, height] in the original image's pixels. */
  readonly box?: readonly [number, number, number, number];
}

/** Parses one metadata file into `id -> fields` with `count` fields after the id, each checked by `valid`. */
function parseTable(path: string, text: string, count: number, what: string, valid: (fields: string[]) => boolean): Map<number, string[]> {
  const rows = new Map<number, string[]>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const parts = line.trim().split(/\s+/);
    const id = Number(parts[0]);
    const fields = parts.slice(1);
    if (!Number.isInteger(id) || id < 1 || fields.length !== count || !valid(fields)) {
      // The line itself is not quoted: the file may be anything a link points at, and its content is not ours to print.
      const found = !Number.isInteger(id) || id < 1 ? 'no positive image id first' : fields.length !== count ? `${fields.length + 1} field(s)` : 'a value of the wrong form';
      throw runError('dataCubMalformed', { path, line: index + 1, detail: `expected '<image_id> ${what}', found ${found}` });
    }
    if (rows.has(id)) throw runError('dataCubMalformed', { path, line: index + 1, detail: `image id ${id} appears twice` });
    rows.set(id, fields);
  });
  return rows;
}

const isNumber = (s: string): boolean => s !== '' && Number.isFinite(Number(s));

function readText(path: string, what: string): string {
  return new TextDecoder().decode(readDataFile(path, what));
}

/** Reads the metadata files of a CUB root (images.txt required; the other three where present). */
export function readCubIndex(root: string): CubRecord[] {
  const imagesPath = join(root, 'images.txt');
  const images = parseTable(imagesPath, readText(imagesPath, 'CUB images.txt'), 1, '<class_folder/file>', () => true);
  const optional = (name: string, count: number, what: string, valid: (f: string[]) => boolean): Map<number, string[]> | undefined => {
    const path = join(root, name);
    return existsSync(path) ? parseTable(path, readText(path, `CUB ${name}`), count, what, valid) : undefined;
  };
  const boxes = optional('bounding_boxes.txt', 4, '<x> <y> <width> <height>', (f) => f.every(isNumber) && Number(f[2]) > 0 && Number(f[3]) > 0);
  const labels = optional('image_class_labels.txt', 1, '<class_id>', (f) => /^[1-9]\d*$/.test(f[0]!));
  const split = optional('train_test_split.txt', 1, '<is_training_image: 0 or 1>', (f) => f[0] === '0' || f[0] === '1');
  return [...images.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const box = boxes?.get(id)?.map(Number);
      const label = labels?.get(id)?.[0];
      const training = split?.get(id)?.[0];
      return {
        id,
        path: images.get(id)![0]!,
        ...(label !== undefined ? { classId: Number(label) } : {}),
        ...(training !== undefined ? { isTraining: training === '1' } : {}),
        ...(box ? { box: box as unknown as readonly [number, number, number, number] } : {}),
      };
    });
}

/** The folder holding CUB's images.txt and bounding_boxes.txt for a split folder: the folder itself or its parent. */
export function findCubRoot(splitFolder: string): string | undefined {
  for (const dir of [splitFolder, dirname(splitFolder)]) {
    if (existsSync(join(dir, 'images.txt')) && existsSync(join(dir, 'bounding_boxes.txt'))) return dir;
  }
  return undefined;
}

/** Boxes by relative image path ("class/file.jpg") from a CUB root, or undefined when it has no bounding_boxes.txt. */
export function readCubBoxes(root: string): Map<string, readonly [number, number, number, number]> | undefined {
  const records = readCubIndex(root);
  if (!records.some((r) => r.box)) return undefined;
  return new Map(records.filter((r) => r.box).map((r) => [r.path, r.box!] as const));
}

/**
 * A CUB box [x, y, width, height] of an original width x height image, in
 * the evaluation view of its stored image: the stored image is the original
 * resized to `resized` (straight to the input without `resize`, or shorter
 * side to `resize`), then the centre crop is taken. Clipped to the input;
 * returned as [y0, x0, y1, x1].
 */
export function boxAfterResize(
  box: readonly [number, number, number, number],
  original: { readonly width: number; readonly height: number },
  resized: { readonly width: number; readonly height: number },
  input: readonly [number, number],
): ObjectBox {
  const [h, w] = input;
  const sx = resized.width / original.width;
  const sy = resized.height / original.height;
  // The evaluation view's window (images/views.ts: torchvision CenterCrop's offsets).
  const { top, left } = centreView(resized, [h, w]);
  const clip = (v: number, max: number): number => Math.min(max, Math.max(0, v));
  const [x, y, bw, bh] = box;
  return [clip(y * sy - top, h), clip(x * sx - left, w), clip((y + bh) * sy - top, h), clip((x + bw) * sx - left, w)];
}
