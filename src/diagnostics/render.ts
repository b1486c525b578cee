// Diagnostics are rendered here, and only here, in the form compilers use:
//
//   policy.conf:12:7: error: unknown type 'foo_t'
//   allow foo_t bar_t:resource plug;
//         ^~~~~
//
// `file:line:col` is the #line-mapped location; the source line and caret come from the physical
// text that was parsed (span.offset/length), so they show what the parser actually saw. A binary
// policy's diagnostics have no line; they read `xenpolicy: offset 298 (0x12a): error: ...`.
import { SEVERITIES } from "./catalog.js";
import { byteLocation, noteText, type Diagnostic, type Span } from "./diagnostic.js";

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

/** A diagnostic's own place: its text span, its offset in a binary file, or the file it is about
 *  as a whole; else the file the caller names. */
function placeOf(d: Diagnostic, fallbackFile: string): string {
  return d.byteSpan ? byteLocation(d.byteSpan) : location(d.span, d.file ?? fallbackFile);
}

/** What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1, the
 *  invisible and bidi format characters (U+200B-U+200F, U+2028-U+202E, U+2060-U+2069, U+FEFF:
 *  a U+202E reorders the rest of the line on screen) and lone surrogates, which decodePolicyText
 *  makes of bytes that are not UTF-8 (U+DC80 + the byte). */
const UNSHOWABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One unshowable character as clang shows it: `<U+001B>`, or `<E9>` for a byte that is not UTF-8. */
function escapeOne(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c >= 0xdc80 && c <= 0xdcff) return `<${(c - 0xdc00).toString(16).toUpperCase()}>`;
  return `<U+${c.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** Text from a file or a user, safe to print: each unshowable character escaped (newline and tab
 *  kept). Every diagnostic's header goes through it; the CLI's one-line errors too. */
export function escapeUnshowable(text: string): string {
  return text.replace(UNSHOWABLE, escapeOne);
}

/** A window this share or more unshowable (and at least BINARY_MIN characters) is a binary file's
 *  bytes: escaped, it would be a screen of <U+0000>, so the excerpt is left out. */
const BINARY_SHARE = 4;
const BINARY_MIN = 8;

/** Whether text (a policy's, parsed as text) starts with the binary policy magic, 8c ff 7c f9
 *  (the two bytes that are not UTF-8 as decodePolicyText escapes them). */
function hasPolicyMagic(text: string): boolean {
  return text.startsWith("\udc8c\udcff\u007c\udcf9");
}

function binaryNote(text: string): string {
  return hasPolicyMagic(text)
    ? "(source line not shown: the file is a binary policy, by its magic number; xsm compile, check, search, info, diff, why, allow and flow read it as one)"
    : "(source line not shown: it is not text, so the file looks binary; xsm reads a binary policy, checkpolicy's output, by the magic number it starts with, 8c ff 7c f9, which this file lacks)";
}

/** The physical line holding span.offset, and a caret line under the span (clipped to that line).
 *  Unshowable characters are escaped, the caret under what they became; a binary file's line is
 *  not shown, a note says why. */
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
  const raw = text.slice(from, to);
  if (raw.trim() === "") return [];
  const unshowable = raw.match(UNSHOWABLE)?.length ?? 0;
  if (unshowable >= BINARY_MIN && unshowable * BINARY_SHARE >= raw.length) return [binaryNote(text)];
  const col = Math.min(span.offset, to) - from;
  const width = Math.max(1, Math.min(span.length, to - span.offset));
  const before = escapeUnshowable(raw.slice(0, col));
  const under = escapeUnshowable(raw.slice(col, col + width)) || " ";
  // tabs stay tabs so the caret lines up whatever the terminal's tab width
  const pad = before.replace(/[^\t]/g, " ");
  const prefix = from > start ? "..." : "";
  const suffix = to < end ? "..." : "";
  return [`${prefix}${escapeUnshowable(raw)}${suffix}`, `${" ".repeat(prefix.length)}${pad}^${"~".repeat(under.length - 1)}`];
}

/** One diagnostic and its notes, each with its source line and caret when the text is at hand.
 *  A diagnostic about a JSON document reads `file: /json/pointer: message`, or
 *  `file:line:col: message` (`file:line:col: /json/pointer: message`) when it has a place in the text. */
export function renderDiagnostic(d: Diagnostic, text: SpanText, fallbackFile: string): string {
  if (d.path !== undefined) {
    // a JSON document: where the syntax broke (or a key was repeated: then its path too) when
    // known, else the JSON path of the value
    const at = d.line !== undefined ? `${fallbackFile}:${d.line}:${d.col}:${d.path ? ` ${d.path}:` : ""}` : `${fallbackFile}: ${d.path || "/"}:`;
    return escapeUnshowable(`${at} ${d.message}`) + "\n";
  }
  const lines = [escapeUnshowable(`${placeOf(d, fallbackFile)}: ${d.severity}: ${d.message}`)];
  const show = (span: Span | undefined): void => {
    const source = span && textOf(span, text);
    if (span && source !== undefined) lines.push(...excerpt(span, source));
  };
  show(d.span);
  for (const note of d.notes ?? []) {
    lines.push(escapeUnshowable(`${location(note.span, fallbackFile)}: note: ${noteText(note)}`));
    show(note.span);
  }
  return lines.join("\n") + "\n";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** How many of each severity, most severe first, those with none left out: "2 errors, 1 info". */
export function countLine(diags: readonly Diagnostic[]): string {
  return SEVERITIES.map((s) => [s, diags.filter((d) => d.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => plural(n, s))
    .join(", ");
}

/** Every diagnostic, then a count line ("2 errors, 1 warning") when there is any error. */
export function renderDiagnostics(diags: readonly Diagnostic[], text: SpanText, fallbackFile: string): string {
  const out = diags.map((d) => renderDiagnostic(d, text, fallbackFile));
  if (diags.some((d) => d.severity === "error")) out.push(`${countLine(diags)}\n`);
  return out.join("");
}

/** One line, no severity and no excerpt: a diagnostic quoted inside another message (a log line,
 *  a scenario error about the policy it names). Its own place leads; `fallbackFile`, the file the
 *  quoting caller knows it came from, only when it names none (so no file is named twice). */
export function renderInline(d: Diagnostic, fallbackFile?: string): string {
  const placed = d.span !== undefined || d.byteSpan !== undefined || d.file !== undefined;
  if (!placed && fallbackFile === undefined) return d.message;
  return `${placeOf(d, fallbackFile ?? "")}: ${d.message}`;
}
