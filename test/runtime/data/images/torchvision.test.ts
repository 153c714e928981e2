/**
 * Image folders against an independent implementation: PIL and torchvision
 * (Debian's python3-torchvision, run by test/fixtures/torchvision_reference.py).
 *
 * - The stored images: torchvision's Resize(40) sizes exactly, and PIL's
 *   pixels within the resize filters' rounding, for JPEG and PNG of odd sizes,
 *   a grey JPEG, a CMYK JPEG, an EXIF-rotated JPEG and a PNG with alpha; grey
 *   inputs as PIL's convert('L'); the truncated file and the text file are
 *   skipped with their reasons (and stop a run without bad_files skip).
 * - The crops: for every example of two epochs, torchvision's own get_params
 *   (RandomCrop with padding, the reference's RandomCrop without,
 *   RandomResizedCrop with its defaults and through its fallback, then
 *   RandomHorizontalFlip), fed the uniforms ibc's generator for that example
 *   yields, chooses the offsets and the flip ibc chose, consumes as many draws,
 *   and produces the pixels ibc's data workers produced (crops exactly;
 *   resized crops within 1 of PIL's bilinear). CenterCrop gives the
 *   evaluation view exactly.
 *
 * Needs /usr/bin/python3 with torchvision (scripts/setup.sh installs it with
 * IBC_WITH_TEST_TOOLS=1); in CI its absence fails these tests, elsewhere they
 * are skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AugmentSpec, FolderData } from '../../../../src/compiler/spec/resolved-spec.js';
import { evaluationBatches, loadDataset, trainingBatches, type Dataset, type StoredSplit } from '../../../../src/runtime/data/index.js';
import { StoreReader } from '../../../../src/runtime/data/images/store.js';
import { trainCropOf } from '../../../../src/runtime/data/images/stored-batches.js';
import { epochRandom, exampleRandom, trainingView, type View } from '../../../../src/runtime/data/images/views.js';
import { Random } from '../../../../src/support/random.js';
import { asyncRunErrorOf, tempDir } from '../../../fixtures/data-files.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(import.meta.dirname, '../../../fixtures/torchvision_reference.py');
const INPUT: readonly [number, number, number] = [32, 32, 3];
const SEED = 5;
const UNIFORMS = 64;

function torchvisionProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torchvision, PIL'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  return probe.status === 0 ? undefined : `${PYTHON} cannot import torchvision (apt-get install -y python3-torchvision)`;
}

const problem = torchvisionProblem();
const inCi = process.env.CI === 'true';
if (problem && !inCi) console.warn(`torchvision comparison tests skipped: ${problem}`);
const skip = problem !== undefined && !inCi;

function python(args: readonly string[]): void {
  if (problem) throw new Error(problem);
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`torchvision_reference.py ${args[0]} failed: ${run.stderr}`);
}

const spec = (root: string, badFiles: 'stop' | 'skip'): FolderData => ({
  kind: 'folder',
  train: join(root, 'train'),
  test: join(root, 'test'),
  resize: 40,
  validation: 0,
  badFiles,
  augment: { flip: 'none' },
  normalize: { mean: [0], std: [1] },
});

interface Expected {
  readonly images: readonly { readonly file: string; readonly width: number; readonly height: number }[];
}

interface Case {
  readonly name: string;
  readonly epoch: number;
  /** undefined: evaluation (CenterCrop). */
  readonly augment?: AugmentSpec;
}

const CASES: readonly Case[] = [
  { name: 'CenterCrop (evaluation)', epoch: 0 },
  { name: 'RandomCrop padding 4 reflect + flip, epoch 0', epoch: 0, augment: { flip: 'horizontal', crop: { padding: 4, mode: 'reflect' } } },
  { name: 'RandomCrop padding 4 reflect + flip, epoch 1', epoch: 1, augment: { flip: 'horizontal', crop: { padding: 4, mode: 'reflect' } } },
  { name: 'RandomCrop padding 3, zero fill', epoch: 0, augment: { flip: 'none', crop: { padding: 3, mode: 'zero' } } },
  { name: "the reference's RandomCrop(32) of the 40 image + flip", epoch: 2, augment: { flip: 'horizontal', crop: { padding: 0, mode: 'zero' } } },
  { name: 'RandomResizedCrop, torchvision defaults + flip', epoch: 0, augment: { flip: 'horizontal', randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] } } },
  { name: 'RandomResizedCrop through its fallback', epoch: 1, augment: { flip: 'none', randomResizedCrop: { scale: [0.9, 1], ratio: [3, 4] } } },
];

interface Outcome {
  readonly views: View[];
  /** ibc's generator state after each example's view, and a copy advanced by torchvision's draw count (compared later). */
  readonly drawn: number[][];
  readonly pixels: Uint8Array[];
}

interface TorchvisionExample {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
  readonly flip: boolean;
  readonly used: number;
  readonly pixels: string;
}

/** Runs ibc's pipeline for a case: each example's view and the pixels the workers rendered (normalised with mean 0, std 1: bytes / 255). */
async function runCase(split: StoredSplit, c: Case): Promise<Outcome> {
  const size = INPUT[0] * INPUT[1] * INPUT[2];
  const pixels: Uint8Array[] = new Array(split.count);
  const views: View[] = [];
  const drawn: number[][] = [];
  const batches = c.augment
    ? trainingBatches(split, { batchSize: 3, epoch: c.epoch, seed: SEED, shuffle: Random.fromSeed(0), augment: c.augment, normalize: { mean: [0], std: [1] }, input: INPUT })
    : evaluationBatches(split, { batchSize: 3, normalize: { mean: [0], std: [1] }, input: INPUT });
  const order = c.augment ? epochRandom(SEED, c.epoch, 'order').permutation(split.count) : Int32Array.from({ length: split.count }, (_, i) => i);
  let position = 0;
  for await (const batch of batches) {
    for (let b = 0; b < batch.count; b++) {
      const example = order[position++]!;
      pixels[example] = Uint8Array.from(batch.images.subarray(b * size, (b + 1) * size), (v) => Math.round(v * 255));
    }
  }
  const reader = new StoreReader(split.set.store);
  for (let i = 0; i < split.count; i++) {
    const stored = reader.image(split.items[i]!);
    if (c.augment) {
      const rng = exampleRandom(epochRandom(SEED, c.epoch, 'augment'), i);
      views.push(trainingView(rng, stored, [INPUT[0], INPUT[1]], trainCropOf(c.augment), c.augment.flip === 'horizontal'));
      drawn.push([...rng.state()]);
    }
  }
  reader.close();
  return { views, drawn, pixels };
}

function requestFor(split: StoredSplit, c: Case): unknown {
  const reader = new StoreReader(split.set.store);
  const augment = c.augment;
  const crop = augment ? trainCropOf(augment) : { kind: 'centre' as const };
  const examples = Array.from({ length: split.count }, (_, i) => {
    const stored = reader.image(split.items[i]!);
    const rng = exampleRandom(epochRandom(SEED, c.epoch, 'augment'), i);
    return {
      image: Buffer.from(stored.data).toString('base64'),
      width: stored.width,
      height: stored.height,
      kind: crop.kind,
      flip: augment?.flip === 'horizontal',
      uniforms: Array.from({ length: UNIFORMS }, () => rng.next()),
      ...(crop.kind === 'random' ? { padding: crop.padding, mode: augment?.crop?.mode === 'reflect' ? 'reflect' : 'constant' } : {}),
      ...(crop.kind === 'resized' ? { scale: crop.scale, ratio: crop.ratio } : {}),
    };
  });
  reader.close();
  return { input: [INPUT[0], INPUT[1]], examples };
}

describe.skipIf(skip)('image folders against PIL and torchvision', () => {
  let root: string;
  let expected: Expected;
  let data: Dataset<StoredSplit>;
  const outcomes = new Map<string, { ibc: Outcome; torchvision: TorchvisionExample[] }>();

  beforeAll(async () => {
    root = tempDir('ibc-torchvision-');
    python(['make', root]);
    expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Expected;
    data = await loadDataset(spec(root, 'skip'), { seed: SEED, input: INPUT, images: { cache: 'off' } });
    const requests = CASES.map((c) => requestFor(data.train, c));
    // One Python run for every case (importing torch is the slow part).
    for (const [k, c] of CASES.entries()) {
      writeFileSync(join(root, `request-${k}.json`), JSON.stringify(requests[k]));
      outcomes.set(c.name, { ibc: await runCase(data.train, c), torchvision: [] });
    }
    const batchScript = CASES.map((_, k) => `crops(${JSON.stringify(join(root, `request-${k}.json`))}, ${JSON.stringify(join(root, `out-${k}.json`))})`).join('\n');
    const run = spawnSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(resolve(SCRIPT, '..'))})\nfrom torchvision_reference import crops\n${batchScript}`], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`torchvision crops failed: ${run.stderr}`);
    for (const [k, c] of CASES.entries()) {
      const out = JSON.parse(readFileSync(join(root, `out-${k}.json`), 'utf8')) as { examples: TorchvisionExample[] };
      outcomes.get(c.name)!.torchvision.push(...out.examples);
    }
  }, 120_000);

  afterAll(async () => {
    await data?.close();
  });

  it("stores every usable image at torchvision's Resize(40) size with PIL's pixels (within the filters' rounding)", () => {
    expect(data.train.count).toBe(expected.images.length);
    const reader = new StoreReader(data.train.set.store);
    expected.images.forEach((e, n) => {
      const image = reader.image(data.train.items[n]!);
      expect([image.width, image.height], e.file).toEqual([e.width, e.height]);
      const reference = readFileSync(join(root, 'expected', `${n}.bin`));
      let sum = 0;
      let max = 0;
      for (let i = 0; i < reference.length; i++) {
        const d = Math.abs(reference[i]! - image.data[i]!);
        sum += d;
        max = Math.max(max, d);
      }
      expect(sum / reference.length, `${e.file}: mean difference`).toBeLessThan(0.5);
      expect(max, `${e.file}: largest difference`).toBeLessThanOrEqual(3);
    });
    reader.close();
  });

  it("grey inputs get PIL's convert('L') of the resized image", async () => {
    const grey = await loadDataset(spec(root, 'skip'), { seed: SEED, input: [32, 32, 1], images: { cache: 'off' } });
    const reader = new StoreReader(grey.train.set.store);
    expected.images.forEach((e, n) => {
      const image = reader.image(grey.train.items[n]!);
      const reference = readFileSync(join(root, 'expected', `${n}-grey.bin`));
      const max = reference.reduce((m, v, i) => Math.max(m, Math.abs(v - image.data[i]!)), 0);
      expect(max, e.file).toBeLessThanOrEqual(3);
    });
    reader.close();
    await grey.close();
  });

  it('skips the truncated file and the text file, naming each with its reason', () => {
    expect(data.skipped).toEqual([
      { path: join(root, 'train', 'b', '08-truncated.jpg'), reason: 'the JPEG file is truncated: its data ends before the image does' },
      { path: join(root, 'train', 'b', '09-not-an-image.jpg'), reason: 'it is not a JPEG, PNG or WebP file (by its first bytes)' },
    ]);
  });

  it('stops at the first unusable file without bad_files skip', async () => {
    const e = await asyncRunErrorOf(() => loadDataset(spec(root, 'stop'), { seed: SEED, input: INPUT, images: { cache: 'off' } }));
    expect(e.diagnostic.code).toBe('IB6014');
    expect(e.diagnostic.message).toBe(`cannot decode image '${join(root, 'train', 'b', '08-truncated.jpg')}': the JPEG file is truncated: its data ends before the image does`);
  });

  for (const c of CASES) {
    it(`${c.name}: torchvision picks ibc's offsets with ibc's draws, and the pixels agree`, () => {
      const { ibc, torchvision } = outcomes.get(c.name)!;
      expect(torchvision.length).toBe(data.train.count);
      const resized = c.augment?.randomResizedCrop !== undefined;
      torchvision.forEach((t, i) => {
        if (c.augment) {
          expect({ top: t.top, left: t.left, height: t.height, width: t.width, flip: t.flip }, `example ${i}`).toEqual(ibc.views[i]);
          // torchvision consumed exactly the draws ibc did: the generator advanced `used` times lands where ibc's is.
          const replay = exampleRandom(epochRandom(SEED, c.epoch, 'augment'), i);
          for (let k = 0; k < t.used; k++) replay.next();
          expect([...replay.state()], `example ${i}: draws consumed`).toEqual(ibc.drawn[i]);
        }
        const want = Buffer.from(t.pixels, 'base64');
        const got = ibc.pixels[i]!;
        expect(got.length).toBe(want.length);
        const max = want.reduce((m, v, k) => Math.max(m, Math.abs(v - got[k]!)), 0);
        expect(max, `example ${i}: largest pixel difference`).toBeLessThanOrEqual(resized ? 1 : 0);
      });
      if (c.augment?.randomResizedCrop && c.augment.randomResizedCrop.ratio[0] === 3) {
        // Every box came from the fallback: the whole width, height width / 3.
        expect(ibc.views.every((v, i) => v.width === data.train.set.store.layout[data.train.items[i]! * 6 + 2])).toBe(true);
      }
    });
  }
});
