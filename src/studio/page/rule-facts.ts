// What a rule grants, in the shape Xen's avtab holds it: one grant per (source, target, class),
// which a binary's listing shows as one line each. A source's rules are read from the parse the way
// libsepol's expand keys them (src/binary/lower.ts, typeSet and avRule): a set of plain names keeps
// its attributes; `*`, `~`, `-name` and a `self` target expand to types; type rules always expand.
// Grants with the same key merge (their permissions joined), as avtab entries do, so a source's
// merged grants are the lines of the binary it compiles to. A conditional rule's grants are keyed
// by the condition they hold under, said the same way for both (whenText).
import type { NameSet, Statement } from "../../policy/ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { condProgram, evalCond } from "../../policy/cond.js";

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

/** A rule and what it grants (hover), at its statement (a source's) or listing line (a binary's). */
export interface RuleFacts {
  span: Span;
  grants: Grant[];
}

/** The names a source's rules are read against. */
export interface NameTables {
  /** Every type, in declaration order. */
  types: string[];
  /** Attribute -> its member types. */
  members: Map<string, string[]>;
  /** Class -> its permissions in bit order (its common's first). */
  classPerms: Map<string, string[]>;
  /** The booleans, in declaration order. */
  bools: string[];
  /** Type alias -> its type (a rule naming an alias keys its type). */
  aliases: Map<string, string>;
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

/** The grants of a source's rules (after its platform blocks are desugared), read as lower.ts
 *  lowers them; neverallow rules, which no binary keeps, only counted by the names they include. */
export function sourceRuleFacts(statements: readonly Statement[], t: NameTables): { rules: RuleFacts[]; neverallowNames: Map<string, number> } {
  const rules: RuleFacts[] = [];
  const neverallowNames = new Map<string, number>();
  const attrs = new Set(t.members.keys());
  const isType = new Set(t.types.filter((x) => !attrs.has(x)));
  /** type_set_expand: the names a set keys the avtab by, and whether it names `self`. */
  const typeSet = (set: NameSet, expand: boolean): { names: string[]; self: boolean } => {
    const named = set.include.map((i) => t.aliases.get(i.name) ?? i.name).filter((n) => n !== "self");
    const self = named.length < set.include.length;
    const doExpand = expand || set.star || set.complement || set.exclude.length > 0;
    if (!doExpand) return { names: unique(named.filter((n) => attrs.has(n) || isType.has(n))), self };
    return { names: expandTypeSet(set, t), self };
  };
  const classesOf = (set: NameSet) => unique(set.include.map((i) => i.name)).filter((c) => t.classPerms.has(c));
  const permsOf = (set: NameSet, tclass: string): string[] => {
    const all = t.classPerms.get(tclass) ?? [];
    const named = new Set(set.include.map((i) => i.name));
    // `*` is every permission, `~{...}` the ones not named (define_te_avtab_helper)
    return set.star ? all : set.complement ? all.filter((p) => !named.has(p)) : all.filter((p) => named.has(p));
  };
  const boolIds = new Map(t.bools.map((b, i) => [b, i]));
  const boolNames = t.bools.map((name) => ({ name }));
  const visit = (s: Statement, when?: string) => {
    if (s.kind === "if") {
      const compiled = condProgram(s.expr, (e) => boolIds.get(e.name.name));
      // (an undeclared boolean: the compile says so; its rules grant nothing)
      if (!compiled) return;
      s.then.forEach((x) => visit(x, whenText(compiled.program, true, boolNames)));
      s.else.forEach((x) => visit(x, whenText(compiled.program, false, boolNames)));
      return;
    }
    if (s.kind === "avrule" && s.rule === "neverallow") {
      for (const n of unique([...s.sources.include, ...s.targets.include].map((i) => i.name))) neverallowNames.set(n, (neverallowNames.get(n) ?? 0) + 1);
      return;
    }
    if (s.kind !== "avrule" && (s.kind !== "typerule" || s.filename !== undefined)) return;
    const grants: Grant[] = [];
    const targets0 = typeSet(s.targets, s.kind === "typerule");
    // a `self` target expands both sets (convert_and_expand_rule's RULE_SELF)
    const forced = s.kind === "typerule" || targets0.self;
    const sources = typeSet(s.sources, forced).names;
    const targets = forced ? typeSet(s.targets, true) : targets0;
    // auditdeny's permissions are the ones audited: the listing's dontaudit shows the others
    const kind = s.rule === "auditdeny" ? "dontaudit" : s.rule;
    const perms = (tclass: string) => (s.kind !== "avrule" ? [] : s.rule === "auditdeny" ? (t.classPerms.get(tclass) ?? []).filter((p) => !permsOf(s.perms, tclass).includes(p)) : permsOf(s.perms, tclass));
    for (const src of sources) {
      for (const tgt of [...(targets.self ? [src] : []), ...targets.names]) {
        for (const tclass of classesOf(s.classes)) {
          const base = { kind, source: src, target: tgt, tclass, ...(when !== undefined ? { when } : {}) };
          grants.push(s.kind === "avrule" ? { ...base, perms: perms(tclass) } : { ...base, defaultType: t.aliases.get(s.defaultType.name) ?? s.defaultType.name });
        }
      }
    }
    rules.push({ span: s.span, grants });
  };
  statements.forEach((s) => visit(s));
  return { rules, neverallowNames };
}

/** A type set's types, attributes expanded (type_set_expand with every attribute expanded):
 *  `*` every type, `-name` taken out, `~` the types left out; in declaration order. */
export function expandTypeSet(set: NameSet, t: Pick<NameTables, "types" | "members" | "aliases">): string[] {
  const plainTypes = t.types.filter((x) => !t.members.has(x));
  const isType = new Set(plainTypes);
  const expandName = (alias: string): string[] => {
    const n = t.aliases.get(alias) ?? alias;
    return t.members.get(n) ?? (isType.has(n) ? [n] : []);
  };
  const excluded = new Set(set.exclude.flatMap((e) => expandName(e.name)));
  let names = set.star ? plainTypes : unique(set.include.flatMap((i) => expandName(i.name)));
  names = names.filter((n) => !excluded.has(n));
  if (set.complement) {
    const have = new Set(names);
    names = plainTypes.filter((n) => !have.has(n));
  }
  return sortedLike(names, plainTypes);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** `names` in the order `order` has them (a set's types in declaration order, as bits are). */
function sortedLike(names: string[], order: string[]): string[] {
  const have = new Set(names);
  return order.filter((n) => have.has(n));
}
