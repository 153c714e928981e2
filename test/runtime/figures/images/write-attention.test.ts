/**
 * The two attention writers write the same files: renderAttentionImages (figures rendered several at a time on
 * the thread pool, written when asked) and writeAttentionImages (each rendered on the main thread as it is
 * written): the same paths in the same order, the same bytes, the same refusals and the same failures.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { AttentionItem } from '../../../../src/runtime/figures/images/figure.js';
import { renderAttentionImages, writeAttentionImages, type AttentionWriteOptions } from '../../../../src/runtime/figures/images/write-attention.js';
import { fashionAttentionItem, patternImage } from '../../../fixtures/attention-items.js';
import { RunError } from '../../../../src/support/errors.js';

/** The figure whose SVG contains this text fails to render (both renderers), when set. */
const failing = vi.hoisted(() => ({ on: undefined as string | undefined }));

vi.mock('../../../../src/runtime/figures/images/figure.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/runtime/figures/images/figure.js')>();
  const check = (svg: string): void => {
    if (failing.on !== undefined && svg.includes(failing.on)) throw new Error('resvg failed');
  };
  return {
    ...real,
    svgToPng: (svg: string) => (check(svg), real.svgToPng(svg)),
    svgToPngAsync: async (svg: string) => (check(svg), real.svgToPngAsync(svg)),
  };
});

function item(index: number, predicted: number): AttentionItem {
  const attention = Float32Array.from({ length: 49 }, (_, i) => ((i * (index + 1)) % 11) / 10);
  return fashionAttentionItem({
    index,
    image: patternImage(index),
    attention,
    attentionQuantized: Float32Array.from(attention, (v) => (v > 0.5 ? 1.2 : 0)),
    predicted,
    label: 1,
    box: [4, 6, 20, 22],
  });
}

const ITEMS = [item(12, 1), item(13, 3), item(14, 1)];
const INFO = { title: 'run: end of training, epoch 1', anchors: [0, 1.2] };

function folders(): { sync: string; async: string } {
  const root = mkdtempSync(join(tmpdir(), 'ibc-write-attention-'));
  return { sync: join(root, 'sync'), async: join(root, 'async') };
}

/** Each file of `folder` and its bytes, by name. */
function contents(folder: string): Map<string, Buffer> {
  return new Map(readdirSync(folder).sort().map((name) => [name, readFileSync(join(folder, name))]));
}

/** What a call threw, for comparing the two writers (the folder's path replaced by FOLDER). */
async function failure(call: () => unknown, folder: string): Promise<string> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(RunError);
    return (error as Error).message.split(folder).join('FOLDER');
  }
  throw new Error('the call did not fail');
}

describe('renderAttentionImages', () => {
  it('writes the files of writeAttentionImages, byte for byte and in the same order, and nothing before write()', async () => {
    const { sync, async } = folders();
    const expected = writeAttentionImages(sync, ITEMS, INFO);
    const rendered = await renderAttentionImages(async, ITEMS, INFO);
    expect(existsSync(async)).toBe(false);
    const written = rendered.write();
    expect(written.map((p) => basename(p))).toEqual(expected.map((p) => basename(p)));
    expect(written.map((p) => basename(p))).toEqual(['test-00012.png', 'test-00012.svg', 'test-00013.png', 'test-00013.svg', 'test-00014.png', 'test-00014.svg', 'grid.png', 'grid.svg']);
    const want = contents(sync);
    const got = contents(async);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [name, bytes] of want) expect(Buffer.compare(got.get(name)!, bytes), name).toBe(0);
  });

  it('replaces and removes an earlier call\'s images as writeAttentionImages does, and refuses a user\'s file the same way', async () => {
    const { sync, async } = folders();
    writeAttentionImages(sync, ITEMS, INFO);
    (await renderAttentionImages(async, ITEMS, INFO)).write();
    writeAttentionImages(sync, [item(40, 1)], INFO);
    (await renderAttentionImages(async, [item(40, 1)], INFO)).write();
    expect(readdirSync(async).sort()).toEqual(['grid.png', 'grid.svg', 'test-00040.png', 'test-00040.svg']);
    expect([...contents(async)].map(([n, b]) => [n, b.toString('base64')])).toEqual([...contents(sync)].map(([n, b]) => [n, b.toString('base64')]));
    // An --out folder with the user's own grid.png: refused by both, nothing written.
    const foreign: AttentionWriteOptions = { ownFolder: false, overwrite: false };
    for (const folder of [sync, async]) writeFileSync(join(folder, 'grid.png'), 'the user');
    const refusedSync = await failure(() => writeAttentionImages(sync, ITEMS, INFO, foreign), sync);
    const refusedAsync = await failure(async () => (await renderAttentionImages(async, ITEMS, INFO, foreign)).write(), async);
    expect(refusedAsync).toBe(refusedSync);
    expect(refusedAsync).toContain('grid.png');
    expect(readFileSync(join(async, 'grid.png'), 'utf8')).toBe('the user');
    expect(readdirSync(async).sort()).toEqual(readdirSync(sync).sort());
  });

  it('reports a figure that failed to render when its file is written, as writeAttentionImages does, leaving the earlier images', async () => {
    const { sync, async } = folders();
    writeAttentionImages(sync, [item(40, 1)], INFO);
    (await renderAttentionImages(async, [item(40, 1)], INFO)).write();
    const before = contents(async);
    failing.on = 'test image #13';
    try {
      const failedSync = await failure(() => writeAttentionImages(sync, ITEMS, INFO), sync);
      const rendered = await renderAttentionImages(async, ITEMS, INFO);
      const failedAsync = await failure(() => rendered.write(), async);
      expect(failedAsync).toBe(failedSync);
      expect(failedAsync).toContain('test-00013.png');
      expect(failedAsync).toContain('resvg failed');
    } finally {
      failing.on = undefined;
    }
    // Nothing half-written: the earlier call's images as they were, no temporaries.
    expect([...contents(async)]).toEqual([...before]);
    expect(readdirSync(sync).sort()).toEqual([...before.keys()]);
  });
});
