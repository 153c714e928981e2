/**
 * Fuzzing data files (issue 16): seeded flips, truncations, extensions and
 * extreme header fields of IDX (gzipped and plain), CIFAR-10 and image-folder
 * (PNG and JPEG) files, through their loaders. Each load must either succeed
 * or fail with a RunError (a located, catalogued message), never another
 * exception, within the bound.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Random } from '../../src/support/random.js';
import { loadDataset } from '../../src/runtime/data/index.js';
import { isRunError } from '../../src/support/errors.js';
import type { CifarData, DataSpec, FolderData, IdxData } from '../../src/compiler/spec/resolved-spec.js';
import { cifarRecord, concatBytes, idxImages, idxLabels, jpegBytes, pngBytes, writeBytes } from '../fixtures/data-files.js';
import { mutateBytes, pick, RUN_BOUND_MS, timed } from '../fixtures/fuzz.js';

const CASES_PER_LOADER = 60;
const base = { validation: 0.25, augment: { flip: 'none' as const }, normalize: { mean: [0], std: [1] } };

interface Fixture {
  readonly name: string;
  readonly dir: string;
  /** Files that may be damaged, relative to dir. */
  readonly files: readonly string[];
  readonly spec: (dir: string) => DataSpec;
  readonly input: readonly [number, number, number];
  readonly header: number;
}

let root: string;
let fixtures: Fixture[];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ibc-fuzz-data-'));
  const idx = join(root, 'idx');
  writeBytes(join(idx, 'train-img.gz'), idxImages(8, 6, 6, (n, i) => (n * 7 + i) & 255), true);
  writeBytes(join(idx, 'train-lab'), idxLabels([0, 1, 2, 0, 1, 2, 0, 1]));
  writeBytes(join(idx, 'test-img'), idxImages(4, 6, 6, (n, i) => (n + i) & 255));
  writeBytes(join(idx, 'test-lab.gz'), idxLabels([2, 1, 0, 1]), true);
  const cifar = join(root, 'cifar');
  ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'].forEach((name, f) =>
    writeBytes(join(cifar, name), concatBytes([0, 1].map((r) => cifarRecord([(f + r) % 10], (k, i) => (k + i + r) & 255)))),
  );
  const folder = join(root, 'folder');
  const png = pngBytes(5, 4, (x, y) => [x * 40, y * 50, 90, 255]);
  const jpg = await jpegBytes(6, 5, () => [128, 128, 128], 90);
  for (const split of ['train', 'test']) {
    writeBytes(join(folder, split, 'cat', '0.png'), png);
    writeBytes(join(folder, split, 'cat', '1.jpg'), jpg);
    writeBytes(join(folder, split, 'dog', '0.png'), png);
  }
  fixtures = [
    {
      name: 'idx',
      dir: idx,
      files: ['train-img.gz', 'train-lab', 'test-img', 'test-lab.gz'],
      spec: (d): IdxData => ({ ...base, kind: 'idx', train: { images: join(d, 'train-img.gz'), labels: join(d, 'train-lab') }, test: { images: join(d, 'test-img'), labels: join(d, 'test-lab.gz') } }),
      input: [6, 6, 1],
      header: 16,
    },
    { name: 'cifar10', dir: cifar, files: ['data_batch_2.bin', 'test_batch.bin'], spec: (d): CifarData => ({ ...base, kind: 'cifar10', path: d }), input: [32, 32, 3], header: 8 },
    {
      name: 'folder',
      dir: folder,
      files: ['train/cat/0.png', 'train/cat/1.jpg', 'test/dog/0.png'],
      spec: (d): FolderData => ({ ...base, kind: 'folder', train: join(d, 'train'), test: join(d, 'test'), badFiles: 'stop' }),
      input: [4, 4, 3],
      header: 32,
    },
  ];
});

describe('data-file mutations through every loader', () => {
  for (const loader of ['idx', 'cifar10', 'folder']) {
    it(`${loader}: ${CASES_PER_LOADER} seeded mutants load or fail with a RunError, within the bound`, async () => {
      const fixture = fixtures.find((f) => f.name === loader)!;
      const rng = Random.fromSeed(16).derive(`data-${loader}`);
      let refused = 0;
      for (let c = 0; c < CASES_PER_LOADER; c++) {
        const dir = join(root, `${loader}-${c}`);
        cpSync(fixture.dir, dir, { recursive: true });
        const file = pick(rng, fixture.files);
        const path = join(dir, file);
        const original = readFileSync(path);
        // A gzipped file is damaged either as it is on disk or inside the compression.
        const inside = file.endsWith('.gz') && rng.int(2) === 0;
        const plain = inside ? new Uint8Array(gunzipSync(original)) : new Uint8Array(original);
        const mutated = mutateBytes(rng, plain, fixture.header);
        writeFileSync(path, inside ? gzipSync(mutated.bytes) : mutated.bytes);
        const label = `${loader} case ${c}: ${file} ${mutated.what}${inside ? ' (inside the gzip)' : ''}`;
        const { value: outcome, ms } = await timed(async () => {
          try {
            const loaded = await loadDataset(fixture.spec(dir), { seed: 1, input: fixture.input, ...(loader === 'idx' ? { classes: 3 } : {}) });
            await loaded.close();
            return 'loaded';
          } catch (error) {
            if (isRunError(error)) return 'refused';
            return `crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
          }
        });
        expect(outcome, label).not.toMatch(/^crashed/);
        expect(ms, label).toBeLessThan(RUN_BOUND_MS);
        if (outcome === 'refused') refused++;
      }
      expect(refused, 'the mutations must reach the checks').toBeGreaterThan(0);
    }, 120_000);
  }
});
