/**
 * Where the explorer page's TF.js bundles come from: the npm package carries them in
 * dist/vendor/ (so an installed ibc needs no @tensorflow/tfjs); a checkout takes them
 * from node_modules.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSource, TFJS_BUNDLES } from '../../../../src/runtime/figures/web/explorer-page.js';

const root = mkdtempSync(join(tmpdir(), 'ibc-bundles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the TF.js bundles of the explorer page', () => {
  it("prefer the package's own copy in dist/vendor/", () => {
    mkdirSync(join(root, 'dist', 'vendor'), { recursive: true });
    for (const bundle of TFJS_BUNDLES) writeFileSync(join(root, 'dist', 'vendor', bundle.to), '// bundle\n');
    for (const bundle of TFJS_BUNDLES) expect(bundleSource(bundle, root)).toBe(join(root, 'dist', 'vendor', bundle.to));
  });

  it('fall back to the installed npm packages (a checkout)', () => {
    const bare = join(root, 'bare');
    for (const bundle of TFJS_BUNDLES) expect(bundleSource(bundle, bare)).toMatch(new RegExp(`node_modules/${bundle.from.replace(/[./]/g, '\\$&')}$`));
  });
});
