/**
 * The spec schema's validator generated at build time (schema-validator.ts) must be the
 * validator ajv compiles at run time: the same verdict and the same error objects (which
 * become the diagnostics) on every reference spec and on many broken variants of them. A
 * file made from another schema is never used.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileValidator, GENERATED_VALIDATOR_FILE, generatedValidatorSource, loadGeneratedValidator, schemaHash, specValidator } from '../../../src/compiler/spec/schema-validator.js';
import { loadDocument } from '../../../src/compiler/spec/extends.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';
import { Random } from '../../../src/support/random.js';
import type { Json } from '../../../src/compiler/spec/spec-document.js';

const SPECS = resolve(import.meta.dirname, '../../../specs');
// Inside the project: the generated file requires ajv's runtime helpers, found as from dist/.
const cache = resolve(import.meta.dirname, '../../../node_modules/.cache');
mkdirSync(cache, { recursive: true });
const folder = mkdtempSync(join(cache, 'ibc-schema-validator-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Every reference spec's merged document (extends resolved). */
function referenceDocuments(): Json[] {
  const docs: Json[] = [];
  for (const dir of [SPECS, join(SPECS, 'base'), join(SPECS, 'test')]) {
    for (const file of readdirSync(dir).filter((n) => n.endsWith('.ibspec')).sort()) {
      const loaded = loadDocument(join(dir, file), nodeFileSystem, new Map());
      if (loaded.value) docs.push(loaded.value.document as Json);
    }
  }
  return docs;
}

/** Every (container, key) of a document, depth first. */
function slots(doc: Json): [Record<string, Json> | Json[], string | number][] {
  const out: [Record<string, Json> | Json[], string | number][] = [];
  const walk = (value: Json): void => {
    if (Array.isArray(value)) value.forEach((item, i) => (out.push([value as Json[], i]), walk(item)));
    else if (typeof value === 'object') for (const [key, item] of Object.entries(value)) (out.push([value as Record<string, Json>, key]), walk(item));
  };
  walk(doc);
  return out;
}

const WRONG_VALUES: readonly Json[] = [-1, 0, 2.5, 'x', '', true, [], [1], {}, { kind: 'nope' }, { type: 'nope' }];

/** `doc` with one seeded change: a value replaced by one of the wrong kind, an unknown key added, or a key removed. */
function mutated(doc: Json, random: Random): Json {
  const copy = structuredClone(doc) as Json;
  const places = slots(copy);
  const [container, key] = places[random.int(places.length)]!;
  const change = random.int(3);
  if (change === 0) (container as Record<string | number, Json>)[key] = WRONG_VALUES[random.int(WRONG_VALUES.length)]!;
  else if (change === 1 && !Array.isArray(container)) container['unknown_key'] = 1;
  else if (Array.isArray(container)) container.splice(key as number, 1);
  else delete container[key as string];
  return copy;
}

describe('the generated spec validator', () => {
  const path = join(folder, GENERATED_VALIDATOR_FILE);
  writeFileSync(path, generatedValidatorSource());
  const generated = loadGeneratedValidator(path);
  const compiled = compileValidator();

  it('loads from the file the build writes, and records the schema it was made from', () => {
    expect(generated).toBeTypeOf('function');
    expect((generated as unknown as { schemaHash: string }).schemaHash).toBe(schemaHash());
  });

  it('gives what the run-time compiled validator gives, verdict and errors, on every reference spec and 600 broken variants', () => {
    const documents = referenceDocuments();
    expect(documents.length).toBeGreaterThan(20);
    const random = Random.fromSeed(20261206);
    const cases = [...documents, ...Array.from({ length: 600 }, (_, i) => mutated(documents[i % documents.length]!, random))];
    let invalid = 0;
    for (const doc of cases) {
      const verdict = compiled(doc);
      expect(generated!(doc)).toBe(verdict);
      expect(generated!.errors ?? null).toEqual(compiled.errors ?? null);
      if (!verdict) invalid++;
    }
    // The variants do exercise the error paths.
    expect(invalid).toBeGreaterThan(300);
  });

  it('is not used when it was made from another schema, nor when it is missing', () => {
    const other = join(folder, 'other.cjs');
    writeFileSync(other, generatedValidatorSource().replace(/module\.exports\.schemaHash = "[0-9a-f]+";/, 'module.exports.schemaHash = "0";'));
    expect(loadGeneratedValidator(other)).toBeUndefined();
    expect(loadGeneratedValidator(join(folder, 'absent.cjs'))).toBeUndefined();
    // From the sources (no generated file beside schema-validator.ts) a command compiles the schema.
    expect(specValidator()({})).toBe(false);
  });
});
