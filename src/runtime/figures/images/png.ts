/** PNG output through pngjs. */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { runError, reasonOf } from '../../../support/errors.js';

export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes is not ${width}x${height} RGBA`);
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}

export function writePng(path: string, rgba: Uint8Array, width: number, height: number): void {
  const bytes = encodePng(rgba, width, height);
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw runError('imageWriteFailed', { path, reason: reasonOf(error) });
  }
}
