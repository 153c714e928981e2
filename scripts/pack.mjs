#!/usr/bin/env node
// What `npm pack` and `npm publish` run around packing (package.json: prepack, postpack).
//
//   node scripts/pack.mjs prepare   make the package complete:
//     - dist/ current: tsc when a source (or tsconfig.json) is newer than its output; outputs
//       whose source is gone are removed, so a renamed module leaves nothing behind; the spec
//       schema's generated validator (scripts/build-schema-validator.mjs) made again when it was
//       made from another schema than dist/'s;
//     - the native addon current: npm run build:native when a C++ source is newer than it;
//     - the addon checked: it must link only what Debian 12's runtime packages give (libdnnl2,
//       libgomp1, libstdc++6, libc6), need no newer glibc/libstdc++ symbols than Debian 12 has,
//       and load; then copied to prebuilds/linux-x64/, where the installed package finds it.
//     - the explorer page's TF.js browser bundles copied into dist/vendor/, so that an installed
//       ibc needs neither @tensorflow/tfjs nor its converter, layers, data and webgl packages
//       (~220 MB) for two files of 1.8 MB.
//   node scripts/pack.mjs clean     remove what prepare copied (the prebuilt addon, dist/vendor/).
//
// IBC_PACK_NO_BUILD=1 makes prepare fail instead of building (the packaging test sets it, so
// that packing never rewrites dist/ under other tests that run it).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORM = 'linux-x64';
const ADDON = join(root, 'native', 'build', 'Release', 'ibc_native.node');
const PREBUILT = join(root, 'prebuilds', PLATFORM, 'ibc_native.node');
const VENDOR = join(root, 'dist', 'vendor');

/** The explorer's list of bundles ({from, to}), from the freshly built dist/: one list for both. */
async function explorerBundles() {
  const explorer = await import(pathToFileURL(join(root, 'dist', 'runtime', 'figures', 'web', 'explorer-page.js')).href);
  return explorer.TFJS_BUNDLES;
}

/** What the addon may link: Debian 12's libdnnl2 and the C/C++/OpenMP runtimes every Debian has. */
const ALLOWED_LIBRARIES = ['libdnnl.so.2', 'libstdc++.so.6', 'libm.so.6', 'libgomp.so.1', 'libgcc_s.so.1', 'libc.so.6', 'ld-linux-x86-64.so.2'];
/** The newest symbol versions Debian 12 (bookworm: glibc 2.36, GCC 12) provides. */
const NEWEST_VERSIONS = { GLIBC: '2.36', GLIBCXX: '3.4.30', CXXABI: '1.3.13', GCC: '12.0.0' };

function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}

function say(message) {
  console.error(`pack: ${message}`);
}

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) fail(`${command} could not start (${r.error.message})`);
  if (r.status !== 0) fail(`${command} ${args.join(' ')} exited with ${r.status}`);
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

const mtime = (path) => statSync(path).mtimeMs;
const building = process.env.IBC_PACK_NO_BUILD !== '1';

/** The sources whose outputs in dist/ are missing or older than they are (tsconfig.json counts for all). */
function staleOutputs() {
  const config = mtime(join(root, 'tsconfig.json'));
  const stale = [];
  for (const source of filesUnder(join(root, 'src'))) {
    if (!source.endsWith('.ts') || source.endsWith('.d.ts')) continue;
    const base = join(root, 'dist', relative(join(root, 'src'), source)).slice(0, -'.ts'.length);
    const newest = Math.max(config, mtime(source));
    for (const out of [`${base}.js`, `${base}.d.ts`]) {
      if (!existsSync(out) || mtime(out) < newest) stale.push(relative(root, source));
    }
  }
  return [...new Set(stale)];
}

/** The spec schema's generated validator in dist/ (build-schema-validator.mjs), and the module that makes it. */
const VALIDATOR_MODULE = join(root, 'dist', 'compiler', 'spec', 'schema-validator.js');
const GENERATED_VALIDATOR = join(root, 'dist', 'compiler', 'spec', 'schema-validator.generated.cjs');

/** Whether the generated validator is missing or was made from another schema than dist/'s. */
async function validatorStale() {
  if (!existsSync(GENERATED_VALIDATOR)) return true;
  const { schemaHash } = await import(pathToFileURL(VALIDATOR_MODULE).href);
  return createRequire(import.meta.url)(GENERATED_VALIDATOR).schemaHash !== schemaHash();
}

/** dist/ files whose source no longer exists (a module renamed or deleted since the last build). */
function orphanOutputs() {
  return filesUnder(join(root, 'dist')).filter((out) => {
    if (out.startsWith(`${VENDOR}/`) || out === GENERATED_VALIDATOR) return false;
    const rel = relative(join(root, 'dist'), out);
    const base = rel.replace(/(\.d\.ts|\.js)(\.map)?$/, '');
    return base === rel || !existsSync(join(root, 'src', `${base}.ts`));
  });
}

async function prepareDist() {
  const stale = staleOutputs();
  if (stale.length > 0) {
    if (!building) fail(`dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}); run npm run build first`);
    say(`building dist/ (${stale.length} source file(s) newer than their output)`);
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  }
  const orphans = orphanOutputs();
  for (const out of orphans) rmSync(out);
  if (orphans.length > 0) say(`removed ${orphans.length} file(s) from dist/ whose source is gone`);
  if (await validatorStale()) {
    if (!building) fail('the spec schema\'s generated validator in dist/ is missing or was made from another schema; run npm run build first');
    say('writing the spec schema\'s validator (scripts/build-schema-validator.mjs)');
    run(process.execPath, [join(root, 'scripts', 'build-schema-validator.mjs')]);
  }
}

function prepareAddon() {
  if (`${process.platform}-${process.arch}` !== PLATFORM) {
    fail(`the package carries the native kernels prebuilt for ${PLATFORM}; pack it on ${PLATFORM} (Debian 12), not ${process.platform}-${process.arch}`);
  }
  const sources = [join(root, 'native', 'binding.gyp'), ...filesUnder(join(root, 'native', 'src'))];
  const newest = Math.max(...sources.map(mtime));
  if (!existsSync(ADDON) || mtime(ADDON) < newest) {
    if (!building) fail(`the native addon is missing or older than native/src; run npm run build:native first`);
    say('building the native addon (npm run build:native)');
    const env = { ...process.env };
    // node-gyp must not download Node's headers: use the system's (Debian's nodejs has them).
    if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_version.h')) env.npm_config_nodedir = '/usr';
    run('npm', ['run', '--silent', 'build:native'], env);
  }
  checkAddon(ADDON);
  copyInto(ADDON, PREBUILT);
  say(`prebuilt addon: ${relative(root, PREBUILT)}`);
}

/** Copies a file so that a reader sees the old one or the whole new one. */
function copyInto(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const temporary = `${to}.tmp-${process.pid}`;
  copyFileSync(from, temporary);
  renameSync(temporary, to);
}

async function prepareVendoredBundles() {
  const bundles = await explorerBundles();
  for (const bundle of bundles) {
    const from = join(root, 'node_modules', bundle.from);
    if (!existsSync(from)) fail(`${bundle.from} is missing: run npm ci first`);
    copyInto(from, join(VENDOR, bundle.to));
  }
  say(`TF.js bundles for the explorer page: ${bundles.map((b) => `dist/vendor/${b.to}`).join(', ')}`);
}

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The addon runs on a Debian 12 machine that has libdnnl2, or packing stops. */
function checkAddon(path) {
  const r = spawnSync('readelf', ['--dynamic', '--version-info', '--wide', path], { encoding: 'utf8' });
  if (r.error || r.status !== 0) fail(`readelf (binutils) could not read ${relative(root, path)}: ${r.error?.message ?? r.stderr.trim()}`);
  const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const extra = needed.filter((lib) => !ALLOWED_LIBRARIES.includes(lib));
  if (extra.length > 0) fail(`the native addon links ${extra.join(', ')}, beyond what Debian 12's libdnnl2 and the C/C++ runtimes give (${ALLOWED_LIBRARIES.join(', ')})`);
  if (!needed.includes('libdnnl.so.2')) fail(`the native addon does not link libdnnl.so.2 (oneDNN 2, Debian 12's libdnnl2); it links ${needed.join(', ')}`);
  for (const [, family, version] of r.stdout.matchAll(/Name: (GLIBC|GLIBCXX|CXXABI|GCC)_([\d.]+)/g)) {
    if (compareVersions(version, NEWEST_VERSIONS[family]) > 0) fail(`the native addon needs ${family}_${version}, newer than Debian 12's ${family}_${NEWEST_VERSIONS[family]}: build it on Debian 12`);
  }
  const load = spawnSync(process.execPath, ['-e', 'const i = require(process.argv[1]).info(); console.log(`oneDNN ${i.dnnl}`)', path], { encoding: 'utf8' });
  if (load.status !== 0) fail(`the native addon does not load: ${load.stderr.trim().split('\n')[0]}`);
  say(`native addon: links ${needed.join(', ')}; ${load.stdout.trim()}`);
}

async function clean() {
  rmSync(PREBUILT, { force: true });
  for (const bundle of await explorerBundles()) rmSync(join(VENDOR, bundle.to), { force: true });
  for (const dir of [dirname(PREBUILT), dirname(dirname(PREBUILT)), VENDOR]) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty, or already gone: leave it
    }
  }
}

const command = process.argv[2];
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (command === 'prepare') {
    await prepareDist();
    await prepareVendoredBundles();
    prepareAddon();
  } else if (command === 'clean') {
    await clean();
  } else {
    fail(`usage: node scripts/pack.mjs prepare|clean (got ${command ?? 'nothing'})`);
  }
}
