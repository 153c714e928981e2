/**
 * Writes the attention figures of one call into `folder`: `test-NNNNN.png`
 * per test image (named by its index in the test set) and `grid.png` with all
 * of them, every figure on the same colour scale, under the output policy
 * (host/output-policy.ts): all written to temporaries and renamed into place
 * (grid.png last), nothing left half-written when a write fails (a full disk).
 * Attention images an earlier call left there are replaced, and those the new
 * call does not write are removed afterwards, so a folder never mixes two
 * calls; but only images ibc wrote: PNGs with ibc's mark, or in a run's own
 * attention/ folder any file of these names. A user's own grid.png or
 * 001.png in an --out folder is never replaced (unless --overwrite) nor
 * deleted. Returns the written paths, the grid last.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runError, reasonOf } from '../../../support/errors.js';
import { commitOutputs, makeFolders, requireApartFromInputs, type OutputFile, type ReadPath } from '../../../host/output-policy.js';
import { isIbcPng } from '../png-mark.js';
import { attentionFigureSvg, figureFontInstalled, figureScale, gridColumns, svgToPng, type AttentionItem, type FigureInfo } from './figure.js';

export const ATTENTION_FOLDER = 'attention';

/** Names this writer uses (and the earlier writer's 000.png ...). */
const OWN_FILE = /^(test-\d+\.png|grid\.png|\d{3,}\.png)$/;

/** File name of test image `index`. */
export function attentionFileName(index: number): string {
  return `test-${String(index).padStart(5, '0')}.png`;
}

export interface AttentionWriteOptions {
  /** The folder is a run's own attention/ folder: every file of the writer's names there is ibc's. */
  readonly ownFolder: boolean;
  /** Replace files of these names that ibc did not write (--overwrite). */
  readonly overwrite: boolean;
  /** What the call reads (the run's own files): the folder may not be, or lie inside, one of them (IB6807). */
  readonly inputs?: readonly ReadPath[];
}

/** Whether the file at `path` is an attention image of an earlier call. */
function isOurImage(path: string, options: AttentionWriteOptions): boolean {
  if (!OWN_FILE.test(basename(path))) return false;
  return options.ownFolder || isIbcPng(path);
}

/** The attention images of earlier calls in `folder`. */
function earlierImages(folder: string, options: AttentionWriteOptions): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw runError('imageWriteFailed', { path: folder, reason: reasonOf(error) });
  }
  return names.map((name) => join(folder, name)).filter((path) => isOurImage(path, options));
}

/** A file whose bytes are rendered only when it is written (one figure in memory at a time). */
function rendered(path: string, render: () => Uint8Array): OutputFile {
  return {
    path,
    chunks: {
      *[Symbol.iterator]() {
        yield render();
      },
    },
  };
}

export function writeAttentionImages(folder: string, items: readonly AttentionItem[], info: FigureInfo, options: AttentionWriteOptions = { ownFolder: true, overwrite: false }): string[] {
  if (!figureFontInstalled()) throw runError('imageFontMissing', { path: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' });
  // Before the folder is made: a refused folder is not created either.
  if (options.inputs) requireApartFromInputs([folder], options.inputs);
  try {
    makeFolders(folder);
  } catch (error) {
    throw runError('imageWriteFailed', { path: folder, reason: reasonOf(error) });
  }
  const stale = earlierImages(folder, options);
  // One scale for the call: each single-image figure uses the grid's scale too.
  const scale = items.length > 0 ? figureScale(items, info.anchors) : undefined;
  const files: OutputFile[] = items.map((item) =>
    rendered(join(folder, attentionFileName(item.index)), () => svgToPng(attentionFigureSvg([item], { ...info, title: `${info.title}, test image #${item.index}` }, 1, scale!))),
  );
  if (items.length > 0) {
    const range = `test images #${items[0]!.index}-#${items[items.length - 1]!.index}`;
    files.push(rendered(join(folder, 'grid.png'), () => svgToPng(attentionFigureSvg(items, { ...info, title: `${info.title}, ${range}` }, gridColumns(items.length), scale!))));
  }
  return commitOutputs({
    what: 'attention images',
    files,
    ours: (path) => isOurImage(path, options),
    overwrite: options.overwrite,
    stale,
    ...(options.inputs ? { inputs: options.inputs } : {}),
  });
}
