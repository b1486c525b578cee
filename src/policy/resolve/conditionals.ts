// Conditionals (define_conditional, cond_normalize_expr, cond_node_search): each `if` becomes a
// node shared by every expression with the same booleans and truth table; its rules are placed
// on the node's true or false branch.
import type { Conditional } from "../ast.js";
import { CondPlacement, condProgram, defineConditional, programText } from "../cond.js";
import { CondOp, type CondNode, type CondPlace } from "../symbols.js";
import type { Names } from "./names.js";
import { avRule, typeRule } from "./rules.js";
import type { ResolveState } from "./state.js";

export class Conditionals {
  private placement: CondPlacement<number> | undefined;

  constructor(
    private readonly st: ResolveState,
    private readonly names: Names,
  ) {}

  add(c: Conditional): void {
    const sym = this.st.sym;
    const compiled = condProgram(c.expr, (e) => {
      const b = sym.boolIds.get(e.name.name);
      if (b === undefined) this.st.unknown(`unknown boolean ${e.name.name}`, e.name.span, e.name.name, sym.boolIds.keys());
      return b;
    });
    if (!compiled) return;
    const { block, program } = defineConditional(c, compiled.program);
    if (block === undefined) return;
    // the node keeps the expression normalized as the binary holds it: `if (!e) {A} else {B}` is
    // `if (e) {B} else {A}`
    const placement = (this.placement ??= new CondPlacement(sym.bools.length, (normalized) => this.node(normalized, c)));
    const { decl, swapDecl } = placement.place(program, compiled.bools);
    const { out: node, swapOut } = placement.decls[decl]!;
    const swapped = swapDecl !== swapOut;
    const then: CondPlace = { node, branch: !swapped };
    const otherwise: CondPlace = { node, branch: swapped };
    for (const r of block.then) r.kind === "avrule" ? avRule(this.st, this.names, r, then) : typeRule(this.st, this.names, r, then);
    for (const r of block.else) r.kind === "avrule" ? avRule(this.st, this.names, r, otherwise) : typeRule(this.st, this.names, r, otherwise);
  }

  /** A new node (cond_node_search found none with the same booleans and truth table; libsepol
   *  tabulates each expression over its booleans in order of first appearance and so do we,
   *  quirks included: `b0 || !b1` and `b1 || !b0` share a node, the first one's expression). */
  private node(normalized: number[], c: Conditional): number {
    const sym = this.st.sym;
    const program = Int32Array.from(normalized);
    const bools = [...new Set(normalized.filter((op) => op >= 0))].sort((a, b) => a - b);
    const node: CondNode = { id: sym.conds.length, program, bools, text: programText(program, sym), span: c.expr.span };
    sym.conds.push(node);
    return node.id;
  }
}
