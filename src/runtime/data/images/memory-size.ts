/** Memory sizes as people write them: 4G, 512M, 2.5GB, 1024KiB, 3000000 (bytes). Units are powers of 1024. */

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Bytes, or undefined when `text` is not a size. */
export function parseMemorySize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])i?)?b?\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = UNITS[(match[2] ?? '').toLowerCase()];
  const value = Number(match[1]) * (factor ?? NaN);
  return Number.isFinite(value) ? Math.floor(value) : undefined;
}
