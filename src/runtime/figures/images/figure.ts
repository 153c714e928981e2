/**
 * Attention figures a person can read and put in a paper. One figure is a
 * title, one panel per test image and a colour bar:
 *
 * - each panel shows the input, the continuous map mu_a and (when the model
 *   quantizes) the quantized map a_q, each map cell drawn as a flat square of
 *   its exact value (no blur, no per-image rescaling), side by side with the
 *   input or, with `overlay`, mixed half and half with the input's grey; the
 *   object box where known, the predicted class marked by a symbol as well as
 *   a colour (✓ green when right, ✗ red when wrong, readable without colour),
 *   the true class and the test-set index;
 * - every map in the figure uses one colour scale (viridis): 'fixed' is
 *   [0, 1], the range of mu_a = sigmoid(.), widened to any value outside it
 *   (a learned anchor may leave it), so figures compare; 'auto' stretches it
 *   to the lowest and highest map value of the figure (a saturated map keeps
 *   its structure) and says so on the figure. The colour bar shows the range;
 *   the quantized model's anchor values are marked on it and listed;
 * - text is DejaVu Sans rendered by resvg from an SVG built here: the figure
 *   is built once as a drawing (attentionFigure), written as SVG with its text
 *   as text (figureSvg), and rasterised from the same drawing with each text
 *   as outlines laid out once per call (figure-text.ts: text layout is most of
 *   resvg's time, and most texts repeat in every figure of a call).
 */
import { markPng } from '../png-mark.js';
import { Resvg, renderAsync } from '@resvg/resvg-js';
import { existsSync } from 'node:fs';
import { denormalizeToByte, normalizeValues, type Normalize } from '../../data/normalize.js';
import type { ObjectBox } from '../../data/boxes.js';
import { encodePng } from './png.js';
import { viridisAt, VIRIDIS } from './colormap.js';
import { plainText, TextOutlines, type FigureText } from './figure-text.js';

/** A figure as built: SVG markup, and its texts kept apart to be drawn as text or as outlines. */
export type FigurePart = string | FigureText;

export interface FigureDrawing {
  /** In order; joined by line breaks. */
  readonly parts: readonly FigurePart[];
}

export interface AttentionItem {
  /** Index of the image in the test set: names the file and is printed under the panel. */
  readonly index: number;
  /** h * w * c floats, normalised as the model saw it. */
  readonly image: Float32Array;
  readonly shape: readonly [number, number, number];
  readonly normalize: Normalize;
  /** mh * mw values of the attention mean mu_a. */
  readonly attention: Float32Array;
  readonly mapShape: readonly [number, number];
  /** mh * mw values of the quantized map a_q (anchor values). */
  readonly attentionQuantized?: Float32Array;
  readonly predicted: number;
  readonly label: number;
  readonly classNames?: readonly string[];
  /** The object box in input pixels, where known. */
  readonly box?: ObjectBox;
}

export interface FigureInfo {
  /** e.g. "cluttered-fashion-aib-qt, last checkpoint, epoch 2". */
  readonly title: string;
  /** The quantized model's anchor values, marked on the colour bar. */
  readonly anchors?: readonly number[];
  /** Maps over the input (mixed at OVERLAY_OPACITY) instead of beside it. */
  readonly overlay?: boolean;
  /** The colour scale of the call (default fixed). */
  readonly scale?: ScaleMode;
  /** Which images the grid shows, for its title (default: the range of their test indices). */
  readonly selection?: string;
}

/** How the colour scale is chosen: fixed (comparable between figures) or stretched to the figure's maps. */
export type ScaleMode = 'fixed' | 'auto';
export const SCALE_MODES: readonly ScaleMode[] = ['fixed', 'auto'];

export interface ColourScale {
  readonly low: number;
  readonly high: number;
  /** 'auto': stretched to the maps' values (labelled on the figure); absent: fixed. */
  readonly mode?: ScaleMode;
}

/** The share of a map's colour in an overlay tile (the rest is the input's grey). */
export const OVERLAY_OPACITY = 0.5;

const FONT_FAMILY = 'DejaVu Sans';
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts'];
const FONT = 13;
const SMALL = 12;
const MARGIN = 12;
const TILE_GAP = 6;
const PANEL_GAP = 14;
const BACKGROUND = '#ffffff';
const TEXT = '#222222';
const RIGHT = '#1a7f37';
const WRONG = '#c62828';
const BOX = '#ff3b30';
/** DejaVu Sans has both (U+2713 CHECK MARK, U+2717 BALLOT X). */
export const RIGHT_MARK = '✓';
export const WRONG_MARK = '✗';
/** Width of a text line of n characters at `size` (DejaVu Sans averages about 0.6 em). */
const textWidth = (n: number, size: number): number => Math.ceil(n * size * 0.6);

/**
 * One scale for every map of the figure. Fixed: [0, 1] widened to the values present
 * (and the anchors). Auto: the lowest to the highest map value (a constant map gets a
 * range of 1 around it, so it shows as the middle colour).
 */
export function figureScale(items: readonly AttentionItem[], anchors?: readonly number[], mode: ScaleMode = 'fixed'): ColourScale {
  if (mode === 'auto') {
    let lo = Infinity;
    let hi = -Infinity;
    for (const item of items) {
      for (const map of [item.attention, item.attentionQuantized]) {
        if (!map) continue;
        for (const v of map) {
          if (!Number.isFinite(v)) continue;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) return { low: 0, high: 1, mode };
    return hi > lo ? { low: lo, high: hi, mode } : { low: lo - 0.5, high: hi + 0.5, mode };
  }
  let low = 0;
  let high = 1;
  const widen = (values: ArrayLike<number>): void => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
  };
  for (const item of items) {
    widen(item.attention);
    if (item.attentionQuantized) widen(item.attentionQuantized);
  }
  if (anchors) widen(anchors);
  return { low, high };
}

/** Nearest-neighbour magnification for an h x w input: about 150 pixels on the longer side, between 1x and 8x. */
export function displayScale(h: number, w: number): number {
  return Math.min(8, Math.max(1, Math.round(150 / Math.max(h, w))));
}

export function className(index: number, names: readonly string[] | undefined): string {
  const name = names?.[index];
  return name === undefined ? `class ${index}` : `${name} (${index})`;
}

/** PNG data URI of an RGB image given per pixel, magnified `scale` times with nearest neighbour. */
function pngUri(width: number, height: number, scale: number, rgb: (x: number, y: number) => readonly [number, number, number]): string {
  const W = width * scale;
  const H = height * scale;
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const o = 4 * ((y * scale + dy) * W + x * scale + dx);
          data[o] = r;
          data[o + 1] = g;
          data[o + 2] = b;
          data[o + 3] = 255;
        }
      }
    }
  }
  return `data:image/png;base64,${encodePng(data, W, H).toString('base64')}`;
}

function inputUri(item: AttentionItem, scale: number): string {
  const [h, w, c] = item.shape;
  const { mean, std } = normalizeValues(item.normalize, c);
  const at = (x: number, y: number, k: number): number => denormalizeToByte(item.image[(y * w + x) * c + k]!, mean[k]!, std[k]!);
  return pngUri(w, h, scale, (x, y) => (c >= 3 ? [at(x, y, 0), at(x, y, 1), at(x, y, 2)] : [at(x, y, 0), at(x, y, 0), at(x, y, 0)]));
}

/** A map drawn over the input's display size: each map cell a block of its exact colour. */
function mapUri(map: Float32Array, mapShape: readonly [number, number], scale: ColourScale): string {
  const [mh, mw] = mapShape;
  return pngUri(mw, mh, 1, (x, y) => viridisAt(map[y * mw + x]!, scale.low, scale.high));
}

/** The grey (0-255) of each input pixel, as the overlay mixes it: the channels' mean. */
function inputGrey(item: AttentionItem): Uint8Array {
  const [h, w, c] = item.shape;
  const { mean, std } = normalizeValues(item.normalize, c);
  const grey = new Uint8Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += denormalizeToByte(item.image[p * c + k]!, mean[k]!, std[k]!);
    grey[p] = Math.round(sum / c);
  }
  return grey;
}

/** A map over the input at the input's resolution: each pixel its map cell's colour (nearest) mixed with its grey. */
function overlayUri(item: AttentionItem, map: Float32Array, scale: ColourScale, magnify: number): string {
  const [h, w] = item.shape;
  const [mh, mw] = item.mapShape;
  const grey = inputGrey(item);
  return pngUri(w, h, magnify, (x, y) => {
    const colour = viridisAt(map[Math.floor((y * mh) / h) * mw + Math.floor((x * mw) / w)]!, scale.low, scale.high);
    const g = grey[y * w + x]!;
    const mix = (v: number): number => Math.round((1 - OVERLAY_OPACITY) * g + OVERLAY_OPACITY * v);
    return [mix(colour[0]), mix(colour[1]), mix(colour[2])];
  });
}

interface PanelLayout {
  readonly tileW: number;
  readonly tileH: number;
  readonly tiles: number;
  readonly width: number;
  readonly height: number;
}

function panelLayout(item: Pick<AttentionItem, 'shape' | 'attentionQuantized'>): PanelLayout {
  return panelLayoutOf(item.shape, item.attentionQuantized !== undefined);
}

function panelLayoutOf(shape: readonly [number, number, number] | readonly number[], quantized: boolean): PanelLayout {
  const h = shape[0] ?? 1;
  const w = shape[1] ?? 1;
  const s = displayScale(h, w);
  const tiles = quantized ? 3 : 2;
  const tileW = w * s;
  const tileH = h * s;
  const width = tiles * tileW + (tiles - 1) * TILE_GAP;
  return { tileW, tileH, tiles, width, height: FONT + 6 + tileH + 6 + 3 * (SMALL + 5) };
}

/**
 * The tiles' PNG data URIs of each item, by what they are drawn from (tile, scale, overlay): the grid
 * shows the tiles its single-image figures showed, so it reuses their URIs instead of encoding each
 * PNG again (held while the item is).
 */
const tileUris = new WeakMap<AttentionItem, Map<string, string>>();

function tileUri(item: AttentionItem, key: string, make: () => string): string {
  let uris = tileUris.get(item);
  if (!uris) tileUris.set(item, (uris = new Map()));
  let uri = uris.get(key);
  if (uri === undefined) uris.set(key, (uri = make()));
  return uri;
}

function panelParts(item: AttentionItem, scale: ColourScale, x0: number, y0: number, layout: PanelLayout, overlay: boolean): FigurePart[] {
  const [h, w] = item.shape;
  const s = displayScale(h, w);
  const { tileW, tileH } = layout;
  const parts: FigurePart[] = [];
  const top = y0 + FONT + 6;
  const scaleKey = `${scale.low} ${scale.high}`;
  const map = (which: string, values: Float32Array): string =>
    tileUri(item, `${which} ${scaleKey} ${overlay ? `overlay ${s}` : 'beside'}`, () => (overlay ? overlayUri(item, values, scale, s) : mapUri(values, item.mapShape, scale)));
  // The longest label that fits over the tile (small inputs have narrow tiles).
  const label = (...choices: string[]): string => choices.find((c) => textWidth(c.length, FONT) <= tileW) ?? choices[choices.length - 1]!;
  const over = overlay ? ' over input' : '';
  const tiles: { label: string; href: string }[] = [
    { label: 'input', href: tileUri(item, `input ${s}`, () => inputUri(item, s)) },
    { label: label(`attention μ_a${over}`, `μ_a${over}`, 'μ_a'), href: map('mean', item.attention) },
    ...(item.attentionQuantized ? [{ label: label(`quantized a_q${over}`, `a_q${over}`, 'a_q'), href: map('quantized', item.attentionQuantized) }] : []),
  ];
  tiles.forEach((tile, i) => {
    const x = x0 + i * (tileW + TILE_GAP);
    parts.push({ x, y: y0 + FONT, size: FONT, content: tile.label });
    parts.push(`<image x="${x}" y="${top}" width="${tileW}" height="${tileH}" image-rendering="optimizeSpeed" preserveAspectRatio="none" href="${tile.href}"/>`);
    parts.push(`<rect x="${x}" y="${top}" width="${tileW}" height="${tileH}" fill="none" stroke="#999999" stroke-width="1"/>`);
    if (item.box) {
      const [by0, bx0, by1, bx1] = item.box;
      parts.push(
        `<rect x="${(x + bx0 * s).toFixed(1)}" y="${(top + by0 * s).toFixed(1)}" width="${((bx1 - bx0) * s).toFixed(1)}" height="${((by1 - by0) * s).toFixed(1)}" ` +
          `fill="none" stroke="${BOX}" stroke-width="2"/>`,
      );
    }
  });
  const correct = item.predicted === item.label;
  const textTop = top + tileH + 6 + SMALL;
  // Right or wrong by symbol as well as colour: readable in grey and by colour-blind readers.
  parts.push({
    x: x0,
    y: textTop,
    size: SMALL,
    fill: correct ? RIGHT : WRONG,
    content: `${correct ? RIGHT_MARK : WRONG_MARK} predicted: ${className(item.predicted, item.classNames)}${correct ? '' : ' (wrong)'}`,
  });
  parts.push({ x: x0, y: textTop + SMALL + 5, size: SMALL, content: `true: ${className(item.label, item.classNames)}` });
  parts.push({ x: x0, y: textTop + 2 * (SMALL + 5), size: SMALL, fill: '#666666', content: `test image #${item.index}` });
  return parts;
}

/** The colour bar's image, the same in every figure: made once. */
let colourBar: string | undefined;
function colourBarUri(): string {
  colourBar ??= pngUri(1, 256, 1, (_, row) => {
    const i = 255 - row;
    return [VIRIDIS[3 * i]!, VIRIDIS[3 * i + 1]!, VIRIDIS[3 * i + 2]!];
  });
  return colourBar;
}

function colourBarParts(scale: ColourScale, anchors: readonly number[] | undefined, x: number, y: number, height: number): FigurePart[] {
  const barW = 18;
  const gradient = colourBarUri();
  const parts: FigurePart[] = [
    `<image x="${x}" y="${y}" width="${barW}" height="${height}" preserveAspectRatio="none" href="${gradient}"/>`,
    `<rect x="${x}" y="${y}" width="${barW}" height="${height}" fill="none" stroke="#666666" stroke-width="1"/>`,
  ];
  const at = (v: number): number => y + height * (1 - (v - scale.low) / (scale.high - scale.low));
  const ticks = 5;
  for (let t = 0; t < ticks; t++) {
    const v = scale.low + ((scale.high - scale.low) * t) / (ticks - 1);
    const ty = at(v);
    parts.push(`<line x1="${x + barW}" y1="${ty.toFixed(1)}" x2="${x + barW + 5}" y2="${ty.toFixed(1)}" stroke="${TEXT}" stroke-width="1"/>`);
    parts.push({ x: x + barW + 8, y: ty + SMALL / 3, yDigits: 1, size: SMALL, content: v.toFixed(2) });
  }
  // On an auto scale an anchor may lie outside the range: it is listed, not marked.
  for (const a of (anchors ?? []).filter((v) => v >= scale.low && v <= scale.high)) {
    const ty = at(a).toFixed(1);
    parts.push(`<line x1="${x - 6}" y1="${ty}" x2="${x + barW}" y2="${ty}" stroke="#ffffff" stroke-width="1"/>`);
    parts.push(`<line x1="${x - 6}" y1="${ty}" x2="${x}" y2="${ty}" stroke="${TEXT}" stroke-width="1.5"/>`);
  }
  return parts;
}

function anchorLine(anchors: readonly number[], scale: ColourScale): string {
  const outside = anchors.filter((a) => a < scale.low || a > scale.high).length;
  const marked = outside > 0 ? `marked on the bar, ${outside} outside the auto range not marked` : 'marked on the bar';
  return `Anchors (${anchors.length}, ${marked}): ${anchors.map((a) => a.toFixed(3)).join(', ')}`;
}

/** The most pixels one figure may have (2^27: 512 MiB as RGBA while it is rendered). */
export const MAX_FIGURE_PIXELS = 2 ** 27;

/** Columns of the grid of `count` images (what writeAttentionImages draws). */
export function gridColumns(count: number): number {
  return Math.min(5, Math.ceil(Math.sqrt(Math.max(1, count))));
}

/** The size of the grid figure of `count` images of `shape` (header lines taken at their most), known before anything is drawn. */
export function gridFigureSize(count: number, shape: readonly number[], quantized: boolean): { width: number; height: number } {
  const layout = panelLayoutOf(shape, quantized);
  const cols = Math.max(1, Math.min(gridColumns(count), count));
  const rows = Math.ceil(Math.max(1, count) / cols);
  const headerH = 16 + 8 + 3 * (SMALL + 6) + 8;
  const width = Math.max(MARGIN + cols * layout.width + (cols - 1) * PANEL_GAP + 20 + 80, MARGIN * 2 + 1400);
  const height = MARGIN + headerH + rows * layout.height + (rows - 1) * PANEL_GAP + MARGIN;
  return { width, height };
}

/** The most images whose grid figure stays within MAX_FIGURE_PIXELS. */
export function maxGridImages(shape: readonly number[], quantized: boolean): number {
  let low = 1;
  let high = 1 << 24;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const { width, height } = gridFigureSize(mid, shape, quantized);
    if (width * height <= MAX_FIGURE_PIXELS) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The figure's SVG with its text as text (what the written .svg carries). */
export function attentionFigureSvg(items: readonly AttentionItem[], info: FigureInfo, columns: number, fixedScale?: ColourScale): string {
  return figureSvg(attentionFigure(items, info, columns, fixedScale));
}

/** The figure as a drawing: title, panels in rows of `columns`, colour bar, legend. */
export function attentionFigure(items: readonly AttentionItem[], info: FigureInfo, columns: number, fixedScale?: ColourScale): FigureDrawing {
  if (items.length === 0) throw new Error('attentionFigure: no items');
  const scale = fixedScale ?? figureScale(items, info.anchors);
  const overlay = info.overlay === true;
  const layout = panelLayout(items[0]!);
  const cols = Math.max(1, Math.min(Math.floor(columns), items.length));
  const rows = Math.ceil(items.length / cols);
  const range = `viridis, ${scale.low.toFixed(2)} to ${scale.high.toFixed(2)}`;
  const lines = [
    info.title,
    scale.mode === 'auto'
      ? `Deterministic maps (a = μ_a). Colour: attention value on an AUTO scale stretched to this figure's maps (${range}): colours do not compare with other figures; cells flat, unblurred.`
      : `Deterministic maps (a = μ_a). Colour: attention value, one fixed scale for every map in this figure (${range}); cells flat, unblurred.`,
    ...(overlay ? [`Maps drawn over the input: each cell's colour mixed ${Math.round(100 * OVERLAY_OPACITY)}% with the input's grey.`] : []),
    `${RIGHT_MARK} prediction right, ${WRONG_MARK} prediction wrong.`,
    ...(items.some((i) => i.box) ? ['Red box: the object box.'] : []),
    ...(info.anchors ? [anchorLine(info.anchors, scale)] : []),
  ];
  const titleSize = 16;
  const headerH = titleSize + 8 + (lines.length - 1) * (SMALL + 6) + 8;
  const gridW = cols * layout.width + (cols - 1) * PANEL_GAP;
  const gridH = rows * layout.height + (rows - 1) * PANEL_GAP;
  const barAreaW = 96;
  const legendW = Math.max(...lines.slice(1).map((l) => textWidth(l.length, SMALL)), textWidth(lines[0]!.length, titleSize));
  const width = Math.max(MARGIN + gridW + 20 + barAreaW, MARGIN * 2 + Math.min(legendW, 1400));
  const height = MARGIN + headerH + gridH + MARGIN;
  const parts: FigurePart[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}" fill="${TEXT}">`,
    `<rect width="${width}" height="${height}" fill="${BACKGROUND}"/>`,
    // The title names this figure (its image, or the grid): no other figure draws it.
    { x: MARGIN, y: MARGIN + titleSize, size: titleSize, bold: true, content: lines[0]!, once: true },
  ];
  lines.slice(1).forEach((line, i) => {
    parts.push({ x: MARGIN, y: MARGIN + titleSize + 8 + (i + 1) * (SMALL + 6) - 4, size: SMALL, content: line });
  });
  const gridTop = MARGIN + headerH;
  items.forEach((item, i) => {
    const x = MARGIN + (i % cols) * (layout.width + PANEL_GAP);
    const y = gridTop + Math.floor(i / cols) * (layout.height + PANEL_GAP);
    parts.push(...panelParts(item, scale, x, y, layout, overlay));
  });
  const barH = Math.min(gridH, Math.max(layout.tileH, 160));
  const barX = MARGIN + gridW + 26;
  const barTop = gridTop + FONT + 6;
  parts.push(...colourBarParts(scale, info.anchors, barX, barTop, barH));
  if (scale.mode === 'auto') {
    // Along the bar, right of its tick labels: the scale is this figure's own.
    const x = barX + 18 + 52;
    const y = barTop + barH / 2;
    parts.push({ x, y, size: SMALL, bold: true, anchor: 'middle', rotate: 90, content: 'auto scale' });
  }
  parts.push('</svg>');
  return { parts };
}

/**
 * The drawing as SVG: each text as `<text>`, or, given `outlines` (the call's),
 * as its outlines (laid out here where the call has not laid it out before).
 */
export function figureSvg(drawing: FigureDrawing, outlines?: TextOutlines): string {
  if (outlines) outlines.prepare(drawing.parts.filter((p): p is FigureText => typeof p !== 'string'));
  const text = outlines ? (t: FigureText): string => outlines.markup(t) : plainText;
  return drawing.parts.map((p) => (typeof p === 'string' ? p : text(p))).join('\n');
}

/** The outlines of one call's texts: made by the call, used for each of its figures' PNGs (figureSvg). */
export function figureTextOutlines(): TextOutlines {
  return new TextOutlines(fontOptions(), { family: FONT_FAMILY, fill: TEXT });
}

/** The faces the figures use (regular and bold text). */
const FONT_FACES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

type FontOptions = { loadSystemFonts: false; defaultFontFamily: string } & ({ fontFiles: string[] } | { fontDirs: string[] });
let fonts: FontOptions | undefined;

/**
 * The two DejaVu Sans files where they are installed (resvg then parses two fonts per figure,
 * not every font under the folders), else the folders to search.
 */
function fontOptions(): FontOptions {
  if (fonts) return fonts;
  const files = FONT_FACES.map((face) => FONT_DIRS.map((d) => `${d}/${face}`).find((path) => existsSync(path)));
  fonts = files.every((f): f is string => f !== undefined)
    ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: FONT_FAMILY }
    : { loadSystemFonts: false, fontDirs: FONT_DIRS.filter((d) => existsSync(d)), defaultFontFamily: FONT_FAMILY };
  return fonts;
}

/** Renders an SVG to PNG bytes with resvg and the installed DejaVu fonts. */
export function svgToPng(svg: string): Uint8Array {
  const png = new Resvg(svg, { font: fontOptions(), background: BACKGROUND }).render().asPng();
  return markPng(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}

/**
 * svgToPng's bytes, with the parsing (text layout is most of a figure's time)
 * and the rasterising done on libuv's thread pool (resvg's renderAsync), so
 * several figures render at once and the main thread stays free; only the
 * PNG encoding runs on the main thread.
 */
export async function svgToPngAsync(svg: string): Promise<Uint8Array> {
  const png = (await renderAsync(svg, { font: fontOptions(), background: BACKGROUND })).asPng();
  return markPng(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}

/** Whether DejaVu Sans is installed where the figures look for it (Debian: fonts-dejavu-core). */
export function figureFontInstalled(): boolean {
  return FONT_DIRS.some((d) => existsSync(`${d}/DejaVuSans.ttf`));
}
