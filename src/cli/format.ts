// Diagnostics for machines: `--format json` (one document, every diagnostic with its code,
// severity, location, message and notes) and `--format sarif` (SARIF 2.1.0, the OASIS format
// code-scanning services read). Plain text (render.ts) stays the default. Columns are 1-based and
// an end column is one past the last character, as in SARIF's region.
import { posix } from "node:path";
import type * as Sarif from "sarif";
import { diagnostic, noteText, type ByteSpan, type Diagnostic, type Note, type Span } from "../diagnostics/diagnostic.js";
import type { SourceLookup } from "../build/locate.js";
import { CliError, packageVersion } from "./io.js";
import type { CliContext } from "./context.js";
import { renderDiagnostics, type SpanText } from "../diagnostics/render.js";

export type OutputFormat = "text" | "json" | "sarif";
export const FORMATS: readonly OutputFormat[] = ["text", "json", "sarif"];

export interface LocationJson {
  file: string | null;
  line: number | null;
  column: number | null;
  endLine: number | null;
  endColumn: number | null;
}

export interface DiagnosticJson extends LocationJson {
  /** A binary policy's diagnostic: the 0-based byte offset in `file` (line and column are null). */
  byteOffset?: number;
  code: string;
  severity: Diagnostic["severity"];
  message: string;
  notes: Array<LocationJson & { message: string }>;
  /** A mistyped name (`written`, where the diagnostic points when written there) and the known
   *  name it likely `meant` (the message's "did you mean"). */
  suggestion?: { written: string; meant: string };
}

/** A policy tree's diagnostics as the user reaches its files from where xsm ran, as a compiler
 *  names them: each file the tree's `#line`s name (relative to the tree) joined to the tree's
 *  path as given (`examples/xen-flask/modules/domU.te`; an absolute DIR gives absolute names), in
 *  spans and notes' spans (a macro call's note says its place from its span: noteText). Text, JSON
 *  and SARIF then name the same file; `text` reads the excerpts by those names. */
export function inTree(diags: readonly Diagnostic[], dir: string, sources: SourceLookup): { diagnostics: Diagnostic[]; text: SpanText } {
  const base = dir.split("\\").join("/");
  const named = new Map<string, string>();
  const name = (file: string): string => {
    const to = posix.isAbsolute(file) ? file : posix.join(base, file);
    named.set(to, file);
    return to;
  };
  const span = (s: Span): Span => ({ ...s, file: name(s.file) });
  const note = (n: Note): Note => (n.span ? { ...n, span: span(n.span) } : n);
  const diagnostics = diags.map((d): Diagnostic => ({ ...d, ...(d.span ? { span: span(d.span) } : {}), ...(d.notes ? { notes: d.notes.map(note) } : {}) }));
  return { diagnostics, text: (file) => sources(named.get(file) ?? file) };
}

/** A text span's place; a whole file's (`file`, the file a diagnostic is about as a whole) is its
 *  name, no line. */
function locationJson(span: Span | undefined, file?: string): LocationJson {
  if (!span) return { file: file ?? null, line: null, column: null, endLine: null, endColumn: null };
  return { file: span.file, line: span.line, column: span.col, endLine: span.endLine, endColumn: span.endCol };
}

/** A place in a binary: its file, no line; the offset beside it (byteOffset). */
function byteLocationJson(at: ByteSpan): LocationJson & { byteOffset: number } {
  return { file: at.file, line: null, column: null, endLine: null, endColumn: null, byteOffset: at.offset };
}

export function diagnosticJson(d: Diagnostic): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.byteSpan ? byteLocationJson(d.byteSpan) : locationJson(d.span, d.file)),
    notes: (d.notes ?? []).map((n) => ({ message: noteText(n), ...locationJson(n.span) })),
    ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}),
  };
}

/** The JSON document: `ok` is false when any diagnostic is an error; `extra` adds the command's
 *  own answer (a compile's summary). */
export function jsonDocument(diags: readonly Diagnostic[], extra: Record<string, unknown> = {}): string {
  const doc = {
    ok: !diags.some((d) => d.severity === "error"),
    diagnostics: diags.map((d) => diagnosticJson(d)),
    ...extra,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function sarifLocation(span: Span): Sarif.PhysicalLocation {
  return {
    artifactLocation: { uri: encodeURI(span.file) },
    region: { startLine: span.line, startColumn: span.col, endLine: span.endLine, endColumn: span.endCol },
  };
}

/** SARIF's region for a binary artifact: a byteOffset, no lines. */
function sarifByteLocation(at: ByteSpan): Sarif.PhysicalLocation {
  return { artifactLocation: { uri: encodeURI(at.file) }, region: { byteOffset: at.offset } };
}

/** SARIF 2.1.0's level of each severity (3.27.10): info and hint are `note`, "a minor problem or
 *  an opportunity to improve the code"; neither fails a run, as neither fails `xsm lint`. */
const SARIF_LEVEL: Readonly<Record<Diagnostic["severity"], Sarif.Result.level>> = { error: "error", warning: "warning", info: "note", hint: "note" };

/** A SARIF 2.1.0 log with one run of xsm: one rule per diagnostic code met, one result per
 *  diagnostic, its notes as related locations. */
export function sarifLog(diags: readonly Diagnostic[], version: string): Sarif.Log {
  const ruleIndex = new Map<string, number>();
  const rules: Sarif.ReportingDescriptor[] = [];
  const results: Sarif.Result[] = diags.map((d) => {
    let index = ruleIndex.get(d.code);
    if (index === undefined) {
      ruleIndex.set(d.code, (index = rules.length));
      rules.push({ id: d.code, name: d.code });
    }
    const result: Sarif.Result = {
      ruleId: d.code,
      ruleIndex: index,
      level: SARIF_LEVEL[d.severity],
      message: { text: d.message },
    };
    if (d.span) result.locations = [{ physicalLocation: sarifLocation(d.span) }];
    else if (d.byteSpan) result.locations = [{ physicalLocation: sarifByteLocation(d.byteSpan) }];
    // a whole file: the artifact, no region
    else if (d.file !== undefined) result.locations = [{ physicalLocation: { artifactLocation: { uri: encodeURI(d.file) } } }];
    const related = (d.notes ?? []).map((n, id): Sarif.Location => {
      const loc: Sarif.Location = { id, message: { text: noteText(n) } };
      if (n.span) loc.physicalLocation = sarifLocation(n.span);
      return loc;
    });
    if (related.length > 0) result.relatedLocations = related;
    return result;
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "xsm", semanticVersion: version, rules } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

/** Everything a command needs to report diagnostics in the format asked for. */
export interface Report {
  format: OutputFormat;
  /** Text for source excerpts (text format only). */
  text: SpanText;
  fallbackFile: string;
}


/** Writes diagnostics (and, for json, the command's extra fields) to stdout in a machine format,
 *  or renders them to stderr as text. */
export function writeDiagnostics(cli: CliContext, diags: readonly Diagnostic[], report: Report, extra: Record<string, unknown> = {}): void {
  if (report.format === "json") cli.io.stdout.write(jsonDocument(diags, extra));
  else if (report.format === "sarif") cli.io.stdout.write(`${JSON.stringify(sarifLog(diags, packageVersion()), null, 2)}\n`);
  else if (diags.length > 0) cli.io.stderr.write(renderDiagnostics(diags, report.text, report.fallbackFile));
}

/** A failed run's diagnostics: written in the format asked for, then exit 1. */
export function failWith(cli: CliContext, diags: readonly Diagnostic[], report: Report): never {
  if (report.format === "text") throw new CliError(renderDiagnostics(diags, report.text, report.fallbackFile), 1, true);
  writeDiagnostics(cli, diags, report);
  throw new CliError("", 1, true);
}

/** Runs a command body; in a machine format, a plain input error (a missing file, an invalid
 *  context) becomes one diagnostic without a location in the document, so stdout is always one
 *  document. */
export async function withFormat(cli: CliContext, format: OutputFormat, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (format === "text" || !(err instanceof CliError) || err.rendered || err.exitCode !== 1) throw err;
    writeDiagnostics(cli, [diagnostic("input", undefined, err.message)], { format, text: undefined, fallbackFile: "" });
    throw new CliError("", 1, true);
  }
}
