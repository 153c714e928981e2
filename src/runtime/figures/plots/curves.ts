/**
 * A run's training curves, curves.png and curves.svg: lines over epochs, one
 * panel per unit, so nothing in bits shares an axis with anything else.
 *
 * - loss (bits): the objective, cross-entropy and KL; training from the step
 *   log (metrics-steps.jsonl: a point every N steps, so a one-epoch run is a
 *   line, not a dot), validation at each epoch's end from metrics.jsonl;
 * - map units (quantized models only): VQ and commitment, which are equal in
 *   value by definition (both the squared distance of the map to its anchor),
 *   so they are drawn with distinct dashes and widths that keep both visible;
 * - top-1 accuracy: training, validation, test, on an axis fitted to the data;
 * - learning rate and the global gradient norm (from the step log).
 *
 * A term and its validation twin share a colour: training is a solid line,
 * validation a dashed one with a point at each epoch. A model without a term
 * has no line for it and no label naming it (a baseline's figure never
 * mentions VQ). Runs without a step log (written before it existed) draw
 * their training terms per epoch instead.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../../host/atomic-write.js';
import { chartSvg, chartSvgToPng, CHART_CONFIG, type ChartSpec, type UnitChart } from './render.js';

export const CURVES_FILE = 'curves.png';
export const CURVES_SVG_FILE = 'curves.svg';

/** What one line is: a term (its colour) measured on a split (its dash). */
interface Series {
  /** The legend label. */
  readonly label: string;
  readonly colour: string;
  readonly dash: readonly number[];
  readonly width?: number;
  readonly split: 'train' | 'validation' | 'test';
}

/** A field of a step-log line or an epoch row, and its series. */
type Source = readonly [field: string, series: Series];

const SOLID: readonly number[] = [];
const DASHED: readonly number[] = [6, 3];
const DOTTED: readonly number[] = [2, 2];

// Okabe-Ito colours: distinct for colour-blind readers.
const BLACK = '#000000';
const BLUE = '#0072B2';
const ORANGE = '#E69F00';
const GREEN = '#009E73';
const VERMILION = '#D55E00';
const PURPLE = '#CC79A7';
const SKY = '#56B4E9';

const term = (label: string, colour: string, split: Series['split'], extra: Partial<Series> = {}): Series => ({
  label: `${label} (${split})`,
  colour,
  dash: split === 'train' ? SOLID : split === 'validation' ? DASHED : DOTTED,
  split,
  ...extra,
});

const BITS_TRAIN: readonly Source[] = [
  ['train_loss_bits', term('objective', BLACK, 'train')],
  ['ce_bits', term('cross-entropy', BLUE, 'train')],
  ['kl_bits', term('KL', ORANGE, 'train')],
];
const BITS_VALIDATION: readonly Source[] = [
  ['val_loss_bits', term('objective', BLACK, 'validation')],
  ['val_ce_bits', term('cross-entropy', BLUE, 'validation')],
  ['val_kl_bits', term('KL', ORANGE, 'validation')],
];
// VQ and commitment have the same value: VQ wide and pale underneath, commitment thin and dashed on top.
const MAP_TRAIN: readonly Source[] = [
  ['vq', term('VQ', SKY, 'train', { width: 5 })],
  ['commit', term('commitment', VERMILION, 'train', { dash: [5, 3], width: 1.5 })],
];
const MAP_VALIDATION: readonly Source[] = [
  ['val_vq', term('VQ', SKY, 'validation', { dash: [8, 4], width: 5 })],
  ['val_commit', term('commitment', VERMILION, 'validation', { dash: [2, 3], width: 1.5 })],
];
const ACCURACY_TRAIN: readonly Source[] = [['train_top1', term('top-1', GREEN, 'train')]];
const ACCURACY_EPOCH: readonly Source[] = [
  ['val_top1', term('top-1', GREEN, 'validation')],
  ['test_top1', term('top-1', PURPLE, 'test')],
];
const RATE: readonly Source[] = [['lr', { label: 'learning rate', colour: BLACK, dash: SOLID, split: 'train' }]];
const GRADIENT: readonly Source[] = [['grad_norm', { label: 'gradient norm (before clipping)', colour: BLACK, dash: SOLID, split: 'train' }]];

interface Point {
  readonly x: number;
  readonly series: string;
  readonly value: number;
  /** Whether the point is drawn as a marker: epoch-end points are; the step log's many points are not. */
  readonly marked: boolean;
}

type Row = Readonly<Record<string, unknown>>;

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** The x of a step-log line: completed epochs, fractional. */
function stepX(row: Row): number | undefined {
  return finite(row['epochs']) ? row['epochs'] : undefined;
}

function epochX(row: Row): number | undefined {
  return finite(row['epoch']) ? row['epoch'] : undefined;
}

function pointsOf(rows: readonly Row[], sources: readonly Source[], x: (row: Row) => number | undefined, marked: boolean): Point[] {
  const out: Point[] = [];
  for (const row of rows) {
    const at = x(row);
    if (at === undefined) continue;
    for (const [field, series] of sources) {
      const value = row[field];
      if (finite(value)) out.push({ x: at, series: series.label, value, marked });
    }
  }
  return out;
}

interface Panel {
  readonly title: string;
  readonly yTitle: string;
  readonly points: readonly Point[];
  readonly series: readonly Series[];
  readonly format: string;
  readonly y: 'linear' | 'log' | 'fitted';
}

/** A log scale when the values span more than 20x and all are positive (KL is often 100x the cross-entropy). */
function bitsScale(points: readonly Point[]): 'linear' | 'log' {
  const values = points.map((p) => p.value);
  if (values.length === 0 || values.some((v) => v <= 0)) return 'linear';
  return Math.max(...values) / Math.min(...values) > 20 ? 'log' : 'linear';
}

function unitChart(panel: Panel): UnitChart {
  const present = panel.series.filter((s) => panel.points.some((p) => p.series === s.label));
  const domain = present.map((s) => s.label);
  const values = panel.points.map((p) => p.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // Fitted: the data's range with a margin, not 0-100% (80-88% must be readable).
  const margin = Math.max((hi - lo) * 0.08, Math.abs(hi) * 0.005, 1e-6);
  const yScale =
    panel.y === 'log'
      ? { type: 'log' as const }
      : panel.y === 'fitted'
        ? { zero: false, nice: false, domain: [Math.max(0, lo - margin), Math.min(1, hi + margin)] }
        : { zero: false };
  const encoding = {
    x: { field: 'x', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 }, scale: { zero: true, padding: 6 } },
    y: { field: 'value', type: 'quantitative' as const, title: panel.yTitle, axis: { format: panel.format }, scale: yScale },
    // The legend shows each line as drawn (colour, dash, width); a panel of one line needs none (its title names it).
    color: {
      field: 'series',
      type: 'nominal' as const,
      title: null,
      sort: domain,
      scale: { domain, range: present.map((s) => s.colour) },
      legend: present.length > 1 ? { symbolType: 'stroke', symbolSize: 400 } : null,
    },
    strokeDash: { field: 'series', type: 'nominal' as const, title: null, sort: domain, scale: { domain, range: present.map((s) => [...s.dash]) }, ...(present.length > 1 ? {} : { legend: null }) },
    strokeWidth: { field: 'series', type: 'nominal' as const, title: null, sort: domain, scale: { domain, range: present.map((s) => s.width ?? 2) }, ...(present.length > 1 ? {} : { legend: null }) },
    detail: { field: 'series', type: 'nominal' as const },
  };
  return {
    title: panel.title,
    width: 300,
    height: 210,
    data: { values: [...panel.points] },
    layer: [
      { mark: { type: 'line', clip: true }, encoding },
      // Epoch-end values (validation, test, per-epoch training) get a marker: a one-epoch run still shows them.
      {
        transform: [{ filter: 'datum.marked' }],
        mark: { type: 'point', filled: true, size: 36 },
        // The same colour encoding (and legend) as the lines: the legend keeps drawing each series as a stroke.
        encoding: { x: encoding.x, y: encoding.y, color: encoding.color },
      },
    ],
  } as UnitChart;
}

/**
 * The curves chart from the epoch rows of metrics.jsonl and the lines of
 * metrics-steps.jsonl (empty for runs without one).
 */
export function curvesChart(name: string, rows: readonly Row[], steps: readonly Row[] = []): ChartSpec {
  const fromSteps = steps.some((s) => stepX(s) !== undefined);
  // Without a step log the training values are the epoch means of metrics.jsonl.
  const train = (sources: readonly Source[]): Point[] => (fromSteps ? pointsOf(steps, sources, stepX, false) : pointsOf(rows, sources, epochX, true));
  const bits = [...train(BITS_TRAIN), ...pointsOf(rows, BITS_VALIDATION, epochX, true)];
  const map = [...train(MAP_TRAIN), ...pointsOf(rows, MAP_VALIDATION, epochX, true)];
  const accuracy = [...train(ACCURACY_TRAIN), ...pointsOf(rows, ACCURACY_EPOCH, epochX, true)];
  const rate = train(RATE);
  const gradient = fromSteps ? pointsOf(steps, GRADIENT, stepX, false) : [];
  const panels: Panel[] = [
    { title: 'loss (bits)', yTitle: `bits${bitsScale(bits) === 'log' ? ' (log scale)' : ''}`, points: bits, series: [...BITS_TRAIN, ...BITS_VALIDATION].map((s) => s[1]), format: '.3~g', y: bitsScale(bits) },
    { title: 'quantization (map units)', yTitle: 'mean squared distance to the anchor', points: map, series: [...MAP_TRAIN, ...MAP_VALIDATION].map((s) => s[1]), format: '.2~e', y: 'linear' },
    { title: 'top-1 accuracy', yTitle: 'top-1 (axis fitted to the data)', points: accuracy, series: [...ACCURACY_TRAIN, ...ACCURACY_EPOCH].map((s) => s[1]), format: '.1%', y: 'fitted' },
    { title: 'learning rate', yTitle: 'learning rate', points: rate, series: RATE.map((s) => s[1]), format: '.2~e', y: 'linear' },
    { title: 'gradient norm', yTitle: 'global L2 norm', points: gradient, series: GRADIENT.map((s) => s[1]), format: '.3~g', y: bitsScale(gradient) },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: name, subtitle: fromSteps ? 'training: every logged step (solid); validation: each epoch (dashed, points)' : 'per epoch', anchor: 'start' },
    config: CHART_CONFIG,
    concat: panels.filter((p) => p.points.length > 0).map(unitChart),
    columns: 2,
    resolve: { scale: { color: 'independent', strokeDash: 'independent', strokeWidth: 'independent' }, legend: { color: 'independent', strokeDash: 'independent' } },
  } as ChartSpec;
}

/**
 * Draws curves.png and curves.svg into the run folder (each written whole to a
 * temporary name, then renamed into place; a failed write leaves the old one or
 * none); returns the PNG's path. The run folder is ibc's, so earlier curves
 * there are replaced.
 */
export async function writeCurves(runDir: string, name: string, rows: readonly Row[], steps: readonly Row[] = []): Promise<string> {
  // One SVG for both files: making it is most of the chart's time.
  const svg = await chartSvg(curvesChart(name, rows, steps));
  const png = await chartSvgToPng(svg);
  writeFileAtomic(join(runDir, CURVES_SVG_FILE), [new TextEncoder().encode(svg)]);
  const path = join(runDir, CURVES_FILE);
  writeFileAtomic(path, [png]);
  return path;
}
