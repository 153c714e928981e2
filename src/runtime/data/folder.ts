/**
 * Image folders: one subfolder per class; sorted subfolder names are the
 * class indices (plain code-unit order, so the mapping does not depend on the
 * locale). Files ending in .png, .jpg or .jpeg (any case) are read, in sorted
 * order; other files and hidden entries are ignored.
 *
 * Each image is decoded to the model's channel count, then either resized
 * (bilinear) straight to the input size, or, when `resize` is given, resized
 * so that its shorter side is `resize` pixels and centre-cropped to the input
 * size (the usual evaluation transform for photographs such as CUB).
 *
 * When the split folder or the folder above it holds CUB's images.txt and
 * bounding_boxes.txt (cub.ts), every image gets its object box, moved through
 * the same resize and crop.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';
import { boxAfterResize, findCubRoot, readCubBoxes } from './cub.js';
import { runError, reasonOf } from '../../support/errors.js';
import { readDataFile, requireFolder } from '../../host/read-file.js';
import { decodeImage } from './decode-image.js';
import { centreCrop, resizeBilinear, shorterSideSize, type ByteImage } from './resize.js';
import type { LoadedSplit } from './dataset.js';

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listEntries(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch (error) {
    throw runError('dataReadFailed', { path, reason: reasonOf(error) });
  }
}

/**
 * Whether a symbolic link in a dataset's root is a class folder: it is when it
 * leads to a folder, not when it leads to a file. A link that leads nowhere
 * (a loop, a missing target) is an error naming it, never a class.
 */
function linksToFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ELOOP' ? 'it is a symbolic link loop' : code === 'ENOENT' ? 'it is a symbolic link to something that does not exist' : reasonOf(error);
    throw runError('dataReadFailed', { path, reason: `${reason}; a class folder must be a folder` });
  }
}

/** Sorted class subfolder names of a folder dataset's root. */
export function listClassFolders(root: string, what: string): string[] {
  requireFolder(root, what);
  const names = listEntries(root)
    .filter((e) => e.isDirectory() || (e.isSymbolicLink() && linksToFolder(join(root, e.name))))
    .map((e) => e.name)
    .sort(byCodeUnits);
  if (names.length === 0) throw runError('dataFolderNoClasses', { path: root });
  return names;
}

function listImages(folder: string): string[] {
  const files = listEntries(folder)
    .filter((e) => !e.isDirectory() && IMAGE_EXTENSION.test(e.name))
    .map((e) => e.name)
    .sort(byCodeUnits);
  if (files.length === 0) throw runError('dataFolderEmptyClass', { path: folder });
  return files.map((f) => join(folder, f));
}

/** Decodes one file and brings it to the input size as described above. */
export function loadImageFile(path: string, input: readonly [number, number, number], resize: number | undefined): ByteImage {
  return loadImageFileSized(path, input, resize).image;
}

/** loadImageFile, plus the decoded size and the size before the centre crop (for moving a box along). */
function loadImageFileSized(
  path: string,
  input: readonly [number, number, number],
  resize: number | undefined,
): { image: ByteImage; original: { width: number; height: number }; resized: { width: number; height: number } } {
  const [h, w, c] = input;
  const decoded = decodeImage(path, readDataFile(path, 'image file', 'image'), c);
  const original = { width: decoded.width, height: decoded.height };
  if (resize === undefined) return { image: resizeBilinear(decoded, w, h), original, resized: { width: w, height: h } };
  const size = shorterSideSize(decoded.width, decoded.height, resize);
  if (size.width < w || size.height < h) {
    throw runError('dataResizeTooSmall', { path, resize, actual: `${size.width}x${size.height}`, expected: `${w}x${h}` });
  }
  return { image: centreCrop(resizeBilinear(decoded, size.width, size.height), w, h), original, resized: size };
}

/**
 * Reads a folder dataset split. `classNames` fixes the class indices (the
 * training folder's); a class folder of this split missing from it is an error,
 * while a class with no folder in this split simply has no examples here.
 */
export function readFolderSplit(
  root: string,
  input: readonly [number, number, number],
  resize: number | undefined,
  classNames: readonly string[],
  trainRoot: string,
): LoadedSplit {
  // CUB's bounding_boxes.txt next to (or in) the split folder: boxes for the images it lists.
  const cubRoot = findCubRoot(root);
  const cubBoxes = cubRoot !== undefined ? readCubBoxes(cubRoot) : undefined;
  const folders = listClassFolders(root, 'image folder');
  const index = new Map(classNames.map((name, i) => [name, i]));
  const files: { path: string; label: number; relative: string }[] = [];
  for (const name of folders) {
    const label = index.get(name);
    if (label === undefined) throw runError('dataFolderUnknownClass', { path: join(root, name), train: trainRoot });
    for (const path of listImages(join(root, name))) files.push({ path, label, relative: `${name}/${basename(path)}` });
  }
  // Boxes only when every image has one, so that a split's boxes are all-or-nothing.
  const withBoxes = cubBoxes !== undefined && files.length > 0 && files.every((f) => cubBoxes.has(f.relative));
  const boxes = withBoxes ? new Float32Array(files.length * 4) : undefined;
  const [h, w, c] = input;
  const size = h * w * c;
  const images = new Uint8Array(files.length * size);
  const labels = new Int32Array(files.length);
  files.forEach((file, i) => {
    const loaded = loadImageFileSized(file.path, input, resize);
    images.set(loaded.image.data, i * size);
    labels[i] = file.label;
    if (boxes) boxes.set(boxAfterResize(cubBoxes!.get(file.relative)!, loaded.original, loaded.resized, [h, w]), i * 4);
  });
  return { images, labels, count: files.length, shape: [h, w, c], source: root, ...(boxes ? { boxes } : {}) };
}
