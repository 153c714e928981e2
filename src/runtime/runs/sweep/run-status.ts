/**
 * What a run directory says about its run, read from what training leaves
 * there: summary.json is written last (finished), checkpoints/last.ibck after
 * each epoch (interrupted runs can resume), spec-hash.txt when the run starts.
 */
import { existsSync, statSync } from 'node:fs';
import { readTextIfReadable, type FileBound } from '../../../host/read-file.js';
import { join } from 'node:path';
import { runIsLocked } from '../run-lock.js';

export type RunState = 'missing' | 'started' | 'interrupted' | 'running' | 'finished';

export interface RunStatus {
  readonly state: RunState;
  /** The hash of the spec the run trains (spec-hash.txt, else summary.json). */
  readonly specHash?: string;
  /** Epochs recorded in metrics.jsonl. */
  readonly epochsDone: number;
}

function readText(path: string, kind: FileBound = 'record'): string | undefined {
  return readTextIfReadable(kind, path);
}

/** The summary, when the run wrote a readable one. */
export function readSummary(runDir: string): Record<string, unknown> | undefined {
  return jsonObjectOf(readText(join(runDir, 'summary.json')));
}

/** A JSON object's text as the object; undefined for no text, bad JSON or another kind of value. */
export function jsonObjectOf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** metrics.jsonl's rows (unreadable lines, e.g. one cut short by a kill, are skipped). */
export function readMetricRows(runDir: string): Record<string, unknown>[] {
  const text = readText(join(runDir, 'metrics.jsonl'), 'log');
  if (text === undefined) return [];
  const rows: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row: unknown = JSON.parse(line);
      // Epoch rows only: a row with an `event` (the end-of-training localization line) is not an epoch.
      if (row !== null && typeof row === 'object' && !Array.isArray(row) && !('event' in row)) rows.push(row as Record<string, unknown>);
    } catch {
      // a partial last line: the epoch it describes is not complete
    }
  }
  return rows;
}

export function readRunStatus(runDir: string): RunStatus {
  let isDir = false;
  try {
    isDir = statSync(runDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) return { state: 'missing', epochsDone: 0 };
  const summary = readSummary(runDir);
  const hashText = readText(join(runDir, 'spec-hash.txt'))?.trim();
  const summaryHash = typeof summary?.spec_hash === 'string' ? summary.spec_hash : undefined;
  const specHash = hashText !== undefined && hashText !== '' ? hashText : summaryHash;
  const epochsDone = readMetricRows(runDir).length;
  const state: RunState = summary ? 'finished' : runIsLocked(runDir) ? 'running' : existsSync(join(runDir, 'checkpoints', 'last.ibck')) ? 'interrupted' : 'started';
  return { state, ...(specHash !== undefined ? { specHash } : {}), epochsDone };
}
