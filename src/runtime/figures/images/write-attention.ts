/**
 * Writes the attention figures of one call into `folder`: `test-NNNNN.png`
 * per test image (named by its index in the test set) and `grid.png` with all
 * of them, every figure on the same colour scale, each also as SVG
 * (`test-NNNNN.svg`, `grid.svg`: text as text, for papers), under the output
 * policy (host/output-policy.ts): all written to temporaries and renamed into
 * place (grid last), nothing left half-written when a write fails (a full
 * disk). Attention images an earlier call left there are replaced, and those
 * the new call does not write are removed afterwards, so a folder never mixes
 * two calls; but only images ibc wrote: PNGs with ibc's mark, SVGs whose first
 * line is ibc's mark, or in a run's own attention/ folder any file of these
 * names. A user's own grid.png or 001.png in an --out folder is never replaced
 * (unless --overwrite) nor deleted. Returns the written paths, the grid last.
 *
 * The PNG is rasterised from the figure with its text as outlines, each
 * distinct text laid out once per call (figure-text.ts); the SVG file keeps
 * the text as text (selectable and editable where the figure is used).
 *
 * Two writers, the same files byte for byte: writeAttentionImages renders
 * each figure on the main thread as it is written; renderAttentionImages
 * renders them several at a time on the thread pool first and writes them
 * when asked (what `ibc train` and `ibc attention` use).
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runError, reasonOf } from '../../../support/errors.js';
import { commitOutputs, makeFolders, requireApartFromInputs, type OutputFile, type ReadPath } from '../../../host/output-policy.js';
import { isIbcPng } from '../png-mark.js';
import { readFilePrefix } from '../../../host/read-file.js';
import {
  attentionFigure,
  figureFontInstalled,
  figureScale,
  figureSvg,
  figureTextOutlines,
  gridColumns,
  svgToPng,
  svgToPngAsync,
  type AttentionItem,
  type FigureDrawing,
  type FigureInfo,
} from './figure.js';
import type { TextOutlines } from './figure-text.js';
import { renderAhead, renderSlots } from './render-ahead.js';

export const ATTENTION_FOLDER = 'attention';

/** Names this writer uses (and the earlier writer's 000.png ...), and only these, are cleared. */
const OWN_FILE = /^(test-\d+\.(png|svg)|grid\.(png|svg)|\d{3,}\.png)$/;

/** The first line of every SVG figure: marks it as ibc's (PNG figures carry a tEXt chunk). */
export const SVG_MARK = '<!-- Software: ibc -->';

/** File name of test image `index`. */
export function attentionFileName(index: number, extension: 'png' | 'svg' = 'png'): string {
  return `test-${String(index).padStart(5, '0')}.${extension}`;
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
  return options.ownFolder || (path.endsWith('.svg') ? isIbcSvg(path) : isIbcPng(path));
}

/** Whether the SVG at `path` starts with ibc's mark (read through the bounded reader, its first line only). */
function isIbcSvg(path: string): boolean {
  const mark = new TextEncoder().encode(SVG_MARK);
  const head = readFilePrefix(path, mark.length);
  return head !== undefined && head.length === mark.length && head.every((b, i) => b === mark[i]);
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

/** A file whose bytes are made only when it is written (one figure in memory at a time). */
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

/** One figure of a call: the name of its two files without the extension, and its drawing (made when asked for). */
interface Figure {
  readonly stem: string;
  readonly drawing: () => FigureDrawing;
}

/** A figure's two SVGs: the file's (text as text) and the one its PNG is rasterised from (text as the call's outlines). */
function figureSvgs(figure: Figure, outlines: TextOutlines): { file: string; raster: string } {
  const drawing = figure.drawing();
  return { raster: figureSvg(drawing, outlines), file: figureSvg(drawing) };
}

const encoder = new TextEncoder();

/** The SVG file's bytes: ibc's mark, then the figure. */
function svgFileBytes(svg: string): Uint8Array {
  return encoder.encode(`${SVG_MARK}\n${svg}\n`);
}

/** The refusals that come before anything is drawn: no font, a folder that is (or lies in) what the call reads. */
function requireMayDraw(folder: string, options: AttentionWriteOptions): void {
  if (!figureFontInstalled()) throw runError('imageFontMissing', { path: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' });
  // Before the folder is made: a refused folder is not created either.
  if (options.inputs) requireApartFromInputs([folder], options.inputs);
}

/** The figures of `items`: one per image, on the grid's colour scale, then the grid. */
function figuresOf(items: readonly AttentionItem[], info: FigureInfo): Figure[] {
  if (items.length === 0) return [];
  // One scale for the call: each single-image figure uses the grid's scale too.
  const scale = figureScale(items, info.anchors, info.scale);
  const figures: Figure[] = items.map((item) => ({
    stem: attentionFileName(item.index).replace(/\.png$/, ''),
    drawing: () => attentionFigure([item], { ...info, title: `${info.title}, test image #${item.index}` }, 1, scale),
  }));
  const gridTitle = `${info.title}, ${info.selection ?? `test images #${items[0]!.index}-#${items[items.length - 1]!.index}`}`;
  figures.push({ stem: 'grid', drawing: () => attentionFigure(items, { ...info, title: gridTitle }, gridColumns(items.length), scale) });
  return figures;
}

/** Makes the folder, then writes `files` (each figure's PNG then its SVG, the grid last) and removes the earlier call's images. */
function commitFigures(folder: string, files: readonly OutputFile[], options: AttentionWriteOptions): string[] {
  try {
    makeFolders(folder);
  } catch (error) {
    throw runError('imageWriteFailed', { path: folder, reason: reasonOf(error) });
  }
  // With no file (nothing drawn: no misclassified image, say) earlier images are still not mixed with this call's (none).
  return commitOutputs({
    what: 'attention images',
    files,
    ours: (path) => isOurImage(path, options),
    overwrite: options.overwrite,
    stale: earlierImages(folder, options),
    ...(options.inputs ? { inputs: options.inputs } : {}),
  });
}

/** Writes the figures one at a time, each rendered on the main thread as its PNG is written (the reference renderAttentionImages matches byte for byte). */
export function writeAttentionImages(folder: string, items: readonly AttentionItem[], info: FigureInfo, options: AttentionWriteOptions = { ownFolder: true, overwrite: false }): string[] {
  requireMayDraw(folder, options);
  const outlines = figureTextOutlines();
  const files = figuresOf(items, info).flatMap((figure): OutputFile[] => {
    // The figure is drawn once for both files: the PNG is written first and leaves the file's SVG for the SVG file.
    let made: string | undefined;
    return [
      rendered(join(folder, `${figure.stem}.png`), () => {
        const { raster, file } = figureSvgs(figure, outlines);
        made = file;
        return svgToPng(raster);
      }),
      rendered(join(folder, `${figure.stem}.svg`), () => {
        const text = made ?? figureSvg(figure.drawing());
        made = undefined;
        return svgFileBytes(text);
      }),
    ];
  });
  return commitFigures(folder, files, options);
}

/** A call's figures, rendered and held in memory: `write()` writes them (what writeAttentionImages writes, the same bytes). */
export interface RenderedAttentionImages {
  readonly write: () => string[];
}

/**
 * writeAttentionImages in two steps: the figures render several at a time on
 * libuv's thread pool (render-ahead.ts), and nothing is written, nor the
 * folder made, until `write()`, so a caller can draw something else on the
 * main thread meanwhile and still write in the order it did. The PNGs are
 * held in memory until then (compressed: about the grid's size again, which
 * MAX_FIGURE_PIXELS bounds). A figure that failed to render fails its PNG's
 * write, as it does when rendered while written.
 */
export async function renderAttentionImages(folder: string, items: readonly AttentionItem[], info: FigureInfo, options: AttentionWriteOptions = { ownFolder: true, overwrite: false }): Promise<RenderedAttentionImages> {
  requireMayDraw(folder, options);
  const figures = figuresOf(items, info);
  const outlines = figureTextOutlines();
  const svgs: (string | undefined)[] = new Array<string | undefined>(figures.length);
  // The grid (the last figure, as large as all the others together) starts first: the small ones fill the other cores meanwhile.
  const gridFirst = figures.map((_, i) => (i + figures.length - 1) % figures.length);
  const rasterSvg = (i: number): string => {
    const { raster, file } = figureSvgs(figures[i]!, outlines);
    svgs[i] = file;
    return raster;
  };
  const pngs = await renderAhead(figures.length, rasterSvg, svgToPngAsync, renderSlots(), gridFirst);
  const files = figures.flatMap(({ stem }, i): OutputFile[] => {
    const result = pngs[i]!;
    const failed = (): never => {
      throw 'error' in result ? result.error : new Error(`figure ${stem} was not rendered`);
    };
    return [
      rendered(join(folder, `${stem}.png`), () => ('png' in result ? result.png : failed())),
      rendered(join(folder, `${stem}.svg`), () => {
        const svg = svgs[i];
        return svg === undefined ? failed() : svgFileBytes(svg);
      }),
    ];
  });
  return { write: () => commitFigures(folder, files, options) };
}
