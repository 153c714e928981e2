import { describe, expect, it } from 'vitest';
import { ProgressReporter, formatDuration, type ProgressUpdate } from '../../src/runtime/progress.js';

function steps(epochs: number, batches: number): ProgressUpdate[] {
  const out: ProgressUpdate[] = [];
  for (let e = 1; e <= epochs; e++) {
    for (let b = 1; b <= batches; b++) out.push({ epoch: e, epochs, batch: b, batches, loss: 1 / b, accuracy: b / batches, imagesPerSecond: 250 });
  }
  return out;
}

describe('progress reporter', () => {
  it('writes plain lines every N steps and at epoch end when not a TTY', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new ProgressReporter({ write: (s) => lines.push(s), isTTY: false, every: 4, now: () => (t += 1000) });
    for (const u of steps(2, 10)) p.update(u);
    p.finish();
    expect(lines.length).toBe(6); // steps 4, 8, 10 in each epoch
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
    expect(lines[0]).toBe('epoch 1/2  step  4/10  loss 0.2500 bits  acc 40.0%  250 img/s  ETA 16s\n');
    expect(lines[5]).toContain('epoch 2/2  step 10/10');
    expect(lines[5]).toContain('ETA 0s');
  });

  it('rewrites one line on a TTY, throttled, with a newline per epoch', () => {
    const out: string[] = [];
    let t = 0;
    const p = new ProgressReporter({ write: (s) => out.push(s), isTTY: true, minIntervalMs: 2500, now: () => (t += 1000) });
    for (const u of steps(2, 5)) p.update(u);
    p.message('epoch summary');
    const text = out.join('');
    expect(text.split('\n').length - 1).toBe(3);
    expect(out.filter((s) => s.startsWith('\r')).length).toBeLessThan(10);
    expect(text).toContain('[####################] epoch 1/2  step 5/5');
    expect(text.endsWith('epoch summary\n')).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('?');
  });
});
