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
  runStepsSuite,
  type E2eCase,
  type Measured,
  type MeasurementLine,
  type StepsCase,
  type SuiteMeasurer,
  type SuiteOutput,
  type TrainJob,
} from '../../../../src/runtime/jobs/bench/suites.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Fake measurements: ibc at 100 img/s and 900 MB for every model, PyTorch at 80 img/s and 1200 MB. */
function fakeMeasurer(overrides: Partial<SuiteMeasurer> = {}): SuiteMeasurer {
  const line = (c: StepsCase, backend: string, rate: number, mb: number, batch: number): Measured<MeasurementLine> => ({
    ok: true,
    value: { spec: c.spec, backend, batch, img_per_s: rate, peak_rss_mb: mb },
  });
  return {
    pytorchProblem: undefined,
    ibcSteps: (c) => line(c, 'ibc-native', 100, 900, c.batch ?? 64),
    pytorchSteps: (c, batch) => line(c, 'pytorch', 80, 1200, batch),
    ibcTrain: (): Measured<TrainJob> => ({ ok: true, value: { wallSeconds: 30, testTop1: 0.87, backend: 'ibc-native' } }),
    pytorchTrain: (): Measured<TrainJob> => ({ ok: true, value: { wallSeconds: 45, testTop1: 0.86 } }),
    ...overrides,
  };
}

function capture(): { output: SuiteOutput; lines: MeasurementLine[]; notes: string[]; said: string[] } {
  const lines: MeasurementLine[] = [], notes: string[] = [], said: string[] = [];
  return { output: { line: (r) => lines.push(r), note: (t) => notes.push(t), say: (t) => said.push(t) }, lines, notes, said };
}

const FASHION = ['specs/fashion-small-baseline.ibspec', 'specs/fashion-small-aib.ibspec', 'specs/fashion-small-aib-qt.ibspec'];

describe('ibc bench --suite default: the lines it prints', () => {
  it('VGG: ibc, PyTorch, speed ratio, memory; then ibc, PyTorch and ratio per Fashion-MNIST spec', () => {
    const { output, lines, notes } = capture();
    expect(runStepsSuite(defaultSuite({}), fakeMeasurer(), output)).toBe(0);
    expect(notes).toEqual([]);
    const vgg = 'specs/cifar10-vgg16-aib.ibspec';
    expect(lines.map((l) => String(l['comparison'] ?? `${String(l['spec'])} ${String(l['backend'])}`))).toEqual([
      `${vgg} ibc-native`,
      `${vgg} pytorch`,
      'ibc / pytorch, VGG-16-bn + IB attention',
      'peak resident memory, VGG-16-aib training batch 32',
      ...FASHION.flatMap((spec) => [`${spec} ibc-native`, `${spec} pytorch`, `ibc / pytorch, ${spec.slice('specs/'.length, -'.ibspec'.length)}`]),
    ]);
    expect(lines[2]).toEqual({ comparison: 'ibc / pytorch, VGG-16-bn + IB attention', batch: 32, ibc_img_per_s: 100, pytorch_img_per_s: 80, ratio: 1.25 });
    expect(lines[3]).toEqual({ comparison: 'peak resident memory, VGG-16-aib training batch 32', ibc_mb: 900, pytorch_mb: 1200, ratio: 0.75 });
    expect(lines[6]).toEqual({ comparison: 'ibc / pytorch, fashion-small-baseline', batch: 64, ibc_img_per_s: 100, pytorch_img_per_s: 80, ratio: 1.25 });
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
    expect(moved[0]!.memory?.label).toBe('VGG-16-aib training batch 8');
  });

  it('asks the PyTorch peer for the batch ibc measured', () => {
    const asked: number[] = [];
    const { output } = capture();
    const measurer = fakeMeasurer();
    runStepsSuite(defaultSuite({}), { ...measurer, pytorchSteps: (c, batch) => (asked.push(batch), measurer.pytorchSteps(c, batch)) }, output);
    expect(asked).toEqual([32, 64, 64, 64]);
  });

  it('without torch: the four ibc lines and one note that the comparison was skipped', () => {
    const { output, lines, notes } = capture();
    const status = runStepsSuite(defaultSuite({}), fakeMeasurer({ pytorchProblem: '/usr/bin/python3 cannot import torch' }), output);
    expect(status).toBe(0);
    expect(lines.map((l) => l['spec'])).toEqual(['specs/cifar10-vgg16-aib.ibspec', ...FASHION]);
    expect(lines.every((l) => l['backend'] === 'ibc-native')).toBe(true);
    expect(notes).toEqual(['PyTorch side-by-side skipped: /usr/bin/python3 cannot import torch\n']);
  });

  it('a failed PyTorch peer is noted and the suite goes on; a line without peak_rss_mb gets no memory line', () => {
    const { output, lines, notes } = capture();
    const measurer = fakeMeasurer();
    const status = runStepsSuite(defaultSuite({}), {
      ...measurer,
      pytorchSteps: (c, batch): Measured<MeasurementLine> =>
        c.spec.includes('vgg') ? { ok: true, value: { spec: c.spec, backend: 'pytorch', batch, img_per_s: 50 } } : { ok: false, status: 1, message: 'Traceback: boom' },
    }, output);
    expect(status).toBe(0);
    expect(lines.map((l) => l['comparison'] ?? l['backend'])).toEqual(['ibc-native', 'pytorch', 'ibc / pytorch, VGG-16-bn + IB attention', 'ibc-native', 'ibc-native', 'ibc-native']);
    expect(notes[0]).toMatch(/peak memory comparison skipped/);
    expect(notes.slice(1)).toEqual(['baseline', 'aib', 'aib-qt'].map((v) => `fashion-small-${v}: PyTorch benchmark failed (exit 1): Traceback: boom\n`));
  });

  it('a failed ibc measurement stops the suite with its exit status', () => {
    const { output, lines, notes } = capture();
    const measurer = fakeMeasurer({ ibcSteps: (c) => (c.spec.includes('aib-qt') ? { ok: false, status: 2, message: 'ibc bench: bad' } : fakeMeasurer().ibcSteps(c)) });
    expect(runStepsSuite(defaultSuite({}), measurer, output)).toBe(2);
    expect(lines.at(-1)?.['comparison']).toBe('ibc / pytorch, fashion-small-aib');
    expect(notes).toEqual(['specs/fashion-small-aib-qt.ibspec: ibc bench failed (exit 2): ibc bench: bad\n']);
  });
});

describe('ibc bench --suite e2e: one line per Fashion-MNIST spec', () => {
  it('both wall times, PyTorch / ibc seconds as the ratio, both test top-1 figures', () => {
    const { output, lines, notes } = capture();
    const limits: (number | undefined)[] = [];
    const measurer = fakeMeasurer();
    const status = runE2eSuite(e2eSuite(), 640, { ...measurer, ibcTrain: (c: E2eCase, limit) => (limits.push(limit), measurer.ibcTrain(c, limit)) }, output);
    expect(status).toBe(0);
    expect(notes).toEqual([]);
    expect(limits).toEqual([640, 640, 640]);
    expect(e2eSuite().map((c) => c.variant)).toEqual(['baseline', 'aib', 'aib-qt']);
    expect(lines).toEqual(FASHION.map((spec) => ({
      spec, limit_train: 640, ibc_backend: 'ibc-native', ibc_wall_s: 30, pytorch_wall_s: 45, ratio: 1.5, ibc_test_top1: 0.87, pytorch_test_top1: 0.86,
    })));
  });

  it('without torch: ibc fields only, and one note', () => {
    const { output, lines, notes } = capture();
    expect(runE2eSuite(e2eSuite(), undefined, fakeMeasurer({ pytorchProblem: 'no torch' }), output)).toBe(0);
    expect(lines).toEqual(FASHION.map((spec) => ({ spec, ibc_backend: 'ibc-native', ibc_wall_s: 30, ibc_test_top1: 0.87 })));
    expect(notes).toEqual(['PyTorch side-by-side skipped: no torch\n']);
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
