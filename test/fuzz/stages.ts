// The compiler's result as the fuzz and accept-set tests read it: ok, every diagnostic, the symbols.
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compile } from "../../src/policy/index.js";
import type { Symbols } from "../../src/policy/symbols.js";
import type { CompileOptions } from "../../src/policy/types.js";

export function runStages(text: string, file: string, options: CompileOptions = {}): { ok: boolean; diagnostics: readonly Diagnostic[]; symbols?: Symbols } {
  const r = compile(text, { ...options, file });
  return r.ok ? { ok: true, diagnostics: r.value.diagnostics, symbols: r.value.symbols } : { ok: false, diagnostics: r.error };
}
