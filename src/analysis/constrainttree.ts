// A constraint's expression rebuilt from postfix form (how a binary policy stores it, libsepol's
// constraint_expr_t list) as the written tree the analyses render (why.ts's libsepol reason text,
// constrainttext.ts's setools text). The reader decodes the binary; this only rebuilds.
import type { Span } from "../diagnostics/diagnostic.js";
import type { ConstraintExpr, ConstraintOp, ConstraintOperand } from "../policy/ast.js";

export type PostfixItem =
  | { op: "not" }
  | { op: "and" | "or" }
  /** `u1 == u2` */
  | { op: "cmp"; cmp: string; left: string; right: string }
  /** `t1 == { a b }`, the names as the binary keeps them */
  | { op: "names"; cmp: string; left: string; names: string[] };

/** Every node gets `span` (the constraint's line in the binary's listing). */
export function constraintFromPostfix(items: readonly PostfixItem[], span: Span): ConstraintExpr {
  const stack: ConstraintExpr[] = [];
  for (const e of items) {
    switch (e.op) {
      case "not":
        stack.push({ op: "not", arg: stack.pop()!, span });
        break;
      case "and":
      case "or": {
        const right = stack.pop()!;
        const left = stack.pop()!;
        stack.push({ op: e.op, left, right, span });
        break;
      }
      case "cmp":
        stack.push({ op: "cmp", cmp: e.cmp as ConstraintOp, left: e.left as ConstraintOperand, right: e.right as ConstraintOperand, span });
        break;
      case "names": {
        const include = e.names.map((name) => ({ name, span }));
        stack.push({ op: "names", cmp: e.cmp as ConstraintOp, left: e.left as ConstraintOperand, names: { span, star: false, complement: false, include, exclude: [] }, span });
      }
    }
  }
  return stack.pop()!;
}
