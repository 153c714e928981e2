/**
 * One attention panel: the input image, the continuous attention map blended
 * over it as a heat map, and (when the model quantizes) the quantized map
 * likewise, side by side and scaled up with nearest-neighbour so that small
 * inputs (28x28) stay readable; below them the predicted class (green when
 * right, red when wrong) and the true class.
 */
import { denormalizeToByte, normalizeValues, type Normalize } from '../data/normalize.js';
import { continuousMap, quantizedMap } from './attention-map.js';
import { JET } from './colormap.js';
import { blitScaled, createCanvas, drawText, fitText, type Rgb, type RgbaImage } from './canvas.js';
import { ADVANCE, GLYPH_HEIGHT, LINE_HEIGHT } from './font.js';

export interface AttentionItem {
  /** h * w * c floats, normalised as the model saw it. */
  readonly image: Float32Array;
  readonly shape: readonly [number, number, number];
  readonly normalize: Normalize;
  /** mh * mw values of the attention mean (any range; min-max scaled for display). */
  readonly attention: Float32Array;
  readonly mapShape: readonly [number, number];
  /** mh * mw values in 0..1 after quantization to the anchors. */
  readonly attentionQuantized?: Float32Array;
  readonly predicted: number;
  readonly label: number;
  readonly classNames?: readonly string[];
}

/** Weight of the heat colour in the overlay. */
export const OVERLAY_ALPHA = 0.5;
const MARGIN = 4;
const GAP = 4;
const CAPTION = GLYPH_HEIGHT + 3;
const BACKGROUND: Rgb = [20, 20, 20];
const CAPTION_COLOR: Rgb = [200, 200, 200];
const RIGHT: Rgb = [90, 230, 90];
const WRONG: Rgb = [245, 90, 90];

/** Nearest-neighbour magnification for an h x w input: about 128 pixels on the longer side, between 1x and 8x. */
export function displayScale(h: number, w: number): number {
  return Math.min(8, Math.max(1, Math.floor(128 / Math.max(h, w))));
}

/** The input image as RGBA bytes (grey inputs repeated in R, G and B). */
export function inputToRgba(item: AttentionItem): RgbaImage {
  const [h, w, c] = item.shape;
  const { mean, std } = normalizeValues(item.normalize, c);
  const data = new Uint8Array(h * w * 4);
  const colour = c >= 3;
  for (let i = 0; i < h * w; i++) {
    const r = denormalizeToByte(item.image[i * c]!, mean[0]!, std[0]!);
    data[4 * i] = r;
    data[4 * i + 1] = colour ? denormalizeToByte(item.image[i * c + 1]!, mean[1]!, std[1]!) : r;
    data[4 * i + 2] = colour ? denormalizeToByte(item.image[i * c + 2]!, mean[2]!, std[2]!) : r;
    data[4 * i + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Blends the jet colours of `map` (h * w values in 0..255) over `base`. */
export function heatOverlay(base: RgbaImage, map: Float32Array, alpha = OVERLAY_ALPHA): RgbaImage {
  const data = new Uint8Array(base.data.length);
  for (let i = 0; i < map.length; i++) {
    const v = Math.min(255, Math.max(0, Math.round(map[i]!)));
    for (let k = 0; k < 3; k++) data[4 * i + k] = Math.round((1 - alpha) * base.data[4 * i + k]! + alpha * JET[3 * v + k]!);
    data[4 * i + 3] = 255;
  }
  return { width: base.width, height: base.height, data };
}

export function className(index: number, names: readonly string[] | undefined): string {
  const name = names?.[index];
  return name === undefined ? String(index) : `${name} (${index})`;
}

export function renderAttentionPanel(item: AttentionItem): RgbaImage {
  const [h, w] = item.shape;
  const expected = item.mapShape[0] * item.mapShape[1];
  if (item.attention.length !== expected || (item.attentionQuantized && item.attentionQuantized.length !== expected)) {
    throw new Error(`renderAttentionPanel: the attention map holds ${item.attention.length} values, not ${item.mapShape.join('x')}`);
  }
  if (item.image.length !== h * w * item.shape[2]) {
    throw new Error(`renderAttentionPanel: the image holds ${item.image.length} values, not ${item.shape.join('x')}`);
  }
  const input = inputToRgba(item);
  const tiles: { image: RgbaImage; caption: string }[] = [
    { image: input, caption: 'input' },
    { image: heatOverlay(input, continuousMap(item.attention, item.mapShape, h, w)), caption: 'attention' },
  ];
  if (item.attentionQuantized) {
    tiles.push({ image: heatOverlay(input, quantizedMap(item.attentionQuantized, item.mapShape, h, w)), caption: 'quantized' });
  }
  const scale = displayScale(h, w);
  const tileW = w * scale;
  const tileH = h * scale;
  const width = 2 * MARGIN + tiles.length * tileW + (tiles.length - 1) * GAP;
  const textTop = MARGIN + CAPTION + tileH + 4;
  const height = textTop + 2 * LINE_HEIGHT + MARGIN;
  const canvas = createCanvas(width, height, BACKGROUND);
  const tileChars = Math.floor((tileW + 1) / ADVANCE);
  tiles.forEach((tile, i) => {
    const x = MARGIN + i * (tileW + GAP);
    drawText(canvas, fitText(tile.caption, tileChars), x, MARGIN, CAPTION_COLOR);
    blitScaled(canvas, tile.image, x, MARGIN + CAPTION, scale);
  });
  const lineChars = Math.floor((width - 2 * MARGIN + 1) / ADVANCE);
  const correct = item.predicted === item.label;
  drawText(canvas, fitText(`pred: ${className(item.predicted, item.classNames)}`, lineChars), MARGIN, textTop, correct ? RIGHT : WRONG);
  drawText(canvas, fitText(`true: ${className(item.label, item.classNames)}`, lineChars), MARGIN, textTop + LINE_HEIGHT, CAPTION_COLOR);
  return canvas;
}

/** Panels in rows of `columns`, each in a cell the size of the largest panel. */
export function renderAttentionGrid(panels: readonly RgbaImage[], columns: number): RgbaImage {
  if (panels.length === 0) return createCanvas(1, 1, BACKGROUND);
  const cols = Math.max(1, Math.min(Math.floor(columns), panels.length));
  const rows = Math.ceil(panels.length / cols);
  const cellW = Math.max(...panels.map((p) => p.width));
  const cellH = Math.max(...panels.map((p) => p.height));
  const canvas = createCanvas(cols * cellW + (cols + 1) * GAP, rows * cellH + (rows + 1) * GAP, [0, 0, 0]);
  panels.forEach((panel, i) => {
    blitScaled(canvas, panel, GAP + (i % cols) * (cellW + GAP), GAP + Math.floor(i / cols) * (cellH + GAP), 1);
  });
  return canvas;
}
