/**
 * A NormalTape's values drawn ahead on a worker thread (normal-prefill-worker.ts), while the
 * main thread does other work (a run's data loading leaves a core idle), so that the first
 * evaluation finds them recorded instead of drawing them itself.
 *
 * The worker runs the same Random code from the tape's start state, so the tape holds exactly
 * the values it would have drawn; it starts with an upper bound on the count (what the caller
 * knows before the data loads) that `limit` lowers once the need is known. Its array comes
 * back by transfer and the tape adopts it. If the worker fails, or has not finished when a
 * reader needs values the tape does not hold, the tape draws them itself, as without a
 * prefill; `outcome` tells which happened (tests require 'filled').
 *
 * The worker never keeps the process alive: it is unreferenced except while `tape.ready()`
 * waits for it, and `stop()` ends it (a run's end, an interrupt, an error).
 */
import { Worker } from 'node:worker_threads';
import type { RandomState } from './random.js';
import type { NormalTape } from './normal-tape.js';
import { workerScript } from './worker-script.js';

/** What the worker is given (workerData). */
export interface PrefillRequest {
  readonly start: RandomState;
  /** The most values to draw. */
  readonly count: number;
  /** A SharedArrayBuffer of one Int32: the values still wanted, which the main thread may lower. */
  readonly limit: SharedArrayBuffer;
}

/** What the worker hands back: `values[0, count)` are the stream's first normals, `end` the state after them. */
export interface PrefillReply {
  readonly values: Float32Array;
  readonly count: number;
  readonly end: RandomState;
}

export type PrefillOutcome =
  | { readonly kind: 'filled'; readonly count: number }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopped' };

export class NormalPrefill {
  /** How the prefill ended: the values adopted, the worker failed, or it was stopped first. */
  readonly outcome: Promise<PrefillOutcome>;
  private readonly wanted: Int32Array;
  private readonly worker: Worker;
  private settled = false;
  private stopping = false;

  private constructor(tape: NormalTape, count: number) {
    const limit = new SharedArrayBuffer(4);
    this.wanted = new Int32Array(limit);
    this.wanted[0] = count;
    const request: PrefillRequest = { start: tape.startState, count, limit };
    // A worker inherits the process's Node flags; --input-type (node -e with ES modules) refuses a script file.
    this.worker = new Worker(workerScript(import.meta.url, 'normal-prefill-worker.js', 'noise prefill worker'), { workerData: request, execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) });
    this.outcome = new Promise<PrefillOutcome>((resolve) => {
      const settle = (outcome: PrefillOutcome): void => {
        if (this.settled) return;
        this.settled = true;
        this.worker.unref();
        resolve(outcome);
      };
      this.worker.once('message', (reply: PrefillReply) => {
        tape.adopt(reply.values, reply.count, reply.end);
        settle({ kind: 'filled', count: reply.count });
      });
      this.worker.once('error', (error: Error) => settle({ kind: 'failed', reason: error.stack ?? error.message }));
      this.worker.once('exit', (code) => settle(this.stopping ? { kind: 'stopped' } : { kind: 'failed', reason: `the worker exited (status ${code}) without its values` }));
    });
    // After the listeners: adding one refers the worker again.
    this.worker.unref();
    tape.expect(() => this.wait());
  }

  /** Starts drawing `count` values (cut to the tape's capacity) for `tape`; none when there is nothing to draw. */
  static start(tape: NormalTape, count: number): NormalPrefill | undefined {
    const wanted = Math.min(Math.floor(count), tape.limit, 0x7fffffff); // the shared limit is an Int32
    if (!(wanted > tape.recorded)) return undefined;
    return new NormalPrefill(tape, wanted);
  }

  /** Lowers the values still wanted to `count` (the worker stops at its next chunk, or has drawn more already). */
  limit(count: number): void {
    const wanted = Math.max(0, Math.floor(count));
    if (wanted < Atomics.load(this.wanted, 0)) Atomics.store(this.wanted, 0, wanted);
  }

  /** Waits for the outcome, keeping the process alive meanwhile (the tape's `ready()`). */
  async wait(): Promise<PrefillOutcome> {
    if (!this.settled) this.worker.ref();
    return this.outcome;
  }

  /** Ends the worker if it still runs; its values, if not yet adopted, are dropped. */
  async stop(): Promise<void> {
    if (this.settled) return;
    this.stopping = true;
    await this.worker.terminate();
    await this.outcome;
  }
}
