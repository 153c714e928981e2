/**
 * The worker thread of normal-prefill.ts: draws a stream's first standard normals with the
 * very Random code the main thread would run (so the values are bit for bit the same), in
 * chunks, reading before each chunk how many the main thread still wants (a shared limit it
 * may lower once it knows), then hands the array back by transfer, not by copy, with the
 * stream's state after the last value.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Random } from './random.js';
import type { PrefillReply, PrefillRequest } from './normal-prefill.js';

/** Values drawn between two looks at the limit (about 10 ms). */
const CHUNK = 1 << 18;

const port = parentPort;
if (!port) throw new Error('normal-prefill-worker.ts runs as a worker thread of normal-prefill.ts');
const request = workerData as PrefillRequest;
const limit = new Int32Array(request.limit);
const values = new Float32Array(request.count);
const stream = Random.fromState(request.start);
let drawn = 0;
for (;;) {
  const wanted = Math.min(request.count, Atomics.load(limit, 0));
  if (drawn >= wanted) break;
  const end = Math.min(wanted, drawn + CHUNK);
  stream.fillNormal(values.subarray(drawn, end));
  drawn = end;
}
const reply: PrefillReply = { values, count: drawn, end: stream.state() };
port.postMessage(reply, [values.buffer]);
