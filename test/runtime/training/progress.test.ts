import { describe, expect, it } from 'vitest';
import { ProgressReporter, formatDuration, type ProgressUpdate } from '../../../src/runtime/training/progress.js';

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

  it('counts evaluation in the ETA, and shows evaluation batch by batch', () => {
    const out: string[] = [];
    let t = 0;
    const p = new ProgressReporter({ write: (s) => out.push(s), isTTY: true, minIntervalMs: 0, now: () => t, columns: 200 });
    // 2 epochs of 4 steps (1 s each) and 2 evaluation batches (3 s each).
    const step = (epoch: number, batch: number) => p.update({ epoch, epochs: 2, batch, batches: 4, loss: 1, accuracy: 0.5, imagesPerSecond: 10, evalBatches: 2 });
    for (let b = 1; b <= 4; b++) {
      t += 1000;
      step(1, b);
    }
    // Left after epoch 1's training: epoch 2's 4 steps; evaluation not yet timed counts as a step each: 2 + 2.
    expect(out[out.length - 1]).toContain('ETA 8s');
    t += 3000;
    p.evaluation({ epoch: 1, epochs: 2, split: 'validation', batch: 1, batches: 1, left: 1 });
    expect(out[out.length - 1]).toContain('epoch 1/2  validation 1/1');
    // Now an evaluation batch is timed at 3 s: 1 left this epoch + 4 steps + 2 evaluation batches = 3 + 4 + 6.
    expect(out[out.length - 1]).toContain('ETA 13s');
    t += 3000;
    p.evaluation({ epoch: 1, epochs: 2, split: 'test', batch: 1, batches: 1, left: 0 });
    expect(out[out.length - 1]).toContain('ETA 10s');
  });

  it('fits the width it is given at each draw, dropping the least important parts first', () => {
    const out: string[] = [];
    let columns = 100;
    const p = new ProgressReporter({ write: (s) => out.push(s), isTTY: true, minIntervalMs: 0, columns: () => columns });
    const u = { epoch: 1, epochs: 3, batch: 5, batches: 10, loss: 0.5, accuracy: 0.25, imagesPerSecond: 321, evalBatches: 0 };
    const shown = () => out[out.length - 1]!.replace(/^\r/, '').replace(/\x1b\[K$/, '');
    for (const width of [100, 80, 60, 40, 20]) {
      columns = width;
      p.update(u);
      expect(shown().length, shown()).toBeLessThan(width);
      expect(shown(), String(width)).toContain('epoch 1/3');
    }
    columns = 100;
    p.update(u);
    expect(shown()).toMatch(/^\[##########\.{10}\] epoch 1\/3 {2}step {2}5\/10 {2}loss 0\.5000 bits {2}acc 25\.0% {2}321 img\/s {2}ETA/);
    columns = 50;
    p.redraw(); // a resize: the same line at the new width
    expect(shown().length).toBeLessThan(50);
    expect(shown()).toContain('step  5/10');
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('?');
  });

  it('shows decoding with its rate and ETA: plain lines at the start, every 10 s and at the end; one line on a TTY', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new ProgressReporter({ write: (s) => lines.push(s), isTTY: false, now: () => t });
    for (let done = 0; done <= 800; done += 40) {
      t = done * 50; // 20 images per second
      p.data({ what: 'decoding training images', unit: 'images', done, total: 800, seconds: t / 1000 });
    }
    expect(lines[0]).toBe('decoding training images  0/800  ? img/s  ETA ?\n');
    expect(lines[1]).toBe('decoding training images  200/800  20 img/s  ETA 30s\n');
    expect(lines[lines.length - 1]).toBe('decoding training images  800/800  20 img/s  ETA 0s\n');
    expect(lines).toHaveLength(5); // 0, 10 s, 20 s, 30 s and the end at 40 s
    const out: string[] = [];
    const tty = new ProgressReporter({ write: (s) => out.push(s), isTTY: true, columns: 120, minIntervalMs: 0, now: () => 0 });
    tty.data({ what: 'reading cached training images', unit: 'bytes', done: 1 << 20, total: 4 << 20, seconds: 0.5 });
    tty.data({ what: 'reading cached training images', unit: 'bytes', done: 4 << 20, total: 4 << 20, seconds: 2 });
    expect(out.join('')).toContain('reading cached training images  1.0 MB/4.0 MB  2.0 MB/s  ETA 2s');
    expect(out.join('').endsWith('ETA 0s\x1b[K\n')).toBe(true);
  });
});
