/**
 * A file that fails to decode is named truncated when the decoder says so, or when the file
 * lacks the end its format requires: libvips sometimes reports a cut-off JPEG only as "Warning
 * treated as error due to failOn setting" (its libjpeg warning lost to another thread), and the
 * reason a user reads must not depend on that.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decoderReason } from '../../../../src/runtime/data/images/decode.js';

const VAGUE = 'Warning treated as error due to failOn setting';
const TRUNCATED = (format: string): string => `the ${format} file is truncated: its data ends before the image does`;

async function encoded(format: 'jpeg' | 'png' | 'webp'): Promise<Uint8Array> {
  const pixels = Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256));
  return new Uint8Array(await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } })[format]().toBuffer());
}

describe('decoderReason', () => {
  for (const [format, name] of [['jpeg', 'JPEG'], ['png', 'PNG'], ['webp', 'WebP']] as const) {
    it(`${name}: a cut-off file is truncated whatever the message; a whole one is corrupt with the decoder's first line`, async () => {
      const whole = await encoded(format);
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      expect(decoderReason(name, VAGUE, cut)).toBe(TRUNCATED(name));
      expect(decoderReason(name, `${VAGUE}\nmore`, whole)).toBe(`the ${name} file is corrupt (${VAGUE})`);
      expect(decoderReason(name, 'VipsJpeg: Premature end of JPEG file', whole)).toBe(TRUNCATED(name));
    });
  }
});
