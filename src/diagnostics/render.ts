// Diagnostics are rendered here, and only here, in the form compilers use:
//
//   policy.conf:12:7: error: unknown type 'foo_t'
//   allow foo_t bar_t:resource plug;
//         ^~~~~
//
// `file:line:col` is the #line-mapped location; the source line and caret come from the physical
// text that was parsed (span.offset/length), so they show what the parser actually saw.
import type { Diagnostic, Span } from "./diagnostic.js";

/** The text spans index: one parsed text, or (for a built tree, whose spans point into its
 *  .te/.if files) the text of the file a span names. */
export type SpanText = string | undefined | ((file: string) => string | undefined);

function textOf(span: Span, text: SpanText): string | undefined {
  return typeof text === "function" ? text(span.file) : text;
}

/** Longest source excerpt shown; a 50 MB one-line file must not be echoed back. */
const MAX_EXCERPT = 160;

function location(span: Span | undefined, fallbackFile: string): string {
  return span ? `${span.file}:${span.line}:${span.col}` : fallbackFile;
}

/** The physical line holding span.offset, and a caret line under the span (clipped to that line). */
function excerpt(span: Span, text: string): string[] {
  if (span.offset < 0 || span.offset > text.length) return [];
  const start = text.lastIndexOf("\n", span.offset - 1) + 1;
  let end = text.indexOf("\n", span.offset);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === "\r") end--;
  let from = start;
  let to = end;
  // keep long lines readable: a window around the span
  if (to - from > MAX_EXCERPT) {
    from = Math.max(start, span.offset - MAX_EXCERPT / 2);
    to = Math.min(end, from + MAX_EXCERPT);
  }
  // a control character (a binary file's bytes, an escape sequence) is shown as U+FFFD, one
  // column as it was, so the terminal is not driven by the file and the caret stays under it
  const line = text.slice(from, to).replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "\uFFFD");
  if (line.trim() === "") return [];
  const col = Math.min(span.offset, to) - from;
  const width = Math.max(1, Math.min(span.length, to - span.offset));
  // tabs stay tabs so the caret lines up whatever the terminal's tab width
  const pad = line.slice(0, col).replace(/[^\t]/g, " ");
  const prefix = from > start ? "..." : "";
  const suffix = to < end ? "..." : "";
  return [`${prefix}${line}${suffix}`, `${" ".repeat(prefix.length)}${pad}^${"~".repeat(width - 1)}`];
}

/** One diagnostic and its notes, each with its source line and caret when the text is at hand.
 *  A diagnostic about a JSON document reads `file: /json/pointer: message`. */
export function renderDiagnostic(d: Diagnostic, text: SpanText, fallbackFile: string): string {
  if (d.path !== undefined) {
    // a JSON document: where the syntax broke when known, else the JSON path of the value
    return d.line !== undefined ? `${fallbackFile}:${d.line}:${d.col}: ${d.message}\n` : `${fallbackFile}: ${d.path || "/"}: ${d.message}\n`;
  }
  const lines = [`${location(d.span, fallbackFile)}: ${d.severity}: ${d.message}`];
  const show = (span: Span | undefined): void => {
    const source = span && textOf(span, text);
    if (span && source !== undefined) lines.push(...excerpt(span, source));
  };
  show(d.span);
  for (const note of d.notes ?? []) {
    lines.push(`${location(note.span, fallbackFile)}: note: ${note.message}`);
    show(note.span);
  }
  return lines.join("\n") + "\n";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Every diagnostic, then a count line ("2 errors, 1 warning") when there is any error. */
export function renderDiagnostics(diags: readonly Diagnostic[], text: SpanText, fallbackFile: string): string {
  const out = diags.map((d) => renderDiagnostic(d, text, fallbackFile));
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.length - errors;
  if (errors > 0) {
    out.push(warnings > 0 ? `${plural(errors, "error")}, ${plural(warnings, "warning")}\n` : `${plural(errors, "error")}\n`);
  }
  return out.join("");
}

/** One line, no severity and no excerpt: a diagnostic quoted inside another message (a log line,
 *  a scenario error about the policy it names). */
export function renderInline(d: Diagnostic): string {
  const at = d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : "";
  return `${at}${d.message}`;
}
