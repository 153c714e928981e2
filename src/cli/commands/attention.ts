/**
 * `ibc attention RUN_DIR`: regenerates attention-map images for chosen test
 * images. The work is in runtime/jobs/attention.ts; this module reads the
 * options, opens the run, chooses the backend and prints.
 */
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { guardRun } from '../run-errors.js';
import { BACKEND_HELP, CHECKPOINT_HELP, oneOf, parseBackend, parseCheckpoint, pathOption, runTarget, usageError, wholeNumber } from '../option-values.js';
import { OptionValueError } from '../define-command.js';
import { SCALE_MODES, type ScaleMode } from '../../runtime/figures/images/figure.js';
import type { AttentionSelection } from '../../runtime/jobs/attention.js';
import { DATA_OPTIONS, dataImageOptions, withDataProgress } from '../data-options.js';
import { chooseBackend } from '../prepare-run.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { releaseBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { openRun } from '../../runtime/runs/open-run.js';
import { requireFiniteState } from '../../runtime/runs/checkpoint/index.js';
import { resolve } from 'node:path';
import { hasAttentionMaps, requireAttentionFits, writeAttentionOfRun } from '../../runtime/jobs/attention.js';

interface AttentionOptions {
  readonly images?: number;
  readonly offset?: number;
  readonly indices?: readonly number[];
  readonly errors?: boolean;
  readonly scale?: ScaleMode;
  readonly overlay?: boolean;
  readonly checkpoint?: string;
  readonly backend?: BackendRequest;
  readonly out?: string;
  readonly overwrite?: boolean;
  readonly dataCache?: string;
  readonly dataMemory?: number;
  readonly dataWorkers?: number;
}

/** `--indices 3,17,42`: test-set indices, each a whole number, no repeats. */
export function parseIndices(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) {
    throw new OptionValueError(`--indices expects test-set indices separated by commas (e.g. 3,17,42), got '${text}'`);
  }
  const indices = parts.map(Number);
  const repeated = indices.find((v, i) => indices.indexOf(v) !== i);
  if (repeated !== undefined) throw new OptionValueError(`--indices names test image ${repeated} twice`);
  return indices;
}

/** "test images 0..19", "test images 3, 17, 42", "5 misclassified test images (3, 8, ...)". */
function describeDrawn(selection: AttentionSelection, items: readonly number[]): string {
  if (items.length === 0) return selection.kind === 'errors' ? `no misclassified test images from ${selection.offset} on (none written)` : 'no test images';
  if (selection.kind === 'range') return `test images ${items[0]}..${items[items.length - 1]}`;
  const list = items.length > 10 ? `${items.slice(0, 10).join(', ')}, ...` : items.join(', ');
  return selection.kind === 'errors' ? `${items.length} misclassified test images (${list})` : `test images ${list}`;
}

/** Which images the options ask for; conflicting options are usage errors. */
export function attentionSelection(options: Pick<AttentionOptions, 'images' | 'offset' | 'indices' | 'errors'>): AttentionSelection {
  if (options.indices !== undefined) {
    for (const other of ['images', 'offset', 'errors'] as const) if (options[other] !== undefined) usageError(`--indices names the images itself; it cannot be combined with --${other}`);
    return { kind: 'indices', indices: options.indices };
  }
  const range = { offset: options.offset ?? 0, count: options.images ?? 20 };
  return options.errors ? { kind: 'errors', ...range } : { kind: 'range', ...range };
}

export const attentionCommand: Command = defineCommand<AttentionOptions>({
  name: 'attention',
  summary: 'write attention-map images of test images for a run',
  description: [
    'Writes the attention maps (mu_a and, for quantized models, a_q) of test',
    'images, from the model in deterministic mode, as test-NNNNN.png (NNNNN:',
    'the index in the test set) and grid.png, each also as .svg, all on one',
    "colour scale, into the run's attention/ folder or --out. Attention",
    'images of an earlier call in that folder are replaced, and those this',
    'call does not write are removed; files ibc did not write (your own',
    'grid.png, 001.png) are never removed, and replaced only with --overwrite.',
    'Images are written whole or not at all (a full disk leaves no partial',
    'file). Right and wrong predictions are marked by a symbol (✓, ✗) as',
    'well as a colour.',
  ].join('\n'),
  arguments: [{ name: 'RUN_DIR', description: 'a run directory written by ibc train' }],
  options: [
    { flags: '--images <N>', description: 'how many test images (default 20)', parse: wholeNumber('--images') },
    { flags: '--offset <K>', description: 'start at test image K (default 0)', parse: wholeNumber('--offset', 0) },
    { flags: '--indices <LIST>', description: 'these test images, e.g. 3,17,42 (instead of --images and --offset)', parse: parseIndices },
    { flags: '--errors', description: 'misclassified test images only: the first --images of them from --offset on' },
    { flags: '--scale <fixed|auto>', description: 'colour scale: fixed 0-1 (default; compares between figures) or auto, stretched to these maps (labelled on the figure)', parse: oneOf('--scale', SCALE_MODES) },
    { flags: '--overlay', description: 'draw the maps over the input (half and half with its grey) instead of beside it' },
    { flags: '--checkpoint <last|best|PATH>', description: CHECKPOINT_HELP, parse: parseCheckpoint },
    { flags: '--backend <NAME>', description: BACKEND_HELP, parse: parseBackend },
    { flags: '--out <DIR>', description: 'folder for the images (default RUN_DIR/attention)', parse: pathOption('--out') },
    { flags: '--overwrite', description: 'replace files named like the images (test-NNNNN.png, grid.png) that ibc did not write' },
    ...DATA_OPTIONS,
  ],
  epilog: 'Exit status: 0 written, 1 a missing or unreadable run or checkpoint, 2 usage errors.',
  run: ({ args, options }, io) =>
    guardRun(io, 'attention', async () => {
      const { runDir, which } = runTarget(args[0] ?? usageError('missing RUN_DIR'), options.checkpoint, io.cwd);
      const selection = attentionSelection(options);
      const imageOptions = dataImageOptions(options, io);
      const opened = openRun(runDir, which, specHash);
      requireFiniteState(opened.state, opened.checkpointPath, opened.ir);
      if (!hasAttentionMaps(opened)) {
        io.stderr(`ibc attention: the model of ${runDir} ('${opened.spec.name}') has no attention module, so it has no attention maps\n`);
        return EXIT_INPUT_ERROR;
      }
      const drawn = selection.kind === 'indices' ? selection.indices.length : selection.count;
      requireAttentionFits(selection.kind === 'indices' ? '--indices' : `--images ${drawn}`, drawn, opened.spec, opened.ir);
      const backend = await chooseBackend(options.backend ?? 'auto', io);
      const { images, close } = withDataProgress(imageOptions, io);
      try {
        const outcome = await writeAttentionOfRun(opened, {
          runDir,
          which,
          selection,
          images,
          ...(options.scale ? { scale: options.scale } : {}),
          ...(options.overlay ? { overlay: true } : {}),
          ...(options.out !== undefined ? { out: resolve(io.cwd, options.out) } : {}),
          overwrite: options.overwrite === true,
        });
        if (outcome.kind === 'offsetPastEnd') usageError(`${selection.kind === 'indices' ? `--indices ${outcome.index}` : `--offset ${outcome.index}`} is past the end of the test set (${outcome.testCount} images)`);
        io.stdout(`attention maps of ${describeDrawn(selection, outcome.items)}: ${outcome.folder}\n`);
      } finally {
        close();
        releaseBackend(backend);
      }
      return EXIT_OK;
    }),
});
