// Physical offsets -> source positions, through `#line` directives.
//
// Xen's build runs the policy through `m4 -s`, which writes `#line 1 "file"` when it enters a file,
// `#line N` when a macro expansion shifts lines and `#line N "file"` when output comes back to a file
// at line N (after a diversion, or a file whose first lines wrote nothing: Xen's own tree has
// `#line 2 "modules/xen.if"`). A directive is read as m4 means it and as checkpolicy 3.10's scanner
// (policy_scan.l) reads it: `#line[ ]{digit}+[ ]\"[^\n]*\"` and `#line[ ]{digit}+`, found anywhere a
// comment may start (after a statement too), each one space apart; the line after `#line N` or
// `#line N "file"` is line N. flex takes the longest match, so `#[^\n]*` (a comment) wins whenever
// anything follows a directive on its line (a blank, the CR of a CRLF line); a tab or two spaces are
// comments too. The file name runs to the line's last quote, quotes inside it kept, cut at
// PATH_MAX - 1 bytes (strncpy into source_file). Each form checked live against checkpolicy 3.4
// (test/fixtures/line-directive, test/oracle/line-directive.test.ts).
//
// Where checkpolicy 3.4 differs, on purpose (a policy author wants the .te line m4 copied, which
// both of these miss; 3.10 agrees with xsm):
// - `#line 1 "file"`: 3.4 numbers the line after it 2 (set_source_file sets the counter to 1 before
//   the newline adds one);
// - `#line N "file"` for N other than a literal 1 (`#line 40 "x.te"`, `#line 01 "x.te"`): 3.4's
//   scanner takes only `#line[ ]1[ ]\"...` with a name, so it is a comment there, and 3.4 goes on
//   naming the file before it with its count of lines.
// And one difference from both: after `#line 1 ""` checkpolicy has no file name and prints
// "(unknown source)::" with no line, until a directive names a file again; xsm names the physical
// place in the text it reads (the line checkpolicy's "on line N" gives).
//
// checkpolicy keeps the line in an unsigned long: `#line 0` wraps it to ULONG_MAX, where it stays
// (warning 'source line number overflow' at every newline), as after a number past ULONG_MAX
// ('source line number too big'). A JS number holds lines exactly up to 2^53 - 1 only, so such a
// directive, and any whose lines would pass that, changes nothing here: parse.ts warns at it with the
// line checkpolicy names.
import type { Span } from "../diagnostics/diagnostic.js";
import { lastAtOrBefore, LineStarts } from "../diagnostics/line-starts.js";
import { quotedEnd } from "./scan.js";
import { keepShape } from "./shapes.js";

/** A `#line` directive checkpolicy's scanner honours. */
export interface LineDirective {
  /** Offset of its `#`. */
  offset: number;
  /** Offset of the end of its line (the newline, or the end of the text). */
  end: number;
  /** The number of the line after it (1 after `#line 1 "file"`: see above). */
  line: number;
  /** The file `#line N "file"` names ("" for `#line N ""`: no file, see above). */
  file?: string;
  /** The line after it as checkpolicy numbers it, in decimal, when this module cannot follow it
   *  (`#line 0`, a number past 2^53 - 1 less the text's length): the directive is then not applied,
   *  its file name neither. */
  unfollowed?: string;
}

const ULONG_MAX = 2n ** 64n - 1n;
/** checkpolicy's source_file[PATH_MAX], of which strncpy fills at most PATH_MAX - 1 bytes. */
const SOURCE_FILE_BYTES = 4095;

/** The `#line` directives of `text`, in order, as checkpolicy 3.10 reads them (see above). */
export function lineDirectives(text: string): LineDirective[] {
  const out: LineDirective[] = [];
  for (let at = text.indexOf("#line"); at !== -1; ) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    if (commentStart(text, text.lastIndexOf("\n", at) + 1, at, end) === at) {
      const d = directive(text, at, end);
      if (d !== undefined) out.push(d);
    }
    at = nl === -1 ? -1 : text.indexOf("#line", nl);
  }
  return out;
}

/** The directive the comment text[at, end) is, if any. */
function directive(text: string, at: number, end: number): LineDirective | undefined {
  const m = /^#line (\d+)(?: (".*"))?$/.exec(text.slice(at, end));
  if (m === null) return undefined;
  const digits = m[1]!;
  const named = m[2] === undefined ? {} : { file: sourceFile(m[2].slice(1)) };
  // (up to 15 digits a number is exact)
  if (digits.length <= 15) {
    const n = Number(digits);
    if (n !== 0 && n <= Number.MAX_SAFE_INTEGER - text.length) return { offset: at, end, line: n, ...named };
  }
  const n = BigInt(digits);
  if (n !== 0n && n <= BigInt(Number.MAX_SAFE_INTEGER - text.length)) return { offset: at, end, line: Number(n), ...named };
  // strtoul saturates at ULONG_MAX, and ULONG_MAX (or 0) - 1 + 1 is where the counter stays
  return { offset: at, end, line: 0, unfollowed: String(n === 0n || n > ULONG_MAX ? ULONG_MAX : n), ...named };
}

/** set_source_file(yytext + 9): the name and its closing quote, at most SOURCE_FILE_BYTES bytes of
 *  them (UTF-8), less a final quote. */
function sourceFile(quoted: string): string {
  let bytes = 0;
  let i = 0;
  for (; i < quoted.length; i++) {
    const c = quoted.charCodeAt(i);
    const size = c < 0x80 || (c >= 0xdc80 && c <= 0xdcff) ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 : 3;
    if (bytes + size > SOURCE_FILE_BYTES) break;
    bytes += size;
    if (size === 4) i++;
  }
  const name = quoted.slice(0, i);
  return name.endsWith('"') ? name.slice(0, -1) : name;
}

/** Where the comment of the line [from, end) starts if it starts at or before `limit`, as
 *  policy_scan.l reads the line: the first `#` outside a path (`/` to a blank) and a quoted name
 *  (scan.ts quotedEnd); -1 otherwise. No other token holds a `#`, a `"` or a `/`. */
function commentStart(text: string, from: number, limit: number, end: number): number {
  let i = from;
  while (i <= limit) {
    if (text.charCodeAt(i) === 35 /* # */) return i;
    const after = nameEnd(text, i, end);
    i = after === -1 ? i + 1 : after;
  }
  return -1;
}

/** Past the path (`/` to a blank) or quoted name (scan.ts quotedEnd) that policy_scan.l reads from
 *  `at` on the line ending at `end`, or -1 when none starts there: a token whose every character is
 *  its own, a `#`, a blank inside quotes, a `,` or a brace too. */
export function nameEnd(text: string, at: number, end: number): number {
  const c = text.charCodeAt(at);
  if (c === 47 /* / */) {
    let i = at + 1;
    while (i < end && !isPathEnd(text.charCodeAt(i))) i++;
    return i;
  }
  return c === 34 /* " */ ? quotedEnd(text, at) : -1;
}

function isPathEnd(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 12;
}

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
  private found: readonly LineDirective[] | undefined;

  /** `file`: the text's own name, which its lines have until a directive names another (and again
   *  after `#line 1 ""`, which names none: see above). */
  constructor(text: string, file: string) {
    this.text = text;
    this.files = [file];
  }

  /** The text's directives (found at the first call: parse.ts asks for them to warn). */
  directives(): readonly LineDirective[] {
    if (this.found === undefined) this.found = lineDirectives(this.text);
    return this.found;
  }

  /** Finds the lines and applies the `#line` directives, at the first lookup: a compile that
   *  reports nothing looks none up (its spans keep offsets: SourceSpan), and a large policy has 100k
   *  lines. */
  private build(): LineStarts {
    const directives = this.directives();
    const text = this.text;
    this.text = "";
    const lines = (this.lines = new LineStarts(text));
    const fileIndex = new Map<string, number>([[this.files[0]!, 0]]);
    let currentFile = 0;
    // after `#line N ""` until a directive names a file: the physical lines of the text's own file
    let unnamed = false;
    const segFrom = [0];
    for (const d of directives) {
      if (d.unfollowed !== undefined) continue;
      if (d.file !== undefined) unnamed = d.file === "";
      if (unnamed) {
        segFrom.push(lines.line(d.offset) + 1);
        this.segDelta.push(1);
        this.segFile.push(0);
        continue;
      }
      if (d.file !== undefined) {
        let idx = fileIndex.get(d.file);
        if (idx === undefined) {
          idx = this.files.length;
          this.files.push(d.file);
          fileIndex.set(d.file, idx);
        }
        currentFile = idx;
      }
      // The next physical line is line N.
      const next = lines.line(d.offset) + 1;
      segFrom.push(next);
      this.segDelta.push(d.line - next);
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
