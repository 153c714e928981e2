/**
 * Control characters in a value that is a name, a path or an option: a
 * newline, a tab, NUL, an escape. In such a value one can only be a mistake,
 * and wherever the value is written down (a script, a log, a file name) it is
 * how one value turns into two. Specs (IB3451), Slurm options and path
 * options refuse them through this one check.
 */

/** Why a value holds a character that no Slurm value (and no spec string) may hold, or undefined. */
export function controlCharacterProblem(value: string): string | undefined {
  const match = /[\u0000-\u001f\u007f]/u.exec(value);
  if (!match) return undefined;
  const c = match[0].charCodeAt(0);
  const names: Readonly<Record<number, string>> = { 0: 'a NUL character', 9: 'a tab', 10: 'a newline', 13: 'a carriage return', 27: 'an escape character' };
  return `it holds ${names[c] ?? `the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`} at position ${match.index + 1}`;
}

