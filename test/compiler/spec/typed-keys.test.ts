/** The types derived from the language definition catch misspelt keys (compiles typed-keys.ts with the TypeScript API). */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

describe('types derived from definitions.ts', () => {
  it('make a misspelt key a compile error and carry each key type', () => {
    const file = fileURLToPath(new URL('./typed-keys.ts', import.meta.url));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: [],
    });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // An unused @ts-expect-error (a typo that type-checks) or a failed `holds` is reported here.
    expect(messages).toEqual([]);
  }, 60_000);
});
