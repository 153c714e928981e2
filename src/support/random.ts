/**
 * Seeded random numbers for everything stochastic in a run: initialisation,
 * shuffling, augmentation, the validation split and the reparameterisation
 * noise. TF.js ignores per-initialiser seeds, so ibc draws all randomness
 * here and hands tensors to the backends.
 *
 * Generator: xoshiro128** (32-bit state words, fast in JavaScript), seeded
 * through splitmix32. Streams are derived by name (`derive('init')`), so adding
 * a new consumer of randomness does not shift the numbers other consumers see.
 * The state is four 32-bit integers and can be saved and restored exactly.
 */

export type RandomState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string: stable stream ids from names. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Random {
  // The four state words as int32 (x | 0): small integers V8 keeps unboxed, where uint32 values
  // above 2^31 would be heap numbers re-made on every draw. state() hands them out as uint32.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Use fromSeed or fromState (a stream that replays recorded draws, normal-tape.ts, extends it). */
  protected constructor(state: RandomState) {
    this.restoreState(state);
  }

  /** Puts `state` in place: the stream continues as one saved in it would. */
  protected restoreState(state: RandomState): void {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  static fromSeed(seed: number): Random {
    const next = splitmix32(seed);
    return new Random([next(), next(), next(), next()]);
  }

  static fromState(state: RandomState): Random {
    return new Random(state);
  }

  /** An independent stream named `name`, derived from this generator's current state without advancing it. */
  derive(name: string): Random {
    const next = splitmix32((this.s0 ^ Math.imul(hashName(name), 0x9e3779b1) ^ this.s2) >>> 0);
    return new Random([next() ^ this.s1, next() ^ this.s3, next(), next()].map((x) => x >>> 0) as unknown as RandomState);
  }

  state(): RandomState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Next 32-bit unsigned integer (xoshiro128**, in int32 arithmetic). */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ this.s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = this.s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, no caching so that the state alone determines the stream). */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * `mean + std * normal()` per element, exactly those values and that end state, with the
   * generator's state in local variables (a Sample op of the evaluation draws a million of them).
   */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      let u = 0;
      let v = 0;
      // u from (0, 1): draws of exactly 0 are skipped, as normal() does; then v.
      for (let k = 0; ; ) {
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        if (k === 0) {
          if (r === 0) continue;
          u = r / 4294967296;
          k = 1;
        } else {
          v = r / 4294967296;
          break;
        }
      }
      out[i] = mean + std * (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}
