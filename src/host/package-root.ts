/**
 * The folder ibc is installed in (the one holding its package.json): a checkout,
 * a global install (<prefix>/lib/node_modules/ibc) or a project's node_modules/ibc.
 * Files that ship beside dist/ (prebuilt kernels, explorer assets) are found from here.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/host/ and dist/host/ are both two levels below the package root. */
export function packageRoot(): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (!existsSync(join(root, 'package.json'))) throw new Error(`bug: ibc's package.json is not at ${root}`);
  return root;
}

/** How ibc at `root` was installed, which decides where a companion package must go to be found. */
export type InstallKind = 'global' | 'project' | 'checkout';

export function installKind(root: string): InstallKind {
  const normalised = root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (!normalised.endsWith('/node_modules/ibc')) return 'checkout';
  // npm's global layout on Unix: <prefix>/lib/node_modules/<name>.
  return /\/lib\/node_modules\/ibc$/.test(normalised) ? 'global' : 'project';
}

/** `npm install` of `spec` where ibc at `root` resolves it: -g beside a global ibc, in the project otherwise. */
export function npmInstallLine(root: string, spec: string, envPrefix = ''): string {
  const kind = installKind(root);
  if (kind === 'global') return `${envPrefix}npm install -g ${spec}`;
  if (kind === 'project') return `${envPrefix}npm install ${spec} (in the project that depends on ibc)`;
  return `${envPrefix}npm install ${spec} (in the ibc checkout)`;
}
