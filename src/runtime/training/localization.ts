/**
 * Does the attention map find the object? Localization scores of one map
 * against one object box, and their means over a set of examples.
 *
 * A map of mh x mw cells covers the h x w input: cell (i, j) is the input
 * rectangle rows [i h/mh, (i+1) h/mh), columns [j w/mw, (j+1) w/mw). A box is
 * [y0, x0, y1, x1] in input pixels, half-open.
 *
 * - pointing game: the map's maximum falls inside the box (the centre of the
 *   maximal cell lies in the box). When several cells share the maximum (a
 *   quantized map often does), the score is the share of those cells whose
 *   centre lies in the box: the hit rate of picking one of them at random.
 * - mass inside: the share of the map's mass inside the box, each cell counted
 *   with the fraction of its area inside the box. Negative values (a learned
 *   anchor may drift below 0) count as 0; a map with no mass scores the box's
 *   share, as a uniform map would.
 * - chance for both: the box's share of the image area, which is what a
 *   uniform map scores on mass and what a uniformly random point scores on
 *   the pointing game.
 * - inside / outside mean: the area-weighted mean map value inside the box and
 *   outside it; a map that is higher around the object than on it shows here
 *   (and in the images) even when the other two scores are near chance.
 */

import type { ObjectBox } from '../data/boxes.js';

export type { ObjectBox };

export interface MapLocalization {
  /** 0..1; a fraction only when the maximum is shared. */
  readonly pointing: number;
  readonly massInside: number;
  /** Box area / image area. */
  readonly boxShare: number;
  /** Area-weighted mean map value inside the box; NaN when the box is empty. */
  readonly insideMean: number;
  /** Area-weighted mean map value outside the box; NaN when the box covers the image. */
  readonly outsideMean: number;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** Scores one mh x mw map against `box` on an h x w input. */
export function localizeMap(map: ArrayLike<number>, mapShape: readonly [number, number], box: ObjectBox, input: readonly [number, number]): MapLocalization {
  const [mh, mw] = mapShape;
  const [h, w] = input;
  if (map.length !== mh * mw) throw new Error(`localizeMap: the map holds ${map.length} values, not ${mh}x${mw}`);
  const [y0, x0, y1, x1] = box;
  const cellH = h / mh;
  const cellW = w / mw;
  const boxArea = overlap(0, h, y0, y1) * overlap(0, w, x0, x1);
  const boxShare = boxArea / (h * w);
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  let tied = 0;
  let tiedInside = 0;
  let mass = 0;
  let massIn = 0;
  let sumIn = 0;
  let areaIn = 0;
  let sumOut = 0;
  let areaOut = 0;
  for (let i = 0; i < mh; i++) {
    const top = i * cellH;
    const cy = top + cellH / 2;
    const oy = overlap(top, top + cellH, y0, y1);
    for (let j = 0; j < mw; j++) {
      const left = j * cellW;
      const cx = left + cellW / 2;
      const v = map[i * mw + j]!;
      const inside = (oy * overlap(left, left + cellW, x0, x1)) / (cellH * cellW);
      if (v === max) {
        tied++;
        if (cy >= y0 && cy < y1 && cx >= x0 && cx < x1) tiedInside++;
      }
      const m = v > 0 ? v : 0;
      mass += m;
      massIn += m * inside;
      sumIn += v * inside;
      areaIn += inside;
      sumOut += v * (1 - inside);
      areaOut += 1 - inside;
    }
  }
  return {
    pointing: tied > 0 ? tiedInside / tied : 0,
    massInside: mass > 0 ? massIn / mass : boxShare,
    boxShare,
    insideMean: areaIn > 0 ? sumIn / areaIn : NaN,
    outsideMean: areaOut > 1e-9 ? sumOut / areaOut : NaN,
  };
}

/** Means over examples; the chance levels are the mean box share. */
export interface LocalizationSummary {
  readonly count: number;
  readonly pointing: number;
  readonly pointingChance: number;
  readonly massInside: number;
  readonly massChance: number;
  readonly insideMean: number;
  readonly outsideMean: number;
}

/** Accumulates MapLocalization values into their means (NaN means are skipped). */
export class LocalizationTotals {
  private count = 0;
  private pointing = 0;
  private mass = 0;
  private share = 0;
  private inside = 0;
  private insideCount = 0;
  private outside = 0;
  private outsideCount = 0;

  add(one: MapLocalization): void {
    this.count++;
    this.pointing += one.pointing;
    this.mass += one.massInside;
    this.share += one.boxShare;
    if (!Number.isNaN(one.insideMean)) {
      this.inside += one.insideMean;
      this.insideCount++;
    }
    if (!Number.isNaN(one.outsideMean)) {
      this.outside += one.outsideMean;
      this.outsideCount++;
    }
  }

  summary(): LocalizationSummary {
    const n = Math.max(1, this.count);
    return {
      count: this.count,
      pointing: this.pointing / n,
      pointingChance: this.share / n,
      massInside: this.mass / n,
      massChance: this.share / n,
      insideMean: this.insideCount ? this.inside / this.insideCount : NaN,
      outsideMean: this.outsideCount ? this.outside / this.outsideCount : NaN,
    };
  }
}

/** Localization of the continuous map (mu_a) and, for quantized models, of the quantized map (a_q). */
export interface Localization {
  readonly continuous: LocalizationSummary;
  readonly quantized?: LocalizationSummary;
}

/** One line per map, e.g. "continuous map: pointing 31.2% (chance 14.3%), mass inside box 17.0% (chance 14.3%), mean map 0.41 inside / 0.55 outside". */
export function formatLocalization(loc: Localization): string[] {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const line = (name: string, s: LocalizationSummary): string =>
    `${name} map: pointing game ${pct(s.pointing)} (chance ${pct(s.pointingChance)}), ` +
    `mass inside box ${pct(s.massInside)} (chance ${pct(s.massChance)}), ` +
    `mean map value ${s.insideMean.toFixed(3)} inside the box / ${s.outsideMean.toFixed(3)} outside, over ${s.count} images`;
  return [line('continuous', loc.continuous), ...(loc.quantized ? [line('quantized', loc.quantized)] : [])];
}

/** The metrics.jsonl / summary.json form (snake_case, as the file's other fields). */
export function localizationRecord(loc: Localization): Record<string, Record<string, number>> {
  const rec = (s: LocalizationSummary): Record<string, number> => ({
    count: s.count,
    pointing: s.pointing,
    pointing_chance: s.pointingChance,
    mass_inside: s.massInside,
    mass_chance: s.massChance,
    inside_mean: s.insideMean,
    outside_mean: s.outsideMean,
  });
  return { continuous: rec(loc.continuous), ...(loc.quantized ? { quantized: rec(loc.quantized) } : {}) };
}
