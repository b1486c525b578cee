// MLS statements and fields: located errors, as xsm-policy compiles non-MLS policies (Xen's
// default flask policy is built without MLS).
import { diagnostic, type Diagnostic, type Span } from "../../diagnostics/diagnostic.js";
import type { Context, PolicyAst } from "../ast.js";

export function mlsDiagnostics(ast: PolicyAst): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const unsupported = (what: string, span: Span) => diags.push(diagnostic("mls-unsupported", span, what));
  const ctx = (c: Context) => c.mls !== undefined && unsupported("context level", c.span);
  for (const s of ast.statements) {
    switch (s.kind) {
      case "mls":
        unsupported(`statement '${s.keyword}'`, s.span);
        break;
      case "user":
        if (s.mls !== undefined) unsupported("user level/range", s.span);
        break;
      case "sid_context":
      case "pirqcon":
      case "iomemcon":
      case "ioportcon":
      case "pcidevicecon":
      case "devicetreecon":
        ctx(s.context);
        break;
    }
  }
  return diags;
}
