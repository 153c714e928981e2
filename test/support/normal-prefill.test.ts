/**
 * The tape's values drawn ahead on a worker thread (normal-prefill.ts): the worker runs the
 * same generator, so a prefilled tape gives every reader exactly the values and end state of
 * `Random.fromState(start)`; `limit` cuts the count; a stopped prefill leaves a tape that draws
 * for itself; and the worker never keeps the process alive. Every prefill that should fill
 * is required to report 'filled' (a failing worker is not hidden by the tape's own draws).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NormalPrefill } from '../../src/support/normal-prefill.js';
import { NormalTape } from '../../src/support/normal-tape.js';
import { Random } from '../../src/support/random.js';

const START = Random.fromSeed(5).derive('eval-noise').state();

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Reads `sizes` normals in turn from a reader of `tape` and from the plain stream: the same bits and end state? */
function readsLikePlain(tape: NormalTape, sizes: readonly number[]): void {
  const reader = tape.reader();
  const plain = Random.fromState(START);
  for (const n of sizes) expect(sameBits(reader.fillNormal(new Float32Array(n)), plain.fillNormal(new Float32Array(n)))).toBe(true);
  expect(reader.state()).toEqual(plain.state());
  expect(reader.next()).toBe(plain.next());
}

describe('NormalPrefill', () => {
  it('fills the tape on a worker with exactly the plain stream’s values and end state', async () => {
    const tape = new NormalTape(START);
    const count = 300_000; // more than one of the worker's chunks
    const prefill = NormalPrefill.start(tape, count)!;
    await tape.ready();
    expect(await prefill.outcome).toEqual({ kind: 'filled', count });
    expect(tape.recorded).toBe(count);
    // Readers inside the prefilled values draw nothing more; one that reads past them records the rest as before.
    readsLikePlain(tape, [1000, 250_000, 49_000]);
    expect(tape.recorded).toBe(count);
    readsLikePlain(tape, [299_999, 2, 5000]);
    expect(tape.recorded).toBe(count + 5001);
    readsLikePlain(tape, [1, 300_000]);
  });

  it('limit() lowers the count the worker draws; the tape draws past it itself', async () => {
    const tape = new NormalTape(START);
    const prefill = NormalPrefill.start(tape, tape.limit)!;
    prefill.limit(1234);
    await tape.ready();
    expect(await prefill.outcome).toEqual({ kind: 'filled', count: 1234 });
    readsLikePlain(tape, [1000, 1000]);
    expect(tape.recorded).toBe(2000);
  });

  it('a stopped prefill adopts nothing, and the tape draws every value itself', async () => {
    const tape = new NormalTape(START);
    const prefill = NormalPrefill.start(tape, tape.limit)!;
    await prefill.stop();
    expect(await prefill.outcome).toEqual({ kind: 'stopped' });
    await tape.ready();
    expect(tape.recorded).toBe(0);
    readsLikePlain(tape, [700, 300]);
  });

  it('values adopted after the tape drew some of its own keep what it drew and add the rest', async () => {
    const tape = new NormalTape(START);
    const prefill = NormalPrefill.start(tape, 5000)!;
    readsLikePlain(tape, [3000]); // before the worker's values arrive: drawn here
    await tape.ready();
    expect(await prefill.outcome).toEqual({ kind: 'filled', count: 5000 });
    expect(tape.recorded).toBe(5000);
    readsLikePlain(tape, [2500, 2500, 10]);
  });

  it('starts no worker when the tape already holds the count, and cuts the count to the capacity', async () => {
    const small = new NormalTape(START, 100);
    expect(NormalPrefill.start(small, 0)).toBeUndefined();
    const prefill = NormalPrefill.start(small, 1000)!;
    await small.ready();
    expect(await prefill.outcome).toEqual({ kind: 'filled', count: 100 });
    expect(NormalPrefill.start(small, 100)).toBeUndefined();
    readsLikePlain(small, [60, 60, 30]);
  });

  it('never keeps the process alive: a process that leaves a prefill running exits before it finishes', () => {
    const modules = (name: string) => pathToFileURL(resolve(import.meta.dirname, `../../dist/support/${name}.js`)).href;
    const script = [
      `const { NormalPrefill } = await import(${JSON.stringify(modules('normal-prefill'))});`,
      `const { NormalTape } = await import(${JSON.stringify(modules('normal-tape'))});`,
      `const tape = new NormalTape([1, 2, 3, 4]);`,
      `const prefill = NormalPrefill.start(tape, tape.limit);`,
      `let settled = false; prefill.outcome.then(() => { settled = true; });`,
      `process.on('exit', () => console.log(JSON.stringify({ settled, recorded: tape.recorded })));`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    // 16M values take the worker most of a second; the process ended long before, without them.
    expect(JSON.parse(child.stdout)).toEqual({ settled: false, recorded: 0 });
  });
});
