/**
 * The index arithmetic of the IR ops that move values by position, defined once:
 * which input cell a nearest resize copies, which input cells an adaptive average
 * pool averages, and which anchor a quantized value takes. The reference
 * interpreter, both engines and the figures compute with these; a target that
 * must emit the computation as graph ops (ONNX, the TF.js GraphModel) bakes the
 * indices these functions give into its constants, so every path agrees on the
 * same cells by construction.
 *
 * All arithmetic is on integers below 2^53 (exact in doubles): no float rounding
 * can move a boundary.
 */

/**
 * PyTorch 'nearest' (and OpenCV INTER_NEAREST): output cell `i` of an axis resized
 * from `inSize` to `outSize` copies input cell floor(i * inSize / outSize), clamped
 * to the last cell.
 */
export function nearestSourceIndices(inSize: number, outSize: number): number[] {
  const indices: number[] = [];
  for (let i = 0; i < outSize; i++) indices.push(Math.min(Math.floor((i * inSize) / outSize), inSize - 1));
  return indices;
}

/**
 * PyTorch's adaptive pooling bins: output cell `i` of an axis pooled from `inSize`
 * to `outSize` cells averages input cells [floor(i * inSize / outSize),
 * ceil((i + 1) * inSize / outSize)). Neighbouring bins may overlap by one cell.
 */
export function adaptiveBins(inSize: number, outSize: number): Array<readonly [start: number, end: number]> {
  const bins: Array<readonly [number, number]> = [];
  for (let i = 0; i < outSize; i++) bins.push([Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
  return bins;
}

/**
 * The index of the anchor nearest to `value` by squared distance; ties go to the
 * lowest index, and a NaN value (no distance is smaller than another) to anchor 0.
 */
export function nearestAnchorIndex(value: number, anchors: ArrayLike<number>): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let k = 0; k < anchors.length; k++) {
    const anchor = anchors[k] ?? NaN;
    const d = (value - anchor) * (value - anchor);
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best;
}
