/**
 * The figures' text as outlines (figure-text.ts): the PNG rasterised from the outlined SVG is the PNG of the
 * SVG with its text as text within glyph-edge rounding, a text the call never laid out before still renders,
 * and what cannot be outlined is drawn as text.
 */
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { attentionFigure, figureScale, figureSvg, figureTextOutlines, svgToPng, type AttentionItem } from '../../../../src/runtime/figures/images/figure.js';
import { plainText, type FigureText } from '../../../../src/runtime/figures/images/figure-text.js';
import { fashionAttentionItem, patternImage } from '../../../fixtures/attention-items.js';

function item(index: number, predicted: number, label: number): AttentionItem {
  const attention = Float32Array.from({ length: 49 }, (_, i) => 0.8 + ((i * (index + 1)) % 11) / 50);
  return fashionAttentionItem({ index, image: patternImage(index), attention, attentionQuantized: Float32Array.from(attention, (v) => (v > 0.9 ? 1 : 0.8)), predicted, label });
}

/** Width, height, the mean and the largest absolute difference of two PNGs' channel values, and how many differ. */
function compare(a: Uint8Array, b: Uint8Array): { size: [number, number]; sameSize: boolean; mean: number; max: number; differing: number } {
  const pa = PNG.sync.read(Buffer.from(a));
  const pb = PNG.sync.read(Buffer.from(b));
  const sameSize = pa.width === pb.width && pa.height === pb.height;
  let sum = 0;
  let max = 0;
  let differing = 0;
  if (sameSize) {
    for (let i = 0; i < pa.data.length; i++) {
      const d = Math.abs(pa.data[i]! - pb.data[i]!);
      sum += d;
      if (d > max) max = d;
      if (d > 0) differing++;
    }
  }
  return { size: [pa.width, pa.height], sameSize, mean: sameSize ? sum / pa.data.length : Infinity, max, differing };
}

/** Dark pixels (any channel under 128) in a PNG. */
function darkPixels(png: Uint8Array): number {
  const { data } = PNG.sync.read(Buffer.from(png));
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 128 || data[i + 1]! < 128 || data[i + 2]! < 128) dark++;
  return dark;
}

describe('text as outlines', () => {
  // The auto scale draws the rotated, centred "auto scale" label too.
  const items = [item(3, 1, 1), item(8, 0, 1)];
  const info = { title: 'spec-x: end of training, epoch 2', scale: 'auto' as const, anchors: [0.8, 1] };
  const scale = figureScale(items, info.anchors, 'auto');

  it('rasterises to the PNG of the text as text, within glyph-edge rounding, with every shared text drawn as outlines', () => {
    const drawing = attentionFigure(items, info, 2, scale);
    const outlines = figureTextOutlines();
    const outlined = figureSvg(drawing, outlines);
    const plain = figureSvg(drawing);
    // Only the title (drawn once) stays text in the rasterised SVG; the written one keeps every text.
    expect(outlined.match(/<text /g)).toHaveLength(1);
    expect(outlined).toContain('>spec-x: end of training, epoch 2</text>');
    expect(plain).toContain('>auto scale</text>');
    // The written SVG's text as the figures always wrote it: a tick label's y to one decimal, x as printed.
    expect(plain).toMatch(/<text x="\d+" y="\d+\.\d" font-size="12">\d\.\d\d<\/text>/);
    expect(plain.match(/<text /g)!.length).toBe(drawing.parts.filter((p) => typeof p !== 'string').length);
    expect(outlines.size).toBeGreaterThan(10);
    const diff = compare(svgToPng(outlined), svgToPng(plain));
    expect(diff.sameSize).toBe(true);
    // usvg prints outline coordinates to about 7 digits: some glyph-edge pixels differ by a few levels, nothing else.
    expect(diff.mean).toBeLessThan(0.005);
    expect(diff.differing).toBeLessThan(0.0005 * diff.size[0] * diff.size[1] * 4);
    expect(diff.max).toBeLessThan(96);
  });

  it('lays out a text the call has not drawn before where it is first drawn, and reuses what it has', () => {
    const outlines = figureTextOutlines();
    const first = attentionFigure([item(3, 1, 1)], info, 1, scale);
    figureSvg(first, outlines);
    const known = outlines.size;
    // The same figure again adds nothing; a figure with new class names and a new index adds exactly its new texts.
    figureSvg(first, outlines);
    expect(outlines.size).toBe(known);
    const fresh = attentionFigure([item(41, 7, 9)], info, 1, scale);
    const outlined = figureSvg(fresh, outlines);
    expect(outlines.size).toBe(known + 3);
    expect(outlined.match(/<text /g)).toHaveLength(1);
    const diff = compare(svgToPng(outlined), svgToPng(figureSvg(fresh)));
    expect(diff.sameSize).toBe(true);
    expect(diff.mean).toBeLessThan(0.005);
  });

  it('keys a text by what shapes and colours it, and draws as text what resvg gives no outline for', () => {
    const outlines = figureTextOutlines();
    const red: FigureText = { x: 10, y: 20, size: 12, fill: '#c62828', content: 'Bag (8)' };
    const grey: FigureText = { ...red, fill: '#666666', x: 40 };
    const blank: FigureText = { x: 5, y: 5, size: 12, content: '   ' };
    outlines.prepare([red, grey, blank, { ...red, y: 90 }]);
    expect(outlines.size).toBe(3);
    expect(outlines.markup(red)).toMatch(/^<g transform="translate\(10 20\)">[\s\S]*fill="#c62828"/);
    expect(outlines.markup(grey)).toMatch(/^<g transform="translate\(40 20\)">[\s\S]*fill="#666666"/);
    expect(outlines.markup(blank)).toBe(plainText(blank));
    // Never prepared: drawn as text, not dropped.
    const unseen: FigureText = { x: 1, y: 2, size: 13, content: 'unseen' };
    expect(outlines.markup(unseen)).toBe('<text x="1" y="2" font-size="13">unseen</text>');
  });

  it('draws a rotated, centred text, a right-aligned one and one with XML\'s special characters where their text elements are', () => {
    const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="100" font-family="DejaVu Sans" fill="#222222">${body}</svg>`;
    const texts: FigureText[] = [
      { x: 60, y: 50, size: 12, bold: true, anchor: 'middle', rotate: 90, content: 'auto scale' },
      { x: 230, y: 30, size: 13, anchor: 'end', content: 'right' },
      { x: 80, y: 80, size: 12, fill: '#1a7f37', content: '✓ "A&B" <c>' },
    ];
    const outlines = figureTextOutlines();
    outlines.prepare(texts);
    for (const text of texts) {
      expect(outlines.markup(text)).toContain('<path');
      const asText = svgToPng(svg(plainText(text)));
      expect(darkPixels(asText)).toBeGreaterThan(30);
      const diff = compare(svgToPng(svg(outlines.markup(text))), asText);
      expect(diff.mean).toBeLessThan(0.05);
    }
  });
});
