/**
 * A recording of one seeded stream's standard normals, replayed to every
 * evaluation that starts that stream afresh.
 *
 * Evaluation draws its Sample ops' noise from a fixed stream (the run's
 * evaluation seed), restarted for each split and each epoch: validation and
 * test of every epoch read the same normals from the start of that stream,
 * only as many as their batches need. Drawing them (Box-Muller, a logarithm
 * and a cosine each) was half an IB model's evaluation time. The tape draws
 * each normal once and hands copies of the recorded float32 values to every
 * later reader, so a reader gives exactly the values, and ends in exactly the
 * state, of `Random.fromState(start)`; a reader never depends on what other
 * readers asked for. Past `capacity` values the tape records no more and a
 * reader draws the rest itself, as a plain stream would.
 *
 * The values may also be drawn ahead, on a worker thread (normal-prefill.ts),
 * by the very same generator code: `adopt` takes them, `ready()` waits for
 * them; whatever has not arrived when a reader asks is drawn here, as before.
 */
import { Random, type RandomState } from './random.js';

/** Values a tape holds at most by default: 16M normals, 64 MB (an IB model's test split of 10,000 images at 4 samples needs 12M). */
export const DEFAULT_TAPE_VALUES = 16 * 1024 * 1024;

export class NormalTape {
  private values: Float32Array = new Float32Array(0);
  private filled = 0;
  /** The generator that extends the tape, positioned after `filled` values. */
  private source: Random;
  /** The generator's state after each recorded position a reader has stopped at (0: the start). */
  private readonly states = new Map<number, RandomState>();
  /** Values on their way (normal-prefill.ts): `ready()` waits for them once. */
  private incoming: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly start: RandomState,
    private readonly capacity: number = DEFAULT_TAPE_VALUES,
  ) {
    this.source = Random.fromState(start);
    this.states.set(0, start);
  }

  /** A stream that starts where the tape starts: exactly `Random.fromState(start)`, its normals read from the tape. */
  reader(): Random {
    return new TapeReader(this, this.start);
  }

  /** Normals recorded so far. */
  get recorded(): number {
    return this.filled;
  }

  /** The most values the tape records. */
  get limit(): number {
    return this.capacity;
  }

  /** Where the stream starts. */
  get startState(): RandomState {
    return this.start;
  }

  /**
   * Takes the stream's first `count` normals, `values[0, count)`, and its state after them, drawn
   * elsewhere from `startState` by the same generator (normal-prefill.ts); the rest of `values`
   * is room to record more. The array is kept, not copied, when nothing is recorded yet; what
   * the tape already holds stays.
   */
  adopt(values: Float32Array, count: number, end: RandomState): void {
    if (count > this.capacity || count > values.length) throw new Error(`bug: ${count} values adopted by a tape of ${this.capacity} from an array of ${values.length}`);
    if (count <= this.filled) return;
    if (this.filled === 0 && values.length <= this.capacity) {
      this.values = values;
    } else {
      if (count > this.values.length) {
        const grown = new Float32Array(count);
        grown.set(this.values.subarray(0, this.filled));
        this.values = grown;
      }
      this.values.set(values.subarray(this.filled, count), this.filled);
    }
    this.filled = count;
    this.source = Random.fromState(end);
    this.states.set(count, end);
  }

  /** Registers values on their way (`wait` resolves once they are adopted, or will not come). */
  expect(wait: () => Promise<unknown>): void {
    this.incoming = wait;
  }

  /** Waits for the values on their way, if any: a reader then finds them recorded. */
  async ready(): Promise<void> {
    const wait = this.incoming;
    this.incoming = undefined;
    if (wait) await wait();
  }

  /** The recorded values [from, from + count), recording up to there first; count is cut to the capacity. */
  read(from: number, count: number): Float32Array {
    const end = Math.min(from + count, this.capacity);
    if (end > this.filled) this.extend(end);
    return this.values.subarray(from, Math.max(from, end));
  }

  /** How many values from `from` the tape can give (the capacity bounds it). */
  available(from: number): number {
    return Math.max(0, this.capacity - from);
  }

  /** The stream's state after `position` normals: recorded where the tape stopped there, else drawn again from the nearest earlier one. */
  stateAt(position: number): RandomState {
    const known = this.states.get(position);
    if (known) return known;
    let base = 0;
    for (const p of this.states.keys()) if (p <= position && p > base) base = p;
    const replay = Random.fromState(this.states.get(base)!);
    replay.fillNormal(new Float32Array(position - base));
    const state = replay.state();
    this.states.set(position, state);
    return state;
  }

  private extend(end: number): void {
    if (end > this.values.length) {
      const grown = new Float32Array(Math.min(this.capacity, Math.max(end, 2 * this.values.length)));
      grown.set(this.values.subarray(0, this.filled));
      this.values = grown;
    }
    this.source.fillNormal(this.values.subarray(this.filled, end));
    this.filled = end;
    this.states.set(end, this.source.state());
  }
}

/**
 * A Random whose `fillNormal` (mean 0, std 1) reads the tape while it has drawn nothing else;
 * any other draw first puts the stream's true state in place and the reader carries on live.
 */
class TapeReader extends Random {
  private tape: NormalTape | undefined;
  private position = 0;

  constructor(tape: NormalTape, start: RandomState) {
    super(start);
    this.tape = tape;
  }

  override fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    const tape = this.tape;
    if (!tape || mean !== 0 || std !== 1) {
      this.goLive();
      return super.fillNormal(out, mean, std);
    }
    const taped = tape.read(this.position, Math.min(out.length, tape.available(this.position)));
    out.set(taped);
    this.position += taped.length;
    if (taped.length < out.length) {
      this.goLive();
      super.fillNormal(out.subarray(taped.length));
    }
    return out;
  }

  override nextUint32(): number {
    this.goLive();
    return super.nextUint32();
  }

  override state(): RandomState {
    this.goLive();
    return super.state();
  }

  override derive(name: string): Random {
    this.goLive();
    return super.derive(name);
  }

  /** Leaves the tape: the state after the values read so far, then plain draws. */
  private goLive(): void {
    if (!this.tape) return;
    this.restoreState(this.tape.stateAt(this.position));
    this.tape = undefined;
  }
}
