/**
 * Renders a call's figures several at a time: resvg parses and rasterises on
 * libuv's thread pool (figure.ts svgToPngAsync), so on a machine with more
 * than one core the figures render side by side, and the main thread is free
 * for other work meanwhile (a run's curves). Each result keeps its figure's
 * place, whatever order they finish in, so the files are written in the same
 * order as one at a time; a figure whose rendering failed keeps its error in
 * its place, to be reported when its file is written, as one at a time does.
 */
import { availableParallelism } from 'node:os';

/** A figure's PNG bytes, or what rendering it threw. */
export type Rendered = { readonly png: Uint8Array } | { readonly error: unknown };

/**
 * How many figures render at once: one per core, and at most 3, so that one
 * of libuv's 4 pool threads stays free for the file reads of work that runs
 * meanwhile (the dynamic import of the chart libraries).
 */
export function renderSlots(): number {
  return Math.max(1, Math.min(3, availableParallelism()));
}

/**
 * Renders figure 0 .. count-1 with at most `slots` in flight, starting them
 * in `order` (default 0 .. count-1; a caller starts its largest figure first,
 * so that no core idles while it finishes alone); `svgOf(i)` is asked for
 * each SVG just before its figure starts (the main thread builds the next
 * while the pool renders). Never rejects: a failure (of `svgOf` or of
 * `render`) is kept as figure i's result.
 */
export async function renderAhead(
  count: number,
  svgOf: (index: number) => string,
  render: (svg: string) => Promise<Uint8Array>,
  slots: number = renderSlots(),
  order: readonly number[] = Array.from({ length: count }, (_, i) => i),
): Promise<Rendered[]> {
  if (order.length !== count || new Set(order).size !== count || order.some((i) => !(i >= 0 && i < count))) throw new Error(`renderAhead: the order is not a permutation of 0..${count - 1}`);
  const results: Rendered[] = new Array<Rendered>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = order[next++]!;
      try {
        results[index] = { png: await render(svgOf(index)) };
      } catch (error) {
        results[index] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(slots, count)) }, lane));
  return results;
}
