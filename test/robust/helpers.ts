/** Running the CLI in-process with captured output, for the robustness and fuzz tests. */
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function ibc(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A user's mistake: exit 0, 1 or 2 and never a stack trace or an internal error. */
export function isCleanOutcome(r: Captured): boolean {
  const text = r.stdout + r.stderr;
  return [0, 1, 2].includes(r.code) && !/\n\s+at .+:\d+:\d+\)?\n/.test(text) && !text.includes('IB9001') && !text.includes('internal error');
}

/** The first lines of the output, for assertion messages. */
export function head(r: Captured, lines = 8): string {
  return `exit ${r.code}\n${(r.stderr + r.stdout).split('\n').slice(0, lines).join('\n')}`;
}
