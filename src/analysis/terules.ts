// The TE rules as the kernel (binary) policy holds them and setools lists them: one entry per
// (source, target, class, kind) and conditional list, the permissions of every source rule with
// that key ORed together. libsepol's expand.c keeps an attribute as the key of an AV rule unless
// the rule forces expansion (type_set_expand with alwaysexpand = 0: `-`, `*`, `~`; RULE_SELF
// expands both sides); type rules are always expanded to types (expand_terule_helper).
// dontaudit is stored as AUDITDENY with the complement; `perms` holds what sesearch prints back.
import type { Span } from "../diagnostics/diagnostic.js";
import type { Expanded } from "../policy/expand.js";
import { expandTypeSet } from "../policy/typeset.js";
import type { CondPlace, ResolvedRules, Symbols, TypeSet } from "../policy/symbols.js";

export const TE_KINDS = ["allow", "auditallow", "dontaudit", "type_transition", "type_change", "type_member"] as const;
export type TeKind = (typeof TE_KINDS)[number];

export interface TeRule {
  kind: TeKind;
  /** A type id, or ntypes + attribute id (an attribute kept as the key). */
  source: number;
  target: number;
  tclass: number;
  /** AV rules: the permissions (dontaudit: those not audited); 0 for type rules. */
  perms: number;
  /** Type rules: the default type; -1 for AV rules. */
  defaultType: number;
  cond?: CondPlace;
  /** The source rules that made this entry, in source order. */
  origins: Span[];
}

function keepsAttributes(ts: TypeSet, self: boolean): boolean {
  return !self && !ts.star && !ts.complement && ts.negTypes.length === 0 && ts.negAttrs.length === 0;
}

/** A set's keys: its types and attributes as written, or its expansion when the rule forces one.
 *  An attribute `expandattribute A true` gives its types either way (type_set_expand expands
 *  TYPE_FLAGS_EXPAND_ATTR_TRUE; lower.ts writes the same keys). */
function keyIds(ts: TypeSet, self: boolean, sym: Symbols): ArrayLike<number> {
  if (!keepsAttributes(ts, self)) return expandTypeSet(ts, sym);
  const nt = sym.types.length;
  const ids = ts.attrs.flatMap((a) => (sym.attrs[a]!.expand === true ? Array.from(sym.attrs[a]!.members) : [nt + a]));
  return [...new Set([...ts.types, ...ids])].sort((a, b) => a - b);
}

/** An attribute's types as a binary lists them (setools reads them from type_attr_map): none for
 *  one `expandattribute A true` expands, whose membership checkpolicy writes nowhere. */
export function listedMembers(sym: Symbols, a: number): Int32Array {
  const attr = sym.attrs[a]!;
  return attr.expand === true ? new Int32Array(0) : attr.members;
}

export function kernelRules(sym: Symbols, resolved: ResolvedRules, ex: Expanded): TeRule[] {
  const nt = sym.types.length;
  const nta = nt + sym.attrs.length;
  const nc = Math.max(1, sym.classes.length);
  const scopes = 1 + sym.conds.length * 2;
  const byKey = new Map<number, TeRule>();
  const out: TeRule[] = [];
  const entry = (kind: number, s: number, t: number, c: number, cond: CondPlace | undefined, make: () => TeRule): TeRule => {
    const scope = cond ? 1 + cond.node * 2 + (cond.branch ? 0 : 1) : 0;
    const key = (((s * nta + t) * nc + c) * TE_KINDS.length + kind) * scopes + scope;
    let rule = byKey.get(key);
    if (!rule) {
      rule = make();
      byKey.set(key, rule);
      out.push(rule);
    }
    return rule;
  };
  const addOrigin = (rule: TeRule, span: Span): void => {
    if (rule.origins[rule.origins.length - 1] !== span) rule.origins.push(span);
  };

  for (const r of resolved.avRules) {
    if (r.kind === "neverallow") continue;
    const self = r.targets.self;
    const sources = keyIds(r.sources, self, sym);
    const targets = keyIds(r.targets, self, sym);
    const kind: TeKind = r.kind === "auditdeny" ? "dontaudit" : r.kind;
    const k = TE_KINDS.indexOf(kind);
    for (let ci = 0; ci < r.classes.length; ci++) {
      const c = r.classes[ci]!;
      // auditdeny names what to audit: the rest is not audited, as a dontaudit of the complement
      const perms = r.kind === "auditdeny" ? ~r.masks[ci]! & sym.classes[c]!.allMask : r.masks[ci]!;
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i]!;
        const add = (t: number): void => {
          const rule = entry(k, s, t, c, r.cond, () => ({ kind, source: s, target: t, tclass: c, perms: 0, defaultType: -1, cond: r.cond, origins: [] }));
          rule.perms = (rule.perms | perms) >>> 0;
          addOrigin(rule, r.span);
        };
        if (self) add(s);
        for (let j = 0; j < targets.length; j++) add(targets[j]!);
      }
    }
  }
  for (const e of ex.typeRules) {
    const k = TE_KINDS.indexOf(e.kind);
    const rule = entry(k, e.stype, e.ttype, e.tclass, e.cond, () => ({ kind: e.kind, source: e.stype, target: e.ttype, tclass: e.tclass, perms: 0, defaultType: e.defaultType, cond: e.cond, origins: [] }));
    addOrigin(rule, e.span);
  }
  return out;
}

/** Name of a rule key: a type, or an attribute kept as the key. */
export function keyName(sym: Symbols, id: number): string {
  const nt = sym.types.length;
  return id < nt ? sym.types[id]!.name : sym.attrs[id - nt]!.name;
}

/** The types a rule key stands for (setools' expand()): itself, or an attribute's members. */
export function keyTypes(sym: Symbols, id: number): ArrayLike<number> {
  const nt = sym.types.length;
  return id < nt ? [id] : sym.attrs[id - nt]!.members;
}

/** A binary's rules: each avtab entry is already one kernel rule (an ExpandedAvRule whose line of
 *  the binary's listing names its key, `allow KEY KEY:class { ... };`); type rules come expanded. */
export function listedRules(sym: Symbols, ex: Expanded, text: string): TeRule[] {
  const nt = sym.types.length;
  const key = (name: string): number => {
    const t = sym.typeIds.get(name);
    if (t !== undefined) return t;
    const a = sym.attrIds.get(name);
    return a === undefined ? -1 : nt + a;
  };
  const out: TeRule[] = [];
  for (const r of ex.rules) {
    if (r.kind !== "allow" && r.kind !== "auditallow" && r.kind !== "dontaudit") continue;
    const m = /^\S+ (\S+) (\S+):/.exec(text.slice(r.span.offset, r.span.offset + r.span.length));
    const source = m ? key(m[1]!) : -1;
    const target = m ? key(m[2]!) : -1;
    if (source < 0 || target < 0) continue;
    const tclass = r.classes[0]!;
    out.push({ kind: r.kind, source, target, tclass, perms: (r.masks[0]! & sym.classes[tclass]!.allMask) >>> 0, defaultType: -1, cond: r.cond, origins: [r.span] });
  }
  for (const e of ex.typeRules) out.push({ kind: e.kind, source: e.stype, target: e.ttype, tclass: e.tclass, perms: 0, defaultType: e.defaultType, cond: e.cond, origins: [e.span] });
  return out;
}
