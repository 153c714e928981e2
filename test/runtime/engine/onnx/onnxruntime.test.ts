/**
 * onnxruntime-node is an optional peer, loaded only by what runs an ONNX file. The error
 * when it is missing is exercised for real by the package test (an installed ibc has none);
 * here: the install line for each kind of install, the tested version, and that it loads.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxRuntime, onnxruntimeInstallLine, TESTED_ONNXRUNTIME } from '../../../../src/runtime/engine/onnx/onnxruntime.js';
import { packageRoot } from '../../../../src/host/package-root.js';

interface Manifest {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  dependencies: Record<string, string>;
}

describe('onnxruntime-node, an optional peer', () => {
  it('is a devDependency and an optional peer, never a dependency, at the version ibc tests', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as Manifest;
    expect(manifest.dependencies['onnxruntime-node']).toBeUndefined();
    expect(manifest.peerDependenciesMeta['onnxruntime-node']?.optional).toBe(true);
    expect(manifest.peerDependencies['onnxruntime-node']).toBe(`^${TESTED_ONNXRUNTIME}`);
    const locked = JSON.parse(readFileSync(join(packageRoot(), 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    expect(locked.packages['node_modules/onnxruntime-node']?.version).toBe(TESTED_ONNXRUNTIME);
  });

  it("names the install line for where ibc is, skipping the CUDA download", () => {
    expect(onnxruntimeInstallLine('/usr/local/lib/node_modules/ibc')).toBe(`ONNXRUNTIME_NODE_INSTALL=skip npm install -g onnxruntime-node@${TESTED_ONNXRUNTIME}`);
    expect(onnxruntimeInstallLine('/home/me/app/node_modules/ibc')).toBe(`ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${TESTED_ONNXRUNTIME} (in the project that depends on ibc)`);
    expect(onnxruntimeInstallLine('/home/me/src/ibc')).toBe('npm ci (in the ibc checkout: it is a devDependency)');
  });

  it('loads in a checkout', async () => {
    const ort = await loadOnnxRuntime('a test');
    expect(typeof ort.InferenceSession.create).toBe('function');
  });
});
