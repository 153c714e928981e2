/**
 * Charts to PNG: a Vega-Lite spec is compiled to Vega, rendered headless to
 * SVG (no canvas, no browser), and rasterised by resvg with the DejaVu fonts,
 * so text looks the same on every machine that has fonts-dejavu-core.
 */
import { markPng } from '../png-mark.js';
import { existsSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { NonNormalizedSpec } from 'vega-lite/types_unstable/spec/index.js';
import { renderAsync } from '@resvg/resvg-js';

export type ChartSpec = TopLevelSpec;
/** A chart inside another (a panel of a side-by-side chart, a layer). */
export type UnitChart = NonNormalizedSpec;

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `${FONT_DIR}/${f}`);
export const CHART_FONT = 'DejaVu Sans';

/** The chart as SVG text. */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as PNG bytes, drawn at twice its nominal size (sharp on high-density screens). */
export async function chartPng(spec: ChartSpec): Promise<Uint8Array> {
  return chartSvgToPng(await chartSvg(spec));
}

/**
 * A chart's SVG (chartSvg) as chartPng draws it, for a caller that writes both
 * without making the SVG twice. resvg parses and rasterises on libuv's thread
 * pool (renderAsync: the main thread is free meanwhile); the bytes are those
 * of the synchronous renderer.
 */
export async function chartSvgToPng(svg: string): Promise<Uint8Array> {
  const fontFiles = FONT_FILES.filter((f) => existsSync(f));
  const rendered = await renderAsync(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: CHART_FONT },
  });
  const png = rendered.asPng();
  return markPng(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}

/** Shared look: DejaVu everywhere, a white background. */
export const CHART_CONFIG: NonNullable<ChartSpec['config']> = {
  font: CHART_FONT,
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  title: { fontSize: 13 },
};
