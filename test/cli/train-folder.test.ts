/**
 * `ibc train` on an image folder, start to end: the first run decodes (with a
 * progress line) and fills the image cache, later runs read it and decode
 * nothing; an interrupted-then-resumed run equals an uninterrupted one (the
 * crops come from (seed, epoch, index)); `bad_files skip` lists the unusable
 * file in the run directory and counts it in summary.json, and without it the
 * file stops the run before a run directory exists. `ibc eval` of the run
 * takes the same --data-cache (and reads the entry train wrote), another
 * folder, or off; `ibc attention` reads the test images only, from that cache.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { readCheckpoint } from '../../src/runtime/runs/checkpoint/index.js';
import { pngFolder, writeBytes } from '../fixtures/data-files.js';

const SPEC = (badFiles: string): string => `name photos
model {
  input 16x16x3
  classes 2
  backbone custom {
    stage stage1 {
      conv 4 kernel=3
      relu
      maxpool 2
    }
  }
  classifier {
    flatten
    linear 2
  }
}
data folder {
  train "photos/train"
  test "photos/test"
  resize 20
  bad_files ${badFiles}
  augment {
    crop padding=0
    flip horizontal
  }
  normalize mean=[0.5, 0.5, 0.5] std=[0.25, 0.25, 0.25]
}
train {
  epochs 2
  batch 8
  optimizer adam lr=0.01
  seed 3
}
`;

/** A small IB-attention model on the same folder, for ibc attention. */
const ATTENTION_SPEC = `name photos-aib
model {
  input 16x16x3
  classes 2
  backbone custom {
    stage stage1 {
      conv 4 kernel=3
      relu
    }
    stage stage2 {
      maxpool 2
      conv 4 kernel=3
      relu
    }
  }
  attention at=stage1 {
    latent 4
    beta 0.001
    samples train=1 eval=0
    decoder {
      linear 4
      relu
      linear 2
    }
  }
}
data folder {
  train "photos/train"
  test "photos/test"
  resize 20
  bad_files skip
  normalize mean=[0.5, 0.5, 0.5] std=[0.25, 0.25, 0.25]
}
train {
  epochs 1
  batch 8
  optimizer adam lr=0.01
  seed 3
}
`;

let work: string;
let cache: string;

async function ibc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main([...argv, '--backend', 'cpu', '--attention', '0', '--data-cache', cache], io);
  return { code, stdout, stderr };
}

/** `ibc eval` / `ibc attention` of a run: their own options, no --attention. */
async function ibcOnRun(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main([...argv, '--backend', 'cpu'], io);
  return { code, stdout, stderr };
}

function metrics(runDir: string): unknown[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ seconds: _s, images_per_second: _i, ...rest }) => rest);
}

function weights(runDir: string): Map<string, Float32Array> {
  const ck = readCheckpoint(join(runDir, 'checkpoints', 'last.ibck'));
  return new Map([...ck.tensors].filter(([k]) => k.startsWith('weights/')).map(([k, t]) => [k, t.data]));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-train-folder-'));
  cache = join(work, 'cache');
  pngFolder(join(work, 'photos', 'train'), { classes: 2, perClass: 12, width: 26, height: 21 });
  pngFolder(join(work, 'photos', 'test'), { classes: 2, perClass: 4, width: 24, height: 20, seed: 5 });
  writeBytes(join(work, 'photos', 'train', 'c1', 'zz-broken.jpg'), new TextEncoder().encode('not a photo'));
  writeFileSync(join(work, 'skip.ibspec'), SPEC('skip'));
  writeFileSync(join(work, 'stop.ibspec'), SPEC('stop'));
  writeFileSync(join(work, 'aib.ibspec'), ATTENTION_SPEC);
});

describe('ibc train on an image folder', () => {
  it('decodes once into the cache; a resumed run reads it and equals an uninterrupted one', async () => {
    const whole = join(work, 'whole');
    const first = await ibc('train', 'skip.ibspec', '--out', whole);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('decoding training images  0/25');
    expect(first.stderr).toMatch(/decoding training images {2}25\/25 {2}[\d.]+ img\/s {2}ETA 0s/);

    const parts = join(work, 'parts');
    const part = await ibc('train', 'skip.ibspec', '--out', parts, '--epochs', '1');
    expect(part.code, part.stderr).toBe(0);
    expect(part.stderr).not.toContain('decoding');
    expect(part.stderr).toContain('image cache: training images read from');
    const resumed = await ibc('train', 'skip.ibspec', '--resume', parts, '--epochs', '2');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('decoding');
    expect(metrics(parts)).toEqual(metrics(whole));
    const w = weights(whole);
    for (const [name, values] of weights(parts)) expect(Array.from(values), name).toEqual(Array.from(w.get(name)!));
  });

  it('bad_files skip: the unusable file is listed in the run directory and counted in summary.json', async () => {
    const out = join(work, 'whole');
    const listed = JSON.parse(readFileSync(join(out, 'skipped-images.json'), 'utf8')) as unknown;
    expect(listed).toEqual([{ path: join(work, 'photos', 'train', 'c1', 'zz-broken.jpg'), reason: 'it is not a JPEG, PNG or WebP file (by its first bytes)' }]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { skipped_images?: number };
    expect(summary.skipped_images).toBe(1);
  });

  it('without bad_files skip the unusable file stops the run, named with its reason, before a run directory exists', async () => {
    const out = join(work, 'stopped');
    const r = await ibc('train', 'stop.ibspec', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error IB6014: cannot decode image '${join(work, 'photos', 'train', 'c1', 'zz-broken.jpg')}': it is not a JPEG, PNG or WebP file (by its first bytes)`);
    expect(existsSync(out)).toBe(false);
  });

  it('eval of the run reads the cache train wrote with --data-cache, decodes into another one, or writes none when off; attention takes the same flags', async () => {
    const whole = join(work, 'whole');
    const cached = await ibcOnRun('eval', whole, '--data-cache', cache, '--format', 'json');
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stderr).toContain(`image cache: test images read from ${cache}`);
    expect((JSON.parse(cached.stdout) as { count: number }).count).toBe(8);

    const elsewhere = join(work, 'eval-cache');
    const off = await ibcOnRun('eval', whole, '--data-cache', 'off', '--data-memory', '64M', '--data-workers', '1', '--format', 'json');
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe(cached.stdout);
    expect(existsSync(join(work, 'off'))).toBe(false);
    const fresh = await ibcOnRun('eval', whole, '--data-cache', 'eval-cache', '--format', 'json');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain(`image cache: decoded test images stored in ${elsewhere}`);
    expect(fresh.stderr).toMatch(/decoding test images {2}8\/8 {2}[\d.]+ img\/s {2}ETA 0s/);
    expect(fresh.stderr).not.toContain('training images'); // eval reads the test images only
    expect(fresh.stdout).toBe(cached.stdout);

    for (const command of ['eval', 'attention']) {
      const bad = await ibcOnRun(command, whole, '--data-memory', 'lots');
      expect(bad.code, command).toBe(2);
      expect(bad.stderr).toContain("--data-memory expects a memory size such as 4G, 512M or 0, got 'lots'");
    }
  });

  it('attention of a run reads the test images only, from the cache named with --data-cache', async () => {
    const run = join(work, 'aib');
    const trained = await ibc('train', 'aib.ibspec', '--out', run);
    expect(trained.code, trained.stderr).toBe(0);
    const maps = await ibcOnRun('attention', run, '--images', '2', '--out', 'maps', '--data-cache', cache);
    expect(maps.code, maps.stderr).toBe(0);
    expect(maps.stdout).toBe(`attention maps of test images 0..1: ${join(work, 'maps')}\n`);
    expect(maps.stderr).toContain(`image cache: test images read from ${cache}`);
    expect(maps.stderr).not.toContain('training images');
    expect(readdirSync(join(work, 'maps')).sort()).toEqual(['grid.png', 'grid.svg', 'test-00000.png', 'test-00000.svg', 'test-00001.png', 'test-00001.svg']);
  });
});
