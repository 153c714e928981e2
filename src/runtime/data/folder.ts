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
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { runError, reasonOf } from './fail.js';
import { readDataFile, requireFolder } from './read-file.js';
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
  const [h, w, c] = input;
  let image = decodeImage(path, readDataFile(path, 'image file'), c);
  if (resize === undefined) return resizeBilinear(image, w, h);
  const size = shorterSideSize(image.width, image.height, resize);
  if (size.width < w || size.height < h) {
    throw runError('dataResizeTooSmall', { path, resize, actual: `${size.width}x${size.height}`, expected: `${w}x${h}` });
  }
  image = resizeBilinear(image, size.width, size.height);
  return centreCrop(image, w, h);
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
  const folders = listClassFolders(root, 'image folder');
  const index = new Map(classNames.map((name, i) => [name, i]));
  const files: { path: string; label: number }[] = [];
  for (const name of folders) {
    const label = index.get(name);
    if (label === undefined) throw runError('dataFolderUnknownClass', { path: join(root, name), train: trainRoot });
    for (const path of listImages(join(root, name))) files.push({ path, label });
  }
  const [h, w, c] = input;
  const size = h * w * c;
  const images = new Uint8Array(files.length * size);
  const labels = new Int32Array(files.length);
  files.forEach((file, i) => {
    images.set(loadImageFile(file.path, input, resize).data, i * size);
    labels[i] = file.label;
  });
  return { images, labels, count: files.length, shape: [h, w, c], source: root };
}
