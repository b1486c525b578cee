// A constraint as setools prints it (policyrep constraint.pxi: Constraint.__str__ and
// ConstraintExpression.infix): `constrain CLASS PERMS (EXPR); `, the expression rebuilt from the
// binary's postfix form with setools' parenthesising (a binary operator is wrapped when the operator
// before it, in postfix order, binds no looser), a name set of more than one name as `{ a b } `.
// setools prints sets in Python's set order; here they are sorted (sediff's order varies per run).
// Type names are the ones written in the rule (the binary's type_names, policy version >= 29).
import { foldTree, type ConstraintExpr } from "../policy/ast.js";
import type { ResolvedConstraint, ResolvedConstraintExpr, ResolvedValidatetrans, Symbols } from "../policy/symbols.js";
import { isMlsExpr } from "./mls.js";
import { pySorted } from "./search.js";

const PRECEDENCE: Record<string, number> = { not: 4, and: 2, or: 1, "==": 3, "!=": 3, dom: 3, domby: 3, incomp: 3 };

/** One postfix item: an operand word, a name set, or an operator. */
type Item = { operand: string } | { names: string[] } | { op: string };

// Postfix is the post-order foldTree walks with its explicit stack (chains may be any length). The
// source and the resolved expression differ only in their name leaves, which `leafNames` renders.
type NamesLeaf<E> = Extract<E, { op: "names" }>;

function postfixOf<E extends ConstraintExpr | ResolvedConstraintExpr>(root: E, leafNames: (e: NamesLeaf<E>) => string[], out: Item[]): void {
  foldTree<E, void>(root, (e) => {
    switch (e.op) {
      case "not":
      case "and":
      case "or":
        out.push({ op: e.op });
        return;
      case "cmp":
      case "level":
        out.push({ operand: e.left }, { operand: e.right }, { op: e.cmp });
        return;
      case "names":
        out.push({ operand: e.left }, { names: leafNames(e as NamesLeaf<E>) }, { op: e.cmp });
    }
  });
}

/** The names as written, a type alias as its primary name. */
function sourceNames(sym: Symbols): (e: NamesLeaf<ConstraintExpr>) => string[] {
  return (e) => {
    const primary = (n: string) => {
      const id = e.left[0] === "t" ? sym.aliases.get(n) : undefined;
      return id === undefined ? n : sym.types[id]!.name;
    };
    return [...new Set(e.names.include.map((i) => primary(i.name)))];
  };
}

function resolvedNames(sym: Symbols): (e: NamesLeaf<ResolvedConstraintExpr>) => string[] {
  return (e) => {
    const kind = e.left[0];
    const name = (id: number) => (kind === "t" ? sym.types[id]!.name : kind === "r" ? sym.roles[id]!.name : sym.users[id]!.name);
    return [...e.ids].map(name);
  };
}

type Node = string | Node[];

/** ConstraintExpression.infix, then __str__'s join. */
function infixText(postfix: Item[]): string {
  const stack: Node[] = [];
  let prev = 4;
  for (const item of postfix) {
    if ("operand" in item) stack.push(item.operand);
    else if ("names" in item) {
      const names = pySorted(item.names);
      stack.push(names.length > 1 ? `{ ${names.join(" ")} } ` : names.join(" "));
    } else if (item.op === "not") {
      stack.push(["not", "(", stack.pop()!, ")"]);
      prev = PRECEDENCE.not!;
    } else {
      const b = stack.pop()!;
      const a = stack.pop()!;
      const p = PRECEDENCE[item.op]!;
      stack.push(p < prev ? [a, item.op, b] : ["(", a, item.op, b, ")"]);
      prev = p;
    }
  }
  // flattened with an explicit stack: a long chain nests as deep as it is long
  const flat: string[] = [];
  const todo: Node[] = [...stack].reverse();
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (typeof n === "string") flat.push(n);
    else for (let i = n.length - 1; i >= 0; i--) todo.push(n[i]!);
  }
  return flat.join(" ");
}

/** `constrain resource { plug unplug } (r1 == system_r or ( t1 == dom0_t )); `; `mlsconstrain`
 *  when the expression compares levels, as setools names it whatever keyword wrote it. */
export function setoolsConstraintText(con: ResolvedConstraint, sym: Symbols, source?: ConstraintExpr): string {
  const cls = sym.classes[con.classId]!;
  const perms = pySorted(cls.perms.filter((p, bit) => p && (con.mask >>> bit) & 1));
  const postfix: Item[] = [];
  if (source) postfixOf(source, sourceNames(sym), postfix);
  else postfixOf(con.expr, resolvedNames(sym), postfix);
  const keyword = isMlsExpr(con.expr) ? "mlsconstrain" : "constrain";
  // a node with no permissions (a class named twice) is one libsepol refuses to read, so setools
  // has no text for it: braces, as for a set
  return `${keyword} ${cls.name} ${perms.length === 1 ? perms[0] : perms.length === 0 ? "{ }" : `{ ${perms.join(" ")} }`} (${infixText(postfix)}); `;
}

/** `mlsvalidatetrans domain (l1 == l2);` (setools' Validatetrans.__str__). */
export function setoolsValidatetransText(v: ResolvedValidatetrans, sym: Symbols, source?: ConstraintExpr): string {
  const postfix: Item[] = [];
  if (source) postfixOf(source, sourceNames(sym), postfix);
  else postfixOf(v.expr, resolvedNames(sym), postfix);
  return `${isMlsExpr(v.expr) ? "mlsvalidatetrans" : "validatetrans"} ${sym.classes[v.classId]!.name} (${infixText(postfix)});`;
}
