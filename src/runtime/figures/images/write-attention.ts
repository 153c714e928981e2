/**
 * Writes the attention figures of one call into `folder`: `test-NNNNN.png`
 * per test image (named by its index in the test set) and `grid.png` with all
 * of them, every figure on the same colour scale, each also as SVG
 * (`test-NNNNN.svg`, `grid.svg`: text as text, for papers). Attention images an earlier
 * call left in the folder (test-*.png, grid.png, and the older 000.png-style
 * names) are removed first, so the folder never mixes two calls. Returns the
 * written paths, the grid last.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runError, reasonOf } from '../../../support/errors.js';
import { attentionFigureSvg, figureFontInstalled, figureScale, svgToPng, type AttentionItem, type FigureInfo } from './figure.js';

export const ATTENTION_FOLDER = 'attention';

/** Names this writer uses (and the earlier writer's 000.png ...), and only these, are cleared. */
const OWN_FILE = /^(test-\d+\.(png|svg)|grid\.(png|svg)|\d{3,}\.png)$/;

/** The first line of every SVG figure: marks it as ibc's (PNG figures carry a tEXt chunk). */
export const SVG_MARK = '<!-- Software: ibc -->';

/** File name of test image `index`. */
export function attentionFileName(index: number, extension: 'png' | 'svg' = 'png'): string {
  return `test-${String(index).padStart(5, '0')}.${extension}`;
}

function write(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw runError('imageWriteFailed', { path, reason: reasonOf(error) });
  }
}

/** Removes attention images of an earlier call from `folder`. */
export function clearAttentionImages(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (!OWN_FILE.test(name)) continue;
    try {
      rmSync(join(folder, name));
    } catch (error) {
      throw runError('imageClearFailed', { path: join(folder, name), reason: reasonOf(error) });
    }
  }
}

export function writeAttentionImages(folder: string, items: readonly AttentionItem[], info: FigureInfo): string[] {
  if (!figureFontInstalled()) throw runError('imageFontMissing', { path: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' });
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw runError('imageWriteFailed', { path: folder, reason: reasonOf(error) });
  }
  clearAttentionImages(folder);
  if (items.length === 0) return [];
  // One scale for the call: each single-image figure uses the grid's scale too.
  const scale = figureScale(items, info.anchors, info.scale);
  const both = (stem: string, svg: string): string[] => {
    write(join(folder, `${stem}.svg`), new TextEncoder().encode(`${SVG_MARK}\n${svg}\n`));
    write(join(folder, `${stem}.png`), svgToPng(svg));
    return [join(folder, `${stem}.png`), join(folder, `${stem}.svg`)];
  };
  const paths = items.flatMap((item) => both(attentionFileName(item.index).replace(/\.png$/, ''), attentionFigureSvg([item], { ...info, title: `${info.title}, test image #${item.index}` }, 1, scale)));
  const gridTitle = `${info.title}, ${info.selection ?? `test images #${items[0]!.index}-#${items[items.length - 1]!.index}`}`;
  const grid = both('grid', attentionFigureSvg(items, { ...info, title: gridTitle }, Math.min(5, Math.ceil(Math.sqrt(items.length))), scale));
  return [...paths, ...grid];
}
