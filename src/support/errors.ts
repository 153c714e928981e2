/**
 * A user's mistake found at run time (a bad data file, a missing checkpoint,
 * a spec path that escapes the run directory). It carries a Diagnostic from
 * the catalog; the CLI prints it without a stack trace and exits 1. Any other
 * exception reaching the CLI is a bug in ibc and is reported as one.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

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
