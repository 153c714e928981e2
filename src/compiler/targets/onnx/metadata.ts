/**
 * The model's metadata_props. Besides ibc's own keys it writes the standard
 * Windows ML image keys (Image.BitmapPixelFormat, Image.ColorSpaceGamma,
 * Image.NominalPixelRange) only where they describe the input honestly:
 *   - BitmapPixelFormat: Gray8 for 1 channel, Rgb8 for 3 (ibc's decoders give RGB order);
 *     other channel counts are not bitmaps, so no key.
 *   - ColorSpaceGamma: SRGB, because ibc feeds the 8-bit file values without linearising.
 *   - NominalPixelRange: Normalized_0_1 only when the spec normalises with mean 0 and
 *     std 1 (pixels / 255); with any other normalisation the input is not in a
 *     nominal range and the key is left out (read ibc.normalize_mean / _std instead).
 */
import { ibcVersion } from '../producer-version.js';

export interface ExportMetadata {
  readonly specName: string;
  readonly specHash: string;
  /** Per-channel normalisation applied after scaling pixels to [0, 1]. */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Integer model_version; default 1. */
  readonly modelVersion?: number;
}


export interface MetadataInputs {
  readonly meta: ExportMetadata;
  readonly layout: 'nhwc' | 'nchw';
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly opset: number;
  readonly hasAttention: boolean;
  readonly outputs: readonly string[];
}

export function metadataProps(m: MetadataInputs): Array<{ key: string; value: string }> {
  const [h, w, c] = m.inputShape;
  const props: Array<[string, string]> = [
    ['ibc.spec_name', m.meta.specName],
    ['ibc.spec_hash', m.meta.specHash],
    ['ibc.version', ibcVersion()],
    ['ibc.layout', m.layout],
    ['ibc.input', m.layout === 'nhwc' ? `image [N, ${h}, ${w}, ${c}] float32 NHWC` : `image [N, ${c}, ${h}, ${w}] float32 NCHW`],
    ['ibc.input_range', 'pixels scaled to [0, 1], then (x - normalize_mean) / normalize_std per channel'],
    ['ibc.classes', String(m.classes)],
    ['ibc.outputs', m.outputs.join(',')],
    ['ibc.opset', String(m.opset)],
  ];
  const mean = m.meta.normalize?.mean ?? new Array<number>(c).fill(0);
  const std = m.meta.normalize?.std ?? new Array<number>(c).fill(1);
  props.push(['ibc.normalize_mean', JSON.stringify(mean)], ['ibc.normalize_std', JSON.stringify(std)]);
  if (m.hasAttention) {
    // Sampling is replaced by its mean: Sample -> mu, SampleMean -> identity (see lowerings.ts).
    props.push(['ibc.attention_mode', 'deterministic_mean']);
    props.push(['ibc.attention_layout', m.layout === 'nhwc' ? 'attention [N, h, w, 1]' : 'attention [N, 1, h, w]']);
  }
  if (c === 1) props.push(['Image.BitmapPixelFormat', 'Gray8']);
  if (c === 3) props.push(['Image.BitmapPixelFormat', 'Rgb8']);
  if (c === 1 || c === 3) props.push(['Image.ColorSpaceGamma', 'SRGB']);
  if (mean.every((v) => v === 0) && std.every((v) => v === 1)) props.push(['Image.NominalPixelRange', 'Normalized_0_1']);
  return props.map(([key, value]) => ({ key, value }));
}
