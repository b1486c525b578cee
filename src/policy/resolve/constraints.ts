// Constraints (define_constraint, define_validatetrans): expressions over the source and target
// contexts, each name set resolved to ids, one constraint per class as libsepol copies them.
import type { Span } from "../../diagnostics/diagnostic.js";
import { foldTree, type ConstraintExpr, type ConstraintOperand, type MlsOperand, type NameSet } from "../ast.js";
import type { OperandKind, ResolvedConstraintExpr } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import { includeNames } from "../nodes.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

export function constrain(st: ResolveState, names: Names, classes: NameSet, perms: NameSet, expr: ConstraintExpr, span: Span): void {
  const ids = names.classSet(classes);
  const resolved = constraintExpr(st, names, expr, false);
  // define_constraint gives each class its own copy, so setools counts one per class
  for (const c of ids) {
    const cls = st.sym.classes[c]!;
    const mask = names.permMask(perms, cls);
    if (!resolved) continue;
    // a class named again gets another node, which keeps no permissions: define_constraint
    // gives them to each class's newest node only
    const times = timesListed(st, classes, c);
    for (let k = 1; k < times; k++) st.sym.constraints.push({ span, classId: c, mask: 0, expr: resolved });
    if (times > 1 && cls.allMask !== 0) st.warn("constraint-class-twice", classTwiceMessage(cls.name, times), secondMention(classes, cls.name));
    if (omitted(perms, mask, cls.allMask)) {
      st.warn("constraint-no-perms", noPermsMessage(cls.name), perms.span);
      continue;
    }
    st.sym.constraints.push({ span, classId: c, mask, expr: resolved });
  }
}

/** define_constraint drops the class's newest node when `~` leaves it none of the class's
 *  permissions (it masks the complement to them, unlike AV rules); `*` or a plain list never. */
export function omitted(perms: NameSet, mask: number, allMask: number): boolean {
  return perms.complement && (mask & allMask) === 0;
}

export function noPermsMessage(cls: string): string {
  return `this ~{ ... } leaves class ${cls} no permission: checkpolicy omits the constraint for ${cls} ('omitting constraint with no permission set'), so it checks nothing`;
}

/** The class's second name in the set, where the warning points. */
function secondMention(classes: NameSet, name: string): Span {
  return classes.include.filter((n) => n.name === name)[1]?.span ?? classes.span;
}

function classTwiceMessage(cls: string, times: number): string {
  const others = times === 2 ? "the other node" : `the other ${times - 1} nodes`;
  return (
    `class ${cls} is named ${times === 2 ? "twice" : `${times} times`} in this constrain: checkpolicy gives the permissions to its last node and writes ${others} with none. ` +
    `${emptyNodeConsequence(times === 2)}. Name ${cls} once`
  );
}

/** What becomes of a constraint node with no permissions, in the source's words and a binary's
 *  (src/binary/xen-compat.ts): Xen's read_cons_helper takes it, validate_constraint_nodes does not. */
export function emptyNodeConsequence(one: boolean): string {
  return `Xen loads the binary (${one ? "that node checks" : "those nodes check"} nothing); libsepol refuses it ("validate_constraint_nodes: Invalid constraint expr"), so checkpolicy -b, setools and audit2why cannot read it`;
}

/** How often a class set names class `c` (a plain list: constraints take no `*`, `~` or `-`). */
function timesListed(st: ResolveState, classes: NameSet, c: number): number {
  const name = st.sym.classes[c]!.name;
  return includeNames(classes).filter((n) => n === name).length;
}

/** validatetrans constrains relabeling (services.c security_validate_transition); each class
 *  gets its own copy, as define_validatetrans gives it. */
export function validatetrans(st: ResolveState, names: Names, classes: NameSet, expr: ConstraintExpr, span: Span): void {
  const ids = names.classSet(classes);
  const resolved = constraintExpr(st, names, expr, true);
  if (resolved) for (const c of ids) for (let k = 0; k < timesListed(st, classes, c); k++) st.sym.validatetrans.push({ span, classId: c, expr: resolved });
}

// folded with an explicit stack (ast.ts foldTree): checkpolicy puts no bound on `and`/`or` chains
function constraintExpr(st: ResolveState, names: Names, root: ConstraintExpr, validatetrans: boolean): ResolvedConstraintExpr | undefined {
  if (!shallowEnough(st, root)) return undefined;
  return foldTree<ConstraintExpr, ResolvedConstraintExpr | undefined>(root, (e, operands) => constraintNode(st, names, e, operands, validatetrans));
}

/** CEXPR_MAXDEPTH (libsepol constraint.h): the terms a constraint's postfix form may hold at once. */
const CEXPR_MAXDEPTH = 5;

/** define_constraint and define_validatetrans walk the postfix form and refuse a term pushed onto
 *  CEXPR_MAXDEPTH pending ones ("constraint expression is too deep"), as libsepol's and Xen's
 *  read_cons_helper refuse such a binary: nesting to the right (`a and (b and (c ...))`) holds a
 *  term per level, a left-leaning chain (`a and b and c ...`) two. */
function shallowEnough(st: ResolveState, root: ConstraintExpr): boolean {
  let depth = -1;
  let deep: ConstraintExpr | undefined;
  foldTree<ConstraintExpr, void>(root, (e) => {
    if (e.op === "and" || e.op === "or") depth--;
    else if (e.op !== "not") {
      if (depth === CEXPR_MAXDEPTH - 1) deep ??= e;
      depth++;
    }
  });
  if (deep === undefined) return true;
  st.err(
    "constraint",
    `constraint expression is too deep: this term is the ${CEXPR_MAXDEPTH + 1}th one pending when libsepol evaluates the expression, which holds ${CEXPR_MAXDEPTH} (CEXPR_MAXDEPTH); checkpolicy refuses it, and Xen's loader would too. Group it to the left (a and b and c) rather than to the right (a and (b and c))`,
    deep.span,
  );
  return false;
}

function constraintNode(
  st: ResolveState,
  names: Names,
  e: ConstraintExpr,
  operands: (ResolvedConstraintExpr | undefined)[],
  validatetrans: boolean,
): ResolvedConstraintExpr | undefined {
  switch (e.op) {
    case "not": {
      const arg = operands[0];
      return arg && { op: "not", arg };
    }
    case "and":
    case "or": {
      const [left, right] = operands;
      return left && right && { op: e.op, left, right };
    }
    case "cmp":
      if (isMlsOperand(e.left) && isMlsOperand(e.right)) return { op: "level", cmp: e.cmp, left: e.left, right: e.right };
      if (isMlsOperand(e.left) || isMlsOperand(e.right)) {
        st.err("constraint", `cannot compare ${e.left} with ${e.right}`, e.span);
        return undefined;
      }
      if (!validatetrans && (e.left.endsWith("3") || e.right.endsWith("3"))) {
        st.err("constraint", `${e.left.endsWith("3") ? e.left : e.right} is only valid in validatetrans`, e.span);
        return undefined;
      }
      if (e.left[0] !== e.right[0]) {
        st.err("constraint", `cannot compare ${e.left} with ${e.right}`, e.span);
        return undefined;
      }
      return { op: "cmp", cmp: e.cmp, left: e.left, right: e.right };
    case "names":
      if (!validatetrans && e.left.endsWith("3")) {
        st.err("constraint", `${e.left} is only valid in validatetrans`, e.span);
        return undefined;
      }
      return { op: "names", cmp: e.cmp, left: e.left, ids: constraintNames(st, names, e.left, e.names) };
  }
}

function isMlsOperand(o: ConstraintOperand): o is MlsOperand {
  return o[0] === "l" || o[0] === "h";
}

function constraintNames(st: ResolveState, names: Names, operand: ConstraintOperand, set: NameSet): Set<number> {
  names.shape(set, {});
  const kind = operand[0] as OperandKind;
  if (kind === "t") return new Set(expandTypeSet(names.typeSet(set, false), st.sym));
  // a role attribute stands for its roles (expand.c constraint copy: ebitmap_expand_roles)
  return kind === "u" ? names.userSet(set) : names.expandedRoleSet(set);
}
