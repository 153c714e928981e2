/**
 * Where each example's input comes from in its stored image: the crops of
 * torchvision's transforms, as pure functions of the stored size and a seeded
 * generator. A `View` is a rectangle of the stored image (it may reach past
 * the edges into padding) that is brought to the input size, then optionally
 * mirrored left-right.
 *
 * - centre crop (evaluation; torchvision CenterCrop): top = round((H - h) / 2),
 *   left = round((W - w) / 2), rounding halves to even as Python's round does;
 * - random crop (torchvision RandomCrop(size, padding)): the image padded by
 *   `padding` on every side, then top uniform in 0..H + 2p - h and left in
 *   0..W + 2p - w (randint's draws, in that order; none when the padded image
 *   is the crop's size), in padded coordinates;
 * - random resized crop (torchvision RandomResizedCrop(size, scale, ratio)):
 *   up to 10 attempts of an area fraction uniform in `scale` and a log-uniform
 *   aspect ratio in `ratio`, accepted when the rounded box fits; then top and
 *   left uniform over the positions it fits at; after 10 misses the central
 *   crop of the whole image clamped to the ratio range (its fallback);
 * - then the horizontal flip, drawn last (torch.rand(1) < 0.5).
 *
 * Randomness: one generator per (seed, epoch, example index), derived by name
 * from the run's seed (`exampleRandom`), never from a running stream, so the
 * crop of image i in epoch e is the same on every machine, in every process
 * that makes the batch, and after a resume. Integer draws are
 * `floor(u * n)` of the generator's next uniform u, real ones `a + (b - a) u`.
 */
import { Random } from '../../../support/random.js';

export interface View {
  /** Top-left corner in stored-image pixels (negative or past the edge: padding). */
  readonly top: number;
  readonly left: number;
  /** The rectangle's size in stored pixels; it is resized to the input when it differs from it. */
  readonly height: number;
  readonly width: number;
  readonly flip: boolean;
}

/** How training takes its crops from a stored image. */
export type TrainCrop =
  | { readonly kind: 'centre' }
  | { readonly kind: 'random'; readonly padding: number }
  | { readonly kind: 'resized'; readonly scale: readonly [number, number]; readonly ratio: readonly [number, number] };

/** Python's round(): to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The centred h x w window of an H x W image (torchvision CenterCrop, without its padding of smaller images). */
export function centreView(stored: { readonly height: number; readonly width: number }, input: readonly [number, number]): View {
  const [h, w] = input;
  return { top: roundHalfEven((stored.height - h) / 2), left: roundHalfEven((stored.width - w) / 2), height: h, width: w, flip: false };
}

/** RandomCrop(size, padding): offsets in the padded image, returned in stored coordinates. */
export function randomCropView(rng: Random, stored: { readonly height: number; readonly width: number }, input: readonly [number, number], padding: number): Omit<View, 'flip'> {
  const [h, w] = input;
  const height = stored.height + 2 * padding;
  const width = stored.width + 2 * padding;
  // torchvision draws nothing when the padded image is the crop's size.
  if (height === h && width === w) return { top: -padding, left: -padding, height: h, width: w };
  const top = rng.int(height - h + 1);
  const left = rng.int(width - w + 1);
  return { top: top - padding, left: left - padding, height: h, width: w };
}

/** RandomResizedCrop.get_params: the box (i, j, h, w) = (top, left, height, width) before the resize. */
export function randomResizedCropView(
  rng: Random,
  stored: { readonly height: number; readonly width: number },
  scale: readonly [number, number],
  ratio: readonly [number, number],
): Omit<View, 'flip'> {
  const { height, width } = stored;
  const area = height * width;
  // torchvision takes the log of the ratio range in float32 (torch.tensor(ratio)) and draws in float32.
  const logLow = Math.fround(Math.log(Math.fround(ratio[0])));
  const logHigh = Math.fround(Math.log(Math.fround(ratio[1])));
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * Math.fround(scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.fround(Math.exp(Math.fround(logLow + (logHigh - logLow) * rng.next())));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  // Fallback: the central crop, as large as the ratio range allows.
  const inRatio = width / height;
  const low = Math.min(ratio[0], ratio[1]);
  const high = Math.max(ratio[0], ratio[1]);
  let w = width;
  let h = height;
  if (inRatio < low) h = roundHalfEven(w / low);
  else if (inRatio > high) w = roundHalfEven(h * high);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** The generator of example `index` in `epoch` (0-based) of a run seeded `seed`. */
export function exampleRandom(epochStream: Random, index: number): Random {
  return epochStream.derive(`example-${index}`);
}

/** The per-epoch parent of the examples' generators: derived from the seed alone, never advanced. */
export function epochRandom(seed: number, epoch: number, purpose: 'augment' | 'order'): Random {
  return Random.fromSeed(seed).derive(`image-${purpose}`).derive(`epoch-${epoch}`);
}

/** One training example's view: its crop, then the flip. */
export function trainingView(
  rng: Random,
  stored: { readonly height: number; readonly width: number },
  input: readonly [number, number],
  crop: TrainCrop,
  flip: boolean,
): View {
  const box =
    crop.kind === 'random'
      ? randomCropView(rng, stored, input, crop.padding)
      : crop.kind === 'resized'
        ? randomResizedCropView(rng, stored, crop.scale, crop.ratio)
        : centreView(stored, input);
  return { ...box, flip: flip ? rng.next() < 0.5 : false };
}
