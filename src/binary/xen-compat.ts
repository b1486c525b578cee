// What checkpolicy writes but Xen's loader refuses (xen/xsm/flask/ss/policydb.c policydb_read and
// avtab.c avtab_read), said before Xen says it: a located warning naming the construct and the
// line Xen would log; `--strict` (or a loader, as the simulator's load_policy) makes it an error.
import type { PolicyAst } from "../policy/ast.js";
import type { Symbols } from "../policy/symbols.js";
import { hasUnconditionalEntry } from "./lower.js";
import { error, warning, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics/diagnostic.js";

/** Xen's log lines for the refusals a compile can foresee. */
export const XEN_REFUSALS = {
  commonPrefix: "Flask:  classes with common prefixes are not supported",
  emptyAvtab: "Flask: avtab: table is empty",
  filenameTrans: "Flask:  unsupported genfs config data",
} as const;

export const XEN_REFUSAL_CODES = ["xen-common-prefix", "xen-empty-avtab", "xen-filename-trans"] as const;

function refusal(strict: boolean, code: DiagnosticCode, message: string, span?: Span): Diagnostic {
  return strict ? error(code, message, span) : warning(code, message, span);
}

export function commonPrefixMessage(what: string): string {
  return `${what}: Xen's loader refuses the policy ("${XEN_REFUSALS.commonPrefix}", policydb.c class_read); list the permissions in the class instead`;
}

export function emptyAvtabMessage(): string {
  return `the policy has no unconditional allow, auditallow, dontaudit or type rule: Xen's loader refuses an empty rule table ("${XEN_REFUSALS.emptyAvtab}", avtab.c avtab_read)`;
}

export function filenameTransMessage(what: string): string {
  return `${what}: Xen's loader refuses filename type transitions ("${XEN_REFUSALS.filenameTrans}", policydb.c policydb_read)`;
}

/** The constructs of a source policy Xen's loader would refuse, located (a binary's are reported
 *  by read.ts). */
export function xenRefusals(ast: PolicyAst, unconditionalRules: boolean, strict: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of ast.statements) {
    if (s.kind === "av" && s.inherits) out.push(refusal(strict, "xen-common-prefix", commonPrefixMessage(`class ${s.className.name} inherits common ${s.inherits.name}`), s.inherits.span));
    if (s.kind === "typerule" && s.filename !== undefined) out.push(refusal(strict, "xen-filename-trans", filenameTransMessage(`type_transition with the filename "${s.filename}"`), s.span));
  }
  if (!unconditionalRules) out.push(refusal(strict, "xen-empty-avtab", emptyAvtabMessage(), ast.statements[0]?.span));
  return out;
}

/** xenRefusals of a compiled source policy, without writing its binary (the empty-avtab check
 *  looks at the rules: lower.ts hasUnconditionalEntry). For loaders, `xsm lint` and the editor. */
export function sourceRefusals(ast: PolicyAst, symbols: Symbols, strict: boolean): Diagnostic[] {
  return xenRefusals(ast, hasUnconditionalEntry(ast, symbols), strict);
}
