/**
 * The progress display under a real pseudo-terminal of 80 columns (util-linux
 * `script`), not a stub: it must redraw one line in place (carriage return,
 * clear to end of line), never wrap, fit a resize to 60 columns, and show the
 * evaluation. test/data/progress.test.ts covers the same logic without a terminal.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = '/usr/bin/script';
const available = existsSync(SCRIPT) || process.env['CI'] === 'true';
if (!available) console.log('skipping the pseudo-terminal test: /usr/bin/script (util-linux) is not installed');

/** The drawn lines of one terminal line: what each carriage return started, escape codes removed. */
function redraws(line: string): string[] {
  return line
    .split('\r')
    .map((part) => part.replace(/\x1b\[K/g, ''))
    .filter((part) => part.length > 0);
}

describe('progress display in a pseudo-terminal', () => {
  it.skipIf(!available)('redraws in place, fits 80 columns, follows a resize to 60, shows evaluation', () => {
    const driver = 'node_modules/.bin/vite-node test/cli/fixtures/progress-in-terminal.ts';
    const inTerminal = (env: Record<string, string | undefined>) =>
      spawnSync(SCRIPT, ['-qfec', `stty cols 80 rows 24; ${driver}`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TERM: 'xterm', ...env } });
    const run = inTerminal({ NO_COLOR: '1' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    // The terminal turns each '\n' into '\r\n'; split lines on that first.
    const lines = run.stdout.split('\r\n');
    expect(lines).toContain('columns 80');
    expect(lines).toContain('columns 60');
    const epoch1 = lines.findIndex((l) => l.includes('epoch 1/2'));
    const epoch2 = lines.findIndex((l) => l.includes('epoch 2/2'));
    expect(epoch1).toBeGreaterThanOrEqual(0);
    expect(epoch2).toBeGreaterThan(epoch1);
    for (const [index, width] of [[epoch1, 80], [epoch2, 60]] as const) {
      const drawn = redraws(lines[index]!);
      // One terminal line, drawn again and again: training steps, then validation and test batches.
      expect(drawn.length).toBeGreaterThanOrEqual(3);
      for (const text of drawn) expect(text.length, text).toBeLessThan(width);
      expect(drawn.some((t) => /step 12\/12/.test(t))).toBe(true);
      expect(drawn.some((t) => /validation 3\/3/.test(t))).toBe(true);
      expect(drawn.some((t) => /test 4\/4/.test(t))).toBe(true);
      expect(drawn.every((t) => t.includes('ETA'))).toBe(true);
      expect(lines[index + 1]).toMatch(/^epoch \d: done$/);
    }
    // The diagnostic at the end: coloured on a terminal, plain with NO_COLOR.
    expect(run.stdout).toContain('warning IB3311');
    expect(run.stdout).not.toMatch(/\x1b\[[0-9;]*m/);
    const coloured = inTerminal({ NO_COLOR: undefined });
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toMatch(/\x1b\[1;33mwarning IB3311/);
  }, 120_000);
});
