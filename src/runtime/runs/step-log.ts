/**
 * metrics-steps.jsonl, the run's step log: one JSON line every `train.log_every`
 * optimizer steps (training/step-log.ts says what a line holds). Lines are
 * appended as the loop hands them over; a resumed run first drops the lines of
 * steps after its checkpoint (they are taken again), keeping any line that is
 * not ibc's.
 */
import { existsSync } from 'node:fs';
import { runError, reasonOf } from '../../support/errors.js';
import { writeTextAtomic } from '../../host/atomic-write.js';
import { appendText } from '../../host/append-file.js';
import { readText, readTextIfReadable } from '../../host/read-file.js';
import { resolveInsideRunDir } from './run-dir.js';

export const STEP_LOG_FILE = 'metrics-steps.jsonl';

/** Appends lines to the step log (non-finite numbers become null, as JSON requires). */
export function appendStepLog(runDir: string, lines: readonly object[]): void {
  if (lines.length === 0) return;
  const path = resolveInsideRunDir(runDir, STEP_LOG_FILE);
  try {
    // A regular file only: a pipe or device planted under the name is refused, not written into.
    appendText(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  } catch (error) {
    throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
  }
}

function parsed(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The step log's lines (a line cut short by a kill is skipped); empty when the run has none. */
export function readStepLog(runDir: string): Record<string, unknown>[] {
  const path = resolveInsideRunDir(runDir, STEP_LOG_FILE);
  // Through the bounded reader: a pipe, a device or a file over the log bound reads as no step log.
  const text = readTextIfReadable('log', path);
  if (text === undefined) return [];
  return text
    .split('\n')
    .map(parsed)
    .filter((l): l is Record<string, unknown> => l !== undefined && typeof l['step'] === 'number');
}

/** The step log a run resumed after `steps` optimizer steps continues: lines of later steps dropped, a cut-off last line too, other lines kept. */
export function resumedStepLog(text: string, steps: number): string {
  const lines = text.split('\n');
  const unterminated = lines.pop() ?? '';
  if (unterminated !== '' && !unterminated.trimStart().startsWith('{')) lines.push(unterminated);
  return lines
    .filter((line) => {
      if (line.trim() === '') return false;
      const row = parsed(line);
      if (row === undefined) return !line.trimStart().startsWith('{"step"');
      return typeof row['step'] !== 'number' || row['step'] <= steps;
    })
    .map((l) => `${l}\n`)
    .join('');
}

/** Rewrites the step log for a run resumed after `steps` steps (atomically). */
export function truncateStepLog(runDir: string, steps: number): void {
  const path = resolveInsideRunDir(runDir, STEP_LOG_FILE);
  if (!existsSync(path)) return;
  const text = readText('log', path, (problem) => runError('runDirWriteFailed', { path, reason: `it cannot be read back to continue it: ${problem.reason}` }));
  writeTextAtomic(path, resumedStepLog(text, steps));
}
