/** `ibc attention RUN_DIR`: regenerates attention-map images for chosen test images. */
import { lockRunDir } from '../../runtime/run-lock.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { guardRun } from '../run-errors.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { openRun, modelFromState, loadRunData } from '../../runtime/train/open-run.js';
import { resolve } from 'node:path';
import { runAttentionFolder, writeRunAttention } from '../../runtime/train/attention.js';
import { releaseBackend } from '../../runtime/backends/select.js';
import { UsageError, parseBackend, parseCommandArgs, parseCount, parseRunTarget, chooseBackend } from './train.js';

const USAGE = `Usage: ibc attention RUN_DIR [options]

Writes the attention maps (mu_a and, for quantized models, a_q) of test images,
from the model in deterministic mode, as test-NNNNN.png (NNNNN: the index in
the test set) and grid.png, all on one colour scale, into the run's attention/
folder or --out. Attention images of an earlier call in that folder are
removed first.

Options:
  --out DIR               folder for the images (default RUN_DIR/attention)
  --images N              how many test images (default 20)
  --offset K              start at test image K (default 0)
  --checkpoint last|best  which checkpoint (default last)
  --backend NAME          auto | cpu | ibc-native | tensorflow | tensorflow-gpu | webgpu (default auto)

Exit status: 0 written, 1 a missing or unreadable run or checkpoint, 2 usage errors.
`;

async function run(args: readonly string[], io: CliIO): Promise<number> {
  let runDir: string;
  let which: 'last' | 'best';
  let count: number;
  let offset: number;
  let backendName: ReturnType<typeof parseBackend>;
  let outDir: string | undefined;
  try {
    const { values, positionals } = parseCommandArgs(args, {
      images: { type: 'string' },
      offset: { type: 'string' },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      backend: { type: 'string' },
    });
    ({ runDir, which } = parseRunTarget(positionals, values['checkpoint'] as string | undefined, io.cwd));
    count = parseCount('--images', values['images'] as string | undefined) ?? 20;
    offset = parseCount('--offset', values['offset'] as string | undefined, 0) ?? 0;
    backendName = parseBackend(values['backend'] as string | undefined);
    outDir = typeof values['out'] === 'string' ? resolve(io.cwd, values['out']) : undefined;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ibc attention: ${error.message}\n${USAGE.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const opened = openRun(runDir, which, specHash);
  if (opened.ir.taps.attentionMean === undefined) {
    io.stderr(`ibc attention: the model of ${runDir} ('${opened.spec.name}') has no attention module, so it has no attention maps\n`);
    return EXIT_INPUT_ERROR;
  }
  const backend = await chooseBackend(backendName, io);
  try {
    const data = await loadRunData(opened);
    if (offset >= data.test.count) {
      io.stderr(`ibc attention: --offset ${offset} is past the end of the test set (${data.test.count} images)\n`);
      return EXIT_USAGE;
    }
    const model = modelFromState(opened);
    // It writes into the run directory: not while a training run writes there.
    const lock = lockRunDir(runDir);
    try {
      const folder = await writeRunAttention(outDir ?? runAttentionFolder(runDir), model, opened.spec, data, {
        count,
        offset,
        checkpoint: `${which} checkpoint${opened.state.ema ? ' (EMA weights)' : ''}`,
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
}

export const attentionCommand: Command = {
  name: 'attention',
  summary: 'write attention-map images of test images for a run',
  usage: USAGE,
  run: (args, io) => guardRun(io, 'attention', () => run(args, io)),
};
