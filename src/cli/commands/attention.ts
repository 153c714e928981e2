/**
 * `ibc attention RUN_DIR`: regenerates attention-map images for chosen test
 * images. The work is in runtime/jobs/attention.ts; this module reads the
 * options, opens the run, chooses the backend and prints.
 */
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { guardRun } from '../run-errors.js';
import { DATA_OPTIONS, dataImageOptions, withDataProgress } from '../data-options.js';
import { BACKEND_HELP, parseBackend, parseCheckpoint, CHECKPOINT_HELP, runTarget, usageError, wholeNumber } from '../option-values.js';
import { chooseBackend } from '../prepare-run.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { releaseBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { openRun } from '../../runtime/runs/open-run.js';
import { resolve } from 'node:path';
import { hasAttentionMaps, writeAttentionOfRun } from '../../runtime/jobs/attention.js';

interface AttentionOptions {
  readonly images?: number;
  readonly offset?: number;
  readonly checkpoint?: string;
  readonly backend?: BackendRequest;
  readonly out?: string;
  readonly dataCache?: string;
  readonly dataMemory?: number;
  readonly dataWorkers?: number;
}

export const attentionCommand: Command = defineCommand<AttentionOptions>({
  name: 'attention',
  summary: 'write attention-map images of test images for a run',
  description: [
    'Writes the attention maps (mu_a and, for quantized models, a_q) of test',
    'images, from the model in deterministic mode, as test-NNNNN.png (NNNNN:',
    'the index in the test set) and grid.png, all on one colour scale, into',
    "the run's attention/ folder or --out. Attention images of an earlier",
    'call in that folder are removed first.',
  ].join('\n'),
  arguments: [{ name: 'RUN_DIR', description: 'a run directory written by ibc train' }],
  options: [
    { flags: '--images <N>', description: 'how many test images (default 20)', parse: wholeNumber('--images') },
    { flags: '--offset <K>', description: 'start at test image K (default 0)', parse: wholeNumber('--offset', 0) },
    { flags: '--checkpoint <last|best|PATH>', description: CHECKPOINT_HELP, parse: parseCheckpoint },
    { flags: '--backend <NAME>', description: BACKEND_HELP, parse: parseBackend },
    { flags: '--out <DIR>', description: 'folder for the images (default RUN_DIR/attention)' },
    ...DATA_OPTIONS,
  ],
  epilog: 'Exit status: 0 written, 1 a missing or unreadable run or checkpoint, 2 usage errors.',
  run: ({ args, options }, io) =>
    guardRun(io, 'attention', async () => {
      const { runDir, which } = runTarget(args[0] ?? usageError('missing RUN_DIR'), options.checkpoint, io.cwd);
      const count = options.images ?? 20;
      const offset = options.offset ?? 0;
      const imageOptions = dataImageOptions(options, io);
      const opened = openRun(runDir, which, specHash);
      if (!hasAttentionMaps(opened)) {
        io.stderr(`ibc attention: the model of ${runDir} ('${opened.spec.name}') has no attention module, so it has no attention maps\n`);
        return EXIT_INPUT_ERROR;
      }
      const backend = await chooseBackend(options.backend ?? 'auto', io);
      const { images, close } = withDataProgress(imageOptions, io);
      try {
        const outcome = await writeAttentionOfRun(opened, { runDir, which, count, offset, images, ...(options.out !== undefined ? { out: resolve(io.cwd, options.out) } : {}) });
        if (outcome.kind === 'offsetPastEnd') usageError(`--offset ${offset} is past the end of the test set (${outcome.testCount} images)`);
        io.stdout(`attention maps of test images ${outcome.first}..${outcome.last}: ${outcome.folder}\n`);
      } finally {
        close();
        releaseBackend(backend);
      }
      return EXIT_OK;
    }),
});
