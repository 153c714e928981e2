/**
 * Shared pieces of the fuzz suite: seeded choices, a time bound per run (a
 * guard against hangs, not a speed test: the bound is far above any normal
 * run), and the outcome every run must have.
 */
import { Random } from '../../src/support/random.js';

/** No single fuzzed run may take longer than this; a hang or an exhausting allocation would. */
export const RUN_BOUND_MS = 30_000;

export function pick<T>(rng: Random, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

/** Flips one random bit of a copy of `bytes` at an offset in [from, bytes.length). */
export function flipBit(rng: Random, bytes: Uint8Array, from = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = from + rng.int(Math.max(1, out.length - from));
  out[at] = out[at]! ^ (1 << rng.int(8));
  return out;
}

/** One of: a bit flip, a random byte, a truncation, an extension, a big-endian u32 overwritten with an extreme. */
export function mutateBytes(rng: Random, bytes: Uint8Array, headerBytes: number): { bytes: Uint8Array; what: string } {
  const kind = rng.int(5);
  if (kind === 0) return { bytes: flipBit(rng, bytes), what: 'bit flip' };
  if (kind === 1) {
    const out = Uint8Array.from(bytes);
    const at = rng.int(out.length);
    out[at] = rng.int(256);
    return { bytes: out, what: `byte ${at} set` };
  }
  if (kind === 2) {
    const length = rng.int(bytes.length);
    return { bytes: bytes.slice(0, length), what: `truncated to ${length}` };
  }
  if (kind === 3) {
    const extra = new Uint8Array(1 + rng.int(64)).map(() => rng.int(256));
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    return { bytes: out, what: `${extra.length} bytes appended` };
  }
  const out = Uint8Array.from(bytes);
  const at = 4 * rng.int(Math.max(1, Math.floor(Math.min(headerBytes, out.length) / 4)));
  const value = pick(rng, [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 65536, 3]);
  if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, value);
  return { bytes: out, what: `u32 at ${at} set to ${value}` };
}
