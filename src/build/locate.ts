// Diagnostics of an m4-built policy.conf, pointed back into the tree's .te and .if files.
//
// `m4 -s` writes `#line N "file"` so every line of policy.conf names the source line it came from;
// a macro's whole expansion names the line that called it. So a diagnostic's line is right, but
// its column counts in the expanded text. Here a diagnostic on a line that m4 copied unchanged
// keeps its column in the source line; one inside a macro's expansion moves to the body line of
// the macro (in the .if or .spt file) that produced the text, with a note per macro level:
// "in expansion of `use_device_iommu` at modules/gpu_drv.te:18" (GCC's "in expansion of macro").
import { expansionNote, noteText, type Diagnostic, type Note, type Span } from "../diagnostics/diagnostic.js";
import { LineMap } from "../policy/lines.js";
import type { LocateRule } from "../policy/reasons.js";
import { macroCalls, substituteLine, type MacroDef } from "./macros.js";

/** Source text of a tree file by the name #line gives it ("modules/xen.te"), or undefined. */
export type SourceLookup = (file: string) => string | undefined;

/** Deepest macro nesting followed (Xen's xen.if nests three levels). */
const MAX_DEPTH = 8;

export interface Found {
  span: Span;
  /** "in expansion of" notes, innermost first. */
  context: Note[];
}

export class Locator {
  private readonly maps = new Map<string, LineMap>();
  /** policy.conf's lines as m4's sync lines name them, which is how the compiler names them too. */
  private readonly confLines: LineMap;

  constructor(
    private readonly conf: string,
    private readonly sources: SourceLookup,
    private readonly macros: ReadonlyMap<string, MacroDef>,
  ) {
    this.confLines = new LineMap(conf, "policy.conf");
  }

  /** The diagnostic with its span and its notes' spans in the tree's files. */
  diagnostic(d: Diagnostic): Diagnostic {
    const out: Diagnostic = { ...d };
    const notes: Note[] = [];
    if (d.span) {
      const found = this.locate(d.span);
      out.span = found.span;
      notes.push(...found.context);
    }
    for (const note of d.notes ?? []) {
      if (!note.span) {
        notes.push(note);
        continue;
      }
      const found = this.locate(note.span);
      notes.push({ ...note, span: found.span }, ...found.context);
    }
    if (notes.length > 0 || d.notes) out.notes = notes;
    return out;
  }

  /** A rule's span in the tree's files with the outermost macro call that wrote it (the .te line):
   *  how the trace, the analysis commands and the studio name a rule of m4's output. */
  readonly rule: LocateRule = (span) => {
    const found = this.locate(span);
    const call = found.context[found.context.length - 1]; // (the notes are innermost first)
    return call ? { span: found.span, expansion: noteText(call) } : { span: found.span };
  };

  /** The diagnostic in the tree's files on one line, its outermost call in the message (a scenario
   *  error is one line at its JSON path). */
  oneLine(d: Diagnostic): Diagnostic {
    const out = this.diagnostic(d);
    if (!d.span) return out;
    const call = this.locate(d.span).context.at(-1);
    return call ? { ...out, message: `${out.message} (${noteText(call)})` } : out;
  }

  private lineMap(file: string, text: string): LineMap {
    let map = this.maps.get(file);
    if (!map) this.maps.set(file, (map = new LineMap(text, file)));
    return map;
  }

  /** Span over [start, end) of a tree file. */
  private spanIn(file: string, text: string, start: number, end: number): Span {
    return this.lineMap(file, text).span(start, end);
  }

  /** A span of policy.conf in the tree's files, with its "in expansion of" notes. */
  locate(span: Span): Found {
    const unchanged: Found = { span, context: [] };
    if (span.offset < 0 || span.offset > this.conf.length) return unchanged;
    // a span of policy.conf (not of a tree file or a scenario) is where the compiler's map puts it:
    // the file and line m4 wrote it from (src/policy/lines.ts reads every sync line m4 writes)
    const from = this.confLines.position(span.offset);
    if (from.file !== span.file || from.line !== span.line) return unchanged;
    const src = this.sources(from.file);
    if (src === undefined) return unchanged;
    const bounds = lineBounds(src, from.line);
    if (!bounds) return unchanged;
    const [sStart, sEnd] = bounds;
    const confStart = this.conf.lastIndexOf("\n", span.offset - 1) + 1;
    let confEnd = this.conf.indexOf("\n", span.offset);
    if (confEnd < 0) confEnd = this.conf.length;
    const confLine = this.conf.slice(confStart, confEnd);
    const col = span.offset - confStart;
    const length = Math.max(1, Math.min(span.length, confEnd - span.offset));
    const sourceLine = src.slice(sStart, sEnd);

    if (sourceLine === confLine) {
      return { span: this.spanIn(from.file, src, sStart + col, sStart + col + length), context: [] };
    }
    const occurrence = this.occurrence(confStart, confLine, from);
    for (const call of macroCalls(src, sStart, sEnd, this.macros)) {
      const inner = this.inMacro(call.name, call.args, confLine, col, length, occurrence, 0);
      if (!inner) continue;
      const at = this.spanIn(from.file, src, call.offset, call.offset + call.name.length);
      inner.context.push(expansionNote(call.name, at));
      return inner;
    }
    // not traced into a body line (m4 builtins such as ifelse and shift wrote it): the same text
    // on the source line, else the line's start; still named as a macro's expansion
    const token = this.conf.slice(span.offset, span.offset + length);
    const at = sourceLine.indexOf(token);
    if (at < 0) {
      // a builtin's quoted argument copied as it stands (Xen's policy/mls is one
      // ifdef(`enable_mls', ...)): m4 names each of its lines by the call's line
      const copied = copiedLine(src, sEnd, confLine, occurrence);
      if (copied !== undefined) return { span: this.spanIn(from.file, src, copied + col, copied + col + length), context: [] };
    }
    const start = at >= 0 ? sStart + at : sStart + firstNonBlank(sourceLine);
    const found = { span: this.spanIn(from.file, src, start, at >= 0 ? start + token.length : Math.max(start + 1, sEnd)), context: [] as Note[] };
    const call = macroCalls(src, sStart, sEnd, this.macros)[0];
    if (call) {
      const callSpan = this.spanIn(from.file, src, call.offset, call.offset + call.name.length);
      found.context.push(expansionNote(call.name, callSpan));
    }
    return found;
  }

  /** How many earlier lines of the same expansion read exactly like this one: when a body writes
   *  one line twice, the n-th copy is matched to the n-th line of the body. */
  private occurrence(confStart: number, confLine: string, from: { file: string; line: number }): number {
    let n = 0;
    let end = confStart - 1;
    for (let guard = 0; end > 0 && guard < 4096; guard++) {
      const start = this.conf.lastIndexOf("\n", end - 1) + 1;
      const line = this.conf.slice(start, end);
      if (!line.startsWith("#line")) {
        const pos = this.confLines.position(start);
        if (pos.file !== from.file || pos.line !== from.line) break;
        if (line === confLine) n++;
      }
      end = start - 1;
    }
    return n;
  }

  /** Finds the body line of `name` (called with `args`) that expands to confLine, following
   *  nested calls; the span points at the column of `col` in that body line. */
  private inMacro(name: string, args: readonly string[], confLine: string, col: number, length: number, occurrence: number, depth: number): Found | undefined {
    const def = this.macros.get(name);
    if (!def || depth > MAX_DEPTH) return undefined;
    const src = this.sources(def.file);
    if (src === undefined) return undefined;
    const lines = def.body.split("\n");
    const starts: number[] = [];
    let offset = def.bodyOffset;
    for (const line of lines) {
      starts.push(offset);
      offset += line.length + 1;
    }
    const subs = lines.map((line) => substituteLine(line, args));

    const matches: Array<{ i: number; shift: number }> = [];
    subs.forEach((sub, i) => {
      if (sub.text.trim() === "") return;
      if (sub.text === confLine) matches.push({ i, shift: 0 });
      else if (i === 0 && confLine.endsWith(sub.text)) matches.push({ i, shift: confLine.length - sub.text.length });
      else if (i === lines.length - 1 && confLine.startsWith(sub.text)) matches.push({ i, shift: 0 });
    });
    const hit = matches.filter((m) => col - m.shift >= 0 && col - m.shift < subs[m.i]!.text.length);
    if (hit.length > 0) {
      const { i, shift } = hit[occurrence % hit.length]!;
      const origin = subs[i]!.origin[col - shift];
      const fromArg = lines[i]![origin!] === "$";
      const start = starts[i]! + origin!;
      const len = fromArg ? 2 : Math.min(length, lines[i]!.length - origin!);
      return { span: this.spanIn(def.file, src, start, start + Math.max(1, len)), context: [] };
    }
    for (let i = 0; i < lines.length; i++) {
      const sub = subs[i];
      for (const call of macroCalls(sub!.text, 0, sub!.text.length, this.macros)) {
        if (call.name === name) continue;
        const inner = this.inMacro(call.name, call.args, confLine, col, length, occurrence, depth + 1);
        if (!inner) continue;
        const at = starts[i]! + sub!.origin[call.offset]!;
        const line = this.lineMap(def.file, src).position(at).line;
        inner.context.push(expansionNote(call.name, this.spanIn(def.file, src, at, at + call.name.length)));
        return inner;
      }
    }
    return undefined;
  }
}

/** [start, end) of 1-based line `line` in text, or undefined past its end. */
function lineBounds(text: string, line: number): [number, number] | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf("\n", start);
  if (end < 0) end = text.length;
  return [start, end];
}

function firstNonBlank(line: string): number {
  const m = /\S/.exec(line);
  return m ? m.index : 0;
}

/** The start of the `occurrence`-th line after `from` that reads exactly `line` (not blank). */
function copiedLine(text: string, from: number, line: string, occurrence: number): number | undefined {
  if (line.trim() === "") return undefined;
  let seen = 0;
  for (let start = from + 1; start > 0 && start <= text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (text.slice(start, end) === line && seen++ === occurrence) return start;
    start = end + 1;
  }
  return undefined;
}
