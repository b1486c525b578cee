// Runs one fuzz case through the whole compiler as `xsm compile -o` does (bytes decoded as the CLI
// decodes them, every stage, then the binary writer) and says what happened: a verdict, or a
// crash (an exception that is not a PolicyError: exit 70 in the CLI), with every diagnostic's span
// checked (inside the file, end not before start).
import { compileBinary } from "../../src/binary/compile.js";
import { decodePolicyText } from "../../src/io/read.js";
import { PolicyError, type Diagnostic, type Span } from "../../src/diagnostics/diagnostic.js";
import { runStages } from "./stages.js";

export type Verdict = "accept" | "reject" | "warned";

export interface CaseResult {
  /** accept; reject; or accepted with a warning that checkpolicy rejects the file. */
  verdict: Verdict;
  /** xsm rejected it only because of its own limit (nesting, operators), which checkpolicy lacks. */
  ownLimit: boolean;
  ms: number;
  crash?: string;
  badSpans: string[];
  diagnostics: readonly Diagnostic[];
}

/** What is wrong with a span over `text`, or undefined. */
export function spanProblem(span: Span, text: string): string | undefined {
  if (!(span.offset >= 0 && span.length >= 0 && span.offset + span.length <= text.length)) return `offset ${span.offset}+${span.length} outside a text of ${text.length}`;
  if (!(span.line >= 1 && span.col >= 1)) return `line ${span.line} col ${span.col}`;
  if (span.endLine < span.line || (span.endLine === span.line && span.endCol < span.col)) return `end ${span.endLine}:${span.endCol} before start ${span.line}:${span.col}`;
  return undefined;
}

export function checkSpans(diagnostics: readonly Diagnostic[], text: string): string[] {
  const bad: string[] = [];
  for (const d of diagnostics) {
    for (const s of [d.span, ...(d.notes ?? []).map((n) => n.span)]) {
      if (s === undefined) continue;
      const p = spanProblem(s, text);
      if (p !== undefined) bad.push(`${d.code}: ${d.message.slice(0, 100)}: ${p}`);
    }
  }
  return bad;
}

/** `binary`: also write the binary policy of an accepted case (the writer's tables make it the
 *  slowest stage, so long runs do it for a share of the cases). */
export function runCase(bytes: Uint8Array, file = "fuzz.conf", binary = true): CaseResult {
  const t = performance.now();
  const text = decodePolicyText(bytes);
  let diagnostics: readonly Diagnostic[] = [];
  try {
    const r = runStages(text, file);
    diagnostics = r.diagnostics;
    if (r.ok && binary) {
      try {
        compileBinary(text, { file });
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
      }
    }
    const errors = diagnostics.filter((d) => d.severity === "error");
    const verdict: Verdict = errors.length > 0 ? "reject" : diagnostics.some((d) => d.code === "checkpolicy-limit") ? "warned" : "accept";
    const ownLimit = errors.length > 0 && errors.every((d) => /xsm's limit|nested too deeply/.test(d.message));
    return { verdict, ownLimit, ms: performance.now() - t, badSpans: checkSpans(diagnostics, text), diagnostics };
  } catch (err) {
    const crash = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ""}` : String(err);
    return { verdict: "reject", ownLimit: false, ms: performance.now() - t, crash, badSpans: [], diagnostics };
  }
}
