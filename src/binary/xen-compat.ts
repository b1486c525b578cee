// What checkpolicy writes but Xen's loader refuses (xen/xsm/flask/ss/policydb.c policydb_read and
// avtab.c avtab_read), said at compile time: a located warning naming the construct and the line
// Xen would log. `--strict` turns them into errors.
import type { PolicyAst } from "../policy/ast.js";
import { error, warning, type Diagnostic, type Span } from "../policy/diagnostics.js";
import type { KernelPolicy } from "./model.js";

/** Xen's log lines for the refusals a compile can foresee. */
export const XEN_REFUSALS = {
  commonPrefix: "Flask:  classes with common prefixes are not supported",
  emptyAvtab: "Flask: avtab: table is empty",
  filenameTrans: "Flask:  unsupported genfs config data",
} as const;

/** The constructs of a compiled policy Xen's loader would refuse, located in the source. */
export function xenRefusals(ast: PolicyAst, kernel: KernelPolicy, strict: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (code: string, message: string, span?: Span) => out.push(strict ? error(code, message, span) : warning(code, message, span));
  for (const s of ast.statements) {
    if (s.kind === "av" && s.inherits) {
      report(
        "xen-common-prefix",
        `class ${s.className.name} inherits common ${s.inherits.name}: Xen's loader refuses the policy ("${XEN_REFUSALS.commonPrefix}", policydb.c class_read); list the permissions in the class instead`,
        s.inherits.span,
      );
    }
  }
  if (kernel.avtab.length === 0) {
    const first = ast.statements[0]?.span;
    report("xen-empty-avtab", `the policy has no unconditional allow, auditallow, dontaudit or type rule: Xen's loader refuses an empty rule table ("${XEN_REFUSALS.emptyAvtab}", avtab.c avtab_read)`, first);
  }
  if (kernel.filenameTrans.length > 0) {
    report("xen-filename-trans", `filename type transitions: Xen's loader refuses them ("${XEN_REFUSALS.filenameTrans}", policydb.c policydb_read)`);
  }
  return out;
}
