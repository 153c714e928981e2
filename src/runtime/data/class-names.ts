/**
 * Class names where they are known without reading the data: the fixed
 * CIFAR-10 and Fashion-MNIST label sets, the synthetic task's grid cells, and
 * a folder dataset's class subfolders. Exports record them so that a model
 * carries its own labels.
 */
import { isAbsolute, resolve } from 'node:path';
import type { DataSpec } from '../../compiler/spec/resolved-spec.js';
import { listClassFolders } from './folder.js';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** The synthetic task's classes: which cell of a g x g grid holds the blob (see synthetic.ts). */
export function syntheticClassNames(classes: number): string[] {
  const grid = Math.ceil(Math.sqrt(classes));
  if (grid === 2) return ['top-left', 'top-right', 'bottom-left', 'bottom-right'].slice(0, classes);
  return Array.from({ length: classes }, (_, i) => `row ${Math.floor(i / grid) + 1}, column ${(i % grid) + 1}`);
}

/**
 * Names for `classes` classes of `data`, or undefined when unknown (CIFAR-100, IDX files that are
 * not Fashion-MNIST, a folder that cannot be listed). `baseDir` resolves relative data paths.
 */
export function knownClassNames(data: DataSpec, classes: number, baseDir: string): string[] | undefined {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  switch (data.kind) {
    case 'cifar10':
      return classes === CIFAR10_CLASSES.length ? [...CIFAR10_CLASSES] : undefined;
    case 'cifar100':
      return undefined;
    case 'idx':
      return /fashion/i.test(data.train.images) && classes === FASHION_MNIST_CLASSES.length ? [...FASHION_MNIST_CLASSES] : undefined;
    case 'synthetic':
      return syntheticClassNames(classes);
    case 'folder':
      try {
        const names = listClassFolders(at(data.train), 'training image folder');
        return names.length === classes ? names : undefined;
      } catch {
        // the data is not on this machine: the export simply carries no names
        return undefined;
      }
  }
}
