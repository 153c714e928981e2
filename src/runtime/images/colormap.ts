/**
 * The "jet" colour map (dark blue - cyan - yellow - dark red) as a 256-entry
 * table, from its usual piecewise-linear definition: each of R, G and B is a
 * clipped triangle of slope 4 over the 0..1 range.
 */

function channel(x: number, centre: number): number {
  const v = 1.5 - Math.abs(4 * x - centre);
  return Math.round(255 * Math.min(1, Math.max(0, v)));
}

export const JET: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    table[3 * i] = channel(x, 3);
    table[3 * i + 1] = channel(x, 2);
    table[3 * i + 2] = channel(x, 1);
  }
  return table;
})();
