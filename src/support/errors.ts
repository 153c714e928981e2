/**
 * A user's mistake found at run time (a bad data file, a missing checkpoint,
 * a spec path that escapes the run directory). It carries a Diagnostic from
 * the catalog; the CLI prints it without a stack trace and exits 1. Any other
 * exception reaching the CLI is a bug in ibc and is reported as one.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic, type MessageName } from '../diagnostics/catalog.js';

export class RunError extends Error {
  readonly diagnostic: Diagnostic;

  constructor(diagnostic: Diagnostic) {
    super(`${diagnostic.code}: ${diagnostic.message}`);
    this.name = 'RunError';
    this.diagnostic = diagnostic;
  }
}

export function isRunError(error: unknown): error is RunError {
  return error instanceof RunError;
}

/** A user-facing RunError from a catalog entry: the data, checkpoint, image and run-folder code's mistakes are all the user's (a bad file, a bad path), not bugs. */
export function runError(name: MessageName, args: Readonly<Record<string, string | number>>): RunError {
  return new RunError(diagnostic(name, { args }));
}

/** What a file-system error code means for the user, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (the file or folder may be immutable, e.g. chattr +i, or owned by another user)',
  EROFS: 'the file system is mounted read-only',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  ELOOP: 'too many levels of symbolic links (a link loop)',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

/** The text of an unknown thrown value, for "cannot read X: <reason>" messages. */
export function reasonOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    const e = error as { code: string; message?: string };
    return REASONS[e.code] ?? e.message ?? e.code;
  }
  return error instanceof Error ? error.message : String(error);
}
