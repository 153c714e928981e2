/**
 * The text of the attention figures, drawn two ways from one description:
 *
 * - as SVG `<text>` (plainText): what the written `.svg` files carry, so a
 *   reader of a paper's figure can select, search and edit its words;
 * - as outlines (TextOutlines): what the PNG is rasterised from. resvg's
 *   cost for a figure is mostly text layout (about 0.4 ms a text element and
 *   50-90 us a glyph of DejaVu Sans, far more than the rasterising), and most
 *   of a call's texts are the same in every figure (the caption, the legend,
 *   the colour bar's ticks, the tile labels, the class names). So each
 *   distinct text is laid out once per call by resvg itself (usvg's output
 *   of a small SVG holding it: the glyphs as paths around the text's origin)
 *   and placed where it is drawn by a translation. The pixels are those of
 *   the text within rounding (usvg prints a path's coordinates to about 7
 *   digits): a glyph edge may differ by a few levels of grey.
 *
 * A text that could not be outlined (resvg failed, or gave an output this
 * module does not recognise) is drawn as `<text>`, laid out where it is
 * drawn as before; so is a text marked `once` (a figure's own title: laying
 * it out apart would cost more than it saves).
 */
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

/** One line of a figure's text, where and how it is drawn. */
export interface FigureText {
  readonly x: number;
  readonly y: number;
  /** Decimals y is written with (a colour bar tick's label, between pixel rows); absent: as JavaScript prints it. */
  readonly yDigits?: number;
  /** The words, unescaped. */
  readonly content: string;
  readonly size: number;
  readonly bold?: boolean;
  /** Its colour; absent: the figure's text colour (the root's fill). */
  readonly fill?: string;
  /** Which point of the line lies at x (SVG text-anchor); absent: its start. */
  readonly anchor?: 'middle' | 'end';
  /** Clockwise turn in degrees about (x, y). */
  readonly rotate?: number;
  /** Drawn once in its call (a figure's own title): never outlined apart. */
  readonly once?: boolean;
}

/** The fonts resvg lays text out with (the figures' own). */
export type FontOptions = NonNullable<ResvgRenderOptions['font']>;

/** What a figure's root gives its text: the font family and the text colour. */
export interface TextStyle {
  readonly family: string;
  readonly fill: string;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The attributes that shape a text's glyphs (not where it is). */
function shapeAttributes(text: FigureText): string {
  return (
    ` font-size="${text.size}"` +
    (text.bold === true ? ' font-weight="bold"' : '') +
    (text.fill !== undefined ? ` fill="${text.fill}"` : '') +
    (text.anchor !== undefined ? ` text-anchor="${text.anchor}"` : '')
  );
}

/** The text's x and y as written. */
function position(text: FigureText): [string, string] {
  return [`${text.x}`, text.yDigits === undefined ? `${text.y}` : text.y.toFixed(text.yDigits)];
}

/** The text as an SVG `<text>` element (inheriting the family and colour from the figure's root). */
export function plainText(text: FigureText): string {
  const [x, y] = position(text);
  const turn = text.rotate !== undefined ? ` transform="rotate(${text.rotate} ${x} ${y})"` : '';
  return `<text x="${x}" y="${y}"${shapeAttributes(text)}${turn}>${escapeXml(text.content)}</text>`;
}

/**
 * The outlines of the texts one call draws, each laid out once: owned by the
 * call (a figure writer makes one per call and drops it with the call), so
 * nothing outlives the figures it served.
 */
export class TextOutlines {
  /** Outline markup by #key; null: outlining failed, drawn as `<text>`. */
  readonly #outlines = new Map<string, string | null>();
  readonly #font: FontOptions;
  readonly #style: TextStyle;

  constructor(font: FontOptions, style: TextStyle) {
    this.#font = font;
    this.#style = style;
  }

  /** How many distinct texts were laid out (outlined or failed). */
  get size(): number {
    return this.#outlines.size;
  }

  /** Everything that decides a text's glyphs and colour, in one string. */
  #key(text: FigureText): string {
    return JSON.stringify([this.#style.family, text.fill ?? this.#style.fill, text.size, text.bold === true, text.anchor ?? 'start', text.content]);
  }

  /**
   * Lays out, in one resvg parse, each of `texts` not laid out before (the
   * `once` ones apart): a figure calls this with all its texts before drawing
   * them, so the fonts are loaded once per figure, not once per text.
   */
  prepare(texts: readonly FigureText[]): void {
    const fresh = new Map<string, FigureText>();
    for (const text of texts) {
      if (text.once === true) continue;
      const key = this.#key(text);
      if (!this.#outlines.has(key) && !fresh.has(key)) fresh.set(key, text);
    }
    if (fresh.size === 0) return;
    const keys = [...fresh.keys()];
    const found = this.#layOut([...fresh.values()]);
    keys.forEach((key, i) => this.#outlines.set(key, found[i] ?? null));
  }

  /**
   * Each text's outline markup (its group's content in usvg's output), or
   * undefined where it is not found; all undefined when resvg refuses the
   * SVG or its output is not of the expected form.
   */
  #layOut(texts: readonly FigureText[]): (string | undefined)[] {
    const id = (i: number): string => `ibc-text-${i}`;
    const body = texts.map((text, i) => `<g id="${id(i)}"><text x="0" y="0"${shapeAttributes(text)}>${escapeXml(text.content)}</text></g>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" font-family="${escapeXml(this.#style.family)}" fill="${this.#style.fill}">${body}</svg>`;
    let out: string;
    try {
      out = new Resvg(svg, { font: this.#font }).toString();
    } catch {
      return [];
    }
    // Outlines that need anything outside their own group (a gradient, a clip) are not what this module places.
    if (!out.includes('<defs/>')) return [];
    const opens = texts.map((_, i) => `<g id="${id(i)}">`);
    const starts: (number | undefined)[] = [];
    let from = 0;
    for (const open of opens) {
      const at = out.indexOf(open, from);
      starts.push(at < 0 ? undefined : at);
      if (at >= 0) from = at + open.length;
    }
    const end = out.lastIndexOf('</svg>');
    return starts.map((start, i) => {
      if (start === undefined) return undefined;
      const next = starts.slice(i + 1).find((s) => s !== undefined) ?? end;
      const group = out.slice(start + opens[i]!.length, next);
      const close = group.lastIndexOf('</g>');
      const inner = close < 0 ? '' : group.slice(0, close).trim();
      // A group with no path (a text of spaces) is left to `<text>`, as is anything unexpected.
      return inner.includes('<path') ? inner : undefined;
    });
  }

  /** The text's markup: its outlines placed at (x, y) (turned), or `<text>` where it has none. */
  markup(text: FigureText): string {
    if (text.once === true) return plainText(text);
    const outline = this.#outlines.get(this.#key(text));
    if (outline === undefined || outline === null) return plainText(text);
    const [x, y] = position(text);
    const turn = text.rotate !== undefined ? ` rotate(${text.rotate})` : '';
    return `<g transform="translate(${x} ${y})${turn}">${outline}</g>`;
  }
}
