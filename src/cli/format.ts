// Diagnostics for machines: `--format json` (one document, every diagnostic with its code,
// severity, location, message and notes) and `--format sarif` (SARIF 2.1.0, the OASIS format
// code-scanning services read). Plain text (render.ts) stays the default. Columns are 1-based and
// an end column is one past the last character, as in SARIF's region.
import { posix } from "node:path";
import type * as Sarif from "sarif";
import { diagnostic, type ByteSpan, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
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
}

/** Where diagnostics' file names are relative to (a built tree's directory), so that machine
 *  output names files a reader can open from where xsm ran. */
export interface FormatOptions {
  base?: string;
}

function fileOf(span: Span, opts: FormatOptions): string {
  return opts.base ? posix.join(opts.base.split("\\").join("/"), span.file) : span.file;
}

/** A text span's place; a whole file's (`file`, the file a diagnostic is about as a whole) is its
 *  name, no line. */
function locationJson(span: Span | undefined, opts: FormatOptions, file?: string): LocationJson {
  if (!span) return { file: file ?? null, line: null, column: null, endLine: null, endColumn: null };
  return { file: fileOf(span, opts), line: span.line, column: span.col, endLine: span.endLine, endColumn: span.endCol };
}

/** A place in a binary: its file, no line; the offset beside it (byteOffset). */
function byteLocationJson(at: ByteSpan): LocationJson & { byteOffset: number } {
  return { file: at.file, line: null, column: null, endLine: null, endColumn: null, byteOffset: at.offset };
}

export function diagnosticJson(d: Diagnostic, opts: FormatOptions = {}): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.byteSpan ? byteLocationJson(d.byteSpan) : locationJson(d.span, opts, d.file)),
    notes: (d.notes ?? []).map((n) => ({ message: n.message, ...locationJson(n.span, opts) })),
  };
}

/** The JSON document: `ok` is false when any diagnostic is an error; `extra` adds the command's
 *  own answer (a compile's summary). */
export function jsonDocument(diags: readonly Diagnostic[], opts: FormatOptions = {}, extra: Record<string, unknown> = {}): string {
  const doc = {
    ok: !diags.some((d) => d.severity === "error"),
    diagnostics: diags.map((d) => diagnosticJson(d, opts)),
    ...extra,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function sarifLocation(span: Span, opts: FormatOptions): Sarif.PhysicalLocation {
  return {
    artifactLocation: { uri: encodeURI(fileOf(span, opts)) },
    region: { startLine: span.line, startColumn: span.col, endLine: span.endLine, endColumn: span.endCol },
  };
}

/** SARIF's region for a binary artifact: a byteOffset, no lines. */
function sarifByteLocation(at: ByteSpan): Sarif.PhysicalLocation {
  return { artifactLocation: { uri: encodeURI(at.file) }, region: { byteOffset: at.offset } };
}

/** A SARIF 2.1.0 log with one run of xsm: one rule per diagnostic code met, one result per
 *  diagnostic, its notes as related locations. */
export function sarifLog(diags: readonly Diagnostic[], version: string, opts: FormatOptions = {}): Sarif.Log {
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
      level: d.severity === "error" ? "error" : "warning",
      message: { text: d.message },
    };
    if (d.span) result.locations = [{ physicalLocation: sarifLocation(d.span, opts) }];
    else if (d.byteSpan) result.locations = [{ physicalLocation: sarifByteLocation(d.byteSpan) }];
    // a whole file: the artifact, no region
    else if (d.file !== undefined) result.locations = [{ physicalLocation: { artifactLocation: { uri: encodeURI(d.file) } } }];
    const related = (d.notes ?? []).map((n, id): Sarif.Location => {
      const loc: Sarif.Location = { id, message: { text: n.message } };
      if (n.span) loc.physicalLocation = sarifLocation(n.span, opts);
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
  opts?: FormatOptions;
}


/** Writes diagnostics (and, for json, the command's extra fields) to stdout in a machine format,
 *  or renders them to stderr as text. */
export function writeDiagnostics(cli: CliContext, diags: readonly Diagnostic[], report: Report, extra: Record<string, unknown> = {}): void {
  if (report.format === "json") cli.io.stdout.write(jsonDocument(diags, report.opts, extra));
  else if (report.format === "sarif") cli.io.stdout.write(`${JSON.stringify(sarifLog(diags, packageVersion(), report.opts), null, 2)}\n`);
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
