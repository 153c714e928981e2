/**
 * The files and folders a spec's data section names, each with the span of
 * its path in the spec, and which of them do not exist. `ibc check` warns
 * about those (IB3327), located at the path; `ibc train` stops on the first
 * one (IB6000) before it creates anything.
 */
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { FileSystem } from '../../host/file-system.js';
import type { ResolvedSpec } from './resolved-spec.js';

export interface DataPath {
  /** JSON pointer of the key that names it, e.g. /data/train/images. */
  readonly pointer: string;
  /** What it is, for messages: 'training images file', 'CIFAR folder', ... */
  readonly what: string;
  /** As resolved: absolute, against the folder of the spec file that wrote it. */
  readonly path: string;
  readonly span?: Span;
}

export function dataPaths(spec: ResolvedSpec): DataPath[] {
  const d = spec.data;
  const at = (pointer: string, what: string, path: string): DataPath => {
    const span = d.pathOrigins?.[pointer] ?? d.origin;
    return { pointer, what, path, ...(span ? { span } : {}) };
  };
  switch (d.kind) {
    case 'idx':
      return [
        at('/data/train/images', 'training images file', d.train.images),
        at('/data/train/labels', 'training labels file', d.train.labels),
        at('/data/test/images', 'test images file', d.test.images),
        at('/data/test/labels', 'test labels file', d.test.labels),
      ];
    case 'cifar10':
    case 'cifar100':
      return [at('/data/path', `${d.kind.toUpperCase()} folder`, d.path)];
    case 'folder':
      return [at('/data/train', 'training folder', d.train), at('/data/test', 'test folder', d.test)];
    case 'synthetic':
      return [];
  }
}

export function missingDataPaths(spec: ResolvedSpec, fs: FileSystem): DataPath[] {
  return dataPaths(spec).filter((p) => !fs.exists(p.path));
}

/** A located warning per data path that does not exist (for `ibc check`). */
export function checkDataPaths(spec: ResolvedSpec, fs: FileSystem): Diagnostic[] {
  return missingDataPaths(spec, fs).map((p) =>
    diagnostic('dataPathNotFound', { ...(p.span ? { span: p.span } : {}), args: { what: p.what, path: p.path } }),
  );
}
