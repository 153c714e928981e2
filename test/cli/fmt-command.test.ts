/** `ibc fmt`: printing, --check, --write, syntax errors and usage errors (files in a temporary folder). */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { CliIO } from '../../src/cli/command.js';
import { fmtCommand } from '../../src/cli/commands/fmt.js';

let dir: string;
let out: string;
let err: string;

function io(): CliIO {
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false, cwd: dir };
}

async function fmt(...args: string[]): Promise<number> {
  return fmtCommand.run(args, io());
}

const MESSY = 'train{epochs 3;batch   64}\n';
const TIDY = 'train {\n  epochs 3\n  batch 64\n}\n';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ibc-fmt-'));
  out = '';
  err = '';
  writeFileSync(join(dir, 'messy.ibspec'), MESSY);
  writeFileSync(join(dir, 'tidy.ibspec'), TIDY);
  writeFileSync(join(dir, 'broken.ibspec'), 'train {\n  epochs = 3\n}\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ibc fmt', () => {
  test('prints the formatted text by default', async () => {
    expect(await fmt('messy.ibspec')).toBe(0);
    expect(out).toBe(TIDY);
    expect(err).toBe('');
    expect(readFileSync(join(dir, 'messy.ibspec'), 'utf8')).toBe(MESSY);
  });

  test('--check lists files that would change and exits 1', async () => {
    expect(await fmt('--check', 'messy.ibspec', 'tidy.ibspec')).toBe(1);
    expect(out).toBe('messy.ibspec\n');
    out = '';
    expect(await fmt('tidy.ibspec', '--check')).toBe(0);
    expect(out).toBe('');
  });

  test('--write rewrites files in place and leaves no temporary file', async () => {
    expect(await fmt('--write', 'messy.ibspec', 'tidy.ibspec')).toBe(0);
    expect(out).toBe('messy.ibspec\n');
    expect(readFileSync(join(dir, 'messy.ibspec'), 'utf8')).toBe(TIDY);
    expect(readdirSync(dir).sort()).toEqual(['broken.ibspec', 'messy.ibspec', 'tidy.ibspec']);
    out = '';
    expect(await fmt('--check', 'messy.ibspec')).toBe(0);
  });

  test('syntax errors are rendered to stderr, the file is left alone, exit 1', async () => {
    expect(await fmt('--write', 'broken.ibspec', 'messy.ibspec')).toBe(1);
    expect(err).toBe(
      [
        "broken.ibspec:2:10: error IB1201: expected end of line or ';' after the statement but found '='; a setting is written 'key value' without '=', and options as name=value after the key",
        '  2 |   epochs = 3',
        '    |          ^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
    expect(readFileSync(join(dir, 'broken.ibspec'), 'utf8')).toBe('train {\n  epochs = 3\n}\n');
    expect(readFileSync(join(dir, 'messy.ibspec'), 'utf8')).toBe(TIDY);
  });

  test('a file that is not UTF-8 is an input error, not a crash', async () => {
    writeFileSync(join(dir, 'binary.ibspec'), Buffer.from([0x61, 0xff, 0x0a]));
    expect(await fmt('binary.ibspec')).toBe(1);
    expect(err).toContain('binary.ibspec:1:2: error IB1001: file is not valid UTF-8');
  });

  test('a missing file is an input error', async () => {
    expect(await fmt('nope.ibspec')).toBe(1);
    expect(err).toBe("ibc fmt: cannot read 'nope.ibspec'\n");
  });

  test('usage errors exit 2 with one line naming the problem', async () => {
    for (const args of [['--frobnicate', 'tidy.ibspec'], [], ['--check', '--write', 'tidy.ibspec'], ['--chek', 'tidy.ibspec']]) {
      err = '';
      expect(await fmt(...args)).toBe(2);
      expect(err).toMatch(/^ibc fmt: [^\n]+ \(see 'ibc fmt --help'\)\n$/);
    }
    err = '';
    await fmt('--chek', 'tidy.ibspec');
    expect(err).toContain("unknown option '--chek'; did you mean --check?");
  });
});
