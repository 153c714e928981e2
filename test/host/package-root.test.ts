/** Where ibc is installed decides where a companion package must go (ibc resolves it from its own folder). */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installKind, npmInstallLine, packageRoot } from '../../src/host/package-root.js';

describe('the package root', () => {
  it("is the folder with ibc's package.json", () => {
    const root = packageRoot();
    expect(existsSync(join(root, 'package.json'))).toBe(true);
    expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name).toBe('ibc');
  });

  it('tells a global install, a project dependency and a checkout apart', () => {
    expect(installKind('/usr/local/lib/node_modules/ibc')).toBe('global');
    expect(installKind('/tmp/prefix/lib/node_modules/ibc/')).toBe('global');
    expect(installKind('/home/me/project/node_modules/ibc')).toBe('project');
    expect(installKind('/home/me/.npm/_npx/1f2e/node_modules/ibc')).toBe('project');
    expect(installKind('/home/me/src/ibc')).toBe('checkout');
  });

  it('gives the npm line for each', () => {
    expect(npmInstallLine('/usr/lib/node_modules/ibc', 'x@1', 'A=b ')).toBe('A=b npm install -g x@1');
    expect(npmInstallLine('/p/node_modules/ibc', 'x@1')).toBe('npm install x@1 (in the project that depends on ibc)');
    expect(npmInstallLine('/src/ibc', 'x@1')).toBe('npm install x@1 (in the ibc checkout)');
  });
});
