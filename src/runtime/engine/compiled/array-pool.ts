/**
 * Arrays handed out and taken back while a step is planned, so that values
 * whose lives do not overlap share memory. A request takes the smallest free
 * array at least as long (as a view of its first `length` floats), or a new one.
 */
export class ArrayPool {
  private readonly free: Float32Array[] = [];
  /** The whole array behind each view handed out. */
  private readonly whole = new Map<Float32Array, Float32Array>();

  constructor(private readonly allocate: (length: number) => Float32Array) {}

  take(length: number): Float32Array {
    let best = -1;
    this.free.forEach((a, i) => {
      if (a.length >= length && (best < 0 || a.length < this.free[best]!.length)) best = i;
    });
    const array = best < 0 ? this.allocate(length) : this.free.splice(best, 1)[0]!;
    const view = array.length === length ? array : array.subarray(0, length);
    this.whole.set(view, array);
    return view;
  }

  give(view: Float32Array): void {
    const array = this.whole.get(view);
    if (!array) throw new Error('ArrayPool.give: an array this pool did not hand out');
    this.whole.delete(view);
    this.free.push(array);
  }
}
