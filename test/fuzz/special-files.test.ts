/**
 * Special files in every path a run reads (issue 24, case 11): each file of a
 * run folder (checkpoints, resolved-spec.json, metrics.jsonl, spec-hash.txt,
 * summary.json, run.lock, run.json, metrics-steps.jsonl, spec.ibspec), a sweep's sweep.json, a data file and
 * a spec is replaced by a named pipe, a link to /dev/zero and a folder, and a
 * command that reads it runs (the commands rotate over the kinds). Every run
 * must end at once with a clean outcome. The runs happen in one child process
 * with a time bound, so a read that blocks on a pipe or reads /dev/zero
 * forever fails this test instead of hanging the suite.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ibc, head } from '../fixtures/cli-run.js';
import { REPO, requireBuiltCli } from '../fixtures/sweep.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');
const FAST = ['--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0'];

type Kind = 'fifo' | 'dev-zero' | 'folder';
const KINDS: readonly Kind[] = ['fifo', 'dev-zero', 'folder'];

/** Replaces `path` by a special file of `kind`. */
function plant(path: string, kind: Kind): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(dirname(path), { recursive: true });
  if (kind === 'fifo') spawnSync('mkfifo', [path]);
  else if (kind === 'dev-zero') symlinkSync('/dev/zero', path);
  else mkdirSync(path);
}

interface Case {
  readonly id: string;
  readonly cwd: string;
  readonly argv: readonly string[];
}

let work = '';
let base = '';
let sweep = '';
beforeAll(async () => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-fuzz-special-'));
  base = join(work, 'base');
  const r = await ibc(work, 'train', TINY, '--out', base, '--epochs', '1', ...FAST);
  expect(r.code, head(r)).toBe(0);
  const spec = join(work, 'sw.ibspec');
  writeFileSync(spec, `extends ${JSON.stringify(TINY)}\nname sw\nsweep {\n  seeds 1\n}\n`);
  sweep = join(work, 'sweep');
  const s = await ibc(work, 'sweep', spec, '--out', sweep, '--dry-run');
  expect(s.code, head(s)).toBe(0);
}, 120_000);

/** For each file a run folder holds: the commands that read it, `RUN` standing for the planted copy. */
const RUN_FILES: readonly (readonly [string, readonly (readonly string[])[]])[] = [
  ['checkpoints/last.ibck', [['eval', 'RUN', '--backend', 'cpu'], ['train', TINY, '--resume', 'RUN', '--epochs', '1', ...FAST.slice(4)], ['attention', 'RUN', '--images', '1', '--backend', 'cpu']]],
  ['checkpoints/best.ibck', [['eval', 'RUN', '--checkpoint', 'best', '--backend', 'cpu']]],
  ['resolved-spec.json', [['eval', 'RUN', '--backend', 'cpu'], ['train', TINY, '--resume', 'RUN', ...FAST.slice(4)], ['results', 'RUN', '--no-curves']]],
  ['metrics.jsonl', [['train', TINY, '--resume', 'RUN', '--epochs', '1', ...FAST.slice(4)], ['results', 'RUN', '--no-curves']]],
  ['spec-hash.txt', [['train', TINY, '--resume', 'RUN', ...FAST.slice(4)], ['results', 'RUN', '--no-curves']]],
  ['summary.json', [['results', 'RUN', '--no-curves'], ['train', TINY, '--resume', 'RUN', '--epochs', '1', ...FAST.slice(4)]]],
  ['run.lock', [['train', TINY, '--resume', 'RUN', '--epochs', '1', ...FAST.slice(4)], ['attention', 'RUN', '--images', '1', '--backend', 'cpu']]],
  ['run.json', [['train', TINY, '--resume', 'RUN', '--epochs', '2', ...FAST.slice(4)], ['results', 'RUN', '--no-curves']]],
  ['metrics-steps.jsonl', [['train', TINY, '--resume', 'RUN', '--epochs', '2', ...FAST.slice(4)], ['results', 'RUN']]],
  ['spec.ibspec', [['check', 'RUN/spec.ibspec'], ['fmt', 'RUN/spec.ibspec']]],
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [file, commands] of RUN_FILES) {
    KINDS.forEach((kind, k) => {
      const id = `${file} as ${kind}`;
      const run = join(work, id.replace(/[^A-Za-z0-9]+/g, '-'));
      cpSync(base, run, { recursive: true });
      plant(join(run, file), kind);
      const command = commands[k % commands.length]!;
      out.push({ id: `${id}: ibc ${command[0]}`, cwd: work, argv: command.map((a) => a.replace('RUN', run)) });
    });
  }
  for (const kind of KINDS) {
    const dir = join(work, `sweep-${kind}`);
    cpSync(sweep, dir, { recursive: true });
    plant(join(dir, 'sweep.json'), kind);
    out.push({ id: `sweep.json as ${kind}: ibc results`, cwd: work, argv: ['results', dir, '--no-curves'] });
    const data = join(work, `data-${kind}`);
    plant(join(data, 'train-images.gz'), kind);
    const spec = join(work, `data-${kind}.ibspec`);
    const idx = (name: string) => JSON.stringify(join(data, name));
    writeFileSync(spec, `extends ${JSON.stringify(TINY)}\nname d\ndata idx {\n  train images=${idx('train-images.gz')} labels=${idx('l')}\n  test images=${idx('t')} labels=${idx('u')}\n}\n`);
    out.push({ id: `an IDX data file as ${kind}: ibc train`, cwd: work, argv: ['train', spec, '--out', join(work, `out-${kind}`), ...FAST] });
    const named = join(work, `named-${kind}.ibspec`);
    plant(named, kind);
    out.push({ id: `a spec as ${kind}: ibc ${kind === 'folder' ? 'fmt' : 'check'}`, cwd: work, argv: [kind === 'folder' ? 'fmt' : 'check', named] });
  }
  return out;
}

/** Runs every case through the built CLI in one child process; each result is printed as it ends, so a hang names its case. */
const CHILD = `
import { main } from ${JSON.stringify(join(REPO, 'dist', 'cli', 'main.js'))};
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(process.argv[1], 'utf8'));
for (const c of cases) {
  process.stdout.write(JSON.stringify({ started: c.id }) + '\\n');
  let out = '';
  let err = '';
  const code = await main(c.argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false, cwd: c.cwd });
  process.stdout.write(JSON.stringify({ id: c.id, code, text: out + err }) + '\\n');
}
`;

describe('special files in every path a run reads', () => {
  it('a pipe, /dev/zero and a folder in place of any file: every command ends at once, cleanly', () => {
    const all = cases();
    const list = join(work, 'cases.json');
    writeFileSync(list, JSON.stringify(all));
    // A bound far above the real time (a few seconds of tiny runs): only a blocked read reaches it.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, list], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
    const lines = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { started?: string; id?: string; code?: number; text?: string });
    const started = lines.filter((l) => l.started !== undefined).map((l) => l.started);
    expect(child.signal, `blocked at: ${started[started.length - 1]}\n${child.stderr}`).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const results = lines.filter((l) => l.id !== undefined);
    expect(results.map((r) => r.id)).toEqual(all.map((c) => c.id));
    for (const r of results) {
      expect([0, 1, 2], `${r.id}\n${r.text}`).toContain(r.code);
      expect(r.text, r.id).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n|internal error|IB9001/);
    }
    // The reads that must refuse say what the file is.
    const said = (id: string): string => results.find((r) => r.id?.startsWith(id))?.text ?? '';
    expect(said('checkpoints/last.ibck as fifo')).toContain('it is a named pipe, not a regular file');
    expect(said('checkpoints/last.ibck as dev-zero')).toContain('it is a character device, not a regular file');
    expect(readFileSync(list, 'utf8').length).toBeGreaterThan(0);
  }, 300_000);
});
