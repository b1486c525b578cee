// A constraint as setools prints it (policyrep constraint.pxi: Constraint.__str__ and
// ConstraintExpression.infix): `constrain CLASS PERMS (EXPR); `, the expression rebuilt from the
// binary's postfix form with setools' parenthesising (a binary operator is wrapped when the operator
// before it, in postfix order, binds no looser), a name set of more than one name as `{ a b } `.
// setools prints sets in Python's set order; here they are sorted (sediff's order varies per run).
// Type names are the ones written in the rule (the binary's type_names, policy version >= 29).
import type { ConstraintExpr } from "../policy/ast.js";
import type { ResolvedConstraint, ResolvedConstraintExpr, Symbols } from "../policy/symbols.js";
import { pySorted } from "./search.js";

const PRECEDENCE: Record<string, number> = { not: 4, and: 2, or: 1, "==": 3, "!=": 3, dom: 3, domby: 3, incomp: 3 };

/** One postfix item: an operand word, a name set, or an operator. */
type Item = { operand: string } | { names: string[] } | { op: string };

function postfixOfSource(e: ConstraintExpr, sym: Symbols, out: Item[]): void {
  switch (e.op) {
    case "not":
      postfixOfSource(e.arg, sym, out);
      out.push({ op: "not" });
      return;
    case "and":
    case "or":
      postfixOfSource(e.left, sym, out);
      postfixOfSource(e.right, sym, out);
      out.push({ op: e.op });
      return;
    case "cmp":
      out.push({ operand: e.left }, { operand: e.right }, { op: e.cmp });
      return;
    case "names": {
      const primary = (n: string) => {
        const id = e.left[0] === "t" ? sym.aliases.get(n) : undefined;
        return id === undefined ? n : sym.types[id]!.name;
      };
      out.push({ operand: e.left }, { names: [...new Set(e.names.include.map((i) => primary(i.name)))] }, { op: e.cmp });
    }
  }
}

function postfixOfResolved(e: ResolvedConstraintExpr, sym: Symbols, out: Item[]): void {
  switch (e.op) {
    case "not":
      postfixOfResolved(e.arg, sym, out);
      out.push({ op: "not" });
      return;
    case "and":
    case "or":
      postfixOfResolved(e.left, sym, out);
      postfixOfResolved(e.right, sym, out);
      out.push({ op: e.op });
      return;
    case "cmp":
      out.push({ operand: e.left }, { operand: e.right }, { op: e.cmp });
      return;
    case "names": {
      const kind = e.left[0];
      const name = (id: number) => (kind === "t" ? sym.types[id]!.name : kind === "r" ? sym.roles[id]!.name : sym.users[id]!.name);
      out.push({ operand: e.left }, { names: [...e.ids].map(name) }, { op: e.cmp });
    }
  }
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
  const flat: string[] = [];
  const walk = (n: Node) => (typeof n === "string" ? flat.push(n) : n.forEach(walk));
  stack.forEach(walk);
  return flat.join(" ");
}

/** `constrain resource { plug unplug } (r1 == system_r or ( t1 == dom0_t )); ` */
export function setoolsConstraintText(con: ResolvedConstraint, sym: Symbols, source?: ConstraintExpr): string {
  const cls = sym.classes[con.classId]!;
  const perms = pySorted(cls.perms.filter((p, bit) => p && (con.mask >>> bit) & 1));
  const postfix: Item[] = [];
  if (source) postfixOfSource(source, sym, postfix);
  else postfixOfResolved(con.expr, sym, postfix);
  return `constrain ${cls.name} ${perms.length > 1 ? `{ ${perms.join(" ")} }` : perms[0]} (${infixText(postfix)}); `;
}
