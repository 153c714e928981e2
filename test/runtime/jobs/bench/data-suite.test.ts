/** `ibc bench --suite data`: the lines it prints from its measurements (faked here; speed is measured by the bench, never by tests). */
import { describe, expect, it } from 'vitest';
import { runDataSuite, smallCnnSpec, type DataSuiteMeasurer, type EpochJob } from '../../../../src/runtime/jobs/bench/data-suite.js';
import type { Measured, MeasurementLine } from '../../../../src/runtime/jobs/bench/suites.js';
import { compileBriefs } from '../../../fixtures/spec-text.js';

function fake(overrides: Partial<DataSuiteMeasurer> = {}): { measurer: DataSuiteMeasurer; calls: string[] } {
  const calls: string[] = [];
  const ok = <T>(value: T): Measured<T> => ({ ok: true, value });
  const walls = [40, 12];
  const measurer: DataSuiteMeasurer = {
    pytorchProblem: undefined,
    ibcPipeline: (folder) => (calls.push(`ibc pipeline ${folder}`), ok({ side: 'ibc', decode_img_per_s: 120, epoch_img_per_s: [900, 1100] })),
    pytorchPipeline: (folder) => (calls.push(`pytorch pipeline ${folder}`), ok({ side: 'pytorch', epoch_img_per_s: [290, 310] })),
    ibcEpoch: (root) => (calls.push(`ibc epoch ${root}`), ok<EpochJob>({ wallSeconds: walls.shift() ?? 0, testTop1: 0.5 })),
    pytorchEpoch: (root) => (calls.push(`pytorch epoch ${root}`), ok<EpochJob>({ wallSeconds: 30, testTop1: 0.4 })),
    ...overrides,
  };
  return { measurer, calls };
}

function output(): { lines: MeasurementLine[]; notes: string[]; out: Parameters<typeof runDataSuite>[2] } {
  const lines: MeasurementLine[] = [];
  const notes: string[] = [];
  return { lines, notes, out: { line: (l) => lines.push(l), note: (t) => notes.push(t), say: () => {} } };
}

describe('ibc bench --suite data', () => {
  it('prints both pipelines, their ratio (steady epochs and the first pass), then the whole jobs with an empty and a warm cache', () => {
    const { measurer, calls } = fake();
    const { lines, out } = output();
    expect(runDataSuite('/photos', measurer, out)).toBe(0);
    expect(calls).toEqual(['ibc pipeline /photos/train', 'pytorch pipeline /photos/train', 'ibc epoch /photos', 'ibc epoch /photos', 'pytorch epoch /photos']);
    expect(lines[2]).toEqual({
      comparison: 'data pipeline images/s, ibc / pytorch DataLoader',
      ibc_epoch_img_per_s: 1000,
      pytorch_epoch_img_per_s: 300,
      ratio: 3.333,
      ibc_first_pass_img_per_s: 120,
      first_pass_ratio: 0.4,
    });
    expect(lines[3]).toEqual({
      comparison: 'one epoch of a small CNN and its evaluation, whole job',
      ibc_cold_cache_wall_s: 40,
      ibc_warm_cache_wall_s: 12,
      pytorch_wall_s: 30,
      ratio_cold: 0.75,
      ratio_warm: 2.5,
      ibc_test_top1: 0.5,
      pytorch_test_top1: 0.4,
    });
  });

  it('without torch: ibc lines only, and a note saying why', () => {
    const { measurer, calls } = fake({ pytorchProblem: '/usr/bin/python3 cannot import torch' });
    const { lines, notes, out } = output();
    expect(runDataSuite('/photos', measurer, out)).toBe(0);
    expect(calls.some((c) => c.startsWith('pytorch'))).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[1]).not.toHaveProperty('pytorch_wall_s');
    expect(notes).toEqual(['PyTorch side-by-side skipped: /usr/bin/python3 cannot import torch\n']);
  });

  it('a failed ibc measurement stops the suite with its status', () => {
    const { measurer } = fake({ ibcPipeline: () => ({ ok: false, status: 3, message: 'boom' }) });
    const { lines, notes, out } = output();
    expect(runDataSuite('/photos', measurer, out)).toBe(3);
    expect(lines).toEqual([]);
    expect(notes[0]).toContain('boom');
  });

  it("writes a small CNN spec that checks clean, the twin of the PyTorch peer's", () => {
    // Its data folders do not exist here: only that warning (IB3327), twice.
    expect(compileBriefs(smallCnnSpec('/photos', 10, 16)).filter((b) => !b.startsWith('IB3327'))).toEqual([]);
  });
});
