/**
 * Pixel normalisation as a lookup table: byte v in channel k becomes
 * (v / 255 - mean[k]) / std[k]. One value of mean or std applies to every channel.
 */
import { runError } from '../../support/errors.js';

export interface Normalize {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

function perChannel(values: readonly number[], channels: number, which: string): number[] {
  if (values.length === channels) return [...values];
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  throw runError('dataNormalizeChannels', { given: values.length, which, channels });
}

/** Per-channel mean and std, each of length `channels`. */
export function normalizeValues(normalize: Normalize, channels: number): { mean: number[]; std: number[] } {
  const mean = perChannel(normalize.mean.length === 0 ? [0] : normalize.mean, channels, 'mean');
  const std = perChannel(normalize.std.length === 0 ? [1] : normalize.std, channels, 'std');
  std.forEach((s, channel) => {
    if (!(s > 0)) throw runError('dataNormalizeZeroStd', { value: s, channel });
  });
  return { mean, std };
}

/** 256 * channels floats: table[v * channels + k] is byte v of channel k normalised. */
export function normalizeTable(normalize: Normalize, channels: number): Float32Array {
  const { mean, std } = normalizeValues(normalize, channels);
  const table = new Float32Array(256 * channels);
  for (let v = 0; v < 256; v++) {
    for (let k = 0; k < channels; k++) table[v * channels + k] = (v / 255 - mean[k]!) / std[k]!;
  }
  return table;
}

/** The inverse, for display: a normalised value back to a byte (clamped). */
export function denormalizeToByte(value: number, mean: number, std: number): number {
  const v = Math.round((value * std + mean) * 255);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
