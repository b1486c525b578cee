// A conditional expression as setools prints it (policyrep/boolcond.pxi Conditional.__str__):
// postfix to infix where a binary operator prints its operands swapped (the one popped first comes
// first) and parentheses depend on the previous operator seen anywhere in the expression, not on
// the operand's own operator. sesearch's `[ expr ]:True` suffixes are this text.
import { CondOp, type Symbols } from "../policy/symbols.js";

const OPS: Record<number, { text: string; precedence: number }> = {
  [CondOp.Not]: { text: "!", precedence: 5 },
  [CondOp.Or]: { text: "||", precedence: 1 },
  [CondOp.And]: { text: "&&", precedence: 3 },
  [CondOp.Xor]: { text: "^", precedence: 2 },
  [CondOp.Eq]: { text: "==", precedence: 4 },
  [CondOp.Neq]: { text: "!=", precedence: 4 },
};

type Piece = string | Piece[];

function flatten(p: Piece, out: string[]): void {
  if (typeof p === "string") out.push(p);
  else for (const q of p) flatten(q, out);
}

export function setoolsCondText(program: ArrayLike<number>, sym: Symbols): string {
  return condTextOf(program, (b) => sym.bools[b]!.name);
}

/** The same text over any naming of the booleans (a binary's, by value - 1). */
export function condTextOf(program: ArrayLike<number>, boolName: (id: number) => string): string {
  const stack: Piece[] = [];
  let prev = 5;
  for (let i = 0; i < program.length; i++) {
    const op = program[i]!;
    if (op >= 0) {
      stack.push(boolName(op));
      continue;
    }
    const { text, precedence } = OPS[op]!;
    if (op === CondOp.Not) {
      const operand = stack.pop()!;
      stack.push(Array.isArray(operand) ? [text, "(", operand, ")"] : [text, operand]);
    } else {
      const first = stack.pop()!;
      const second = stack.pop()!;
      stack.push(prev > precedence ? [first, text, second] : ["(", first, text, second, ")"]);
    }
    prev = precedence;
  }
  const out: string[] = [];
  for (const p of stack) flatten(p, out);
  return out.join(" ");
}
