/**
 * Fuzzing checkpoints (issue 16): byte flips, truncations and extensions of a
 * real run's last.ibck, both as they are (the checksum catches them) and with
 * the checksum recomputed (so the parser, the metadata checks and the
 * model validation see the damage), through every reader: --resume, eval,
 * attention, compile --target tfjs and --target onnx. Each must exit 0/1/2,
 * print no stack trace and finish within the bound.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Random } from '../../src/support/random.js';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';
import { mutateBytes, RUN_BOUND_MS, timed } from '../fixtures/fuzz.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');
const HEADER = 48;
const RAW_CASES = 4;
const REHASHED_CASES = 16;

let work: string;
let base: string;
let original: Uint8Array;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-fuzz-ckpt-'));
  base = join(work, 'base');
  const r = await ibc(work, 'train', TINY, '--out', base, '--epochs', '1', '--limit-train', '64', '--limit-test', '16', '--backend', 'cpu', '--attention', '0');
  expect(r.code, head(r)).toBe(0);
  original = readFileSync(join(base, 'checkpoints', 'last.ibck'));
}, 120_000);

/** Makes the header agree with the body again: length and SHA-256. */
function rehash(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER) return bytes;
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  view.setBigUint64(8, BigInt(out.length - HEADER), true);
  out.set(createHash('sha256').update(out.subarray(HEADER)).digest(), 16);
  return out;
}

async function throughEveryReader(run: string, label: string): Promise<void> {
  const readers: readonly string[][] = [
    ['train', TINY, '--resume', run, '--epochs', '1', '--backend', 'cpu'],
    ['eval', run, '--backend', 'cpu', '--limit-test', '8'],
    ['attention', run, '--backend', 'cpu', '--images', '1'],
    ['compile', TINY, '--target', 'tfjs', '--out', join(run, 'tfjs'), '--weights', run],
    ['compile', TINY, '--target', 'onnx', '--out', join(run, 'model.onnx'), '--weights', run],
  ];
  for (const argv of readers) {
    const { value: r, ms } = await timed(() => ibc(work, ...argv));
    expect(isCleanOutcome(r), `${label}: ibc ${argv[0]}\n${head(r)}`).toBe(true);
    expect(ms, `${label}: ibc ${argv[0]}`).toBeLessThan(RUN_BOUND_MS);
  }
}

describe('checkpoint byte flips through every reader', () => {
  it(`${RAW_CASES} damaged as they are and ${REHASHED_CASES} with the checksum recomputed`, async () => {
    const rng = Random.fromSeed(16).derive('checkpoint-flips');
    for (let c = 0; c < RAW_CASES + REHASHED_CASES; c++) {
      const rehashed = c >= RAW_CASES;
      // Every other case damages only the first 4 KB: the header, the metadata and the tensor table, where the parser and the checks live.
      const prefix = c % 2 === 0 ? Math.min(4096, original.length) : original.length;
      const mutated = mutateBytes(rng, original.subarray(0, prefix), 256);
      const whole = new Uint8Array(mutated.bytes.length + original.length - prefix);
      whole.set(mutated.bytes);
      whole.set(original.subarray(prefix), mutated.bytes.length);
      const bytes = rehashed ? rehash(whole) : whole;
      const run = join(work, `case-${c}`);
      cpSync(base, run, { recursive: true });
      writeFileSync(join(run, 'checkpoints', 'last.ibck'), bytes);
      await throughEveryReader(run, `case ${c} (${mutated.what}${rehashed ? ', checksum recomputed' : ''})`);
    }
  }, 240_000);
});
