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
