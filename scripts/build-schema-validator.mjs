#!/usr/bin/env node
// Part of `npm run build`, after tsc: writes the spec schema's compiled ajv validator into dist/
// (src/compiler/spec/schema-validator.ts says why and how a command uses it).
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const module = new URL('../dist/compiler/spec/schema-validator.js', import.meta.url);
const { GENERATED_VALIDATOR_FILE, generatedValidatorSource } = await import(module.href);
const target = fileURLToPath(new URL(GENERATED_VALIDATOR_FILE, module));
const temporary = `${target}.${process.pid}.tmp`;
writeFileSync(temporary, generatedValidatorSource());
renameSync(temporary, target);
