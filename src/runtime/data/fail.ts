/**
 * Throws a user-facing RunError from a catalog entry. Shared by the data,
 * checkpoint, image and run-directory code, whose mistakes are all the user's
 * (a bad file, a bad path) rather than bugs.
 */
import { diagnostic, type MessageName } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';

export function runError(name: MessageName, args: Readonly<Record<string, string | number>>): RunError {
  return new RunError(diagnostic(name, { args }));
}

/** The text of an unknown thrown value, for "cannot read X: <reason>" messages. */
export function reasonOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    const e = error as { code: string; message?: string };
    return e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : (e.message ?? e.code);
  }
  return error instanceof Error ? error.message : String(error);
}
