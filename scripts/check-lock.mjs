#!/usr/bin/env node
// Fails fast, with a one-line reason, when package-lock.json does not match package.json
// or is incomplete, before `npm ci` starts (which then fails with a screenful, or on
// another npm version installs something else). Offline: it reads the two files only.
//
// Checked: every dependency that package.json declares is locked at the root with the
// same range, and every dependency (optional ones included: rollup, esbuild, resvg name a
// binary per platform) of every locked package resolves to a locked entry, the way
// node_modules lookup walks up the folders. An incomplete lock is what npm 11 rejects
// with "Missing: <pkg>@<version> from lock file".
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const fail = (reason) => {
  console.error(`package-lock.json is stale: ${reason}. Run \`npm install\` with network access and commit package-lock.json.`);
  process.exit(1);
};

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let lock;
try {
  lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
} catch (error) {
  fail(`cannot read it (${error.code ?? error.message})`);
}
if (lock.lockfileVersion !== 3) fail(`lockfileVersion is ${lock.lockfileVersion}, expected 3 (npm 9 or later)`);
const packages = lock.packages ?? {};
const lockedRoot = packages[''] ?? {};

for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
  const declared = manifest[field] ?? {};
  const locked = lockedRoot[field] ?? {};
  for (const [name, range] of Object.entries(declared)) {
    if (locked[name] !== range) fail(`package.json ${field} has ${name}@${range}, the lock has ${locked[name] === undefined ? 'nothing' : `${name}@${locked[name]}`}`);
  }
  for (const name of Object.keys(locked)) {
    if (!(name in declared)) fail(`the lock's ${field} has ${name}, package.json does not`);
  }
}

/** The locked entry that `require(name)` from the package at `from` would find. */
function resolveFrom(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = dir === '.' || dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === '.' || dir === '') return undefined;
    // Step out of this package's own node_modules to its parent package.
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '.' : dir.slice(0, parent) + '/x';
  }
}

for (const [path, entry] of Object.entries(packages)) {
  if (path === '' || entry.link) continue;
  if (!entry.version) fail(`${path} has no version`);
  const needs = { ...(entry.dependencies ?? {}), ...(entry.optionalDependencies ?? {}) };
  for (const name of Object.keys(needs)) {
    if (resolveFrom(path, name) === undefined) fail(`${name}, which ${path.replace(/^.*node_modules\//, '')} depends on, has no entry`);
  }
}
console.log(`package-lock.json: matches package.json, ${Object.keys(packages).length - 1} packages locked`);
