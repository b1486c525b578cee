// Diagnostics are data: every stage returns them, the CLI renders them once (render.ts).

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

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Stable machine-readable code, e.g. "syntax", "undeclared", "duplicate", "neverallow", "mls-unsupported". */
  code: string;
  severity: Severity;
  message: string;
  span?: Span;
  /** Secondary locations, e.g. the rule that violates a neverallow. */
  notes?: { message: string; span?: Span }[];
}

/** Thrown by the library entry points (compilePolicy) that cannot return a Result; carries every diagnostic. */
export class PolicyError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    const where = first?.span ? `${first.span.file}:${first.span.line}:${first.span.col}: ` : "";
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    super(first ? `${where}${first.message}${more}` : "policy error");
    this.name = "PolicyError";
    this.diagnostics = diagnostics;
  }
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

export function error(code: string, message: string, span?: Span, notes?: Diagnostic["notes"]): Diagnostic {
  return notes ? { code, severity: "error", message, span, notes } : { code, severity: "error", message, span };
}

export function warning(code: string, message: string, span?: Span): Diagnostic {
  return { code, severity: "warning", message, span };
}
