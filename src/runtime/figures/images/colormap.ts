/**
 * Viridis (perceptually uniform, readable in grey and by colour-blind
 * readers) as a 256-entry RGB table, sampled from vega's scheme so that the
 * colours are the published ones rather than a hand-made approximation. The
 * scheme is read from vega-scale, the part of vega that holds it: every
 * `ibc train` loads this module at its start, and all of vega takes ~0.2 s
 * longer to load (the charts load it only when a run ends).
 */
/// <reference path="./vega-scale.d.cts" />
import { scheme } from 'vega-scale';

function parseRgb(text: string): [number, number, number] {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(text) ?? /#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(text);
  if (!m) throw new Error(`viridis: unexpected colour '${text}' from vega's scheme`);
  const radix = text.startsWith('#') ? 16 : 10;
  return [parseInt(m[1]!, radix), parseInt(m[2]!, radix), parseInt(m[3]!, radix)];
}

export const VIRIDIS: Uint8Array = (() => {
  const interpolate = scheme('viridis');
  if (typeof interpolate !== 'function') throw new Error("viridis: vega-scale's scheme('viridis') is not an interpolator");
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set(parseRgb(interpolate(i / 255)), 3 * i);
  return table;
})();

/** The viridis colour of `value` on the scale [low, high] (clamped). */
export function viridisAt(value: number, low: number, high: number): [number, number, number] {
  const t = high > low ? (value - low) / (high - low) : 0.5;
  const i = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)));
  return [VIRIDIS[3 * i]!, VIRIDIS[3 * i + 1]!, VIRIDIS[3 * i + 2]!];
}
