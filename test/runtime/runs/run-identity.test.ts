/** A run's identity: what differs between two runs, how it is said, and what an older run folder still tells. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeIdentityDifferences,
  identityDifferences,
  optionsFor,
  readRunIdentity,
  recordLineOf,
  writeRunRecord,
  type RunIdentity,
} from '../../../src/runtime/runs/run-identity.js';
import { writeTrainingState } from '../../../src/runtime/runs/resume.js';
import { readFileSync } from 'node:fs';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-identity-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const IDENTITY: RunIdentity = {
  spec_hash: 'abc',
  seed: 1,
  batch: 64,
  epochs: 1,
  limit_train: 5000,
  limit_val: 500,
  limit_test: 2000,
  train_images: 5000,
  val_images: 500,
  test_images: 2000,
  backend: 'ibc-native',
  training_step: 'compiled',
  precision: 'fp32',
  threads: 2,
  weights: null,
};

describe('run identity', () => {
  it('lists what differs, in one order, with the options that give the recorded values back', () => {
    const differences = identityDifferences(IDENTITY, { limit_train: 6000, threads: 1, epochs: 1, limit_val: null });
    expect(describeIdentityDifferences(differences)).toBe('limit_train 5000 -> 6000, limit_val 500 -> all, threads 2 -> 1');
    expect(optionsFor(differences)).toBe('--limit-train 5000 --limit-val 500 --threads 2');
    // Threads shape the numbers only where the host computes them.
    expect(identityDifferences({ ...IDENTITY, backend: 'cpu', threads: 1 }, { threads: 4 })).toEqual([]);
    expect(identityDifferences({ ...IDENTITY, backend: 'webgpu', threads: null }, { threads: 2 })).toEqual([]);
  });

  it('run.json holds one key a line, located by recordLineOf', () => {
    const dir = join(work, 'recorded');
    mkdirSync(dir);
    writeRunRecord(dir, IDENTITY);
    const lines = readFileSync(join(dir, 'run.json'), 'utf8').split('\n');
    expect(lines[recordLineOf('limit_train') - 1]).toBe('  "limit_train": 5000,');
    expect(lines[recordLineOf('threads') - 1]).toBe('  "threads": 2,');
    expect(readRunIdentity(dir)).toEqual(IDENTITY);
  });

  it('a run from before run.json: its checkpoint, summary and resolved spec still tell the budget', () => {
    const dir = join(work, 'older');
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    writeFileSync(join(dir, 'resolved-spec.json'), JSON.stringify({ name: 'x', train: { seed: 4, batchSize: 32 } }));
    writeTrainingState(join(dir, 'checkpoints', 'last.ibck'), {
      specHash: 'h',
      epoch: 1,
      step: 3,
      weights: new Map([['w', new Float32Array([1, 2])]]),
      optimizer: { kind: 'sgd', step: 3, buffers: {} },
      random: { shuffle: [1, 2, 3, 4], noise: [5, 6, 7, 8] },
      settings: { seed: 4, epochs: 2, limitTrain: 6000 },
      backend: 'ibc-native',
    });
    expect(readRunIdentity(dir)).toEqual({ seed: 4, batch: 32, epochs: 2, limit_train: 6000, limit_val: null, limit_test: null, backend: 'ibc-native' });
  });
});
