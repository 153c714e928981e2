/** `ibc attention RUN_DIR`: regenerates attention-map images for chosen test images. */
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { guardRun } from '../run-errors.js';
import { BACKEND_HELP, parseBackend, parseCheckpoint, CHECKPOINT_HELP, runTarget, usageError, wholeNumber } from '../option-values.js';
import { chooseBackend } from '../prepare-run.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { releaseBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { openRun, modelFromState, loadRunData } from '../../runtime/runs/open-run.js';
import { resolve } from 'node:path';
import { runAttentionFolder, writeRunAttention } from '../../runtime/jobs/attention.js';
import { lockRunDir } from '../../runtime/runs/run-lock.js';

interface AttentionOptions {
  readonly images?: number;
  readonly offset?: number;
  readonly checkpoint?: string;
  readonly backend?: BackendRequest;
  readonly out?: string;
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
  ],
  epilog: 'Exit status: 0 written, 1 a missing or unreadable run or checkpoint, 2 usage errors.',
  run: ({ args, options }, io) =>
    guardRun(io, 'attention', async () => {
      const { runDir, which } = runTarget(args[0]!, options.checkpoint, io.cwd);
      const count = options.images ?? 20;
      const offset = options.offset ?? 0;
      const opened = openRun(runDir, which, specHash);
      if (opened.ir.taps.attentionMean === undefined) {
        io.stderr(`ibc attention: the model of ${runDir} ('${opened.spec.name}') has no attention module, so it has no attention maps\n`);
        return EXIT_INPUT_ERROR;
      }
      const backend = await chooseBackend(options.backend ?? 'auto', io);
      try {
        const data = await loadRunData(opened);
        if (offset >= data.test.count) usageError(`--offset ${offset} is past the end of the test set (${data.test.count} images)`);
        const model = modelFromState(opened);
        // It writes into the run directory: not while a training run writes there.
        const lock = lockRunDir(runDir);
        try {
          const folder = await writeRunAttention(options.out !== undefined ? resolve(io.cwd, options.out) : runAttentionFolder(runDir), model, opened.spec, data, {
            count,
            offset,
            checkpoint: `${typeof which === 'string' ? `${which} checkpoint` : `checkpoint ${opened.checkpointPath}`}${opened.state.ema ? ' (EMA weights)' : ''}`,
            epoch: opened.state.epoch,
            baseDir: opened.state.settings.dataBaseDir ?? runDir,
          });
          io.stdout(`attention maps of test images ${offset}..${Math.min(data.test.count, offset + count) - 1}: ${folder}\n`);
        } finally {
          lock.release();
          model.dispose();
        }
      } finally {
        releaseBackend(backend);
      }
      return EXIT_OK;
    }),
});
