// `xsm fmt`: one canonical layout for policy.conf and for the m4 sources of a Xen policy tree
// (.te, .if, .spt, .cons, policy/*), like gofmt: indentation by nesting (one tab per open brace or
// parenthesis), one blank between words, no blank before `;` or `,`, one after `,` and around
// braces, no trailing blanks, no runs of blank lines (but in a policy.conf with `#line` directives,
// whose every line keeps its number). A policy.conf m4 wrote is laid out in its sources, and left
// as it is (writtenByM4).
//
// It changes only blanks, and never joins or splits lines, so a formatted policy means what the
// original meant. m4 is respected: quoted strings and a macro call's arguments are kept exactly as
// written (m4 keeps their blanks), a `define`'s body among them (it is m4's output wherever the
// macro is used, and ifelse may compare it), so only top-level text is laid out. Where a call's
// arguments end is found as m4 collects them: a comment or `dnl` in an unquoted argument runs to
// the end of the line, whatever parenthesis or quote is there; a line ending inside a quote or an
// argument keeps its trailing blanks. A `name(` never closed in the file is text to m4 unless name
// is certainly a macro, where m4 stops (m4-calls.ts). Text m4 collects as the arguments of a call a
// macro's expansion opened is kept too, up to the `)` that closes it (m4-calls.ts: from the first
// word, and later in parentheses, when fmt cannot see that macro); the layout still reads that text
// for what follows (its braces), only its output is the original's. A `#` comment is kept as
// written. A last check refuses any output whose non-blank characters differ from the input's.
//
// fmt refuses, as compile does, a file compile would refuse at the syntax level, rather than lay it
// out: a policy.conf that does not parse (the parser's own diagnostics, section order apart), and
// in an m4 source a character checkpolicy rejects (a carriage return, a character that is not
// ASCII) where m4 certainly carries it into policy.conf: top-level text and top-level quoted strings
// (m4 copies both, quotes removed), not a comment's (checkpolicy reads it) nor what `dnl` discards
// through its newline (its CR too). A macro's arguments and a `define` body are kept: whether they
// reach policy.conf depends on the macro's use, maybe in another file (an unused macro, or one
// whose use drops an argument, builds), so the build reports them where they are expanded. In a
// file the build never reads (a module modules.conf leaves off: FormatOptions.unread) no such
// character is refused. Blanks are spaces, tabs and form feeds (checkpolicy's, newline apart); any other white space, a
// carriage return or a no-break space, is text fmt keeps.

import type { MessageArgs } from "../diagnostics/catalog.js";
import { diagnostic, error, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { LineStarts } from "../diagnostics/line-starts.js";
import { lineDirectives, nameEnd } from "../policy/lines.js";
import { parsePolicy, strayMessage } from "../policy/parse.js";
import { strayKind, type StrayKind } from "../policy/scan.js";
import { unclosedParens, type M4Parens } from "./m4-calls.js";

/** conf: a policy.conf (checkpolicy's input); m4: a policy tree's m4 source; modules: a tree's
 *  modules/modules.conf (`name = on` lines, which Makefile.common reads with awk), laid out as a
 *  policy.conf is but not parsed as one. */
export type SourceKind = "conf" | "m4" | "modules";

export interface FormatOptions {
  /** The build never reads this m4 source (a module modules/modules.conf does not switch on): m4
   *  copies nothing of it into policy.conf, so nothing in it is refused as the build would refuse it
   *  (a character checkpolicy rejects, kept where it is). What fmt cannot lay out safely is
   *  refused all the same. */
  unread?: boolean;
}

/** Indentation stops growing here: a conditional nested as deep as checkpolicy reads (9,987
 *  levels, one per line) would otherwise grow by the square of its depth, past any file limit. */
const MAX_INDENT = 64;

/** modules for a file named modules.conf, conf for any other `*.conf`, m4 for every other file. */
export function kindOf(path: string): SourceKind {
  if (/(^|[\\/])modules\.conf$/.test(path)) return "modules";
  return path.endsWith(".conf") ? "conf" : "m4";
}

/** A place in the text: 1-based line and column, and how many characters (1 unless told). */
interface Located {
  line: number;
  col: number;
  length?: number;
}

/** A file compile refuses at the syntax level: its diagnostics, located in it when its name is
 *  known (`file`, whose text is `text`), the first of them told at once. */
interface Refused {
  first: Diagnostic;
  locate: (file: string, text: string) => Diagnostic[];
}

/** Why a file is not laid out: a diagnostic of the catalog's `fmt-*` codes, at a line when one is
 *  to blame; or the compiler's own diagnostics (`syntax`, `bad-character`, `limit`) for a file
 *  compile refuses as it is. */
export class FormatError extends Error {
  readonly line?: number;
  /** The 1-based column of the text to blame (a carriage return, a quote, a call's `name(`); else
   *  the whole line. */
  readonly col?: number;
  /** How many characters from `col` are to blame (1 unless told). */
  private readonly length: number = 1;
  readonly code: FormatCode | Diagnostic["code"];
  private readonly args: MessageArgs<FormatCode>;
  private readonly refused?: Refused;
  constructor(code: "fmt-carriage-return", at: Located);
  constructor(code: "fmt-unsafe", line?: undefined);
  constructor(code: "fmt-unopened", line: number, close: "}");
  constructor(code: "fmt-unclosed", line: number | undefined, what: "brace");
  constructor(code: "fmt-unclosed", at: Located, what: "quote");
  constructor(code: "fmt-unclosed", at: Located, what: "call", name?: string, why?: "builtin" | "makefile" | number);
  constructor(refused: Refused);
  constructor(code: FormatCode | Refused, at?: number | Located, ...args: unknown[]) {
    super(typeof code === "object" ? code.first.message : diagnostic(code, undefined, ...(args as MessageArgs<FormatCode>)).message);
    this.name = "FormatError";
    this.args = args as MessageArgs<FormatCode>;
    if (typeof code === "object") {
      this.refused = code;
      this.code = code.first.code;
      this.line = code.first.span?.line;
      this.col = code.first.span?.col;
      return;
    }
    this.code = code;
    this.line = typeof at === "object" ? at.line : at;
    this.col = typeof at === "object" ? at.col : undefined;
    if (typeof at === "object" && at.length !== undefined) this.length = at.length;
  }

  /** Every diagnostic, located in `file` (whose text is `text`). */
  diagnostics(file: string, text: string): Diagnostic[] {
    return this.refused ? this.refused.locate(file, text) : [this.diagnostic(file, text)];
  }

  /** The `fmt-*` diagnostic, located in `file` (whose text is `text`): the whole line to blame. */
  private diagnostic(file: string, text: string): Diagnostic {
    const code = this.code as FormatCode;
    if (this.line === undefined) return diagnostic(code, undefined, ...this.args);
    const offset = new LineStarts(text).starts[this.line - 1];
    if (offset === undefined) return diagnostic(code, undefined, ...this.args);
    const end = text.indexOf("\n", offset);
    const line = text.slice(offset, end < 0 ? text.length : end);
    if (this.col !== undefined) {
      const length = this.length;
      const span: Span = { file, line: this.line, col: this.col, endLine: this.line, endCol: this.col + length, offset: offset + this.col - 1, length };
      return diagnostic(code, span, ...this.args);
    }
    const lead = line.length - line.trimStart().length;
    const length = Math.max(1, line.trim().length);
    const span: Span = { file, line: this.line, col: lead + 1, endLine: this.line, endCol: lead + 1 + length, offset: offset + lead, length };
    return diagnostic(code, span, ...this.args);
  }
}

type FormatCode = "fmt-carriage-return" | "fmt-unopened" | "fmt-unclosed" | "fmt-unsafe";

/** What the scanner is inside of at a point of the text: top-level code (the only code frame, at
 *  the stack's bottom), or text kept as written. */
type Frame =
  | { kind: "code"; braces: number; parens: number; braceLines?: number[] }
  | { kind: "quote"; depth: number; at: Located } // an m4 quoted string
  | ArgsFrame;

/** An m4 call's argument list, kept verbatim; fmt follows it as m4 collects the arguments, to find
 *  its end: parentheses and quotes nest, and a comment or `dnl` runs to the end of the line. */
interface ArgsFrame {
  kind: "args";
  parens: number;
  quote: number;
  at: Located;
  /** `dnl(`'s own arguments: m4 collects them as any call's, then discards the rest of the line. */
  thenDnl?: boolean;
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);
/** A character of an m4 name (m4's words: `$` is not one). */
const isM4WordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** m4 reads the word `dnl` at `i`: a word starts with a letter or `_`, so a digit before it starts
 *  none (`9dnl` is 9 and dnl), and a word character after it makes another word. */
function dnlAt(text: string, i: number): boolean {
  if (!text.startsWith("dnl", i) || isM4WordChar(text[i + 3])) return false;
  let start = i;
  while (start > 0 && isM4WordChar(text[start - 1])) start--;
  return /^[0-9]*$/.test(text.slice(start, i));
}

/** fmt's blanks: checkpolicy's (policy_scan.l's [ \t\f]), which are m4's text as any other. */
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\f";

function trimStartBlanks(s: string): string {
  let i = 0;
  while (isBlank(s[i])) i++;
  return s.slice(i);
}

function trimEndBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return s.slice(0, end);
}

/** A comment's end: its trailing blanks go, a carriage return ending it (a CR LF line, which
 *  checkpolicy reads as part of the comment) stays after them, blanks after it too (`x \r \f`:
 *  one pass takes both, so a second has nothing left to take). */
function trimCommentEnd(s: string): string {
  const t = trimEndBlanks(s);
  return t.endsWith("\r") ? `${trimEndBlanks(t.slice(0, -1))}\r` : t;
}

/** A `#` comment to its line's end (a CR too), laid out: without its trailing blanks, unless that
 *  would make it a `#line` directive to checkpolicy (`#line 5 ` is a comment: its scanner takes the
 *  longest match, and a directive has to end its line), as lines.ts reads them (3.10's and m4 -s's
 *  `#line N "FILE"` among them). */
function commentEnd(comment: string): string {
  const trimmed = trimCommentEnd(comment);
  if (trimmed === comment) return comment;
  return lineDirectives(trimmed).some((d) => d.offset === 0 && d.end === trimmed.length) ? comment : trimmed;
}

/** The column where `line`'s character `at` is shown, tabs stopping every 8 columns (as gofmt's
 *  tabwriter counts them). */
function columnOf(line: string, at: number): number {
  let col = 0;
  for (let i = 0; i < at; i++) col = line[i] === "\t" ? col - (col % 8) + 8 : col + 1;
  return col;
}

/** Trailing comments the author aligned stay aligned: a run of two or more consecutive lines whose
 *  comments start in one column of the input (an empty line, a line without a trailing comment or a
 *  comment kept as written ends it) has them in one column of the output, one blank after the
 *  longest code among them, as gofmt and clang-format's AlignTrailingComments lay out a block of
 *  trailing comments. Other trailing comments have one blank before them. The alignment is a
 *  function of the lines' code alone, so a second run finds the same runs and changes nothing. */
function alignComments(out: string[], comments: ReadonlyMap<number, { at: number; col: number }>): void {
  for (let i = 0; i < out.length; ) {
    const first = comments.get(i);
    let j = i + 1;
    if (first) while (comments.get(j)?.col === first.col) j++;
    if (j - i >= 2) {
      const code = (k: number) => trimEndBlanks(out[k]!.slice(0, comments.get(k)!.at));
      let column = 0;
      for (let k = i; k < j; k++) column = Math.max(column, columnOf(code(k), code(k).length) + 1);
      for (let k = i; k < j; k++) {
        const c = code(k);
        out[k] = `${c}${" ".repeat(column - columnOf(c, c.length))}${out[k]!.slice(comments.get(k)!.at)}`;
      }
    }
    i = j;
  }
}

/** The first place of a character checkpolicy rejects (src/policy/scan.ts's strays). */
interface StrayAt {
  line: number;
  col: number;
  offset: number;
}

class Formatter {
  private readonly stack: Frame[] = [{ kind: "code", braces: 0, parens: 0 }];
  private readonly out: string[] = [];
  /** The first character of each kind checkpolicy rejects that m4 copies into policy.conf as it
   *  is (m4 sources only; a policy.conf is read by the parser itself). */
  readonly strays = new Map<StrayKind, StrayAt>();
  /** Where the current line starts in the text (for strays' offsets). */
  private lineOffset = 0;
  /** The column index of a `#` in a top-level quoted string on the current line: m4 copies it, so
   *  checkpolicy reads the rest of the line as a comment, kept as written as any comment (blanks
   *  laid out there could make `#line 5 ` a directive). */
  private quotedComment: number | undefined;
  /** m4 sources where top-level text certainly reaches policy.conf: not a file that diverts its
   *  output (`divert(-1)` discards it) or changes m4's quotes or comments (fmt reads m4's defaults). */
  private checkStrays = false;
  /** `dnl(...)`'s arguments just closed: m4 discards the rest of the line. */
  private dnlRest = false;
  /** The line ends in a comment kept with its trailing blanks (commentEnd). */
  private commentKept = false;
  /** The current line's trailing comment laid out by code(): where its `#` is in the string code()
   *  returned (then in line()'s), and its column in the input line (tabs every 8 columns). */
  private trailing: { at: number; col: number } | undefined;
  /** The input line being laid out (the trailing comment's column is read in it). */
  private input = "";
  /** Output lines with a trailing comment laid out here (not kept as written), by index in `out`. */
  private readonly comments = new Map<number, { at: number; col: number }>();
  /** m4 sources: how m4 reads the file's parentheses (the `(` never closed, the calls expansions
   *  open, the `)` that close nothing the file opened). */
  private unclosed: M4Parens = { parens: new Set(), calls: new Map(), expansions: new Map(), kept: [] };

  constructor(private readonly kind: SourceKind) {}

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Indentation of a line starting in code: its open braces and parentheses. */
  private depth(): number {
    const f = this.stack[0]!;
    return f.kind === "code" ? f.braces + f.parens : 0;
  }

  format(text: string): string {
    // in an m4 source a CR is checked as any other character checkpolicy rejects (strays)
    const cr = this.kind === "m4" ? undefined : crOutsideComment(text);
    if (cr !== undefined) throw new FormatError("fmt-carriage-return", cr);
    this.checkStrays = this.kind === "m4" && !/\b(divert|changequote|changecom|changeword)\b/.test(text);
    if (this.kind === "m4") this.unclosed = unclosedParens(text);
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    // m4's output: a `#line` directive numbers the lines after it by its source file, so dropping an
    // empty line would move every later line checkpolicy names until the next directive
    const keepEmpty = this.kind === "conf" && lineDirectives(text).length > 0;
    let blank = 0;
    let offset = 0;
    const kept = this.unclosed.kept;
    lines.forEach((line, i) => {
      const lineStart = (this.lineOffset = offset);
      this.quotedComment = undefined;
      this.dnlRest = false;
      this.commentKept = false;
      this.trailing = undefined;
      this.input = line;
      offset += line.length + 1;
      const startsInCode = this.top().kind === "code";
      // (a line starting inside kept text is m4's argument text from its first blank)
      const startsKept = kept.some(([first, last]) => lineStart > first && lineStart <= last);
      if (startsInCode && !startsKept && trimStartBlanks(line) === "") {
        blank++;
        return;
      }
      if (keepEmpty) for (; blank > 0; blank--) this.out.push("");
      else if (blank > 0 && this.out.length > 0) this.out.push("");
      blank = 0;
      const laid = this.line(line, startsInCode, i + 1);
      const asWritten: (readonly [number, number])[] = kept.filter(([first, last]) => first < lineStart + line.length && last >= lineStart);
      if (this.quotedComment !== undefined) asWritten.push([lineStart + this.quotedComment, lineStart + line.length - 1]);
      if (asWritten.length === 0 && this.trailing) this.comments.set(this.out.length, this.trailing);
      this.out.push(asWritten.length === 0 ? laid : keptAsWritten(line, lineStart, laid, asWritten));
    });
    alignComments(this.out, this.comments);
    if (this.stack.length > 1 && this.kind === "m4") {
      // m4 stops at the end of the file inside a quote, or inside a call unclosedParens() missed
      const f = this.stack[1]!;
      if (f.kind === "quote") throw new FormatError("fmt-unclosed", f.at, "quote");
      if (f.kind === "args") {
        // (unclosedParens() reads the file as verbatim() does, so this is not reached; said plainly)
        throw new FormatError("fmt-unclosed", f.at, "call");
      }
    }
    // a '{' never closed would indent the rest of the file by it: refused at that brace's line
    const outer = this.stack[0]!;
    if (outer.kind === "code" && outer.braces > 0) throw new FormatError("fmt-unclosed", outer.braceLines?.[outer.braces - 1], "brace");
    return this.out.length === 0 ? "" : `${this.out.join("\n")}\n`;
  }

  /** One physical line. */
  private line(line: string, startsInCode: boolean, lineNo: number): string {
    // trailing blanks go where the line ends in code; a quoted string or a call's arguments that
    // go on to the next line hold them, as m4 reads them
    const trimEnd = (laid: string): string => (this.top().kind === "code" && !this.commentKept ? trimEndBlanks(laid) : laid);
    if (!startsInCode) {
      // the line starts inside a quote or a call's arguments: verbatim up to where that ends, then
      // code, a blank after the quote or call kept as one (`b' c` is not `b'c`)
      const end = this.verbatim(line, 0, lineNo);
      if (end >= line.length) return line;
      // (code() starts its output with the verbatim part: the comment's place is the line's)
      return trimEnd(this.code(line.slice(end), lineNo, end, line.slice(0, end)));
    }
    const lead = line.length - trimStartBlanks(line).length;
    const body = line.slice(lead);
    if (body.startsWith("#line")) return commentEnd(body);
    let depth = this.depth();
    const top = this.stack[0]!;
    if (body.startsWith("}") || (body.startsWith(")") && top.kind === "code" && top.parens > 0)) depth--;
    const laid = this.code(body, lineNo, lead);
    const indent = "\t".repeat(Math.min(MAX_INDENT, Math.max(0, depth)));
    if (this.trailing) this.trailing.at += indent.length;
    return trimEnd(`${indent}${laid}`);
  }

  /** Notes `c` at column index `at` of line `lineNo` when checkpolicy rejects it there. */
  private stray(c: number, lineNo: number, at: number): void {
    if (c >= 32 && c < 127) return;
    if (c === 9 || c === 12) return; // (a tab or form feed between two words)
    const kind = strayKind(c);
    if (!this.strays.has(kind)) this.strays.set(kind, { line: lineNo, col: at + 1, offset: this.lineOffset + at });
  }

  /** Scans verbatim text from `from` while a quote or argument frame is open; returns where the
   *  frame (and any it nests in) closed, or line.length. */
  private verbatim(line: string, from: number, lineNo: number, col0 = 0): number {
    for (let i = from; i < line.length; i++) {
      const f = this.top();
      if (f.kind === "code") return i;
      const c = line[i]!;
      if (f.kind === "quote") {
        if (c === "`") f.depth++;
        else if (c === "'" && --f.depth === 0) this.stack.pop();
        else if (this.stack.length === 2) {
          // a top-level quoted string: m4 copies what it holds, quotes removed, unread
          if (c === "#") this.quotedComment ??= col0 + i;
          else if (this.checkStrays && this.quotedComment === undefined) this.stray(c.charCodeAt(0), lineNo, col0 + i);
        }
        continue;
      }
      if (f.quote > 0) {
        if (c === "`") f.quote++;
        else if (c === "'") f.quote--;
      } else if (c === "`") f.quote = 1;
      else if (c === "#" || (c === "d" && dnlAt(line, i))) {
        // m4 reads a comment in an argument to the end of its line, into the argument, and dnl
        // discards through the newline: no parenthesis or quote there opens or closes anything
        if (c === "d" && line[i + 3] === "(") {
          this.stack.push({ kind: "args", parens: 0, quote: 0, thenDnl: true, at: { line: lineNo, col: col0 + i + 1, length: 4 } });
          i += 2;
        } else return line.length;
      } else if (c === "(") f.parens++;
      else if (c === ")" && --f.parens === 0) {
        this.stack.pop();
        if (!f.thenDnl) {
          this.expansionOpens(i, lineNo, col0);
          continue;
        }
        // after dnl's arguments m4 discards the rest of the line
        const below = this.top();
        if (below.kind === "code") {
          this.dnlRest = true;
          return i + 1;
        }
        if (below.kind === "args") return line.length;
      }
      if (f.quote === 0) this.expansionOpens(i, lineNo, col0);
    }
    return line.length;
  }

  /** After the character at column `col0 + i` of line `lineNo` ends a macro's
   *  name or its call, m4 rescans the expansion, which may leave it inside calls whose arguments it
   *  then collects from the text that follows: kept as written to the `)` that closes them. */
  private expansionOpens(i: number, lineNo: number, col0: number): void {
    const depth = this.unclosed.expansions.get(this.lineOffset + col0 + i);
    if (depth === undefined) return;
    const f = this.top();
    if (f.kind === "args") f.parens += depth;
    else this.stack.push({ kind: "args", parens: depth, quote: 0, at: { line: lineNo, col: col0 + i + 1 } });
  }

  /** Lays out code text (no leading blanks unless after `before`, the verbatim start of its line;
   *  it starts at column `col0` of line `lineNo`), switching to verbatim for quotes and m4 calls. */
  private code(text: string, lineNo: number, col0: number, before = ""): string {
    let out = before;
    const space = () => {
      if (out !== "" && !out.endsWith(" ")) out += " ";
    };
    // checkpolicy's scanner reads a path (`/` to a blank) or a quoted name as one token, its every
    // character its own (`/soc/a,b`, `"/a#b"`, `"x  y"`): laid out, a blank after its `,` or before
    // its `#` would split or change it. Where it ends in `text`, while one is being read.
    let nameUntil = -1;
    for (let i = 0; i < text.length; i++) {
      if (this.dnlRest) {
        // the rest of a line after `dnl(...)`, kept as written as after dnl
        this.dnlRest = false;
        return out + trimCommentEnd(text.slice(i));
      }
      const offset = this.lineOffset + col0 + i;
      const f = this.top();
      if (f.kind !== "code") {
        const end = this.verbatim(text, i, lineNo, col0);
        out += text.slice(i, end);
        i = end - 1;
        continue;
      }
      const c = text[i]!;
      if (i >= nameUntil) nameUntil = nameEnd(text, i, text.length);
      const inName = i < nameUntil;
      if (this.kind === "m4" && c === "d" && dnlAt(text, i)) {
        // m4's `dnl` discards the rest of its line, a CR and quotes too: kept as written, as a
        // comment is, nothing there reaches policy.conf; `dnl(` first collects its arguments, maybe
        // over lines, as any call's (one never closed is unclosedParens()'s: m4 stops there)
        if (text[i + 3] === "(") {
          this.unclosedCall(this.lineOffset + col0 + i + 3);
          this.stack.push({ kind: "args", parens: 0, quote: 0, thenDnl: true, at: { line: lineNo, col: col0 + i + 1, length: 4 } });
          out += "dnl";
          i += 2;
          continue;
        }
        return out + trimCommentEnd(text.slice(i));
      }
      if (c === " " || c === "\t") {
        if (inName) out += c;
        else space();
        continue;
      }
      if (c === "#" && (!inName || this.kind === "m4")) {
        // a comment, kept as written (m4 copies one in a name as it is: checkpolicy reads the name)
        if (!inName) space();
        if (out === " ") out = "";
        const comment = text.slice(i);
        const laid = commentEnd(comment);
        this.commentKept = laid === comment;
        // after code, and not inside a name (m4 copies `/a#b` whole: no blank may come before it)
        if (!inName && out !== "") this.trailing = { at: out.length, col: columnOf(this.input, col0 + i) };
        return out + laid;
      }
      // top-level text, which m4 copies to policy.conf as it is (after a quoted `#`, into a comment)
      if (this.checkStrays && this.quotedComment === undefined) this.stray(c.charCodeAt(0), lineNo, col0 + i);
      if (this.kind === "m4" && c === "`") {
        this.stack.push({ kind: "quote", depth: 1, at: { line: lineNo, col: col0 + i + 1 } });
        out += c;
        continue;
      }
      if (this.kind === "m4" && c === "(" && isWordChar(text[i - 1]) && !this.unclosedCall(offset)) {
        // an m4 macro call (define's among them): its arguments, a define body too, are kept
        // exactly, as m4 keeps their blanks
        const name = /[A-Za-z0-9_$]*$/.exec(text.slice(0, i))![0];
        this.stack.push({ kind: "args", parens: 0, quote: 0, at: { line: lineNo, col: col0 + i - name.length + 1, length: name.length + 1 } });
        const end = this.verbatim(text, i, lineNo, col0);
        out += text.slice(i, end);
        i = end - 1;
        continue;
      }
      if (inName) {
        // (a brace or parenthesis there opens nothing to indent by)
        out += c;
        this.expansionOpens(i, lineNo, col0);
        continue;
      }
      if (c === ";" || c === ",") {
        if (out.endsWith(" ")) out = out.slice(0, -1);
        out += c;
        if (c === "," && i + 1 < text.length) space();
        continue;
      }
      if (c === "{") {
        space();
        out += c;
        (f.braceLines ??= [])[f.braces] = lineNo;
        f.braces++;
        if (i + 1 < text.length) space();
        continue;
      }
      if (c === "}") {
        if (f.braces === 0) throw new FormatError("fmt-unopened", lineNo, "}");
        f.braces--;
        space();
        out += c;
        continue;
      }
      // a `(` never closed in the file opens nothing to indent by (as m4 copies it, as text); a `)`
      // without its `(` is text too
      if (c === "(" && !this.unclosed.parens.has(offset)) f.parens++;
      if (c === ")" && f.parens > 0) f.parens--;
      out += c;
      this.expansionOpens(i, lineNo, col0);
    }
    return out;
  }

  /** The `(` at `offset` is never closed in the file: a call m4 certainly collects to the file's
   *  end (a builtin's, a macro's the file or Xen's Makefile defines before it) is refused there;
   *  any other is text to m4, so true: laid out as text. */
  private unclosedCall(offset: number): boolean {
    const call = this.unclosed.calls.get(offset);
    if (call?.macro) {
      const why = call.macro.kind === "defined" ? call.macro.line : call.macro.kind;
      throw new FormatError("fmt-unclosed", { line: call.line, col: call.col, length: call.name.length + 1 }, "call", call.name, why);
    }
    return this.unclosed.parens.has(offset);
  }
}

/** `line` (starting at `lineStart` in the text) laid out as `laid`, but as written in the ranges
 *  `kept` ([first, last] offsets in the text, each starting at a non-blank character unless before
 *  the line, each ending at one unless past it): what m4 may collect as arguments of a call fmt
 *  cannot see (M4Parens.kept), a comment after a quoted `#`. The layout went through that text too,
 *  so the braces and parentheses after it are counted as elsewhere; only its output is the
 *  original's. Layout changes blanks alone, so a place in `laid` is found by counting the non-blank
 *  characters before it. */
function keptAsWritten(line: string, lineStart: number, laid: string, kept: readonly (readonly [number, number])[]): string {
  const here: [number, number][] = [];
  for (const [first, last] of [...kept].sort((a, b) => a[0] - b[0])) {
    const prev = here[here.length - 1];
    if (prev && first <= prev[1]) prev[1] = Math.max(prev[1], last);
    else here.push([first, last]);
  }
  const nonBlanks = (s: string, to: number): number => {
    let n = 0;
    for (let i = 0; i < to; i++) if (!isBlank(s[i])) n++;
    return n;
  };
  /** Where the n-th (0-based) non-blank character of `laid` is, or its end. */
  const inLaid = (n: number): number => {
    for (let i = 0; i < laid.length; i++) if (!isBlank(laid[i]) && n-- === 0) return i;
    return laid.length;
  };
  let out = "";
  let from = 0; // where the laid-out part goes on, in `laid`
  for (const [first, last] of here) {
    const start = Math.max(0, first - lineStart);
    const end = Math.min(line.length, last + 1 - lineStart);
    if (start > 0) out += laid.slice(from, inLaid(nonBlanks(line, start)));
    out += line.slice(start, end);
    // (`end` follows a non-blank character, a `)`, unless the kept text goes on past the line)
    from = end < line.length ? inLaid(nonBlanks(line, end) - 1) + 1 : laid.length;
  }
  return out + laid.slice(from);
}

/** The line and column of the first carriage return outside a comment of a policy.conf (or
 *  modules.conf), or undefined. checkpolicy rejects those ('unrecognized character') and reads one
 *  in a comment (a `#` before it on its line, the rule the compiler applies, src/policy/parse.ts),
 *  so fmt accepts what compile accepts: a CR in a comment is kept, as every byte of a comment is.
 *  (An m4 source's CRs are the Formatter's strays: only where m4 certainly copies them.) */
function crOutsideComment(text: string): { line: number; col: number } | undefined {
  if (!text.includes("\r")) return undefined;
  const lines = new LineStarts(text);
  for (let i = text.indexOf("\r"); i !== -1; i = text.indexOf("\r", i + 1)) {
    const start = lines.starts[lines.line(i)]!;
    const hash = text.indexOf("#", start);
    if (hash === -1 || hash > i) return lines.position(i);
  }
  return undefined;
}

/** Only blanks (fmt's, and line breaks) differ: the same other characters in the same order. */
function sameNonBlank(a: string, b: string): boolean {
  return a.replace(/[ \t\f\n]+/g, "") === b.replace(/[ \t\f\n]+/g, "");
}

/** Nothing but blanks and comments: no statement to parse (checkpolicy's "empty policy", a whole
 *  policy's fault, not a fragment's). */
function onlyComments(text: string): boolean {
  for (const line of text.split("\n")) {
    const body = trimStartBlanks(line);
    if (body !== "" && !body.startsWith("#")) return false;
  }
  return true;
}

/** compile's parse-stage errors for a policy.conf read as `file`, but for those about the whole
 *  policy (the sections' order and presence: fmt lays out fragments too, and never moves a
 *  statement) and `unsupported` (statements checkpolicy reads). */
function syntaxErrors(text: string, file: string): Diagnostic[] {
  if (onlyComments(text)) return [];
  const { diagnostics } = parsePolicy(text, file, { sections: false });
  return diagnostics.filter((d) => d.severity === "error" && d.code !== "unsupported");
}

/** The name a refused policy.conf is parsed under before its file is known: no `#line` directive
 *  can give it (a directive's name ends at its line's end), so every span and message naming it
 *  means the text itself, and one parse serves every name the file is located under. */
const UNNAMED = "<input>\n";

/** `d` with the text it was found in named `file`. */
function named(d: Diagnostic, file: string): Diagnostic {
  // (a parse's spans are SourceSpans, whose fields are getters: copied, not spread)
  const span = (s: Span | undefined): Span | undefined =>
    s?.file === UNNAMED ? { file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol, offset: s.offset, length: s.length } : s;
  const out: Diagnostic = { ...d, message: d.message.replaceAll(UNNAMED, file), span: span(d.span) };
  if (d.notes) out.notes = d.notes.map((n) => ({ ...n, message: n.message.replaceAll(UNNAMED, file), span: span(n.span) }));
  return out;
}

/** A policy.conf that does not parse, refused with the parser's diagnostics, or as no policy.conf
 *  at all when its first line of code is none. */
function unparsed(text: string): FormatError | undefined {
  const found = syntaxErrors(text, UNNAMED);
  if (found.length === 0) return undefined;
  const refused = notPolicy(text, found[0]!) ?? found;
  const locate = (file: string): Diagnostic[] => refused.map((d) => named(d, file));
  return new FormatError({ first: locate("<input>")[0]!, locate });
}

/** A `NAME = value` line (make, shell, refpolicy's build.conf and booleans.conf), which no policy
 *  statement is. */
const SETTING = /^[A-Za-z_][A-Za-z0-9_.-]*[ \t]*[:+?]?=/;
/** An INI section header. */
const SECTION = /^\[[^\]\n]*\][ \t]*$/;

/** Another program's `*.conf` (refpolicy's build.conf, an INI file): the parser's first error is on
 *  the first line of code, and that line is a setting or a section header, or its first word
 *  starts no statement. One error, fmt-not-policy at that line, the parser's error as its note
 *  (instead of "expected a name in type declaration, found '='" for `TYPE = standard`). */
function notPolicy(text: string, first: Diagnostic): Diagnostic[] | undefined {
  if (first.span === undefined || first.span.file !== UNNAMED) return undefined;
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    const line = text.slice(start, end < 0 ? text.length : end);
    const body = trimEndBlanks(trimStartBlanks(line));
    if (body !== "" && !body.startsWith("#")) {
      if (first.span.offset < start || (end >= 0 && first.span.offset > end)) return undefined;
      const lead = line.length - trimStartBlanks(line).length;
      const shape = SETTING.test(body) ? "setting" : SECTION.test(body) ? "section" : first.span.offset === start + lead && first.message.startsWith("expected a statement") ? "word" : undefined;
      if (shape === undefined) return undefined;
      // (the line as the parser numbers it, a `#line N` before it counted)
      const lineNo = first.span.line;
      const word = shape === "word" ? /^[^ \t\f]+/.exec(body)![0] : body;
      const span: Span = { file: UNNAMED, line: lineNo, col: lead + 1, endLine: lineNo, endCol: lead + 1 + word.length, offset: start + lead, length: word.length };
      const shown = word.length > 60 ? `${word.slice(0, 57)}...` : word;
      return [{ ...diagnostic("fmt-not-policy", span, shown, shape), notes: [{ message: `compile stops here: ${first.message}`, span: first.span }] }];
    }
    if (end < 0) return undefined;
    start = end + 1;
  }
}

/** An m4 source with characters checkpolicy rejects where m4 copies them into policy.conf:
 *  compile's diagnostic for each kind, at its first place. */
function strayRefusal(text: string, strays: ReadonlyMap<StrayKind, StrayAt>): FormatError | undefined {
  if (strays.size === 0) return undefined;
  const at = [...strays].sort((a, b) => a[1].offset - b[1].offset);
  const locate = (file: string): Diagnostic[] =>
    at.map(([kind, { line, col, offset }]) =>
      error("bad-character", strayMessage(kind, text, offset), { file, line, col, endLine: line, endCol: col + 1, offset, length: 1 }),
    );
  return new FormatError({ first: locate("<input>")[0]!, locate });
}

/** The canonical layout of a file's text. Throws FormatError when it cannot be laid out safely, or
 *  when compile would refuse the file as it is (a policy.conf that does not parse; in an m4 source,
 *  a character checkpolicy rejects that m4 certainly carries into policy.conf, unless the build
 *  never reads the file: `options.unread`): a formatter does not lay out what does not parse, and
 *  must not quietly drop such a character as a blank. */
export function formatSource(text: string, kind: SourceKind, options: FormatOptions = {}): string {
  const formatter = new Formatter(kind);
  const laidOut = formatter.format(text);
  const refused = kind === "conf" ? unparsed(text) : options.unread ? undefined : strayRefusal(text, formatter.strays);
  if (refused) throw refused;
  // (checked and refused as any policy.conf is, but laid out in its sources)
  const out = kind === "conf" && writtenByM4(text) ? text : laidOut;
  if (!sameNonBlank(text, out)) throw new FormatError("fmt-unsafe");
  return out;
}

/**
 * A policy.conf m4 wrote: `m4 -s` (Xen's Makefile.common, `xsm build --conf`) starts its output
 * with a `#line N "FILE"` directive. Its layout is its sources': the top-level text m4 copies is
 * laid out there, and a macro's expansion is the macro's `define` body, which fmt keeps as written
 * in the .if (m4 -s marks each of its lines with `#line N`: tab-indented statements at the top level,
 * continuation lines three tabs in). Laying the expansions out here made every m4 output of
 * fmt-clean sources fail `xsm fmt --check`, and a rebuild undo a `--write`; so fmt checks such a
 * file and leaves it as it is, as rustfmt leaves a file marked generated.
 */
function writtenByM4(text: string): boolean {
  const eol = text.indexOf("\n");
  const first = lineDirectives(eol < 0 ? text : text.slice(0, eol))[0];
  return first !== undefined && first.offset === 0 && first.file !== undefined;
}
