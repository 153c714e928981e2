/**
 * Every numeric input goes through the same resource estimate as the spec
 * (issue 24, case 12): a synthetic data set of a billion images, ibc eval
 * --samples 100000, ibc bench --batch 100000000 and ibc attention --images
 * 100000 are refused at once with the numbers, never a stack trace or
 * minutes of generation; seeds and --poll are bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ibc, isCleanOutcome, head, type Captured } from '../fixtures/cli-run.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');

let work = '';
let run = '';
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-numeric-'));
  run = join(work, 'run');
  const r = await ibc(work, 'train', TINY, '--out', run, '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0');
  expect(r.code, head(r)).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function refused(r: Captured, code: string, exit = 1): void {
  expect(isCleanOutcome(r), head(r)).toBe(true);
  expect(r.code, head(r)).toBe(exit);
  expect(r.stderr, head(r)).toContain(code);
}

describe('numbers too large for this machine are refused before anything runs', () => {
  it('data.train_count=1000000000 (check and train) and 3e7 (train): IB3456 at the data section, no generation', async () => {
    const check = await ibc(work, 'check', TINY, 'data.train_count=1000000000');
    refused(check, 'IB3456: the synthetic data set would hold 1,000,000,256 images of 144 values');
    expect(check.stderr).toMatch(/tiny-aib-qt\.ibspec:\d+:\d+: error IB3456/);
    for (const count of ['1000000000', '30000000']) {
      const trained = await ibc(work, 'train', TINY, `data.train_count=${count}`, '--out', join(work, `t${count}`), '--backend', 'cpu');
      refused(trained, 'IB3456');
    }
  });

  it('ibc eval --samples 100000: the evaluation estimate with that many samples (IB6805)', async () => {
    refused(await ibc(work, 'eval', run, '--samples', '100000', '--backend', 'cpu'), "IB6805: --samples 100000 is refused before anything runs: the evaluation activation");
  });

  it('ibc bench --batch 100000000: the training estimate at that batch (IB6805); --target onnx likewise', async () => {
    refused(await ibc(work, 'bench', TINY, '--batch', '100000000', '--backend', 'cpu', '--steps', '1'), 'IB6805: --batch 100000000 is refused before anything runs');
    refused(await ibc(work, 'bench', TINY, '--target', 'onnx', '--batch', '100000000', '--iterations', '1'), 'IB6805: --batch 100000000');
  });

  it('ibc attention --images 100000 and ibc train --attention 100000: the grid figure would be too large (IB6806)', async () => {
    refused(await ibc(work, 'attention', run, '--images', '100000', '--backend', 'cpu'), 'IB6806: --images 100000 asks for 100000 attention images');
    refused(await ibc(work, 'train', TINY, '--attention', '100000', '--out', join(work, 'big-grid'), '--backend', 'cpu'), 'IB6806: --attention 100000');
  });

  it('seeds past 32 bits and a --poll past a day are usage errors', async () => {
    refused(await ibc(work, 'train', TINY, '--seed', '9007199254740993'), '--seed expects a whole number', 2);
    refused(await ibc(work, 'train', TINY, '--seed', '4294967296'), '--seed expects a whole number from 0 to 4,294,967,295', 2);
    const spec = join(work, 's.ibspec');
    writeFileSync(spec, `extends ${JSON.stringify(TINY)}\nname s\nsweep {\n  seeds 1\n}\n`);
    refused(await ibc(work, 'sweep', spec, '--launcher', 'slurm', '--poll', '99999999'), '--poll expects a whole number from 1 to 86,400', 2);
  });
});
