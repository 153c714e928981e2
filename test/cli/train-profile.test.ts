/** `ibc train --profile`: the table of where the wall time went, from summary.json's `phases`. */
import { describe, expect, it } from 'vitest';
import { formatPhases } from '../../src/cli/commands/train.js';

describe('formatPhases', () => {
  it("lists the top-level phases with their share of the wall time, batches and steps indented under training, and the rest as 'other'", () => {
    const text = formatPhases({ startup: 1, data: 2, batches: 0.5, steps: 3, training: 4, evaluation: 1, checkpoints: 0.5, figures: 0.5 }, 10);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toContain('10.00 s from process start');
    const rows = lines.slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r[0])).toEqual(['startup', 'data', 'training', 'batches', 'steps', 'evaluation', 'checkpoints', 'figures', 'other']);
    expect(rows.find((r) => r[0] === 'training')).toEqual(['training', '4.00', 's', '40.0%']);
    expect(rows.find((r) => r[0] === 'steps')).toEqual(['steps', '3.00', 's', '30.0%']);
    // other = wall time less the top-level phases (batches and steps are inside training).
    expect(rows.at(-1)).toEqual(['other', '1.00', 's', '10.0%']);
  });
});
