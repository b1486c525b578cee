// `xsm fmt`: one canonical layout for policy.conf and for the m4 sources of a Xen policy tree
// (.te, .if, .spt, .cons, policy/*), like gofmt: indentation by nesting (one tab per open brace or
// parenthesis, and per m4 `define` body), one blank between words, no blank before `;` or `,`, one
// after `,` and around braces, no trailing blanks, no runs of blank lines.
//
// It changes only blanks, and never joins or splits lines, so a formatted policy means what the
// original meant. m4 is respected: quoted strings and a macro call's arguments are kept exactly as
// written (m4 keeps their blanks), and only a `define`'s body is laid out as policy text. A
// `#` comment is kept as written. A last check refuses any output whose non-blank characters differ
// from the input's.

import type { MessageArgs } from "../diagnostics/catalog.js";
import { diagnostic, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";

export type SourceKind = "conf" | "m4";

/** conf for `*.conf` (plain checkpolicy input), m4 for every other file of a policy tree. */
/** Indentation stops growing here: a conditional nested as deep as checkpolicy reads (9,987
 *  levels, one per line) would otherwise grow by the square of its depth, past any file limit. */
const MAX_INDENT = 64;

export function kindOf(path: string): SourceKind {
  return path.endsWith(".conf") ? "conf" : "m4";
}

/** Why a file cannot be laid out safely: a diagnostic of the catalog's `fmt-*` codes, at a line
 *  when one is to blame. */
export class FormatError extends Error {
  readonly line?: number;
  /** The 1-based column of the one character to blame (a carriage return); else the whole line. */
  readonly col?: number;
  readonly code: FormatCode;
  private readonly args: MessageArgs<FormatCode>;
  constructor(code: "fmt-carriage-return", at: { line: number; col: number });
  constructor(code: "fmt-unsafe", line?: undefined);
  constructor(code: "fmt-unopened", line: number, close: "}" | ")");
  constructor(code: "fmt-unclosed", line: number | undefined, what: "quote" | "call" | "define" | "brace");
  constructor(code: FormatCode, at?: number | { line: number; col: number }, ...args: unknown[]) {
    const d = diagnostic(code, undefined, ...(args as MessageArgs<FormatCode>));
    super(d.message);
    this.name = "FormatError";
    this.code = code;
    this.line = typeof at === "object" ? at.line : at;
    this.col = typeof at === "object" ? at.col : undefined;
    this.args = args as MessageArgs<FormatCode>;
  }

  /** The diagnostic, located in `file` (whose text is `text`): the whole line to blame. */
  diagnostic(file: string, text: string): Diagnostic {
    if (this.line === undefined) return diagnostic(this.code, undefined, ...this.args);
    let offset = 0;
    for (let n = 1; n < this.line && offset >= 0; n++) offset = text.indexOf("\n", offset) + 1 || -1;
    if (offset < 0) return diagnostic(this.code, undefined, ...this.args);
    const end = text.indexOf("\n", offset);
    const line = text.slice(offset, end < 0 ? text.length : end);
    if (this.col !== undefined) {
      const span: Span = { file, line: this.line, col: this.col, endLine: this.line, endCol: this.col + 1, offset: offset + this.col - 1, length: 1 };
      return diagnostic(this.code, span, ...this.args);
    }
    const lead = line.length - line.trimStart().length;
    const length = Math.max(1, line.trim().length);
    const span: Span = { file, line: this.line, col: lead + 1, endLine: this.line, endCol: lead + 1 + length, offset: offset + lead, length };
    return diagnostic(this.code, span, ...this.args);
  }
}

type FormatCode = "fmt-carriage-return" | "fmt-unopened" | "fmt-unclosed" | "fmt-unsafe";

/** What the scanner is inside of at a point of the text. */
type Frame =
  | { kind: "code"; define: boolean; braces: number; parens: number; braceLines?: number[] }
  | { kind: "quote"; depth: number } // an m4 quoted string, kept verbatim
  | { kind: "args"; parens: number; quote: number }; // an m4 call's argument list, kept verbatim

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);

class Formatter {
  private readonly stack: Frame[] = [{ kind: "code", define: false, braces: 0, parens: 0 }];
  private readonly out: string[] = [];

  constructor(private readonly kind: SourceKind) {}

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Indentation of a line starting in code: open braces and parentheses of every code frame,
   *  plus one per define body. */
  private depth(): number {
    let n = 0;
    for (const f of this.stack) if (f.kind === "code") n += f.braces + f.parens + (f.define ? 1 : 0);
    return n;
  }

  format(text: string): string {
    const cr = crOutsideComment(text);
    if (cr !== undefined) throw new FormatError("fmt-carriage-return", cr);
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    let blank = 0;
    lines.forEach((line, i) => {
      const startsInCode = this.top().kind === "code";
      if (startsInCode && line.trim() === "") {
        blank++;
        return;
      }
      if (blank > 0 && this.out.length > 0) this.out.push("");
      blank = 0;
      this.out.push(this.line(line, startsInCode, i + 1));
    });
    if (this.stack.length > 1 && this.kind === "m4") {
      const f = this.top();
      throw new FormatError("fmt-unclosed", undefined, f.kind === "quote" ? "quote" : f.kind === "args" ? "call" : "define");
    }
    // a '{' never closed would indent the rest of the file by it: refused at that brace's line
    const outer = this.stack[0]!;
    if (outer.kind === "code" && outer.braces > 0) throw new FormatError("fmt-unclosed", outer.braceLines?.[outer.braces - 1], "brace");
    return this.out.length === 0 ? "" : `${this.out.join("\n")}\n`;
  }

  /** One physical line. */
  private line(line: string, startsInCode: boolean, lineNo: number): string {
    if (!startsInCode) {
      // the line starts inside a quote or a call's arguments: verbatim up to where that ends
      const end = this.verbatim(line, 0);
      if (end >= line.length) return line;
      return line.slice(0, end) + this.code(line.slice(end), lineNo).trimEnd();
    }
    const body = line.trim();
    if (body.startsWith("#line")) return body;
    let depth = this.depth();
    if (body.startsWith("}") || body.startsWith(")")) depth--;
    else if (body.startsWith("'") && this.closesDefine()) depth--;
    const laid = this.code(body, lineNo);
    return `${"\t".repeat(Math.min(MAX_INDENT, Math.max(0, depth)))}${laid}`.trimEnd();
  }

  private closesDefine(): boolean {
    const f = this.top();
    return f.kind === "code" && f.define && f.braces === 0 && f.parens === 0;
  }

  /** Scans verbatim text from `from` while a quote or argument frame is open; returns where the
   *  frame (and any it nests in) closed, or line.length. */
  private verbatim(line: string, from: number): number {
    for (let i = from; i < line.length; i++) {
      const f = this.top();
      if (f.kind === "code") return i;
      const c = line[i];
      if (f.kind === "quote") {
        if (c === "`") f.depth++;
        else if (c === "'" && --f.depth === 0) this.stack.pop();
        continue;
      }
      if (f.quote > 0) {
        if (c === "`") f.quote++;
        else if (c === "'") f.quote--;
      } else if (c === "`") f.quote = 1;
      else if (c === "(") f.parens++;
      else if (c === ")" && --f.parens === 0) this.stack.pop();
    }
    return line.length;
  }

  /** Lays out code text (no leading blanks), switching to verbatim for quotes and m4 calls. */
  private code(text: string, lineNo: number): string {
    let out = "";
    const space = () => {
      if (out !== "" && !out.endsWith(" ")) out += " ";
    };
    for (let i = 0; i < text.length; i++) {
      const f = this.top();
      if (f.kind !== "code") {
        const end = this.verbatim(text, i);
        out += text.slice(i, end);
        i = end - 1;
        continue;
      }
      const c = text[i];
      if (c === " " || c === "\t") {
        space();
        continue;
      }
      if (c === "#" && !(f.define && /[`']/.test(text.slice(i)))) {
        // a comment, kept as written (in a define body m4 sees quotes in it, so those go on below)
        space();
        if (out === " ") out = "";
        return out + text.slice(i).trimEnd();
      }
      if (this.kind === "m4" && c === "`") {
        this.stack.push({ kind: "quote", depth: 1 });
        out += c;
        continue;
      }
      if (this.kind === "m4" && c === "'" && f.define && f.braces === 0 && f.parens === 0) {
        // the define body's closing quote: back to the define call's arguments
        this.stack.pop();
        if (out.endsWith(" ") && out.trim() === "") out = "";
        out += c;
        continue;
      }
      if (this.kind === "m4" && c === "(" && isWordChar(text[i - 1])) {
        const name = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(0, i))?.[0];
        if (name === "define" && this.startDefine(text, i)) {
          const m = /^\(\s*`[^`']*'\s*,\s*`/.exec(text.slice(i))!;
          out += m[0];
          i += m[0].length - 1;
          continue;
        }
        // an m4 macro call: its arguments are kept exactly
        this.stack.push({ kind: "args", parens: 0, quote: 0 });
        const end = this.verbatim(text, i);
        out += text.slice(i, end);
        i = end - 1;
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
      if (c === "(") f.parens++;
      if (c === ")") {
        if (f.parens === 0) {
          if (f.define || this.stack.length > 1) throw new FormatError("fmt-unopened", lineNo, ")");
        } else f.parens--;
      }
      out += c;
    }
    return out;
  }

  /** `define(`name', `BODY...`: the body is laid out as code in a define frame; true when the
   *  call has that shape (else it is kept verbatim like any call). */
  private startDefine(text: string, open: number): boolean {
    if (!/^\(\s*`[^`']*'\s*,\s*`/.test(text.slice(open))) return false;
    // the define call's own argument list holds the body; after the body, `)` ends it
    this.stack.push({ kind: "args", parens: 1, quote: 0 });
    this.stack.push({ kind: "code", define: true, braces: 0, parens: 0 });
    return true;
  }
}

/** The line and column of the first carriage return outside a comment, or undefined. checkpolicy
 *  rejects those ('unrecognized character') and reads one in a comment (a `#` before it on its
 *  line, the rule the compiler applies, src/policy/parse.ts), so fmt accepts what compile accepts:
 *  a CR in a comment is kept, or dropped at the end of the line as any trailing blank is. */
function crOutsideComment(text: string): { line: number; col: number } | undefined {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\r"); i !== -1; i = text.indexOf("\r", i + 1)) {
    for (let nl = text.indexOf("\n", start); nl !== -1 && nl < i; nl = text.indexOf("\n", start)) {
      line++;
      start = nl + 1;
    }
    const hash = text.indexOf("#", start);
    if (hash === -1 || hash > i) return { line, col: i - start + 1 };
  }
  return undefined;
}

/** Only blanks differ: the same non-blank characters in the same order. */
function sameNonBlank(a: string, b: string): boolean {
  return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
}

/** The canonical layout of a file's text. Throws FormatError when it cannot be laid out safely. */
export function formatSource(text: string, kind: SourceKind): string {
  const out = new Formatter(kind).format(text);
  if (!sameNonBlank(text, out)) throw new FormatError("fmt-unsafe");
  return out;
}
