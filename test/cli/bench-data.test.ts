/**
 * `ibc bench --data DIR` on a tiny generated folder, start to end: one JSON
 * line with the pipeline's fields (the figures themselves are the bench's
 * business, never a test's), the summary on stderr, and its temporary image
 * cache removed afterwards.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { pngFolder } from '../fixtures/data-files.js';

const benchCaches = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('ibc-bench-data-cache-'));

describe('ibc bench --data', () => {
  it('times the first pass, the epochs and a warm start of a folder, and leaves no cache behind', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-bench-data-'));
    pngFolder(join(work, 'photos'), { classes: 2, perClass: 3, width: 20, height: 16 });
    const before = benchCaches();
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
    const code = await main(['bench', '--data', 'photos', '--epochs', '1', '--batch', '4', '--data-workers', '1'], io);
    expect(code, stderr).toBe(0);
    const line = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['side', 'folder', 'batch', 'images', 'decode_seconds', 'decode_img_per_s', 'epoch_img_per_s', 'warm_start_s', 'workers']);
    expect(line).toMatchObject({ side: 'ibc', folder: join(work, 'photos'), batch: 4, images: 6, workers: 1 });
    expect(line.epoch_img_per_s).toHaveLength(1);
    expect(stderr).toMatch(/: 6 images decoded at [\d.]+ images\/s \(first pass, into an empty cache\), then [\d.]+ images\/s per epoch of RandomCrop\(224\) \+ flip \+ normalise on 1 workers; a warm start took [\d.]+ s\n$/);
    expect(benchCaches()).toEqual(before);
  }, 60_000);
});
