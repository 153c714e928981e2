/** Commands printed for the user to copy (resume a run, resume or follow a sweep): never run by ibc. */

/** A word as typed in a shell: plain when it needs no quoting, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
