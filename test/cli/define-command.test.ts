/** cli/define-command.ts: one definition gives the parser and the help; Hydra-style overrides pass through. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../src/cli/command.js';
import { defineCommand, isOverride, oneLineUsageMessage, type CommandInput } from '../../src/cli/define-command.js';
import { wholeNumber } from '../../src/cli/option-values.js';

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false, cwd: '/' }, out, err };
}

interface DemoOptions {
  readonly steps?: number;
  readonly dry?: boolean;
}

function demo(overrides: boolean, seen: CommandInput<DemoOptions>[]) {
  return defineCommand<DemoOptions>({
    name: 'demo',
    summary: 'a command for this test',
    description: 'Does nothing, carefully.',
    arguments: [{ name: 'SPEC', description: 'a spec' }],
    options: [
      { flags: '--steps <N>', description: 'how many', parse: wholeNumber('--steps') },
      { flags: '--dry', description: 'do not' },
    ],
    overrides,
    epilog: 'Exit status: 0.',
    async run(input) {
      seen.push(input);
      return 0;
    },
  });
}

describe('defineCommand', () => {
  it('parses arguments and typed option values', async () => {
    const seen: CommandInput<DemoOptions>[] = [];
    const { io } = capture();
    expect(await demo(false, seen).run(['a.ibspec', '--steps', '3', '--dry'], io)).toBe(0);
    expect(seen[0]).toEqual({ args: ['a.ibspec'], overrides: [], options: { steps: 3, dry: true }, argv: ['a.ibspec', '--steps', '3', '--dry'] });
  });

  it('passes key.path=value overrides through, apart from the arguments, when the command takes them', async () => {
    const seen: CommandInput<DemoOptions>[] = [];
    const { io, err } = capture();
    expect(await demo(true, seen).run(['model.attention.beta=0.1', 'a.ibspec', 'train.seed=3', '--steps', '2', '+data.validation=0.2'], io)).toBe(0);
    expect(seen[0]).toEqual({ args: ['a.ibspec'], overrides: ['model.attention.beta=0.1', 'train.seed=3', '+data.validation=0.2'], options: { steps: 2 }, argv: ['model.attention.beta=0.1', 'a.ibspec', 'train.seed=3', '--steps', '2', '+data.validation=0.2'] });
    expect(await demo(true, seen).run(['a.ibspec', 'b.ibspec'], io)).toBe(2);
    expect(err.join('')).toBe("ibc demo: too many arguments: expected 1, got 2 (a.ibspec b.ibspec) (see 'ibc demo --help')\n");
    // Without `overrides`, such a word is an ordinary (here: excess) argument.
    expect(await demo(false, seen).run(['a.ibspec', 'train.seed=3'], io)).toBe(2);
  });

  it('tells overrides from file names', () => {
    for (const word of ['a.b=c', 'name=x', '+a.b=1', '~a.b=']) expect(isOverride(word), word).toBe(true);
    // The spec's own definition (compiler/spec/overrides.ts); a path with a folder is never an override.
    for (const word of ['a.ibspec', 'members/small--beta=0.1.ibspec', '=x', '--out=x']) expect(isOverride(word), word).toBe(false);
    // A member spec's bare name has an override's shape; ending in .ibspec, or naming a file that exists, makes it a file.
    expect(isOverride('small--beta=0.1.ibspec')).toBe(false);
    const here = mkdtempSync(join(tmpdir(), 'ibc-override-'));
    writeFileSync(join(here, 'small--beta=0.1'), '');
    expect(isOverride('small--beta=0.1', here)).toBe(false);
    expect(isOverride('small--beta=0.2', here)).toBe(true);
    rmSync(here, { recursive: true, force: true });
  });

  it('collects a repeatable option into a list, in order', async () => {
    const seen: CommandInput<{ readonly line?: string[] }>[] = [];
    const command = defineCommand<{ readonly line?: string[] }>({
      name: 'demo',
      summary: 'a command for this test',
      description: 'Collects lines.',
      arguments: [],
      options: [{ flags: '--line <TEXT>', description: 'a line (repeatable)', repeatable: true }],
      async run(input) {
        seen.push(input);
        return 0;
      },
    });
    const { io } = capture();
    expect(await command.run(['--line=--account=lab', '--line', '--nice=0'], io)).toBe(0);
    expect(await command.run([], io)).toBe(0);
    expect(seen.map((s) => s.options.line)).toEqual([['--account=lab', '--nice=0'], undefined]);
  });

  it('generates help from the definition', () => {
    const help = demo(true, []).help();
    expect(help).toMatch(/^Usage: ibc demo SPEC \[options\] \[key\.path=value\.\.\.\]\n/);
    expect(help).toContain('Does nothing, carefully.');
    expect(help).toMatch(/--steps <N>\s+how many/);
    expect(help).toContain('Exit status: 0.');
  });

  it('folds commander messages into one line', () => {
    expect(oneLineUsageMessage("error: unknown option '--fromat'\n(Did you mean --format?)")).toBe("unknown option '--fromat'; did you mean --format?");
    expect(oneLineUsageMessage("error: option '--steps <N>' argument 'x' is invalid. --steps expects a whole number of at least 1, got 'x'")).toBe(
      "--steps expects a whole number of at least 1, got 'x'",
    );
  });
});
