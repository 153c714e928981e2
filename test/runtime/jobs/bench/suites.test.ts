import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultSuite,
  e2eSuite,
  runE2eSuite,
  runStepLogCost,
  runStepsSuite,
  stepLogCase,
  type E2eCase,
  type Measured,
  type MeasurementLine,
  type StepsCase,
  type SuiteMeasurer,
  type SuiteOutput,
  type TrainJob,
} from '../../../../src/runtime/jobs/bench/suites.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Fake measurements: ibc at 100 img/s (fp32) and 130 (bf16), 900 and 700 MB for every model;
 * PyTorch at 80 (fp32), 70 (fp32-channels-last) and 120 img/s (bf16-channels-last), 1200 and 800 MB.
 */
const IBC_RATE: Record<string, number> = { fp32: 100, bf16: 130 };
const IBC_MB: Record<string, number> = { fp32: 900, bf16: 700 };
const TORCH_RATE: Record<string, number> = { fp32: 80, 'fp32-channels-last': 70, 'bf16-channels-last': 120 };
const TORCH_MB: Record<string, number> = { fp32: 1200, 'fp32-channels-last': 1150, 'bf16-channels-last': 800 };

function fakeMeasurer(overrides: Partial<SuiteMeasurer> = {}): SuiteMeasurer {
  return {
    pytorchProblem: undefined,
    bf16Problem: undefined,
    ibcSteps: (c, precision) => ({ ok: true, value: { spec: c.spec, backend: 'ibc-native', precision, batch: c.batch ?? 64, img_per_s: IBC_RATE[precision], peak_rss_mb: IBC_MB[precision] } }),
    pytorchSteps: (c, batch, config) => ({ ok: true, value: { spec: c.spec, backend: 'pytorch', config, batch, img_per_s: TORCH_RATE[config], peak_rss_mb: TORCH_MB[config] } }),
    ibcTrain: (): Measured<TrainJob> => ({ ok: true, value: { wallSeconds: 30, testTop1: 0.87, backend: 'ibc-native', trainSeconds: 20, phases: { startup: 2, training: 20, evaluation: 6 } } }),
    pytorchTrain: (): Measured<TrainJob> => ({ ok: true, value: { wallSeconds: 45, testTop1: 0.86, trainSeconds: 36 } }),
    ...overrides,
  };
}

function capture(): { output: SuiteOutput; lines: MeasurementLine[]; notes: string[]; said: string[] } {
  const lines: MeasurementLine[] = [], notes: string[] = [], said: string[] = [];
  return { output: { line: (r) => lines.push(r), note: (t) => notes.push(t), say: (t) => said.push(t) }, lines, notes, said };
}

const FASHION = ['specs/fashion-small-baseline.ibspec', 'specs/fashion-small-aib.ibspec', 'specs/fashion-small-aib-qt.ibspec'];
const name = (l: MeasurementLine): string =>
  String(l['comparison'] !== undefined ? `${String(l['comparison'])} ${String(l['ibc_precision'])}` : `${String(l['spec'])} ${String(l['backend'])} ${String(l['precision'] ?? l['config'])}`);
const modelLines = (spec: string, label: string, memory?: string): string[] => [
  `${spec} ibc-native fp32`,
  `${spec} ibc-native bf16`,
  `${spec} pytorch fp32`,
  `${spec} pytorch fp32-channels-last`,
  `${spec} pytorch bf16-channels-last`,
  `ibc / pytorch best, ${label} fp32`,
  `ibc / pytorch best, ${label} bf16`,
  `ibc / pytorch same precision, ${label} bf16`,
  ...(memory ? [`peak resident memory, ${memory} fp32`, `peak resident memory, ${memory} bf16`] : []),
];

describe('ibc bench --suite default: the lines it prints', () => {
  it("per model: ibc in fp32 and bf16, PyTorch in its three configurations, each ibc precision against PyTorch's best, bf16 against PyTorch bf16; VGG's memory per precision", () => {
    const { output, lines, notes, said } = capture();
    expect(runStepsSuite(defaultSuite({}), fakeMeasurer(), output)).toBe(0);
    expect(notes).toEqual([]);
    const vgg = 'specs/cifar10-vgg16-aib.ibspec';
    expect(lines.map(name)).toEqual([
      ...modelLines(vgg, 'VGG-16-bn + IB attention', 'VGG-16-aib training batch 32'),
      ...FASHION.flatMap((spec) => modelLines(spec, spec.slice('specs/'.length, -'.ibspec'.length))),
    ]);
    const vggLines = lines.slice(0, 10);
    // PyTorch's best here is bf16-channels-last (120 img/s).
    expect(vggLines[5]).toEqual({ comparison: 'ibc / pytorch best, VGG-16-bn + IB attention', batch: 32, ibc_precision: 'fp32', ibc_img_per_s: 100, pytorch_config: 'bf16-channels-last', pytorch_img_per_s: 120, ratio: 0.833 });
    expect(vggLines[6]).toEqual({ comparison: 'ibc / pytorch best, VGG-16-bn + IB attention', batch: 32, ibc_precision: 'bf16', ibc_img_per_s: 130, pytorch_config: 'bf16-channels-last', pytorch_img_per_s: 120, ratio: 1.083 });
    expect(vggLines[8]).toEqual({ comparison: 'peak resident memory, VGG-16-aib training batch 32', ibc_precision: 'fp32', pytorch_config: 'fp32', ibc_mb: 900, pytorch_mb: 1200, ratio: 0.75 });
    expect(vggLines[9]).toEqual({ comparison: 'peak resident memory, VGG-16-aib training batch 32', ibc_precision: 'bf16', pytorch_config: 'bf16-channels-last', ibc_mb: 700, pytorch_mb: 800, ratio: 0.875 });
    expect(said[0]).toBe("ibc / PyTorch's best (bf16-channels-last), VGG-16-bn + IB attention: fp32 0.833, bf16 1.083\n");
  });

  it('picks the fastest PyTorch configuration per model', () => {
    const { output, lines } = capture();
    const measurer = fakeMeasurer({
      pytorchSteps: (c, batch, config) => ({ ok: true, value: { spec: c.spec, backend: 'pytorch', config, batch, img_per_s: config === 'fp32' ? 90 : 60 } }),
    });
    runStepsSuite(defaultSuite({}).slice(1, 2), measurer, output);
    expect(lines.filter((l) => String(l['comparison']).startsWith('ibc / pytorch best')).map((l) => [l['pytorch_config'], l['ratio']])).toEqual([['fp32', 1.111], ['fp32', 1.444]]);
  });

  it('times VGG at batch 32 for 5 steps and the Fashion-MNIST specs at their own batch for 50; --batch moves VGG only', () => {
    const cases = defaultSuite({});
    expect(cases.map((c) => [c.spec, c.batch, c.steps, c.warmup])).toEqual([
      ['specs/cifar10-vgg16-aib.ibspec', 32, 5, 2],
      ...FASHION.map((spec) => [spec, undefined, 50, 5]),
    ]);
    for (const c of cases) {
      expect(existsSync(join(ROOT, c.spec)), c.spec).toBe(true);
      expect(existsSync(join(ROOT, c.peer.script)), c.peer.script).toBe(true);
    }
    const moved = defaultSuite({ batch: 8, steps: 3, warmup: 1 });
    expect(moved.map((c) => [c.batch, c.steps, c.warmup])).toEqual([[8, 3, 1], ...FASHION.map(() => [undefined, 3, 1])]);
    expect(moved[0]?.memory?.label).toBe('VGG-16-aib training batch 8');
  });

  it('asks the PyTorch peer for the batch ibc measured, in each configuration', () => {
    const asked: string[] = [];
    const { output } = capture();
    const measurer = fakeMeasurer();
    runStepsSuite(defaultSuite({}), { ...measurer, pytorchSteps: (c, batch, config) => (asked.push(`${batch} ${config}`), measurer.pytorchSteps(c, batch, config)) }, output);
    expect(asked).toEqual([32, 64, 64, 64].flatMap((b) => [`${b} fp32`, `${b} fp32-channels-last`, `${b} bf16-channels-last`]));
  });

  it('without bf16 kernels: ibc in fp32 only, and one note', () => {
    const { output, lines, notes } = capture();
    expect(runStepsSuite(defaultSuite({}), fakeMeasurer({ bf16Problem: 'this CPU has neither AVX512_BF16 nor AMX' }), output)).toBe(0);
    expect(lines.filter((l) => l['backend'] === 'ibc-native').map((l) => l['precision'])).toEqual(['fp32', 'fp32', 'fp32', 'fp32']);
    expect(lines.filter((l) => l['comparison'] !== undefined).map((l) => l['ibc_precision'])).toEqual(['fp32', 'fp32', 'fp32', 'fp32', 'fp32']);
    expect(notes).toEqual(['ibc bf16 not measured: this CPU has neither AVX512_BF16 nor AMX\n']);
  });

  it('without torch: the ibc lines and one note that the comparison was skipped', () => {
    const { output, lines, notes } = capture();
    const status = runStepsSuite(defaultSuite({}), fakeMeasurer({ pytorchProblem: '/usr/bin/python3 cannot import torch' }), output);
    expect(status).toBe(0);
    expect(lines.map((l) => l['spec'])).toEqual(['specs/cifar10-vgg16-aib.ibspec', ...FASHION].flatMap((spec) => [spec, spec]));
    expect(lines.every((l) => l['backend'] === 'ibc-native')).toBe(true);
    expect(notes).toEqual(['PyTorch side-by-side skipped: /usr/bin/python3 cannot import torch\n']);
  });

  it('a failed PyTorch configuration is noted and the others compared; a line without peak_rss_mb gets no memory line', () => {
    const { output, lines, notes } = capture();
    const measurer = fakeMeasurer();
    const status = runStepsSuite(defaultSuite({}).slice(0, 1), {
      ...measurer,
      pytorchSteps: (c, batch, config): Measured<MeasurementLine> =>
        config === 'fp32' ? { ok: true, value: { spec: c.spec, backend: 'pytorch', config, batch, img_per_s: 50 } } : { ok: false, status: 1, message: 'Traceback: boom' },
    }, output);
    expect(status).toBe(0);
    expect(lines.map((l) => l['comparison'] ?? `${String(l['backend'])} ${String(l['precision'] ?? l['config'])}`)).toEqual([
      'ibc-native fp32', 'ibc-native bf16', 'pytorch fp32', 'ibc / pytorch best, VGG-16-bn + IB attention', 'ibc / pytorch best, VGG-16-bn + IB attention',
    ]);
    expect(notes).toEqual([
      'VGG-16-bn + IB attention: PyTorch benchmark (fp32-channels-last) failed (exit 1): Traceback: boom\n',
      'VGG-16-bn + IB attention: PyTorch benchmark (bf16-channels-last) failed (exit 1): Traceback: boom\n',
      'peak memory comparison (fp32) skipped: a side did not report peak_rss_mb\n',
      'peak memory comparison (bf16) skipped: a side did not report peak_rss_mb\n',
    ]);
  });

  it('a failed ibc measurement stops the suite with its exit status', () => {
    const { output, lines, notes } = capture();
    const measurer = fakeMeasurer({ ibcSteps: (c, precision) => (c.spec.includes('aib-qt') && precision === 'bf16' ? { ok: false, status: 2, message: 'ibc bench: bad' } : fakeMeasurer().ibcSteps(c, precision)) });
    expect(runStepsSuite(defaultSuite({}), measurer, output)).toBe(2);
    expect(lines.at(-1)?.['precision']).toBe('fp32');
    expect(notes).toEqual(['specs/fashion-small-aib-qt.ibspec: ibc bench (bf16) failed (exit 2): ibc bench: bad\n']);
  });
});

describe('ibc bench --suite e2e: one line per Fashion-MNIST spec', () => {
  it('both wall times and their ratio, both training loops and theirs, the whole job against the loop, the test top-1 figures, ibc\'s phases', () => {
    const { output, lines, notes } = capture();
    const limits: (number | undefined)[] = [];
    const configs: string[] = [];
    const measurer = fakeMeasurer();
    const status = runE2eSuite(e2eSuite(), 640, {
      ...measurer,
      ibcTrain: (c: E2eCase, limit) => (limits.push(limit), measurer.ibcTrain(c, limit)),
      pytorchTrain: (c, limit, config) => (configs.push(config), measurer.pytorchTrain(c, limit, config)),
    }, output, 'fp32-channels-last');
    expect(status).toBe(0);
    expect(notes).toEqual([]);
    expect(limits).toEqual([640, 640, 640]);
    expect(configs).toEqual(['fp32-channels-last', 'fp32-channels-last', 'fp32-channels-last']);
    expect(e2eSuite().map((c) => c.variant)).toEqual(['baseline', 'aib', 'aib-qt']);
    expect(lines).toEqual(FASHION.map((spec) => ({
      spec, limit_train: 640, ibc_backend: 'ibc-native', pytorch_config: 'fp32-channels-last', ibc_wall_s: 30, pytorch_wall_s: 45, ratio: 1.5,
      ibc_train_s: 20, pytorch_train_s: 36, train_ratio: 1.8, whole_over_train: 0.833, ibc_test_top1: 0.87, pytorch_test_top1: 0.86,
      ibc_phases_s: { startup: 2, training: 20, evaluation: 6 },
    })));
  });

  it('without torch: ibc fields only, and one note', () => {
    const { output, lines, notes } = capture();
    expect(runE2eSuite(e2eSuite(), undefined, fakeMeasurer({ pytorchProblem: 'no torch' }), output)).toBe(0);
    expect(lines).toEqual(FASHION.map((spec) => ({ spec, ibc_backend: 'ibc-native', ibc_wall_s: 30, ibc_train_s: 20, ibc_test_top1: 0.87, ibc_phases_s: { startup: 2, training: 20, evaluation: 6 } })));
    expect(notes).toEqual(['PyTorch side-by-side skipped: no torch\n']);
  });
});

describe("ibc bench --suite default, last: the step log's cost", () => {
  it('trains one spec with the log at each epoch end only, at its default and every step, alternated, and prints the medians and their ratios', () => {
    const { output, lines, notes, said } = capture();
    const asked: string[][] = [];
    // Training seconds by log_every, one value per repeat (the medians are 10, 10.2 and 12).
    const seconds: Record<string, number[]> = { '1000000000': [10, 9, 11], '50': [10.2, 10.4, 10], '1': [12, 13, 11.5] };
    const measurer = fakeMeasurer({
      ibcTrain: (c: E2eCase, limit): Measured<TrainJob> => {
        asked.push([c.spec, String(limit), ...(c.args ?? [])]);
        const every = (c.args ?? [])[0]!.replace('train.log_every=', '');
        return { ok: true, value: { wallSeconds: 30, testTop1: 0.8, trainSeconds: seconds[every]!.shift()! } };
      },
    });
    expect(runStepLogCost(stepLogCase(), measurer, output)).toBe(0);
    expect(notes).toEqual([]);
    const tail = ['--epochs', '1', '--limit-test', '256'];
    const round = (every: number) => ['specs/fashion-small-aib.ibspec', '12800', `train.log_every=${every}`, ...tail];
    expect(asked).toEqual([1, 2, 3].flatMap(() => [round(1_000_000_000), round(50), round(1)]));
    expect(lines).toEqual([{
      comparison: 'step log cost, fashion-small-aib', limit_train: 12800, repeats: 3,
      log_every: { epoch_end_only: 1_000_000_000, default: 50, every_step: 1 },
      train_s_median: { epoch_end_only: 10, default: 10.2, every_step: 12 },
      ratio_default: 1.02, ratio_every_step: 1.2,
    }]);
    expect(said.at(-1)).toBe("step log cost, fashion-small-aib (training-loop seconds, median of 3, over a line only at the epoch's end): log_every=50 (the default) 1.02, log_every=1 1.2\n");
  });

  it('a failed run stops it with its exit status; a summary without the training phase is said, not guessed', () => {
    const failed = capture();
    expect(runStepLogCost(stepLogCase(), fakeMeasurer({ ibcTrain: () => ({ ok: false, status: 3, message: 'bad' }) }), failed.output)).toBe(3);
    expect(failed.notes).toEqual(['specs/fashion-small-aib.ibspec: ibc train (log_every=1000000000) failed (exit 3): bad\n']);
    expect(failed.lines).toEqual([]);
    const untimed = capture();
    expect(runStepLogCost(stepLogCase(), fakeMeasurer({ ibcTrain: () => ({ ok: true, value: { wallSeconds: 3, testTop1: 0.5 } }) }), untimed.output)).toBe(1);
    expect(untimed.notes[0]).toMatch(/no training phase/);
  });
});

describe('the PyTorch twins (bench/*.py)', () => {
  // The twins need torch, an optional benchmark peer, so the suite does not run them; it checks that they parse.
  const python = '/usr/bin/python3';
  const available = existsSync(python) || process.env['CI'] === 'true';
  if (!available) console.log(`skipping the Python syntax check of bench/*.py: ${python} does not exist`);

  it.runIf(available).each(['bench/pytorch_fashion_small.py', 'bench/pytorch_vgg_aib.py', 'bench/torch_peer.py'])('%s compiles with python3 -m py_compile', (script) => {
    const cache = mkdtempSync(join(tmpdir(), 'ibc-pycache-'));
    try {
      // PYTHONPYCACHEPREFIX keeps the .pyc out of bench/.
      const run = spawnSync(python, ['-m', 'py_compile', join(ROOT, script)], { encoding: 'utf8', env: { ...process.env, PYTHONPYCACHEPREFIX: cache } });
      expect(run.status, run.stderr).toBe(0);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
