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
import { lastAtOrBefore, LineStarts } from "../diagnostics/line-starts.js";
import { keepShape } from "./shapes.js";

const LINE_DIRECTIVE = /^[ \t]*#line[ \t]+(\d+)(?:[ \t]+"([^"\n]*)")?$/;

/** A LineMap's lines before the first lookup (one object type in the field, for V8's sake). */
const NO_LINES = new LineStarts("");

export class LineMap {
  /** The physical lines (made at the first lookup: see build). */
  private lines: LineStarts = NO_LINES;
  /** Where `#line` directives change the mapping, in physical line order: from physical line
   *  `from` on, physical line L is line `L + delta` of `files[file]`. Segment 0 is the identity. */
  private segFrom = new Int32Array(1);
  private readonly segDelta: number[] = [1];
  private readonly segFile: number[] = [0];
  private readonly files: string[];
  /** Last segment looked up: spans are mostly asked for in increasing order. */
  private segCursor = 0;
  /** The text until the lines are found (then ""). */
  private text: string;

  constructor(text: string, file: string) {
    this.text = text;
    this.files = [file];
  }

  /** Finds the lines and `#line` directives, at the first lookup: a compile that reports nothing
   *  looks none up (its spans keep offsets: SourceSpan), and a large policy has 100k lines. */
  private build(): LineStarts {
    const text = this.text;
    this.text = "";
    const lines = (this.lines = new LineStarts(text));
    const starts = lines.starts;
    const fileIndex = new Map<string, number>([[this.files[0]!, 0]]);
    let currentFile = 0;
    const segFrom = [0];
    for (let line = 0; line < starts.length; line++) {
      const pos = starts[line]!;
      const end = line + 1 < starts.length ? starts[line + 1]! - 1 : text.length;
      // Cheap test first: only lines that begin (after blanks) with '#' can be directives.
      const first = firstNonBlank(text, pos, end);
      if (first === -1 || text.charCodeAt(first) !== 35 /* # */ || !text.startsWith("#line", first)) continue;
      const m = LINE_DIRECTIVE.exec(text.slice(pos, end));
      if (!m) continue;
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
      segFrom.push(line + 1);
      this.segDelta.push(Number(m[1]) - (line + 1));
      this.segFile.push(currentFile);
    }
    this.segFrom = Int32Array.from(segFrom);
    return lines;
  }

  /** The segment (index into seg*) that maps physical line `line`. */
  private segment(line: number): number {
    return (this.segCursor = lastAtOrBefore(this.segFrom, line, this.segCursor));
  }

  /** The mapped position of a physical offset. */
  position(offset: number): { file: string; line: number; col: number } {
    const lines = this.lines === NO_LINES ? this.build() : this.lines;
    const i = lines.line(offset);
    const k = this.segment(i);
    return { file: this.files[this.segFile[k]!]!, line: i + this.segDelta[k]!, col: offset - lines.starts[i]! + 1 };
  }

  /** A span over [start, end) of the physical text. `endCol` is exclusive: one past the last column. */
  span(start: number, end: number): Span {
    const lines = this.lines === NO_LINES ? this.build() : this.lines;
    const starts = lines.starts;
    const i = lines.line(start);
    const k = this.segment(i);
    const line = i + this.segDelta[k]!;
    const col = start - starts[i]! + 1;
    let endLine = line;
    let endCol = end - starts[i]! + 1;
    if (i + 1 < starts.length && end > starts[i + 1]!) {
      // The span runs past its first line (one ending right after a newline still ends on it).
      // (looked up off the cursors, which stay at the start for the next span)
      const j = lastAtOrBefore(starts, end - 1, i);
      endLine = j + this.segDelta[lastAtOrBefore(this.segFrom, j, k)]!;
      endCol = end - starts[j]! + 1;
    }
    return { file: this.files[this.segFile[k]!]!, line, col, endLine, endCol, offset: start, length: end - start };
  }

  /** A span over [start, end) whose line and column are worked out when first read (see SourceSpan). */
  lazySpan(start: number, end: number): Span {
    return new SourceSpan(this, start, end - start);
  }

  /** The physical text of the line holding `offset` (without its newline), for rendering. */
  lineText(text: string, offset: number): string {
    const lines = this.lines === NO_LINES ? this.build() : this.lines;
    const start = lines.starts[lines.line(offset)];
    const nl = text.indexOf("\n", start);
    return text.slice(start, nl === -1 ? text.length : nl).replace(/\r$/, "");
  }
}

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
