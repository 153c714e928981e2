/**
 * Source text handling shared by the parser, the formatter's callers and the
 * diagnostic renderer: UTF-8 decoding that reports the first bad byte, and
 * offset → line/column mapping.
 *
 * Positions: lines and columns are 1-based; a column counts Unicode code
 * points from the start of the line (so a character outside the BMP is one
 * column), not counting a byte-order mark. Only '\n' ends a line; a '\r'
 * before it is part of the line's whitespace (the parser turns a lone '\r',
 * a classic Mac line end, into '\n' first).
 */
import type { Position, Span } from '../diagnostics/diagnostic.js';
import { itemAt } from '../support/checked.js';

export interface DecodedText {
  /** The text; invalid sequences are replaced by U+FFFD so that it can still be shown. */
  readonly text: string;
  /** Present when the bytes are not valid UTF-8. */
  readonly invalid?: { readonly byteOffset: number; readonly byte: number; readonly textOffset: number };
}

/**
 * Decodes UTF-8. A byte-order mark is kept in the text (the lexer treats it as
 * whitespace), so text offsets correspond to what an editor shows.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text };
  } catch {
    const byteOffset = firstInvalidUtf8Offset(bytes);
    const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
    const prefix = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes.subarray(0, byteOffset));
    return { text: lossy, invalid: { byteOffset, byte: bytes[byteOffset] ?? 0, textOffset: prefix.length } };
  }
}

/** The offset of the first byte that does not begin a complete, valid UTF-8 sequence. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  for (let b = bytes[i]; b !== undefined; b = bytes[i]) {
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Maps offsets in one text to positions and spans. */
export class LineMap {
  private readonly lineStarts: number[];
  /** Per line index: whether the line has surrogate pairs (then columns must be counted, not subtracted). */
  private readonly hasSurrogates = new Map<number, boolean>();

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line index holding `offset`. */
  private lineIndex(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (itemAt(this.lineStarts, mid, 'the line starts') <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const index = this.lineIndex(clamped);
    const start = itemAt(this.lineStarts, index, 'the line starts');
    let surrogates = this.hasSurrogates.get(index);
    if (surrogates === undefined) {
      const end = this.lineStarts[index + 1] ?? this.text.length;
      surrogates = /[\uD800-\uDFFF]/.test(this.text.slice(start, end));
      this.hasSurrogates.set(index, surrogates);
    }
    let column = surrogates ? codePointColumn(this.text, start, clamped) : clamped - start + 1;
    // a byte-order mark is invisible in editors: the first line's columns do not count it
    if (start === 0 && clamped > 0 && this.text.charCodeAt(0) === 0xfeff) column -= 1;
    return { offset: clamped, line: index + 1, column };
  }

  /** Span of [start, end) in UTF-16 offsets. */
  span(start: number, end: number): Span {
    return { file: this.file, start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}

function codePointColumn(text: string, lineStart: number, offset: number): number {
  let column = 1;
  for (let i = lineStart; i < offset; i++) {
    const c = text.charCodeAt(i);
    // a low surrogate that follows a high surrogate belongs to the previous code point
    if (c >= 0xdc00 && c <= 0xdfff && i > lineStart && isHighSurrogate(text.charCodeAt(i - 1))) continue;
    column++;
  }
  return column;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
