/**
 * The lock guard that scripts/setup.sh runs before `npm ci`: the committed lock passes,
 * and each way a lock goes stale (a dependency added to package.json only, an optional
 * platform package missing) fails at once with a one-line reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const guard = join(root, 'scripts/check-lock.mjs');
const scratch: string[] = [];

interface Manifest {
  dependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface Lock {
  packages: Record<string, { optionalDependencies?: Record<string, string> } | undefined>;
}

function runGuard(dir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [guard, dir], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the project's package.json and lock, edited by `edit`. */
function projectCopy(edit: (manifest: Manifest, lock: Lock) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-lock-'));
  scratch.push(dir);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;
  edit(manifest, lock);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
  return dir;
}

afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('scripts/check-lock.mjs', () => {
  it('passes the committed lock', () => {
    const r = runGuard(root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^package-lock\.json: matches package\.json, \d+ packages locked\n$/);
  });

  it('locks every platform binary that rollup, esbuild and resvg name', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;
    for (const owner of ['node_modules/rollup', 'node_modules/esbuild', 'node_modules/@resvg/resvg-js']) {
      const optional = Object.keys(lock.packages[owner]?.optionalDependencies ?? {});
      expect(optional.length).toBeGreaterThan(5);
      for (const name of optional) expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
    }
  });

  it('fails in one line when package.json gains a dependency the lock lacks', () => {
    const dir = projectCopy((manifest) => {
      manifest.dependencies['is-number'] = '^7.0.0';
    });
    const r = runGuard(dir);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('package.json dependencies has is-number@^7.0.0, the lock has nothing');
  });

  it('fails when a range changed in package.json only', () => {
    const dir = projectCopy((manifest) => {
      manifest.dependencies.ajv = '^7.0.0';
    });
    expect(runGuard(dir).stderr).toContain('package.json dependencies has ajv@^7.0.0, the lock has ajv@^8');
  });

  it('fails when an optional platform package is missing from the lock (npm/cli "Missing: ... from lock file")', () => {
    const dir = projectCopy((_manifest, lock) => {
      delete lock.packages['node_modules/@rollup/rollup-android-arm-eabi'];
    });
    const r = runGuard(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('@rollup/rollup-android-arm-eabi, which rollup depends on, has no entry');
  });

  it('keeps npm quiet: no project config npm does not know, every install script decided', () => {
    expect(() => readFileSync(join(root, '.npmrc'), 'utf8')).toThrow();
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
    // onnxruntime-node's install script would download CUDA binaries: denied, not merely unapproved.
    expect(manifest.allowScripts?.['onnxruntime-node']).toBe(false);
  });
});

