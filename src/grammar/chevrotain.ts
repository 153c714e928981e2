/**
 * Chevrotain, for every file of grammar/: its single-file ES module build.
 *
 * Why not `import 'chevrotain'`: the package's entry loads its source tree
 * and lodash-es one module at a time, several hundred files, which took
 * ~350 ms of every command's start-up (`ibc check`, `ibc train`) on a 2-core
 * machine. The same release publishes the same code bundled into one file,
 * lib/chevrotain.mjs, which loads in ~30 ms; it is not in the package's
 * `exports` map, so it is found beside the entry `require.resolve` names.
 * Every value comes from that one copy, so token types, EOF and
 * tokenMatcher always belong together. Types still come from the package.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

/** lib/chevrotain.mjs of the installed chevrotain (its entry is lib/src/api.js). */
function bundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('chevrotain');
  return join(dirname(entry), '..', 'chevrotain.mjs');
}

const chevrotain = (await import(pathToFileURL(bundlePath()).href)) as Chevrotain;

export const { CstParser, EMPTY_ALT, EOF, Lexer, createSyntaxDiagramsCode, createToken, tokenMatcher } = chevrotain;
export type {
  CstNode,
  CustomPatternMatcherReturn,
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  TokenType,
} from 'chevrotain';
