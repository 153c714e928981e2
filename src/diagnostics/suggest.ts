/**
 * "Did you mean ...?": the candidate closest to a misspelt word.
 *
 * Distance: optimal-string-alignment Damerau-Levenshtein (insert, delete,
 * substitute, swap two adjacent characters) on lower-cased text, so `Conv`
 * finds `conv` and `reul` finds `relu`. A candidate is close enough when the
 * distance is at most a third of the word's length (at least 1 for words of
 * two or more characters): short words tolerate one slip, long ones more.
 * Ties go to the candidate whose exact-case distance is smaller, then to the
 * one listed first.
 */

export function suggestClosest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const limit = maxDistance(lower.length);
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestCaseDistance = Infinity;
  for (const candidate of candidates) {
    const lowerCandidate = candidate.toLowerCase();
    if (Math.abs(lowerCandidate.length - lower.length) > limit) continue;
    const distance = damerauLevenshtein(lower, lowerCandidate, limit);
    if (distance > limit || distance > bestDistance) continue;
    const caseDistance = damerauLevenshtein(word, candidate);
    if (distance < bestDistance || caseDistance < bestCaseDistance) {
      best = candidate;
      bestDistance = distance;
      bestCaseDistance = caseDistance;
    }
  }
  return best;
}

/** How many edits a word of this length may be away from a suggestion. */
export function maxDistance(length: number): number {
  if (length <= 1) return 0;
  return Math.max(1, Math.floor(length / 3));
}

/**
 * Optimal string alignment distance between `a` and `b` (UTF-16 units). Stops
 * early and returns a value above `limit` once every path exceeds it.
 */
export function damerauLevenshtein(a: string, b: string, limit = Infinity): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let previous2 = new Array<number>(m + 1).fill(0);
  let previous = Array.from({ length: m + 1 }, (_, j) => j);
  let current = new Array<number>(m + 1).fill(0);
  // A cell outside the table is a path that does not exist: it costs Infinity.
  const cost = (row: readonly number[], j: number) => row[j] ?? Infinity;
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(cost(previous, j) + 1, cost(current, j - 1) + 1, cost(previous, j - 1) + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, cost(previous2, j - 2) + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return rowMin;
    [previous2, previous, current] = [previous, current, previous2];
  }
  return cost(previous, m);
}
