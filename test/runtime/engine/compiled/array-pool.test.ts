/**
 * The step's array placement (ArrayPool): arrays whose lives overlap never share memory, and
 * memory freed by short arrays serves a longer one taken later (which an online pool of whole
 * arrays could not do). Bit-identity of the steps planned with it is tested through the compiled
 * step's own tests (compiled-step.test.ts, precision.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ArrayPool } from '../../../../src/runtime/engine/compiled/array-pool.js';

/** Lays out the requests; returns the arrays and the length of the one buffer behind them. */
function place(pool: ArrayPool): { arrayOf: (t: number) => Float32Array; total: number } {
  let total = 0;
  const arrayOf = pool.place((n) => {
    total = n;
    return new Float32Array(n);
  });
  return { arrayOf, total };
}

/** Whether two views of one buffer share any element. */
const overlap = (a: Float32Array, b: Float32Array): boolean =>
  a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

describe('ArrayPool: arrays laid out once their lives are known', () => {
  it('two short arrays that died serve one longer array taken after them, in one buffer', () => {
    const pool = new ArrayPool();
    const a = pool.take(1000), b = pool.take(1000);
    pool.give(a);
    pool.give(b);
    const c = pool.take(2000);
    const { arrayOf, total } = place(pool);
    expect(total).toBeLessThan(3000); // an online pool of whole arrays needs 4000
    expect(arrayOf(c).length).toBe(2000);
    expect(arrayOf(a).buffer).toBe(arrayOf(c).buffer);
  });

  it('arrays alive at the same time never share memory; each starts 64-byte aligned', () => {
    const pool = new ArrayPool();
    const lengths = [700, 33, 4096, 1, 250, 1999, 64, 5000, 17];
    const live: number[] = [];
    const lives: { ticket: number; from: number; to: number }[] = [];
    let clock = 0;
    for (const [i, length] of lengths.entries()) {
      const ticket = pool.take(length);
      lives.push({ ticket, from: clock++, to: Infinity });
      live.push(ticket);
      if (i % 3 === 2) {
        const gone = live.splice(1, 1)[0]!; // give back an older one, not the newest
        pool.give(gone);
        lives.find((l) => l.ticket === gone)!.to = clock++;
      }
    }
    const { arrayOf } = place(pool);
    for (const l of lives) {
      expect(arrayOf(l.ticket).length).toBe(lengths[l.ticket]);
      expect(arrayOf(l.ticket).byteOffset % 64).toBe(0);
    }
    for (const p of lives)
      for (const q of lives) {
        if (p.ticket >= q.ticket || !(p.from < q.to && q.from < p.to)) continue;
        expect(overlap(arrayOf(p.ticket), arrayOf(q.ticket)), `${p.ticket} and ${q.ticket}`).toBe(false);
      }
  });

  it('refuses a ticket given back twice, and a request after the layout', () => {
    const pool = new ArrayPool();
    const a = pool.take(10);
    pool.give(a);
    expect(() => pool.give(a)).toThrow(/gave back twice/);
    place(pool);
    expect(() => pool.take(1)).toThrow(/after place/);
  });
});
