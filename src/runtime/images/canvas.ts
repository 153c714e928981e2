/** A plain RGBA image and the few drawing operations the attention panels need. */
import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, glyphDrop } from './font.js';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, row-major RGBA. */
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export function createCanvas(width: number, height: number, background: Rgb): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = background[0];
    data[4 * i + 1] = background[1];
    data[4 * i + 2] = background[2];
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

/** Copies `src` into `dst` at (x, y), each source pixel becoming a `scale` x `scale` block; clipped to `dst`. */
export function blitScaled(dst: RgbaImage, src: RgbaImage, x: number, y: number, scale: number): void {
  const w = src.width * scale;
  const h = src.height * scale;
  for (let dy = 0; dy < h; dy++) {
    const ty = y + dy;
    if (ty < 0 || ty >= dst.height) continue;
    const srow = Math.floor(dy / scale) * src.width;
    for (let dx = 0; dx < w; dx++) {
      const tx = x + dx;
      if (tx < 0 || tx >= dst.width) continue;
      const s = 4 * (srow + Math.floor(dx / scale));
      const d = 4 * (ty * dst.width + tx);
      dst.data[d] = src.data[s]!;
      dst.data[d + 1] = src.data[s + 1]!;
      dst.data[d + 2] = src.data[s + 2]!;
      dst.data[d + 3] = src.data[s + 3]!;
    }
  }
}

/** Draws `text` with its top-left corner at (x, y); each font pixel is `scale` x `scale`. Clipped to the canvas. */
export function drawText(dst: RgbaImage, text: string, x: number, y: number, color: Rgb, scale = 1): void {
  let cx = x;
  for (const ch of text) {
    const bits = glyph(ch);
    const top = y + glyphDrop(ch) * scale;
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!bits[gy * GLYPH_WIDTH + gx]) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= dst.height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = cx + gx * scale + sx;
            if (px < 0 || px >= dst.width) continue;
            const d = 4 * (py * dst.width + px);
            dst.data[d] = color[0];
            dst.data[d + 1] = color[1];
            dst.data[d + 2] = color[2];
            dst.data[d + 3] = 255;
          }
        }
      }
    }
    cx += ADVANCE * scale;
  }
}

/** `text` cut to at most `maxChars` characters, ending in '..' when cut. */
export function fitText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return maxChars <= 2 ? text.slice(0, Math.max(0, maxChars)) : `${text.slice(0, maxChars - 2)}..`;
}
