/**
 * An object box in input pixels: [y0, x0, y1, x1], half-open (rows y0..y1-1,
 * columns x0..x1-1), possibly fractional after a resize. A split stores its
 * boxes as count * 4 values in this order (Split.boxes).
 */
export type ObjectBox = readonly [number, number, number, number];
