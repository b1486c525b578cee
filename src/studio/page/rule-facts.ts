// What a rule grants, in the shape Xen's avtab holds it: one grant per (source, target, class),
// which a binary's listing shows as one line each. A source's rules are keyed by the compiler's own
// lowering (src/binary/lower.ts ruleKeys): attributes kept unless `*`, `~`, `-name`, `self` or a
// type rule expands them, aliases their types, tunables decided. Grants with the same key merge
// (their permissions joined), as avtab entries do, so a source's merged grants are the lines of the
// binary it compiles to. A conditional rule's grants are keyed by the condition they hold under,
// said the same way for both (whenText).
import type { PolicyAst, Statement } from "../../policy/ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { evalCond } from "../../policy/cond.js";
import type { Symbols } from "../../policy/symbols.js";
import { ruleKeys } from "../../binary/lower.js";
import { AVTAB_ALLOWED, AVTAB_AUDITALLOW, AVTAB_AUDITDENY, AVTAB_CHANGE, AVTAB_MEMBER, AVTAB_TRANSITION, AVTAB_TYPE } from "../../binary/model.js";

export interface Grant {
  kind: string;
  source: string;
  target: string;
  tclass: string;
  /** An access vector rule's permissions, in the class's bit order. */
  perms?: string[];
  /** A type rule's new type. */
  defaultType?: string;
  /** The condition a conditional list's grant holds under (whenText); none for the base table. */
  when?: string;
}

/** Why a source's conditional rule is under another condition in its binary (RuleFacts.held). */
export const MERGED = "checkpolicy merged its if into an earlier one over the same booleans, taken in another order, whose truth table is the same position by position (cond_expr_equal)";

/** A rule and what it grants (hover), at its statement (a source's) or listing line (a binary's). */
export interface RuleFacts {
  span: Span;
  grants: Grant[];
  /** A source's conditional rule that its binary holds under another condition than the one its
   *  grants say (the source's): checkpolicy merged its `if` into an earlier one with the same
   *  truth table over the same booleans taken in another order (cond_expr_equal). That condition,
   *  which Xen decides by (whenText). */
  held?: string;
}

/** The condition a branch of a conditional holds under, from its truth table rather than its
 *  text: checkpolicy rewrites expressions (cond_normalize_expr moves a NOT into a branch swap,
 *  nodes with the same table merge), so a source's `if (!b) { A }` and its binary's node `b` with A
 *  in its false list must both read `!b`. The booleans that matter, sorted; a single literal, else
 *  the states it holds in, joined by `||`. */
export function whenText(program: ArrayLike<number>, branch: boolean, bools: readonly { readonly name: string }[]): string {
  const prog = Int32Array.from(program);
  const ids = [...new Set(Array.from(prog).filter((op) => op >= 0))].sort((a, b) => (bools[a]!.name < bools[b]!.name ? -1 : 1));
  const state = new Uint8Array(bools.length);
  const holds = (row: number) => {
    ids.forEach((id, i) => (state[id] = (row >> i) & 1));
    return evalCond(prog, state) === branch;
  };
  const rows = 1 << ids.length;
  // a boolean matters when flipping it changes the answer in some state
  const matters = ids.map((_, i) => Array.from({ length: rows }, (_, r) => r).some((r) => holds(r) !== holds(r ^ (1 << i))));
  const used = ids.filter((_, i) => matters[i]);
  const lit = (id: number, on: boolean) => `${on ? "" : "!"}${bools[id]!.name}`;
  const terms: string[] = [];
  for (let r = 0; r < 1 << used.length; r++) {
    let row = 0;
    used.forEach((id, i) => (row |= ((r >> i) & 1) << ids.indexOf(id)));
    if (holds(row)) terms.push(used.map((id, i) => lit(id, ((r >> i) & 1) === 1)).join(" && "));
  }
  if (used.length === 0) return terms.length ? "true" : "false";
  return terms.length === 1 || used.length === 1 ? terms.join(" || ") : terms.map((t) => `(${t})`).join(" || ");
}

/** A grant as the binary's listing writes it. */
export function grantText(g: Grant): string {
  const key = `${g.kind} ${g.source} ${g.target}:${g.tclass}`;
  return g.perms ? `${key} { ${g.perms.join(" ")} };` : `${key} ${g.defaultType};`;
}

/** The grants of every rule merged by key in first-seen order: avtab's entries. `span` is the
 *  first rule's that makes the entry. */
export function mergeGrants(rules: RuleFacts[], classPerms: (tclass: string) => string[]): { grant: Grant; span: Span }[] {
  const out = new Map<string, { grant: Grant; span: Span }>();
  for (const r of rules) {
    for (const g of r.grants) {
      const key = `${g.when ?? ""}|${g.kind} ${g.source} ${g.target}:${g.tclass}`;
      const seen = out.get(key);
      if (!seen) out.set(key, { grant: { ...g, ...(g.perms ? { perms: [...g.perms] } : {}) }, span: r.span });
      else if (g.perms && seen.grant.perms) {
        const union = new Set([...seen.grant.perms, ...g.perms]);
        seen.grant.perms = classPerms(g.tclass).filter((p) => union.has(p));
      } else if (g.defaultType !== undefined) seen.grant.defaultType = g.defaultType;
    }
  }
  return [...out.values()];
}

const KINDS: Record<number, string> = { [AVTAB_ALLOWED]: "allow", [AVTAB_AUDITALLOW]: "auditallow", [AVTAB_AUDITDENY]: "dontaudit", [AVTAB_TRANSITION]: "type_transition", [AVTAB_MEMBER]: "type_member", [AVTAB_CHANGE]: "type_change" };

/** The grants of a resolved source's rules (its platform blocks desugared): the keys lower.ts
 *  makes, in names, a rule's in the order the policy declares their types (lower.ts's is the
 *  binary's value order, which follows a hash). An AUDITDENY key holds the permissions still
 *  audited, so its grant (the listing's dontaudit) has the others. */
export function sourceRuleFacts(ast: PolicyAst, sym: Symbols): RuleFacts[] {
  const { statements, typeNames } = ruleKeys(ast, sym);
  const declared = (name: string) => {
    const t = sym.typeIds.get(name);
    return t !== undefined ? sym.types[t]!.span.offset : sym.attrs[sym.attrIds.get(name)!]!.span.offset;
  };
  const at = typeNames.map(declared);
  return statements.map(({ statement, cond, held, specified, keys }) => {
    keys = [...keys].sort((x, y) => at[x.source - 1]! - at[y.source - 1]! || at[x.target - 1]! - at[y.target - 1]! || x.tclass - y.tclass);
    const when = cond ? { when: whenText(cond.program, cond.branch, sym.bools) } : {};
    const heldWhen = held && whenText(held.program, held.branch, sym.bools);
    const grants = keys.map(({ source, target, tclass, data }): Grant => {
      const cls = sym.classes[tclass - 1]!;
      const base = { kind: KINDS[specified]!, source: typeNames[source - 1]!, target: typeNames[target - 1]!, tclass: cls.name, ...when };
      if (specified & AVTAB_TYPE) return { ...base, defaultType: typeNames[data - 1]! };
      const mask = specified === AVTAB_AUDITDENY ? ~data : data;
      return { ...base, perms: cls.perms.filter((p, bit) => p && (mask >>> bit) & 1) };
    });
    return { span: statement.span, grants, ...(heldWhen !== undefined && heldWhen !== when.when ? { held: heldWhen } : {}) };
  });
}

/** How many neverallow rules (which no binary keeps) include each name. */
export function neverallowNames(statements: readonly Statement[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const s of statements) {
    if (s.kind !== "avrule" || s.rule !== "neverallow") continue;
    for (const x of new Set([...s.sources.include, ...s.targets.include].map((i) => i.name))) n.set(x, (n.get(x) ?? 0) + 1);
  }
  return n;
}
