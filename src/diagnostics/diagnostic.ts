// Diagnostics are data: every stage returns them, one renderer prints them (render.ts). Every code
// is declared in catalog.ts with its severity, message builder and help.
import { CATALOG, type DiagnosticCode, type MessageArgs, type Severity } from "./catalog.js";

export type { DiagnosticCode, Severity } from "./catalog.js";

/** A source location. `file`/`line`/`col` are already mapped through `#line` directives;
 *  `offset`/`length` index the physical text that was parsed, so a renderer can show it. */
export interface Span {
  file: string;
  line: number; // 1-based, mapped
  col: number; // 1-based
  endLine: number;
  endCol: number;
  offset: number; // 0-based into the physical input text
  length: number;
}

/** A place in a binary file (a binary policy): the file as the user named it and a 0-based byte
 *  offset. Text spans have lines; a binary has only offsets, which is all its readers know. */
export interface ByteSpan {
  file: string;
  offset: number;
}

/** The one spelling of a byte location, `FILE: offset N (0xHEX)`: the renderer's and
 *  PolicyError's (hex as a hex dump shows the file). */
export function byteLocation(at: ByteSpan): string {
  return `${at.file}: offset ${at.offset} (0x${at.offset.toString(16)})`;
}

/**
 * One finding, located in source text (`span`: policy.conf, .te/.if files), in a binary file
 * (`byteSpan`: a binary policy), in a JSON document (`path`: a JSON pointer into a scenario
 * file, "" for the whole document), or about a file as a whole (`file`: nothing in it to point at).
 */
export interface Diagnostic {
  /** Stable machine-readable code from the catalog (docs/diagnostics.md), e.g. "syntax", "neverallow". */
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span?: Span;
  /** Where in a binary file, for diagnostics about a binary policy (never with `span`). */
  byteSpan?: ByteSpan;
  /** The file a whole-file finding is about (what a rewrite to another version leaves out, bytes
   *  that are not text): named, with no place in it (never with `span` or `byteSpan`). */
  file?: string;
  /** JSON pointer of the offending value, for diagnostics about a JSON document. */
  path?: string;
  /** With `path`: the place in the JSON text (1-based), when known (a syntax error). */
  line?: number;
  col?: number;
  /** Secondary locations, e.g. the rule that violates a neverallow. */
  notes?: Note[];
  /** With `span` on a name the policy lacks (`written`): the known name it likely `meant` (the
   *  message's "did you mean"). An editor's quick fix puts it in the span's place where the span's
   *  text is `written` (in a tree, a name a macro made from `$1` is not written where it points). */
  suggestion?: { written: string; meant: string };
}

/** A diagnostic's secondary location. */
export interface Note {
  message: string;
  span?: Span;
  /** The m4 macro whose call `span` is, the diagnostic's text being its expansion
   *  (src/build/locate.ts): the message says "in expansion of `M`" and every rendering adds the
   *  call's place from the span (noteText), so renaming the span's file renames it there too. */
  macro?: string;
}

/** A note as the user reads it: a macro call's note with its place, "in expansion of `M` at
 *  FILE:LINE" (GCC's words), any other note as it is. */
export function noteText(note: Note): string {
  return note.macro !== undefined && note.span ? `${note.message} at ${note.span.file}:${note.span.line}` : note.message;
}

/** The note of a call of m4 macro `name` at `span` (the macro's name in the call). */
export function expansionNote(name: string, span: Span): Note {
  return { message: `in expansion of \`${name}\``, span, macro: name };
}

const POLICY_ERROR = Symbol.for("xsm-policy.PolicyError");

/** Thrown by the library entry points (compilePolicy) that cannot return a Result; carries every diagnostic. */
export class PolicyError extends Error {
  /** `instanceof` by a mark every copy of this module gives its errors (as the CLI's CliError): a
   *  program that loads the library twice (CommonJS and ES module copies under tsx, two bundles)
   *  still recognises a PolicyError from either. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [POLICY_ERROR]?: unknown })[POLICY_ERROR] === true;
  }

  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    const where = first?.span ? `${first.span.file}:${first.span.line}:${first.span.col}: ` : first?.byteSpan ? `${byteLocation(first.byteSpan)}: ` : first?.file !== undefined ? `${first.file}: ` : "";
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    super(first ? `${where}${first.message}${more}` : "policy error");
    this.name = "PolicyError";
    this.diagnostics = diagnostics;
  }
}
Object.defineProperty(PolicyError.prototype, POLICY_ERROR, { value: true });

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** A diagnostic of `code` with the catalog's severity and the message its builder makes. */
export function diagnostic<C extends DiagnosticCode>(code: C, span: Span | undefined, ...args: MessageArgs<C>): Diagnostic {
  const entry = CATALOG[code];
  const message = (entry.message as (...a: MessageArgs<C>) => string)(...args);
  return { code, severity: entry.severity, message, span };
}

/** An error worded at its site (codes whose sites word it several ways); `--strict` style
 *  promotions also come here. */
export function error(code: DiagnosticCode, message: string, span?: Span, notes?: Diagnostic["notes"]): Diagnostic {
  return notes ? { code, severity: "error", message, span, notes } : { code, severity: "error", message, span };
}

export function warning(code: DiagnosticCode, message: string, span?: Span): Diagnostic {
  return { code, severity: "warning", message, span };
}

/** `d` placed at a byte offset of a binary file (a binary policy's reader knows only offsets). */
export function inBinary(d: Diagnostic, file: string, offset: number): Diagnostic {
  return { ...d, byteSpan: { file, offset } };
}

/** `d` about `file` as a whole: a finding with no place in the file to point at. */
export function aboutFile(d: Diagnostic, file: string): Diagnostic {
  return { ...d, file };
}

/** A diagnostic about a JSON document (a scenario file) at a JSON pointer. */
export function atPath(code: DiagnosticCode, path: string, message: string): Diagnostic & { path: string } {
  return { code, severity: CATALOG[code].severity, message, path };
}
