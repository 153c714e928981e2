/**
 * loadDataset: reads (or generates) the train and test sets a spec's `data`
 * section names, checks them against the model, and holds out the seeded
 * validation split. Image folders are decoded, cached and stored by
 * images/load-folder.ts, which chooses the same validation split before it
 * decodes anything.
 *
 * Validation split: a permutation from `Random.fromSeed(seed).derive('validation-split')`
 * picks round(fraction * N) training examples (at least 1 when the fraction is
 * above 0); both parts keep the file order. `limitTrain` / `limitValidation` /
 * `limitTest` then keep the first N examples, for quick runs.
 */
import { isAbsolute, resolve } from 'node:path';
import type { DataSpec, FolderData } from '../../compiler/spec/resolved-spec.js';
import { Random } from '../../support/random.js';
import { runError } from '../../support/errors.js';
import { firstN, formatShape, partitionInPlace, validationIndices, type Dataset, type LoadOptions, type LoadedSplit, type Split, type StoredSplit } from './dataset.js';
import { readIdxPair } from './idx.js';
import { clutterProblem, clutterSplit } from './clutter.js';
import { cifarClasses, readCifarSplit } from './cifar.js';
import { loadFolderDataset } from './images/load-folder.js';
import { generateSynthetic, SYNTHETIC_DEFAULT_CLASSES, SYNTHETIC_DEFAULT_SHAPE } from './synthetic.js';

interface Loaded {
  readonly train: LoadedSplit;
  readonly test: LoadedSplit;
  readonly classes: number;
  readonly classNames?: string[];
}

function maxLabel(labels: Int32Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > m) m = labels[i]!;
  return m;
}

function readSplits(data: DataSpec, options: LoadOptions): Loaded {
  const base = options.baseDir ?? process.cwd();
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  switch (data.kind) {
    case 'idx': {
      let train = readIdxPair(at(data.train.images), at(data.train.labels));
      let test = readIdxPair(at(data.test.images), at(data.test.labels));
      if (data.clutter) {
        for (const split of [train, test]) {
          const detail = clutterProblem(data.clutter, split.shape);
          if (detail) throw runError('dataClutterMismatch', { path: split.source, detail });
        }
        train = clutterSplit(train, data.clutter, 'train');
        test = clutterSplit(test, data.clutter, 'test');
      }
      return { train, test, classes: options.classes ?? Math.max(maxLabel(train.labels), maxLabel(test.labels)) + 1 };
    }
    case 'cifar10':
    case 'cifar100': {
      const folder = at(data.path);
      const train = readCifarSplit(data.kind, folder, 'train', data.labels);
      const test = readCifarSplit(data.kind, folder, 'test', data.labels);
      return { train, test, classes: options.classes ?? cifarClasses(data.kind, data.labels) };
    }
    case 'folder':
      throw new Error('readSplits: folder data is loaded by loadFolderDataset');
    case 'synthetic': {
      const shape = options.input ?? SYNTHETIC_DEFAULT_SHAPE;
      const classes = options.classes ?? SYNTHETIC_DEFAULT_CLASSES;
      const root = Random.fromSeed(options.seed);
      return {
        train: generateSynthetic(root.derive('synthetic-train'), data.trainCount, shape, classes, 'synthetic training data'),
        test: generateSynthetic(root.derive('synthetic-test'), data.testCount, shape, classes, 'synthetic test data'),
        classes,
      };
    }
  }
}

function checkSplit(split: LoadedSplit, which: string, classes: number, input: LoadOptions['input']): void {
  if (split.count === 0) throw runError('dataEmptySplit', { split: which, path: split.source });
  if (input && (input[0] !== split.shape[0] || input[1] !== split.shape[1] || input[2] !== split.shape[2])) {
    throw runError('dataShapeMismatch', { path: split.imagesSource ?? split.source, actual: formatShape(split.shape), expected: formatShape(input) });
  }
  const labels = split.labels;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= classes) {
      throw runError('dataLabelOutOfRange', { path: split.source, label, index: i, max: classes - 1, classes });
    }
  }
}

/** Splits off the validation examples; returns [train, validation]. The split's memory becomes the training part's (partitionInPlace): the caller gives it up. */
export function splitValidation(split: Split, fraction: number, seed: number, exampleSize: number): [Split, Split | undefined] {
  const parts = validationIndices(split.count, fraction, seed);
  if (!parts) return [split, undefined];
  return partitionInPlace(split, parts.train, parts.validation, exampleSize);
}

/** Image folders give stored splits (cropped per batch); every other kind gives splits held at the input size. */
export function loadDataset(data: FolderData, options: LoadOptions): Promise<Dataset<StoredSplit>>;
export function loadDataset(data: Exclude<DataSpec, FolderData>, options: LoadOptions): Promise<Dataset<Split>>;
export function loadDataset(data: DataSpec, options: LoadOptions): Promise<Dataset>;
export async function loadDataset(data: DataSpec, options: LoadOptions): Promise<Dataset> {
  if (data.kind === 'folder') {
    const base = options.baseDir ?? process.cwd();
    const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
    if (!options.input) throw new Error('loadDataset: folder data needs options.input (the model input size)');
    const folder = await loadFolderDataset(data, at(data.train), at(data.test), { ...options, input: options.input });
    const shape: [number, number, number] = [...options.input];
    for (const [split, which] of [[folder.train, 'training'], [folder.test, 'test']] as const) {
      if (split.count === 0 && !(options.testOnly && which === 'training')) throw runError('dataEmptySplit', { split: which, path: split.set.source });
    }
    return { ...folder, shape };
  }
  const loaded = readSplits(data, options);
  const { classes } = loaded;
  checkSplit(loaded.train, 'training', classes, options.input);
  checkSplit(loaded.test, 'test', classes, options.input);
  const shape: [number, number, number] = [...loaded.train.shape];
  const exampleSize = shape[0] * shape[1] * shape[2];
  if (loaded.test.shape.some((d, i) => d !== shape[i])) {
    throw runError('dataShapeMismatch', { path: loaded.test.imagesSource ?? loaded.test.source, actual: formatShape(loaded.test.shape), expected: formatShape(shape) });
  }
  const plain = (s: LoadedSplit): Split => ({ images: s.images, labels: s.labels, count: s.count, ...(s.boxes ? { boxes: s.boxes } : {}) });
  const [train, validation] = splitValidation(plain(loaded.train), data.validation, options.seed, exampleSize);
  return {
    train: firstN(train, options.limitTrain, exampleSize),
    ...(validation ? { validation: firstN(validation, options.limitValidation, exampleSize) } : {}),
    test: firstN(plain(loaded.test), options.limitTest, exampleSize),
    classes,
    shape,
    ...(loaded.classNames ? { classNames: loaded.classNames } : {}),
    close: async () => {},
  };
}
