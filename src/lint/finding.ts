// A lint finding: the code's severity comes from the diagnostic catalog, like every other
// diagnostic's; a config file may change it afterwards (index.ts).
import { CATALOG } from "../diagnostics/catalog.js";
import type { Diagnostic, DiagnosticCode, Span } from "../diagnostics/diagnostic.js";

export function finding(code: DiagnosticCode, message: string, span: Span | undefined, notes?: Diagnostic["notes"]): Diagnostic {
  const severity = CATALOG[code].severity;
  return notes ? { code, severity, message, span, notes } : { code, severity, message, span };
}
