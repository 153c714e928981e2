/** `ibc schema`: prints the JSON Schema of the spec document (what a spec lowers to, before defaults). */
import type { CliIO, Command } from '../command.js';
import { EXIT_OK, EXIT_USAGE } from '../command.js';
import { specJsonSchema } from '../../compiler/spec/schema.js';
import { printUsageError } from '../report.js';

const USAGE = `Usage: ibc schema

Prints the JSON Schema (draft-07) that every spec is validated against, after
lowering and 'extends' merging: sections, keys, enums, ranges and defaults.
`;

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of .ibspec documents',
  usage: USAGE,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    if (args.length > 0) {
      printUsageError(io, 'schema', `unexpected argument '${args[0]}'`, USAGE);
      return EXIT_USAGE;
    }
    io.stdout(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    return EXIT_OK;
  },
};
