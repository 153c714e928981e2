/** Figures rendered several at a time: results in the figures' order whatever order they finish in, a bounded number in flight, failures kept in place. */
import { describe, expect, it } from 'vitest';
import { renderAhead, renderSlots } from '../../../../src/runtime/figures/images/render-ahead.js';

/** A render whose figures finish when the test says so, recording what is in flight. */
function controlledRender(): { render: (svg: string) => Promise<Uint8Array>; started: string[]; inFlight: () => number; most: () => number; finish: (svg: string, fail?: boolean) => void } {
  const pending = new Map<string, { resolve: (png: Uint8Array) => void; reject: (error: Error) => void }>();
  const started: string[] = [];
  let most = 0;
  return {
    render: (svg) =>
      new Promise<Uint8Array>((resolve, reject) => {
        started.push(svg);
        pending.set(svg, { resolve, reject });
        most = Math.max(most, pending.size);
      }),
    started,
    inFlight: () => pending.size,
    most: () => most,
    finish: (svg, fail = false) => {
      const p = pending.get(svg);
      if (!p) throw new Error(`${svg} is not in flight`);
      pending.delete(svg);
      if (fail) p.reject(new Error(`${svg} failed`));
      else p.resolve(new TextEncoder().encode(`png of ${svg}`));
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('renderAhead', () => {
  it('keeps each figure in its place when they finish out of order, with at most `slots` in flight', async () => {
    const r = controlledRender();
    const asked: number[] = [];
    const done = renderAhead(5, (i) => (asked.push(i), `f${i}`), r.render, 2);
    await settle();
    // Two started, the SVGs of the others not made yet.
    expect(r.started).toEqual(['f0', 'f1']);
    expect(asked).toEqual([0, 1]);
    r.finish('f1');
    await settle();
    expect(r.started).toEqual(['f0', 'f1', 'f2']);
    for (const svg of ['f2', 'f0']) {
      r.finish(svg);
      await settle();
    }
    r.finish('f4');
    await settle();
    r.finish('f3');
    const results = await done;
    expect(r.most()).toBe(2);
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((x) => ('png' in x ? new TextDecoder().decode(x.png) : 'error'))).toEqual(['png of f0', 'png of f1', 'png of f2', 'png of f3', 'png of f4']);
  });

  it('keeps a failure (of the render or of making the SVG) as that figure\'s result and renders the rest', async () => {
    const r = controlledRender();
    const done = renderAhead(
      4,
      (i) => {
        if (i === 2) throw new Error('no SVG for f2');
        return `f${i}`;
      },
      r.render,
      3,
    );
    await settle();
    r.finish('f1', true);
    await settle();
    for (const svg of ['f0', 'f3']) r.finish(svg);
    const results = await done;
    expect(results.map((x) => ('png' in x ? 'png' : (x.error as Error).message))).toEqual(['png', 'f1 failed', 'no SVG for f2', 'png']);
    expect(r.inFlight()).toBe(0);
  });

  it('starts the figures in the order asked (the largest first) and still returns them in their places', async () => {
    const started: string[] = [];
    const results = await renderAhead(4, (i) => `f${i}`, async (svg) => (started.push(svg), new TextEncoder().encode(svg)), 1, [3, 0, 1, 2]);
    expect(started).toEqual(['f3', 'f0', 'f1', 'f2']);
    expect(results.map((x) => ('png' in x ? new TextDecoder().decode(x.png) : 'error'))).toEqual(['f0', 'f1', 'f2', 'f3']);
    await expect(renderAhead(3, () => 'x', async () => new Uint8Array(), 1, [0, 0, 2])).rejects.toThrow('not a permutation');
  });

  it('renders nothing for no figures, and one figure at a time with one slot', async () => {
    expect(await renderAhead(0, () => 'x', () => Promise.reject(new Error('not called')), 3)).toEqual([]);
    const order: string[] = [];
    const results = await renderAhead(3, (i) => `f${i}`, async (svg) => (order.push(svg), new Uint8Array([svg.length])), 1);
    expect(order).toEqual(['f0', 'f1', 'f2']);
    expect(results).toHaveLength(3);
    expect(renderSlots()).toBeGreaterThanOrEqual(1);
    expect(renderSlots()).toBeLessThanOrEqual(3);
  });
});
