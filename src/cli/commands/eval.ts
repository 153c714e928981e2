/**
 * `ibc eval RUN_DIR`: test accuracy of a run's checkpoint with the spec's (or
 * given) eval samples. The work is in runtime/jobs/eval.ts; this module reads
 * the options, opens the run, chooses the backend and prints.
 */
import type { Command } from '../command.js';
import { EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { guardRun } from '../run-errors.js';
import { DATA_OPTIONS, dataImageOptions, withDataProgress } from '../data-options.js';
import { BACKEND_HELP, parseBackend, parseCheckpoint, CHECKPOINT_HELP, parseFormat, runTarget, usageError, wholeNumber } from '../option-values.js';
import { chooseBackend, requireOptionResources } from '../prepare-run.js';
import type { OutputFormat } from '../report.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { releaseBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { openRun } from '../../runtime/runs/open-run.js';
import { requireFiniteState } from '../../runtime/runs/checkpoint/index.js';
import { checkpointLabel } from '../../runtime/runs/resume.js';
import { evaluateRun, type EvalResult } from '../../runtime/jobs/eval.js';
import { formatLocalization, localizationRecord } from '../../runtime/training/localization.js';

interface EvalOptions {
  readonly checkpoint?: string;
  readonly samples?: number;
  readonly limitTest?: number;
  readonly backend?: BackendRequest;
  readonly format?: OutputFormat;
  readonly dataCache?: string;
  readonly dataMemory?: number;
  readonly dataWorkers?: number;
}

export const evalCommand: Command = defineCommand<EvalOptions>({
  name: 'eval',
  summary: "evaluate a run's checkpoint on the test set (top-1 / top-5)",
  description: [
    "Evaluates a run's checkpoint on the test set and prints top-1 / top-5",
    'accuracy. The run directory is all it needs. Where the test images have',
    'object boxes (the clutter data option, CUB next to its bounding_boxes.txt)',
    'and the model has attention, it also prints how well the deterministic',
    'maps (mu_a, and a_q when quantized) find the object: the pointing game,',
    "the share of map mass inside the box, and chance for both (the box's",
    'share of the image).',
  ].join('\n'),
  arguments: [{ name: 'RUN_DIR', description: 'a run directory written by ibc train' }],
  options: [
    { flags: '--checkpoint <last|best|PATH>', description: CHECKPOINT_HELP, parse: parseCheckpoint },
    { flags: '--samples <N>', description: "evaluation samples n (default: the spec's eval samples; 0 = deterministic mean)", parse: wholeNumber('--samples', 0) },
    { flags: '--limit-test <N>', description: 'use only the first N test images', parse: wholeNumber('--limit-test') },
    { flags: '--backend <NAME>', description: BACKEND_HELP, parse: parseBackend },
    { flags: '--format <text|json>', description: 'text (default), or one JSON object on stdout: {name, checkpoint, epoch, samples, top1, top5, count, localization?}', parse: parseFormat },
    ...DATA_OPTIONS,
  ],
  epilog: 'Exit status: 0 evaluated, 1 a missing or unreadable run or checkpoint, 2 usage errors.',
  run: ({ args, options }, io) =>
    guardRun(io, 'eval', async () => {
      const { runDir, which } = runTarget(args[0] ?? usageError('missing RUN_DIR'), options.checkpoint, io.cwd);
      const imageOptions = dataImageOptions(options, io);
      const opened = openRun(runDir, which, specHash);
      requireFiniteState(opened.state, opened.checkpointPath, opened.ir);
      if (options.samples !== undefined) requireOptionResources(opened.spec, opened.ir, { evalSamples: options.samples, phases: ['evaluation'] }, `--samples ${options.samples}`);
      const backend = await chooseBackend(options.backend ?? 'auto', io);
      let result: EvalResult;
      const { images, close } = withDataProgress(imageOptions, io);
      try {
        result = await evaluateRun(opened, {
          ...(options.samples !== undefined ? { samples: options.samples } : {}),
          ...(options.limitTest !== undefined ? { limitTest: options.limitTest } : {}),
          images,
        });
      } finally {
        close();
        releaseBackend(backend);
      }
      const { samples: n, accuracy: acc, localization } = result;
      if (options.format === 'json') {
        const record = {
          name: opened.spec.name,
          checkpoint: checkpointLabel(which),
          epoch: opened.state.epoch,
          samples: n,
          top1: acc.top1,
          top5: acc.top5,
          count: acc.count,
          ...(localization ? { localization: localizationRecord(localization) } : {}),
        };
        io.stdout(`${JSON.stringify(record)}\n`);
      } else {
        io.stdout(
          `${opened.spec.name} (${typeof which === 'string' ? `${which} checkpoint` : `checkpoint ${opened.checkpointPath}`}, epoch ${opened.state.epoch}, ${n === 0 ? 'deterministic mean' : `${n} samples`}): ` +
            `test top1 ${(100 * acc.top1).toFixed(2)}%, top5 ${(100 * acc.top5).toFixed(2)}% on ${acc.count} images\n`,
        );
        if (localization) for (const line of formatLocalization(localization)) io.stdout(`test localization, ${line}\n`);
      }
      return EXIT_OK;
    }),
});
