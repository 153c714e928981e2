/** `ibc explain CODE`: the long explanation of a diagnostic code, with an example and the fix (as `rustc --explain`). */
import type { Command } from '../command.js';
import { EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { usageError } from '../option-values.js';
import { allExplained, explain, formatExplanation } from '../../diagnostics/explanations.js';
import { suggestClosest } from '../../diagnostics/suggest.js';

interface ExplainOptions {
  readonly list?: boolean;
}

export const explainCommand: Command = defineCommand<ExplainOptions>({
  name: 'explain',
  summary: 'explain a diagnostic code (e.g. ibc explain IB4005), with an example and the fix',
  description: 'Prints what a diagnostic code means, an example that triggers it, and how to fix it.',
  arguments: [{ name: 'CODE', description: 'a code such as IB4005 (the IB is optional)', optional: true }],
  options: [{ flags: '--list', description: 'list every code with its one-line message' }],
  epilog: 'Exit status: 0 explained, 2 an unknown code.',
  async run({ args, options }, io) {
    if (options.list) {
      for (const e of allExplained()) io.stdout(`${e.template.code}  ${e.template.severity.padEnd(7)}  ${e.template.template}\n`);
      return EXIT_OK;
    }
    const code = args[0];
    if (code === undefined) usageError("missing CODE (or --list)");
    const found = explain(code);
    if (!found) {
      const near = suggestClosest(code.toUpperCase(), allExplained().map((e) => e.template.code));
      usageError(`unknown code '${code}'${near ? `; did you mean ${near}?` : ''} ('ibc explain --list' lists them)`);
    }
    io.stdout(formatExplanation(found));
    return EXIT_OK;
  },
});
