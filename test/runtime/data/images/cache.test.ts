/**
 * The image cache: where it is, what reuses an entry and what invalidates it
 * (a file's modification time, size, the file list, the resize), a damaged
 * entry, a writer killed mid-write, concurrent writers (in one process and in
 * two), and no writes at all when it is off.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FolderData } from '../../../../src/compiler/spec/resolved-spec.js';
import { evaluationImages, loadDataset, type Dataset, type StoredSplit } from '../../../../src/runtime/data/index.js';
import { resolveCacheDir } from '../../../../src/runtime/data/images/cache.js';
import { asyncRunErrorOf, pngBytes, pngFolder, tempDir, writeBytes } from '../../../fixtures/data-files.js';

const INPUT: readonly [number, number, number] = [12, 12, 3];
const REPO = resolve(import.meta.dirname, '../../../..');

function spec(root: string, resize = 16): FolderData {
  return { kind: 'folder', train: join(root, 'train'), test: join(root, 'test'), resize, validation: 0, badFiles: 'stop', augment: { flip: 'none' }, normalize: { mean: [0], std: [1] } };
}

function folder(): string {
  const root = tempDir('ibc-cache-data-');
  pngFolder(join(root, 'train'), { classes: 2, perClass: 3, width: 20, height: 16 });
  pngFolder(join(root, 'test'), { classes: 2, perClass: 1, width: 18, height: 16, seed: 9 });
  return root;
}

interface Loaded {
  readonly data: Dataset<StoredSplit>;
  readonly notes: string[];
  /** How many images were decoded (not read from the cache). */
  readonly decoded: number;
}

async function load(root: string, cache: string, resize = 16, testOnly = false): Promise<Loaded> {
  const notes: string[] = [];
  let decoded = 0;
  const data = await loadDataset(spec(root, resize), {
    seed: 1,
    input: INPUT,
    ...(testOnly ? { testOnly } : {}),
    images: {
      cache,
      onNote: (line) => notes.push(line),
      onProgress: (p) => {
        if (p.what.startsWith('decoding') && p.done === p.total) decoded += p.total;
      },
    },
  });
  return { data, notes, decoded };
}

function bytes(data: Dataset<StoredSplit>): number[] {
  return Array.from(evaluationImages(data.train, 0, data.train.count, INPUT).images);
}

/** The entry folders of the cache (images/v1/<slot>/<key>). */
function entries(cache: string): string[] {
  const base = join(cache, 'images', 'v1');
  if (!existsSync(base)) return [];
  return readdirSync(base).flatMap((slot) => readdirSync(join(base, slot)).filter((n) => /^[0-9a-f]+$/.test(n)).map((n) => join(base, slot, n)));
}

describe('the image cache', () => {
  it('lives at --data-cache, else $IBC_CACHE_DIR, else $XDG_CACHE_HOME/ibc, else ~/.cache/ibc; off turns it off', () => {
    const env = { IBC_CACHE_DIR: '/c/ibc', XDG_CACHE_HOME: '/x', HOME: '/h' };
    expect(resolveCacheDir('/given', env)).toBe('/given');
    expect(resolveCacheDir('rel', env, '/projects/x')).toBe('/projects/x/rel');
    expect(resolveCacheDir(undefined, env)).toBe('/c/ibc');
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/ibc');
    expect(resolveCacheDir(undefined, { HOME: '/h' })).toBe('/h/.cache/ibc');
    expect(resolveCacheDir('off', env)).toBeUndefined();
    expect(resolveCacheDir(undefined, { IBC_CACHE_DIR: 'off' })).toBeUndefined();
  });

  it('writes an entry on the first load and serves the same images from it on the next, decoding nothing', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const first = await load(root, cache);
    expect(first.decoded).toBe(8);
    expect(entries(cache)).toHaveLength(2); // the training folder's and the test folder's
    const second = await load(root, cache);
    expect(second.decoded).toBe(0);
    expect(second.notes.filter((n) => n.includes('read from'))).toHaveLength(2);
    expect(bytes(second.data)).toEqual(bytes(first.data));
    await first.data.close();
    await second.data.close();
  });

  it('decodes and caches only the test folder for a test-only load (eval, attention)', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const testOnly = await load(root, cache, 16, true);
    expect(testOnly.decoded).toBe(2);
    expect([testOnly.data.train.count, testOnly.data.validation, testOnly.data.test.count]).toEqual([0, undefined, 2]);
    expect(entries(cache)).toHaveLength(1);
    const whole = await load(root, cache);
    expect(whole.decoded).toBe(6); // the training images; the test folder's entry is the one the test-only load wrote
    expect(Array.from(evaluationImages(whole.data.test, 0, 2, INPUT).images)).toEqual(Array.from(evaluationImages(testOnly.data.test, 0, 2, INPUT).images));
    await testOnly.data.close();
    await whole.data.close();
  });

  it("is rebuilt when a file's modification time, its size or the file list changes, and the stale entry is removed", async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    await (await load(root, cache)).data.close();
    const before = entries(cache);
    expect(before).toHaveLength(2); // the training folder's and the test folder's
    const file = join(root, 'train', 'c0', '000.png');

    const later = new Date(statSync(file).mtimeMs + 5000);
    utimesSync(file, later, later);
    const touched = await load(root, cache);
    expect(touched.decoded).toBe(6); // the training folder's entry; the test folder's is still good
    const after = entries(cache);
    expect(after).toHaveLength(2);
    expect(after.filter((e) => before.includes(e))).toHaveLength(1); // the stale training entry is gone
    await touched.data.close();

    writeBytes(file, pngBytes(24, 16, () => [9, 9, 9, 255])); // another size
    const resized = await load(root, cache);
    expect(resized.decoded).toBe(6);
    expect(Array.from(evaluationImages(resized.data.train, 0, 1, INPUT).images.subarray(0, 3))).toEqual([9, 9, 9]);
    await resized.data.close();

    writeBytes(join(root, 'train', 'c1', '900.png'), pngBytes(20, 16, () => [1, 2, 3, 255]));
    const added = await load(root, cache);
    expect(added.decoded).toBe(7);
    expect(added.data.train.count).toBe(7);
    await added.data.close();
    expect(entries(cache)).toHaveLength(2); // one per folder: the stale ones went when their replacements were complete
  });

  it('keeps one entry per resize setting', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    await (await load(root, cache, 16)).data.close();
    await (await load(root, cache, 14)).data.close();
    expect(entries(cache)).toHaveLength(4);
    const again = await load(root, cache, 16);
    expect(again.decoded).toBe(0);
    await again.data.close();
  });

  it('rebuilds an entry whose files do not match its index', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const first = await load(root, cache);
    const want = bytes(first.data);
    await first.data.close();
    for (const entry of entries(cache)) truncateSync(join(entry, 'shard-00000.bin'), 10);
    const rebuilt = await load(root, cache);
    expect(rebuilt.decoded).toBe(8);
    expect(bytes(rebuilt.data)).toEqual(want);
    await rebuilt.data.close();
  });

  it("takes over from a writer killed mid-write: its lock and temporary folder go, the entry is written", async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const first = await load(root, cache);
    const want = bytes(first.data);
    await first.data.close();
    const entry = entries(cache)[0]!;
    const slot = resolve(entry, '..');
    const key = entry.slice(slot.length + 1);
    rmSync(entry, { recursive: true });
    // What a writer killed during its write leaves: its lock (a pid that no longer runs) and a half-written entry.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(slot, 'writer.lock'), `${JSON.stringify({ pid: dead, host: hostname(), started: '2020-01-01T00:00:00.000Z' })}\n`);
    mkdirSync(join(slot, `${key}.tmp-${dead}`));
    writeFileSync(join(slot, `${key}.tmp-${dead}`, 'shard-00000.bin'), 'half');
    const resumed = await load(root, cache);
    expect(resumed.decoded).toBeGreaterThan(0);
    expect(bytes(resumed.data)).toEqual(want);
    expect(readdirSync(slot).sort()).toEqual([key]);
    await resumed.data.close();
  });

  it('lets one of two loads at once decode; the other waits for its entry', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const [a, b] = await Promise.all([load(root, cache), load(root, cache)]);
    expect(a.decoded + b.decoded).toBe(8);
    expect([...a.notes, ...b.notes].some((n) => n.startsWith(`waiting for ibc process ${process.pid}`))).toBe(true);
    expect(bytes(a.data)).toEqual(bytes(b.data));
    await a.data.close();
    await b.data.close();
  });

  it('lets one of two processes decode a folder while the other waits and reads its entry', async () => {
    const root = folder();
    pngFolder(join(root, 'train'), { classes: 2, perClass: 40, width: 60, height: 50, seed: 3 }); // long enough to overlap
    const cache = tempDir('ibc-cache-');
    const script = `
      const { loadDataset } = await import(${JSON.stringify(join(REPO, 'dist/runtime/data/index.js'))});
      let decoded = 0;
      const data = await loadDataset(JSON.parse(process.argv[1]), { seed: 1, input: [12, 12, 3], images: { cache: process.argv[2],
        onProgress: (p) => { if (p.what.startsWith('decoding') && p.done === p.total) decoded += p.total; } } });
      console.log(JSON.stringify({ decoded, count: data.train.count }));
      await data.close();`;
    const run = (): Promise<{ decoded: number; count: number }> =>
      new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(spec(root)), cache], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => (code === 0 ? done(JSON.parse(out) as { decoded: number; count: number }) : fail(new Error(`child exited ${code}: ${err}`))));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.count).toBe(80);
    expect(b.count).toBe(80);
    expect(a.decoded + b.decoded).toBe(82); // 80 training images and 2 test images, decoded once between them
  }, 60_000);

  it('names an image it cannot read, with the reason', async () => {
    const root = folder();
    const pipe = join(root, 'train', 'c0', '001-pipe.png'); // a FIFO: the file reader refuses it rather than block on it
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0);
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 1, input: INPUT, images: { cache: 'off' } }));
    expect(e.diagnostic.message).toBe(`cannot decode image '${pipe}': it cannot be read: image file must be a regular file, but it is a named pipe`);
  });

  it('names the cache folder it cannot write, and the ways out', async () => {
    const root = folder();
    const blocked = join(tempDir('ibc-cache-'), 'a-file');
    writeFileSync(blocked, 'not a folder');
    const e = await asyncRunErrorOf(() => loadDataset(spec(root), { seed: 1, input: INPUT, images: { cache: join(blocked, 'cache') } }));
    expect(e.diagnostic.code).toBe('IB6041');
    expect(e.diagnostic.message).toContain(`cannot write the image cache at '${join(blocked, 'cache')}`);
    expect(e.diagnostic.message).toContain('--data-cache off');
  });

  it('writes nothing when off', async () => {
    const root = folder();
    const cache = tempDir('ibc-cache-');
    const notes: string[] = [];
    const saved = process.env.IBC_CACHE_DIR;
    process.env.IBC_CACHE_DIR = cache; // where it would go
    try {
      const data = await loadDataset(spec(root), { seed: 1, input: INPUT, images: { cache: 'off', onNote: (l) => notes.push(l) } });
      expect(data.train.count).toBe(6);
      await data.close();
    } finally {
      process.env.IBC_CACHE_DIR = saved;
    }
    expect(readdirSync(cache)).toEqual([]);
    expect(notes).toEqual([]);
  });
});
