// Conditional expressions as libsepol keeps them: postfix programs over boolean ids
// (cond_expr_t lists), evaluated by cond_evaluate_expr, printed back for explanations.
import { foldTree, type CondExpr, type Conditional } from "./ast.js";
import { CondOp, type Symbols } from "./symbols.js";

const BINARY_OPS = { and: CondOp.And, or: CondOp.Or, xor: CondOp.Xor, eq: CondOp.Eq, neq: CondOp.Neq } as const;

/** Evaluates a conditional's postfix program (libsepol cond_evaluate_expr). */
export function evalCond(program: Int32Array, state: Uint8Array): boolean {
  const stack: boolean[] = [];
  for (const op of program) {
    if (op >= 0) {
      stack.push(state[op] === 1);
      continue;
    }
    if (op === CondOp.Not) {
      stack.push(!stack.pop());
      continue;
    }
    const b = stack.pop()!;
    const a = stack.pop()!;
    switch (op) {
      case CondOp.And:
        stack.push(a && b);
        break;
      case CondOp.Or:
        stack.push(a || b);
        break;
      case CondOp.Xor:
        stack.push(a !== b);
        break;
      case CondOp.Eq:
        stack.push(a === b);
        break;
      default:
        stack.push(a !== b);
    }
  }
  return stack.pop() === true;
}

const OP_TEXT: Record<number, string> = { [CondOp.And]: "&&", [CondOp.Or]: "||", [CondOp.Xor]: "^", [CondOp.Eq]: "==", [CondOp.Neq]: "!=" };

/** A conditional's (normalized) postfix program as infix text, parenthesized where it nests. */
export function programText(program: Int32Array, sym: Symbols): string {
  const stack: { text: string; atom: boolean }[] = [];
  for (const op of program) {
    if (op >= 0) stack.push({ text: sym.bools[op]!.name, atom: true });
    else if (op === CondOp.Not) {
      const a = stack.pop()!;
      stack.push({ text: a.atom ? `!${a.text}` : `!(${a.text})`, atom: true });
    } else {
      const b = stack.pop()!;
      const a = stack.pop()!;
      const side = (x: { text: string; atom: boolean }) => (x.atom ? x.text : `(${x.text})`);
      stack.push({ text: `${side(a)} ${OP_TEXT[op]} ${side(b)}`, atom: false });
    }
  }
  return stack.pop()?.text ?? "";
}

/** cond_normalize_expr's precomputed truth table over `bools` in order of first appearance, as a
 *  key: nodes with the same set of booleans and the same table are one node (cond_expr_equal).
 *  Past COND_MAX_BOOLS booleans libsepol compares the expressions themselves. */
export function condNodeKey(program: Int32Array, bools: number[], nbools: number): string {
  const set = [...bools].sort((a, b) => a - b).join(",");
  if (bools.length > 5) return `${set}|${Array.from(program).join(" ")}`;
  const state = new Uint8Array(nbools);
  let table = 0;
  for (let i = 0; i < 1 << bools.length; i++) {
    bools.forEach((b, j) => (state[b] = (i >> j) & 1));
    if (evalCond(program, state)) table |= 1 << i;
  }
  return `${set}|${table >>> 0}`;
}

/** Postfix program of an `if` expression; booleans the lookup does not know are reported by it. */
export function condProgram(e: CondExpr, lookup: (name: CondExpr & { op: "bool" }) => number | undefined): { program: number[]; bools: number[] } | undefined {
  const program: number[] = [];
  const bools: number[] = [];
  let ok = true;
  // post-order is postfix; folded with an explicit stack (a chain may be 100,000 operators long)
  const seen = new Set<number>();
  foldTree<CondExpr, void>(e, (x) => {
    switch (x.op) {
      case "bool": {
        const b = lookup(x);
        if (b === undefined) ok = false;
        else {
          if (!seen.has(b)) bools.push(b), seen.add(b);
          program.push(b);
        }
        return;
      }
      case "not":
        program.push(CondOp.Not);
        return;
      default:
        program.push(BINARY_OPS[x.op]);
    }
  });
  return ok ? { program, bools } : undefined;
}

/** cond_normalize_expr as checkpolicy 3.4 ends up applying it: it runs at parse, in link and twice
 *  in expand; each run drops one trailing NOT and swaps the branches, except the last, which runs
 *  on a temporary node. So `!b` and `!!b` come out right, and `!!!!b` keeps its branches swapped
 *  (a libsepol bug setools and Xen both see in the binary). */
export function normalizeCond(program: number[]): { program: number[]; swapped: boolean } {
  const out = program.slice();
  let swaps = 0;
  for (let run = 0; run < 4 && out[out.length - 1] === CondOp.Not; run++) {
    out.pop();
    if (run < 3) swaps++;
  }
  return { program: out, swapped: swaps % 2 === 1 };
}

/** policy_define.c define_conditional: a conditional without rules is dropped (no node, so it
 *  takes no part in cond_node_search's merging); one with rules only in its else block is inverted,
 *  its expression given a NOT and its else rules made the true list. */
export function defineConditional(
  c: Conditional,
  program: number[],
): { block?: { then: Conditional["then"]; else: Conditional["else"] }; program: number[] } {
  if (c.then.length === 0 && c.else.length === 0) return { program };
  if (c.then.length === 0) return { block: { then: c.else, else: [] }, program: [...program, CondOp.Not] };
  return { block: { then: c.then, else: c.else }, program };
}

/** Where a conditional's rules land in the binary's cond list. libsepol merges conditionals twice.
 *  define_conditional normalizes the expression (cond_normalize_expr drops one trailing NOT and
 *  swaps the branches) and cond_node_find joins it to an earlier node of the same booleans and
 *  truth table, which keeps its own expression. expand's cond_node_copy takes those nodes in the
 *  order they were made and joins each to a node of the output by the same test, after the later
 *  normalizations (cond_node_copy's, cond_node_map_bools'...: up to three more NOTs dropped, the
 *  first two swapping the rules copied, as checkpolicy's binaries show and normalizeCond keeps). So
 *  `if (b) {} else {A}` (inverted to `!b`) and `if (!!b) {B}` part at the first step and meet at
 *  the second, and an output node's rules come first-step node by first-step node. */
export class CondPlacement<N> {
  private readonly declared = new Map<string, number>();
  /** The first step's nodes, in the order made: their output node, and whether their branches
   *  are the other way round there. */
  readonly decls: { out: N; swapOut: boolean }[] = [];
  private readonly outs = new Map<string, N>();

  constructor(
    private readonly nbools: number,
    /** Makes an output node from the expression as the binary holds it. */
    private readonly create: (normalized: number[]) => N,
  ) {}

  /** The nodes of a conditional's postfix `program` over `bools`: its first-step node (an index
   *  of `decls`) and whether its then block is that node's false list. */
  place(program: number[], bools: number[]): { decl: number; swapDecl: boolean } {
    const swapDecl = program[program.length - 1] === CondOp.Not;
    const first = swapDecl ? program.slice(0, -1) : program;
    const key1 = condNodeKey(Int32Array.from(first), bools, this.nbools);
    let decl = this.declared.get(key1);
    if (decl === undefined) {
      const second = first.slice();
      let swapOut = false;
      // as normalizeCond: three more NOTs dropped, the first two swapping the lists copied
      for (let i = 0; i < 3 && second[second.length - 1] === CondOp.Not; i++) {
        second.pop();
        if (i < 2) swapOut = !swapOut;
      }
      const key2 = condNodeKey(Int32Array.from(second), bools, this.nbools);
      let out = this.outs.get(key2);
      if (out === undefined) {
        out = this.create(normalizeCond(program).program);
        this.outs.set(key2, out);
      }
      decl = this.decls.length;
      this.decls.push({ out, swapOut });
      this.declared.set(key1, decl);
    }
    return { decl, swapDecl };
  }
}
