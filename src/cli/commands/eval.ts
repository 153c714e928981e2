/** `ibc eval RUN_DIR`: test accuracy of a run's checkpoint with the spec's (or given) eval samples. */
import type { CliIO, Command } from '../command.js';
import { EXIT_OK, EXIT_USAGE } from '../command.js';
import { guardRun } from '../run-errors.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { openRun, modelFromState, loadRunData } from '../../runtime/train/open-run.js';
import { evaluateSplit, localizeSplit } from '../../runtime/train/trainer.js';
import { formatLocalization } from '../../runtime/train/localization.js';
import { releaseBackend } from '../../runtime/backends/select.js';
import { UsageError, parseBackend, parseCommandArgs, parseCount, parseRunTarget, chooseBackend } from './train.js';

const USAGE = `Usage: ibc eval RUN_DIR [options]

Evaluates a run's checkpoint on the test set and prints top-1 / top-5 accuracy.
Where the test images have object boxes (cluttered data, CUB with
bounding_boxes.txt) and the model has attention, it also prints how well the
attention maps (deterministic: mu_a, and a_q when quantized) find the object:
the pointing game, the share of map mass inside the box, and chance for both
(the box's share of the image).

Options:
  --checkpoint last|best  which checkpoint (default last; best exists with a validation split)
  --samples N             evaluation samples n (default: the spec's eval samples; 0 = deterministic mean)
  --limit-test N          use only the first N test images
  --backend NAME          auto | cpu | ibc-native | tensorflow | tensorflow-gpu | webgpu (default auto)

Exit status: 0 evaluated, 1 a missing or unreadable run or checkpoint, 2 usage errors.
`;

async function run(args: readonly string[], io: CliIO): Promise<number> {
  let runDir: string;
  let which: 'last' | 'best';
  let samples: number | undefined;
  let limitTest: number | undefined;
  let backendName: ReturnType<typeof parseBackend>;
  try {
    const { values, positionals } = parseCommandArgs(args, {
      checkpoint: { type: 'string' },
      samples: { type: 'string' },
      'limit-test': { type: 'string' },
      backend: { type: 'string' },
    });
    ({ runDir, which } = parseRunTarget(positionals, values['checkpoint'] as string | undefined, io.cwd));
    samples = parseCount('--samples', values['samples'] as string | undefined, 0);
    limitTest = parseCount('--limit-test', values['limit-test'] as string | undefined);
    backendName = parseBackend(values['backend'] as string | undefined);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ibc eval: ${error.message}\n${USAGE.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const opened = openRun(runDir, which, specHash);
  const backend = await chooseBackend(backendName, io);
  let model: ReturnType<typeof modelFromState> | undefined;
  try {
    const data = await loadRunData(opened, limitTest);
    model = modelFromState(opened);
    const n = samples ?? opened.ir.samples.eval;
    const acc = await evaluateSplit(model, opened.spec, data.test, opened.state.settings.seed, n);
    io.stdout(
      `${opened.spec.name} (${which} checkpoint, epoch ${opened.state.epoch}, ${n === 0 ? 'deterministic mean' : `${n} samples`}): ` +
        `test top1 ${(100 * acc.top1).toFixed(2)}%, top5 ${(100 * acc.top5).toFixed(2)}% on ${acc.count} images\n`,
    );
    const localization = await localizeSplit(model, opened.spec, data.test);
    if (localization) for (const line of formatLocalization(localization)) io.stdout(`test localization, ${line}\n`);
  } finally {
    model?.dispose();
    releaseBackend(backend);
  }
  return EXIT_OK;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: "evaluate a run's checkpoint on the test set (top-1 / top-5)",
  usage: USAGE,
  run: (args, io) => guardRun(io, 'eval', () => run(args, io)),
};
