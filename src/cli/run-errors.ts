/**
 * The CLI's last line of defence for commands that run things (train, eval,
 * attention). A RunError is the user's mistake: print its diagnostic, exit 1,
 * no stack trace. Anything else is a bug in ibc: say so, show where, exit 70
 * (EX_SOFTWARE), so it is never mistaken for bad input.
 */
import { enableProdMode } from '../runtime/engine/tfjs-core.js';
import type { CliIO } from './command.js';
import { EXIT_INPUT_ERROR, UsageError } from './command.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { isRunError } from '../support/errors.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { specTextForFrames } from '../host/file-system.js';

export const EXIT_INTERNAL = 70;

/** A run-time diagnostic (usually without a source span) in the compiler's format, summary line included. */
export function formatRunDiagnostic(d: Diagnostic): string {
  const sources = new Map<string, string>();
  // Only a spec file's line is ever shown (no code frame otherwise; the location is still printed).
  const text = d.span ? specTextForFrames(d.span.file) : undefined;
  if (d.span && text !== undefined) sources.set(d.span.file, text);
  return renderDiagnostics([d], sources);
}

/**
 * TF.js prints "Hi, looks like you are running TensorFlow.js in Node.js..." to
 * the console the first time its JavaScript CPU backend runs. ibc reports the
 * backend it uses itself (and warns about the slow one, IB6401), so the
 * commands that run models turn TF.js's console warnings off (its production
 * mode changes nothing else).
 */
function quietTfjs(): void {
  enableProdMode();
}

export async function guardRun(io: CliIO, command: string, body: () => Promise<number>): Promise<number> {
  quietTfjs();
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) throw error; // the command's parser prints it as a usage error
    if (isRunError(error)) {
      io.stderr(formatRunDiagnostic(error.diagnostic));
      return EXIT_INPUT_ERROR;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`ibc ${command}: internal error (a bug in ibc, not in your spec or data); please report it with this output:\n${detail}\n`);
    return EXIT_INTERNAL;
  }
}
