/**
 * Image folders: one subfolder per class; sorted subfolder names are the
 * class indices (plain code-unit order, so the mapping does not depend on the
 * locale). Files ending in .png, .jpg, .jpeg or .webp (any case) are listed,
 * in sorted order; other files and hidden entries are ignored. Decoding,
 * storing and cropping them is images/ (load-folder.ts).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';
import { runError, reasonOf } from '../../support/errors.js';
import { requireFolder } from '../../host/read-file.js';

const IMAGE_EXTENSION = /\.(png|jpe?g|webp)$/i;

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

/** One image file of a split, with its class index and its path relative to the split folder ("class/file.jpg"). */
export interface FolderFile {
  readonly path: string;
  readonly relative: string;
  readonly label: number;
}

/**
 * The image files of a folder split, class by class in `classNames` order,
 * files sorted within each class. `classNames` fixes the class indices (the
 * training folder's); a class folder of this split missing from it is an
 * error, while a class with no folder in this split simply has no examples.
 */
export function listSplitFiles(root: string, classNames: readonly string[], trainRoot: string): FolderFile[] {
  const folders = listClassFolders(root, 'image folder');
  const index = new Map(classNames.map((name, i) => [name, i]));
  const files: FolderFile[] = [];
  for (const name of folders) {
    const label = index.get(name);
    if (label === undefined) throw runError('dataFolderUnknownClass', { path: join(root, name), train: trainRoot });
    for (const path of listImages(join(root, name))) files.push({ path, label, relative: `${name}/${basename(path)}` });
  }
  return files;
}
