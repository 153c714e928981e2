/**
 * Decoding one image file to the form ibc stores it in: 8-bit, interleaved,
 * at its stored size, with the model's channel count. The decoder is sharp
 * (libvips with libjpeg-turbo, libspng and libwebp, prebuilt inside its npm
 * packages); this module runs inside the data workers (worker.ts).
 *
 * What it does, in torchvision's terms (ImageFolder's PIL loader, then
 * Resize(resize)):
 * - the file's format is checked by its first bytes (JPEG, PNG, WebP), never
 *   by its name alone, so no other decoder libvips carries (SVG, PDF, ...) ever
 *   sees a dataset file;
 * - EXIF orientation is applied (the image as a viewer shows it; PIL's loader
 *   ignores the tag, so a rotated photo differs there);
 * - embedded colour profiles are ignored, as PIL's convert('RGB') does; CMYK
 *   becomes RGB by PIL's formula, alpha is dropped before resizing (PIL drops
 *   it, sharp would otherwise resize premultiplied colours), grey is repeated
 *   to RGB;
 * - the size: with `resize`, the shorter side becomes `resize` and the longer
 *   one int(resize * long / short) (torchvision truncates); without it, the
 *   input size exactly; bilinear with a filter widened when shrinking (PIL's
 *   BILINEAR, which torchvision uses on images);
 * - 1 channel: ITU-R 601 luma of the resized RGB (PIL's convert('L') weights).
 *
 * Damaged files fail with a reason a person can act on (cut short, corrupt,
 * not an image, too large), never the decoder's internal wording alone.
 */
import type { Sharp, SharpOptions } from 'sharp';

/** sharp's default export: the function that opens an image. */
export type SharpFactory = (input: Uint8Array, options: SharpOptions) => Sharp;

/** Larger images are refused before decoding: a damaged header can claim 100000x100000 pixels (40 GB of RGBA). */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

export type StoredSizeRule = { readonly kind: 'shorter'; readonly size: number } | { readonly kind: 'exact'; readonly width: number; readonly height: number };

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** height * width * channels bytes. */
  readonly data: Uint8Array;
  /** Size of the image as decoded (after EXIF orientation), before the resize. */
  readonly originalWidth: number;
  readonly originalHeight: number;
}

/** A file that cannot be used, and why (in words for the user). */
export class DecodeFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DecodeFailure';
  }
}

type Format = 'JPEG' | 'PNG' | 'WebP';

function formatOf(bytes: Uint8Array): Format | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'PNG';
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  return undefined;
}

/**
 * Whether the file lacks the end its format requires: a JPEG's end-of-image marker (FF D9, which
 * entropy-coded data never holds), a PNG's IEND chunk, the bytes a WebP's RIFF header counts.
 * Read only once decoding has failed: libvips's message for a cut-off JPEG is sometimes just
 * "Warning treated as error due to failOn setting", its libjpeg warning lost to another thread.
 */
function endsEarly(format: Format, bytes: Uint8Array): boolean {
  switch (format) {
    case 'JPEG':
      return !contains(bytes, [0xff, 0xd9]);
    case 'PNG':
      return !contains(bytes, [0x49, 0x45, 0x4e, 0x44]); // IEND
    case 'WebP': {
      const riffSize = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
      return bytes.length < 8 + riffSize;
    }
  }
}

function contains(bytes: Uint8Array, pattern: readonly number[]): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(pattern));
}

/** The decoder's message, as something the user can act on; `bytes`: the file, to tell a cut-off file when the message does not. */
export function decoderReason(format: Format, message: string, bytes?: Uint8Array): string {
  if (/premature end|truncat|end of (file|stream|data|input)|unexpected end|not enough data|short read|incomplete/i.test(message) || (bytes !== undefined && endsEarly(format, bytes))) {
    return `the ${format} file is truncated: its data ends before the image does`;
  }
  const first = message.split('\n')[0]!.trim();
  return `the ${format} file is corrupt (${first})`;
}

/** The stored size of an image of `width` x `height` under `rule`. */
export function storedSize(width: number, height: number, rule: StoredSizeRule): { width: number; height: number } {
  if (rule.kind === 'exact') return { width: rule.width, height: rule.height };
  // torchvision's Resize(size): short side = size, long side = int(size * long / short).
  if (width <= height) return { width: rule.size, height: Math.trunc((rule.size * height) / width) };
  return { width: Math.trunc((rule.size * width) / height), height: rule.size };
}

/** RGB bytes to ITU-R 601 luma, rounded (PIL's convert('L')). */
function toLuma(rgb: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    out[i] = (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/**
 * CMYK the way PIL's convert('RGB') turns it into RGB (no colour profile):
 * each of R, G, B is (255 - K) - C * (255 - K) / 255 for its ink (rounded as
 * PIL's MULDIV255), then opened again as raw pixels.
 */
async function cmykAsRgb(sharp: SharpFactory, bytes: Uint8Array, options: SharpOptions): Promise<Sharp> {
  const cmyk = await sharp(bytes, options).pipelineColourspace('cmyk').toColourspace('cmyk').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = cmyk.info;
  if (channels !== 4) throw new Error(`a CMYK image decoded to ${channels} channels`);
  const pixels = width * height;
  const rgb = new Uint8Array(pixels * 3);
  const ink = cmyk.data;
  for (let i = 0; i < pixels; i++) {
    const nk = 255 - ink[4 * i + 3]!;
    for (let k = 0; k < 3; k++) {
      const t = ink[4 * i + k]! * nk + 128;
      rgb[3 * i + k] = Math.max(0, nk - ((t + (t >> 8)) >> 8));
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } });
}

/** PIL's convert('RGB') drops alpha before any resize (sharp would resize premultiplied colours): the image as raw RGB without it. */
async function withoutAlpha(sharp: SharpFactory, bytes: Uint8Array, options: SharpOptions): Promise<Sharp> {
  const flat = await sharp(bytes, options).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = flat.info;
  return sharp(flat.data, { raw: { width, height, channels } });
}

/** Decodes `bytes` (one file's contents) to its stored form; a DecodeFailure says why it cannot. */
export async function decodeForStore(sharp: SharpFactory, bytes: Uint8Array, rule: StoredSizeRule, channels: 1 | 3): Promise<DecodedImage> {
  const format = formatOf(bytes);
  if (!format) throw new DecodeFailure('it is not a JPEG, PNG or WebP file (by its first bytes)');
  let metadata: Awaited<ReturnType<Sharp['metadata']>>;
  const options: SharpOptions = { failOn: 'warning', limitInputPixels: false, autoOrient: true, ignoreIcc: true, sequentialRead: true };
  try {
    metadata = await sharp(bytes, options).metadata();
  } catch (error) {
    throw new DecodeFailure(decoderReason(format, error instanceof Error ? error.message : String(error), bytes));
  }
  const original = metadata.autoOrient;
  if (!(original.width > 0 && original.height > 0)) throw new DecodeFailure(`it is ${original.width}x${original.height} pixels`);
  if (original.width * original.height > MAX_IMAGE_PIXELS) {
    throw new DecodeFailure(
      `its header says ${original.width}x${original.height} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} ibc decodes (a damaged file, or an image far too large to train on)`,
    );
  }
  const size = storedSize(original.width, original.height, rule);
  let data: Uint8Array;
  try {
    const source = metadata.space === 'cmyk' ? await cmykAsRgb(sharp, bytes, options) : metadata.hasAlpha ? await withoutAlpha(sharp, bytes, options) : sharp(bytes, options);
    const out = await source
      .resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.info.width !== size.width || out.info.height !== size.height || out.info.channels !== 3) {
      throw new Error(`the decoder returned ${out.info.width}x${out.info.height}x${out.info.channels}, expected ${size.width}x${size.height}x3`);
    }
    data = out.data;
  } catch (error) {
    throw new DecodeFailure(decoderReason(format, error instanceof Error ? error.message : String(error), bytes));
  }
  const pixels = size.width * size.height;
  // A copy the caller owns outright (sharp's buffer may be external memory that cannot be transferred).
  const stored = channels === 1 ? toLuma(data, pixels) : new Uint8Array(data);
  return { width: size.width, height: size.height, channels, data: stored, originalWidth: original.width, originalHeight: original.height };
}
