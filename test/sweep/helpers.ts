/** Shared by the sweep tests: a 6-member Fashion-MNIST sweep with tiny limits, and running the CLI in-process. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

export const REPO = resolve(__dirname, '../..');

/** beta × 2 seeds = 6 members; Slurm settings for the slurm launcher. */
export function writeSweepSpec(dir: string): string {
  const path = join(dir, 'fashion-sweep.ibspec');
  writeFileSync(
    path,
    [
      `extends ${JSON.stringify(join(REPO, 'specs', 'fashion-small-aib.ibspec'))}`,
      'name fsweep',
      'sweep {',
      '  model.attention.beta in [0.001, 0.01, 0.1]',
      '  seeds 2',
      '  slurm time="10:00" sbatch=["--comment=ibc-test"]',
      '}',
      '',
    ].join('\n'),
  );
  return path;
}

/** One epoch on 256 images, 300 validation and 200 test images, no attention images. */
export const TINY_OVERRIDES = ['train.epochs=1', 'data.validation=0.005'];
export const TINY_OPTIONS = ['--limit-train', '256', '--limit-test', '200', '--attention', '0'];

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function ibc(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Workers run bin/ibc.js, i.e. the built dist/: it must exist (scripts/setup.sh builds it; locally: npx tsc). */
export function requireBuiltCli(): void {
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is not built: run npx tsc -p tsconfig.json first (the sweep workers run bin/ibc.js)');
}
