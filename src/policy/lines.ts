// Physical offsets -> source positions, through `#line` directives.
//
// Xen's build runs the policy through `m4 -s`, which emits `#line 1 "file"` when it enters a file and
// `#line N` when a macro expansion shifts lines. checkpolicy's scanner (policy_scan.l) honours both
// forms; we accept `#line N "file"` for any N as well, and follow the C preprocessor's meaning: the
// line after `#line N` is line N. (checkpolicy numbers the line after `#line 1 "file"` as 2, an
// off-by-one we do not copy.) A directive must end its line: checkpolicy's scanner takes the longest
// match, and `#[^\n]*` (a comment) outruns the directive's rules when anything follows it, a
// blank or the CR of a CRLF line, so such a line changes nothing (checked live: the lines after it
// keep their numbers in checkpolicy's errors).
import type { Span } from "../diagnostics/diagnostic.js";
import { keepShape } from "./shapes.js";

const LINE_DIRECTIVE = /^[ \t]*#line[ \t]+(\d+)(?:[ \t]+"([^"\n]*)")?$/;

export class LineMap {
  /** Offset of the first character of each physical line (made at the first lookup: see build). */
  private starts: Int32Array = NO_LINES;
  /** Where `#line` directives change the mapping, in physical line order: from physical line
   *  `from` on, physical line L is line `L + delta` of `files[file]`. Segment 0 is the identity. */
  private readonly segFrom: number[] = [0];
  private readonly segDelta: number[] = [1];
  private readonly segFile: number[] = [0];
  private readonly files: string[];
  /** Last physical line and segment looked up: spans are mostly asked for in increasing order. */
  private cursor = 0;
  private segCursor = 0;
  /** The text until the lines are found (then ""). */
  private text: string;

  constructor(text: string, file: string) {
    this.text = text;
    this.files = [file];
  }

  /** Finds the lines and `#line` directives, at the first lookup: a compile that reports nothing
   *  looks none up (its spans keep offsets: SourceSpan), and a large policy has 100k lines. */
  private build(): void {
    const text = this.text;
    const file = this.files[0]!;
    this.text = "";
    let count = 1;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
    this.starts = new Int32Array(count);
    const fileIndex = new Map<string, number>([[file, 0]]);

    let line = 0;
    let pos = 0;
    let currentFile = 0;
    while (true) {
      this.starts[line] = pos;
      const nl = text.indexOf("\n", pos);
      const end = nl === -1 ? text.length : nl;
      // Cheap test first: only lines that begin (after blanks) with '#' can be directives.
      const first = firstNonBlank(text, pos, end);
      if (first !== -1 && text.charCodeAt(first) === 35 /* # */ && text.startsWith("#line", first)) {
        const m = LINE_DIRECTIVE.exec(text.slice(pos, end));
        if (m) {
          if (m[2] !== undefined) {
            let idx = fileIndex.get(m[2]);
            if (idx === undefined) {
              idx = this.files.length;
              this.files.push(m[2]);
              fileIndex.set(m[2], idx);
            }
            currentFile = idx;
          }
          // The next physical line (line + 1) is line N.
          this.segFrom.push(line + 1);
          this.segDelta.push(Number(m[1]) - (line + 1));
          this.segFile.push(currentFile);
        }
      }
      if (nl === -1) break;
      pos = nl + 1;
      line++;
    }
  }

  /** The segment (index into seg*) that maps physical line `line`. */
  private segment(line: number): number {
    const from = this.segFrom;
    let k = this.segCursor;
    if (line >= from[k]! && (k + 1 === from.length || line < from[k + 1]!)) return k;
    if (k + 1 < from.length && line >= from[k + 1]! && (k + 2 === from.length || line < from[k + 2]!)) return (this.segCursor = k + 1);
    let lo = 0;
    let hi = from.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (from[mid]! <= line) lo = mid;
      else hi = mid - 1;
    }
    return (this.segCursor = lo);
  }

  private mappedLine(line: number): number {
    return line + this.segDelta[this.segment(line)]!;
  }

  /** Physical line index (0-based) holding `offset`. */
  private lineIndex(offset: number): number {
    const starts = this.starts;
    const last = starts.length - 1;
    let i = this.cursor;
    if (offset >= starts[i]!) {
      // Walk forward a few lines before falling back to a binary search.
      for (let step = 0; step < 8; step++) {
        if (i === last || offset < starts[i + 1]!) return (this.cursor = i);
        i++;
      }
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.cursor = lo);
  }

  /** The mapped position of a physical offset. */
  position(offset: number): { file: string; line: number; col: number } {
    if (this.starts === NO_LINES) this.build();
    const i = this.lineIndex(offset);
    const k = this.segment(i);
    return { file: this.files[this.segFile[k]!]!, line: i + this.segDelta[k]!, col: offset - this.starts[i]! + 1 };
  }

  /** A span over [start, end) of the physical text. `endCol` is exclusive: one past the last column. */
  span(start: number, end: number): Span {
    if (this.starts === NO_LINES) this.build();
    const i = this.lineIndex(start);
    const k = this.segment(i);
    const line = i + this.segDelta[k]!;
    const col = start - this.starts[i]! + 1;
    let endLine = line;
    let endCol = end - this.starts[i]! + 1;
    if (i + 1 < this.starts.length && end > this.starts[i + 1]!) {
      // The span runs past its first line (one ending right after a newline still ends on it).
      const j = this.lineIndex(end - 1);
      endLine = this.mappedLine(j);
      endCol = end - this.starts[j]! + 1;
      this.cursor = i;
      this.segCursor = k;
    }
    return { file: this.files[this.segFile[k]!]!, line, col, endLine, endCol, offset: start, length: end - start };
  }

  /** A span over [start, end) whose line and column are worked out when first read (see SourceSpan). */
  lazySpan(start: number, end: number): Span {
    return new SourceSpan(this, start, end - start);
  }

  /** The physical text of the line holding `offset` (without its newline), for rendering. */
  lineText(text: string, offset: number): string {
    if (this.starts === NO_LINES) this.build();
    const i = this.lineIndex(offset);
    const start = this.starts[i];
    const nl = text.indexOf("\n", start);
    return text.slice(start, nl === -1 ? text.length : nl).replace(/\r$/, "");
  }
}

const NO_LINES = new Int32Array(0);

function firstNonBlank(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return i;
  }
  return -1;
}

/** A Span that keeps only its physical offsets and works out file, line and column from the
 *  LineMap when one of them is read. A large policy has close to a million names, sets and
 *  expressions, each with a span, and only the few a diagnostic names are ever located: three
 *  fields instead of seven, and no line lookup while parsing. Reads like any Span (getters), and
 *  serialises as the plain object. */
export class SourceSpan implements Span {
  readonly #lines: LineMap;

  constructor(
    lines: LineMap,
    readonly offset: number,
    readonly length: number,
  ) {
    this.#lines = lines;
  }

  private get full(): Span {
    return this.#lines.span(this.offset, this.offset + this.length);
  }
  get file(): string {
    return this.full.file;
  }
  get line(): number {
    return this.full.line;
  }
  get col(): number {
    return this.full.col;
  }
  get endLine(): number {
    return this.full.endLine;
  }
  get endCol(): number {
    return this.full.endCol;
  }
  toJSON(): Span {
    return this.full;
  }
}

// (sample instances: see shapes.ts)
keepShape(new SourceSpan(keepShape(new LineMap("", "")), 0, 0));
