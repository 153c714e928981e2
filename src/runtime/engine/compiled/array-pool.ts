/**
 * Plans where the arrays of a step live, once every array's life is known: a request is
 * taken and given back in the order the step will use them (take when the array starts to
 * be written, give after its last reader), and `place` then lays all of them out in one
 * buffer, each at an offset no array alive at the same time overlaps.
 *
 * The plan is made before anything runs, so it can do better than handing arrays out as they
 * are asked for: an online pool of whole arrays (what this replaced) can only reuse a free array
 * at least as long as a request, and otherwise allocates a new one, so a long array asked for
 * after several short ones have died cannot use their memory (VGG-16 at batch 32: 472 MB of
 * arrays for 341 MB ever alive at once). Placing the longest arrays first, each in the smallest
 * gap between the arrays whose lives overlap its own (or after the highest of them), is the
 * greedy-by-size offset assignment of the memory planners of TFLite and others.
 *
 * Placement changes where an array is, never what is computed into it: an array still starts
 * with whatever the memory held before (the plan zeroes the arrays that accumulate).
 */

/** A request: which array `place` returns for it. */
export type ArrayTicket = number;

interface Life {
  readonly length: number;
  /** The clock when it was taken and when it was given back (Infinity: never, it lives to the end). */
  readonly start: number;
  end: number;
  offset: number;
}

/** Arrays start on 64-byte boundaries (16 floats), the alignment of the kernels' vector loads. */
const ALIGN = 16;

const aligned = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export class ArrayPool {
  private readonly lives: Life[] = [];
  private clock = 0;
  private placed = false;

  /** A request for `length` floats, alive from now until given back. */
  take(length: number): ArrayTicket {
    if (this.placed) throw new Error('ArrayPool.take after place');
    this.lives.push({ length, start: this.clock++, end: Infinity, offset: -1 });
    return this.lives.length - 1;
  }

  /** Its last reader has run: later requests may use its memory. */
  give(ticket: ArrayTicket): void {
    const life = this.lives[ticket];
    if (!life || life.end !== Infinity) throw new Error('ArrayPool.give: a ticket this pool did not hand out, or gave back twice');
    life.end = this.clock++;
  }

  /** Lays every request out in one buffer from `allocate`; returns each ticket's array. */
  place(allocate: (length: number) => Float32Array): (ticket: ArrayTicket) => Float32Array {
    if (this.placed) throw new Error('ArrayPool.place twice');
    this.placed = true;
    const order = this.lives.map((_, i) => i).sort((a, b) => this.lives[b]!.length - this.lives[a]!.length || a - b);
    const done: Life[] = [];
    let total = 0;
    for (const i of order) {
      const life = this.lives[i]!;
      const size = aligned(life.length);
      const overlapping = done.filter((o) => o.start < life.end && life.start < o.end).sort((a, b) => a.offset - b.offset);
      // The smallest gap between overlapping arrays that holds it, else above the highest of them.
      let best = -1, bestGap = Infinity, cursor = 0;
      for (const o of overlapping) {
        const gap = o.offset - cursor;
        if (gap >= size && gap < bestGap) {
          best = cursor;
          bestGap = gap;
        }
        cursor = Math.max(cursor, o.offset + aligned(o.length));
      }
      life.offset = best >= 0 ? best : cursor;
      total = Math.max(total, life.offset + size);
      done.push(life);
    }
    const buffer = allocate(total);
    const arrays = this.lives.map((life) => buffer.subarray(life.offset, life.offset + life.length));
    return (ticket) => {
      const array = arrays[ticket];
      if (!array) throw new Error('ArrayPool: a ticket this pool did not hand out');
      return array;
    };
  }
}
