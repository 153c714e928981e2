/**
 * The spec schema's ajv validator, compiled once at build time.
 *
 * Why: compiling the schema with ajv took ~0.3 s of every command that reads
 * a spec (`ibc check`, `ibc train`): ajv generates a large validating
 * function as source text and compiles it with `new Function`. `npm run
 * build` writes that source beside this module
 * (scripts/build-schema-validator.mjs, GENERATED_VALIDATOR_FILE), and a
 * command loads it instead, ~0.1 s. The source is the very function ajv
 * would compile at run time from the same schema and options
 * (ajv/dist/standalone), so its answers and error objects are ajv's.
 *
 * A generated file records the hash of the schema it was made from; one made
 * from another schema (dist/ rebuilt by `tsc` alone after a definitions
 * change) is not used: the schema is compiled at run time instead, as it is
 * where no file was generated (the tests, which run the sources).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Options, ValidateFunction } from 'ajv';
import { specJsonSchema } from './json-schema.js';

// ajv itself (~60 ms to load) is required only where a schema is compiled: at build time, or where no generated validator is
// found. The generated one needs only ajv's small run-time helpers.
const requireHere = createRequire(import.meta.url);
const ajvModule = (): typeof import('ajv') => requireHere('ajv') as typeof import('ajv');

/** The validator's options: every error (all of them are reported), strict schema, tagged unions, errors carrying their schema. */
const AJV_OPTIONS: Options = { allErrors: true, strict: true, discriminator: true, verbose: true };

/** The generated validator's file name, beside this module in dist/. */
export const GENERATED_VALIDATOR_FILE = 'schema-validator.generated.cjs';

/** The sha-256 of the schema's JSON text: what a generated file was made from. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify(specJsonSchema())).digest('hex');
}

/**
 * The CommonJS source of the compiled validator (module.exports is the validating function,
 * `schemaHash` the hash of its schema). ajv's code optimisation runs here, at build time.
 */
export function generatedValidatorSource(): string {
  const ajv = new (ajvModule().Ajv)({ ...AJV_OPTIONS, code: { source: true, esm: false } });
  const validate = ajv.compile(specJsonSchema());
  const standalone = requireHere('ajv/dist/standalone') as typeof import('ajv/dist/standalone/index.js');
  const code = standalone.default(ajv, validate);
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash())};\n`;
}

/** The schema compiled now (ajv's optimisation passes skipped: they took half the time, to tidy code that validates one small document). */
export function compileValidator(): ValidateFunction {
  return new (ajvModule().Ajv)({ ...AJV_OPTIONS, code: { optimize: false } }).compile(specJsonSchema());
}

/** The generated validator at `path` when it exists and was made from this schema; else undefined. */
export function loadGeneratedValidator(path: string): ValidateFunction | undefined {
  if (!existsSync(path)) return undefined;
  const loaded = requireHere(path) as ValidateFunction & { readonly schemaHash?: unknown };
  return typeof loaded === 'function' && loaded.schemaHash === schemaHash() ? loaded : undefined;
}

/** The validator a command uses: the generated one beside this module (dist/), else the schema compiled now. */
export function specValidator(): ValidateFunction {
  return loadGeneratedValidator(fileURLToPath(new URL(GENERATED_VALIDATOR_FILE, import.meta.url))) ?? compileValidator();
}
