/** PNG (pngjs) and JPEG (jpeg-js) decoding to interleaved bytes with the wanted channel count. */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { runError, reasonOf } from '../../support/errors.js';
import type { ByteImage } from './resize.js';

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * pngjs and jpeg-js speak of their streams ("read requests waitng on finished
 * stream"); the user needs to hear that the file is cut short or damaged.
 */
export function decoderReason(format: 'PNG' | 'JPEG', error: unknown): string {
  const text = reasonOf(error);
  if (/finished stream|unexpected end|end of (file|stream|data)|truncated|out of bounds|offset is outside/i.test(text)) {
    return `the ${format} file is truncated: its data ends before the image does`;
  }
  return `the ${format} file is corrupt (${text})`;
}

/** Larger images are refused before decoding: a damaged header can claim 100000x100000 pixels (40 GB of RGBA). */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** Width and height from a PNG's IHDR chunk (bytes 16-23), when the file is long enough to hold it. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function decodeRgba(path: string, bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  if (isPng(bytes)) {
    const size = pngSize(bytes);
    if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
      throw runError('dataImageDecodeFailed', { path, reason: `its header says ${size.width}x${size.height} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} ibc decodes (a damaged file, or an image far too large to train on)` });
    }
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: png.data };
    } catch (error) {
      throw runError('dataImageDecodeFailed', { path, reason: decoderReason('PNG', error) });
    }
  }
  if (isJpeg(bytes)) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
      return { width: img.width, height: img.height, rgba: img.data };
    } catch (error) {
      throw runError('dataImageDecodeFailed', { path, reason: decoderReason('JPEG', error) });
    }
  }
  throw runError('dataImageDecodeFailed', { path, reason: 'it is neither a PNG nor a JPEG file (by its first bytes)' });
}

/**
 * Decodes to `channels` channels: 3 = RGB (alpha dropped), 1 = luma
 * (ITU-R 601 weights 0.299, 0.587, 0.114, rounded).
 */
export function decodeImage(path: string, bytes: Uint8Array, channels: number): ByteImage {
  const { width, height, rgba } = decodeRgba(path, bytes);
  if (width === 0 || height === 0) throw runError('dataImageDecodeFailed', { path, reason: `it is ${width}x${height} pixels` });
  const n = width * height;
  const out = new Uint8Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) {
      out[i] = Math.round(0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!);
    }
  } else if (channels === 3) {
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i]!;
      out[3 * i + 1] = rgba[4 * i + 1]!;
      out[3 * i + 2] = rgba[4 * i + 2]!;
    }
  } else if (channels === 4) {
    out.set(rgba.subarray(0, 4 * n));
  } else {
    throw runError('dataImageDecodeFailed', { path, reason: `the model input has ${channels} channels; images can feed 1 (grey), 3 (RGB) or 4 (RGBA)` });
  }
  return { width, height, channels, data: out };
}
