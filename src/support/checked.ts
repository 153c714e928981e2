/**
 * Checked lookups for `noUncheckedIndexedAccess`: an index the caller has
 * already checked, said once instead of asserted with `!`. A lookup that
 * misses here is a bug in ibc, never the user's mistake, and throws as one.
 */

/** A list with at least one item, so that its first item needs no check. */
export type NonEmpty<T> = readonly [T, ...T[]];

export function isNonEmpty<T>(items: readonly T[]): items is NonEmpty<T> {
  return items.length > 0;
}

/** The last item of a list that has at least one. */
export function lastOf<T>(items: NonEmpty<T>): T {
  return items[items.length - 1] ?? items[0];
}

/** The item at `index` of a list the caller knows holds it; `what` names the list in the bug report. */
export function itemAt<T>(items: readonly T[], index: number, what: string): T {
  const item = items[index];
  if (item === undefined) throw new Error(`internal error: ${what} has no item ${index} (it holds ${items.length}); please report this bug`);
  return item;
}

/** The entry `name` of a table the caller knows holds it (a definition naming one of its own fields); `what` names the table in the bug report. */
export function entryOf<T>(table: Readonly<Record<string, T>>, name: string, what: string): T {
  const entry = table[name];
  if (entry === undefined) throw new Error(`internal error: ${what} has no entry '${name}'; please report this bug`);
  return entry;
}
