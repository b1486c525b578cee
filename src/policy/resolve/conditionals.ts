// Conditionals (define_conditional, cond_normalize_expr, cond_node_search): each `if` becomes a
// node shared by every expression with the same booleans and truth table; its rules are placed
// on the node's true or false branch.
import type { Conditional } from "../ast.js";
import { condNodeKey, condProgram, defineConditional, normalizeCond, programText } from "../cond.js";
import { CondOp, type CondNode, type CondPlace } from "../symbols.js";
import type { Names } from "./names.js";
import { avRule, typeRule } from "./rules.js";
import type { ResolveState } from "./state.js";

export class Conditionals {
  private readonly nodes = new Map<string, number>();

  constructor(
    private readonly st: ResolveState,
    private readonly names: Names,
  ) {}

  add(c: Conditional): void {
    const sym = this.st.sym;
    const compiled = condProgram(c.expr, (e) => {
      const b = sym.boolIds.get(e.name.name);
      if (b === undefined) this.st.err("undeclared", `unknown boolean ${e.name.name}`, e.name.span);
      return b;
    });
    if (!compiled) return;
    const { block, program } = defineConditional(c, compiled.program);
    if (block === undefined) return;
    const { bools } = compiled;
    // cond_node_search compares the expression as parsed, one trailing NOT dropped; the node keeps
    // it normalized as the binary holds it: `if (!e) {A} else {B}` is `if (e) {B} else {A}`
    const parsed = program[program.length - 1] === CondOp.Not ? program.slice(0, -1) : program;
    const { program: normalized, swapped } = normalizeCond(program);
    const node = this.node(Int32Array.from(parsed), Int32Array.from(normalized), bools, c);
    const then: CondPlace = { node, branch: !swapped };
    const otherwise: CondPlace = { node, branch: swapped };
    for (const r of block.then) r.kind === "avrule" ? avRule(this.st, this.names, r, then) : typeRule(this.st, this.names, r, then);
    for (const r of block.else) r.kind === "avrule" ? avRule(this.st, this.names, r, otherwise) : typeRule(this.st, this.names, r, otherwise);
  }

  /** cond_node_search: an existing node with the same booleans and truth table, else a new one.
   *  libsepol tabulates each expression over its booleans in order of first appearance and so do
   *  we, quirks included: `b0 || !b1` and `b1 || !b0` share a node, the first one's expression. */
  private node(parsed: Int32Array, program: Int32Array, bools: number[], c: Conditional): number {
    const sym = this.st.sym;
    const key = condNodeKey(parsed, bools, sym.bools.length);
    const existing = this.nodes.get(key);
    if (existing !== undefined) return existing;
    const node: CondNode = { id: sym.conds.length, program, bools: [...bools].sort((a, b) => a - b), text: programText(program, sym), span: c.expr.span };
    sym.conds.push(node);
    this.nodes.set(key, node.id);
    return node.id;
  }
}
