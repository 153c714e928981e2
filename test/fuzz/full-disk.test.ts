/**
 * Full disks (issue 24, case 9's class): every command that writes files is
 * run into small tmpfs mounts (root only; unmounted in teardown) of several
 * sizes. Whatever fits or not, the outcome is clean (exit 0 or 1, a located
 * message, no stack trace), no temporary is left behind, and a set of files
 * is all there or not there: attention images with their grid, member specs,
 * a plot, a formatted spec, a run that says it finished. Where no tmpfs can
 * be mounted, the same writes meet an injected ENOSPC in
 * test/host/output-policy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ibc, isCleanOutcome, head, type Captured } from '../fixtures/cli-run.js';
import { mountSmallDisk } from '../fixtures/small-disk.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');
const FAST = ['--limit-train', '64', '--limit-test', '32', '--backend', 'cpu'];
/** KiB: nothing fits, part fits, everything fits (a tiny run's figures are tens of KiB each). */
const SIZES = [12, 64, 1024];

let work = '';
let base = '';
let sweepSpec = '';
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-fuzz-disk-'));
  base = join(work, 'base');
  const r = await ibc(work, 'train', TINY, '--out', base, '--epochs', '1', '--attention', '0', ...FAST);
  expect(r.code, head(r)).toBe(0);
  sweepSpec = join(work, 'sw.ibspec');
  writeFileSync(sweepSpec, `extends ${JSON.stringify(TINY)}\nname sw\nsweep {\n  model.attention.beta in [${Array.from({ length: 40 }, (_, i) => (i + 1) / 1000).join(', ')}]\n}\n`);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** All files under `dir`, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string, prefix: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  if (existsSync(dir)) visit(dir, '');
  return out.sort();
}

interface Writer {
  readonly name: string;
  /** Runs the command with its output on `disk`. */
  run(disk: string): Promise<Captured>;
  /** Checks that what is on `disk` is whole: all of a set or none of it. */
  whole(disk: string, r: Captured): void;
}

const WRITERS: readonly Writer[] = [
  {
    name: 'ibc attention --out',
    run: (disk) => ibc(work, 'attention', base, '--out', join(disk, 'fig'), '--images', '6', '--backend', 'cpu'),
    whole: (disk, r) => expect(files(join(disk, 'fig')), head(r)).toEqual(r.code === 0 ? ['grid.png', 'grid.svg', ...[0, 1, 2, 3, 4, 5].flatMap((i) => [`test-0000${i}.png`, `test-0000${i}.svg`])] : []),
  },
  {
    name: 'ibc expand --out',
    run: (disk) => ibc(work, 'expand', sweepSpec, '--out', join(disk, 'members')),
    whole: (disk, r) => expect(files(join(disk, 'members')).length, head(r)).toBe(r.code === 0 ? 40 : 0),
  },
  {
    name: 'ibc results --plot-out',
    run: async (disk) => {
      const r = await ibc(work, 'results', join(work, 'sweep-runs'), '--plot-out', join(disk, 'plot.png'), '--x', 'model.attention.beta', '--no-curves');
      return r;
    },
    whole: (disk, r) => expect(files(disk).filter((f) => f.startsWith('plot')), head(r)).toEqual(r.code === 0 ? ['plot.png'] : []),
  },
  {
    name: 'ibc fmt --write',
    run: async (disk) => {
      const spec = join(disk, 'messy.ibspec');
      try {
        writeFileSync(spec, `name   messy\nextends ${JSON.stringify(TINY)}\n`);
      } catch {
        return { code: 0, stdout: '', stderr: 'no room for the spec itself' };
      }
      return ibc(work, 'fmt', '--write', spec);
    },
    whole: (disk, r) => {
      const spec = join(disk, 'messy.ibspec');
      if (!existsSync(spec)) return;
      const text = readFileSync(spec, 'utf8');
      expect(text === `name   messy\nextends ${JSON.stringify(TINY)}\n` || (r.code === 0 && text.includes('name messy')), text).toBe(true);
    },
  },
  ...(['onnx', 'tfjs', 'web', 'ibc-runtime', 'safetensors'] as const).map(
    (target): Writer => ({
      name: `ibc compile --target ${target}`,
      run: (disk) => ibc(work, 'compile', TINY, '--target', target, '--out', join(disk, 'model'), ...(target === 'web' ? ['--images', '2'] : [])),
      whole: (disk, r) => {
        if (r.code !== 0) expect(files(disk), head(r)).toEqual([]);
        else expect(files(disk).length, head(r)).toBeGreaterThan(0);
      },
    }),
  ),
  {
    name: 'ibc train --out',
    run: (disk) => ibc(work, 'train', TINY, '--out', join(disk, 'run'), '--epochs', '1', '--attention', '2', ...FAST),
    whole: (disk, r) => {
      const run = join(disk, 'run');
      // A run that says it finished has everything a run writes at its end; one that does not is continued by --resume.
      if (existsSync(join(run, 'summary.json'))) for (const f of ['curves.png', 'curves.svg', 'attention/grid.png', 'attention/grid.svg', 'checkpoints/last.ibck']) expect(existsSync(join(run, f)), `${f}: ${head(r)}`).toBe(true);
      expect(r.code === 0, head(r)).toBe(existsSync(join(run, 'summary.json')));
    },
  },
];

describe('commands that write, on a full disk', () => {
  it('every writer at every size: a clean outcome, no temporary left, every set whole or absent', async (context) => {
    // The results writer plots a folder of two runs that differ in beta.
    for (const [i, beta] of ['0.01', '0.02'].entries()) {
      const r = await ibc(work, 'train', TINY, `model.attention.beta=${beta}`, '--out', join(work, 'sweep-runs', `r${i}`), '--epochs', '1', '--attention', '0', ...FAST);
      expect(r.code, head(r)).toBe(0);
    }
    let ran = 0;
    let full = 0;
    let fitted = 0;
    for (const size of SIZES) {
      for (const writer of WRITERS) {
        const disk = mountSmallDisk(size);
        if ('unavailable' in disk) {
          console.warn(`full-disk fuzz not run: ${disk.unavailable}`);
          context.skip();
          return;
        }
        try {
          const r = await writer.run(disk.path);
          expect(isCleanOutcome(r), `${writer.name} on ${size} KiB: ${head(r)}`).toBe(true);
          expect(files(disk.path).filter((f) => /\.tmp-\d+$/.test(f)), `${writer.name} on ${size} KiB`).toEqual([]);
          writer.whole(disk.path, r);
          ran++;
          if (r.code === 0) fitted++;
          if (r.stderr.includes('the disk is full')) full++;
        } finally {
          disk.unmount();
        }
      }
    }
    expect(ran).toBe(SIZES.length * WRITERS.length);
    // Not vacuous: some writes met the full disk, some fitted.
    expect(full).toBeGreaterThan(0);
    expect(fitted).toBeGreaterThan(0);
  }, 300_000);
});
