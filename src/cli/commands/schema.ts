/** `ibc schema`: prints the JSON Schema of the spec document (what is built from a spec's syntax, before defaults). */
import type { Command } from '../command.js';
import { EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { specJsonSchema } from '../../compiler/spec/schema.js';

export const schemaCommand: Command = defineCommand<Record<string, never>>({
  name: 'schema',
  summary: 'print the JSON Schema of .ibspec documents',
  description: [
    'Prints the JSON Schema (draft-07) that every spec is validated against, once its',
    "text is read into a document and 'extends' merged: sections, keys, enums, ranges and defaults.",
  ].join('\n'),
  arguments: [],
  options: [],
  async run(_input, io) {
    io.stdout(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    return EXIT_OK;
  },
});
