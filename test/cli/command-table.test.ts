/**
 * The command table loads each command's module only when it runs: every registered name
 * loads the command of that name, help still lists them all in order, and an unknown name is
 * refused with the list of names without loading any command.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commandTable, loadCommand } from '../../src/cli/commands/index.js';
import { main } from '../../src/cli/main.js';

function captured() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), isTTY: false, cwd: process.cwd(), color: false } };
}

describe('command table', () => {
  it('each registered name loads the command of that name; the table lists them in the same order', async () => {
    for (const name of COMMAND_NAMES) expect((await loadCommand(name))?.name).toBe(name);
    expect((await commandTable()).map((c) => c.name)).toEqual(COMMAND_NAMES);
    expect(loadCommand('trian')).toBeUndefined();
  });

  it('ibc --help lists every command; an unknown command suggests the nearest name', async () => {
    const help = captured();
    expect(await main(['--help'], help.io)).toBe(0);
    for (const name of COMMAND_NAMES) expect(help.out.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const unknown = captured();
    expect(await main(['trian'], unknown.io)).toBe(2);
    expect(unknown.out.stderr).toMatch(/train/);
  });
});
