// What comes closest to granting a denied access, and what would grant it: a policy author's next
// question after "no allow rule grants it". The allow rules that name the pair and class but grant
// other permissions, those that grant the permission to other targets of the source (sesearch -A
// -s SOURCE -c CLASS -p PERM, less the rules that name the target) and from other sources to the
// target, nearest first; and the rule audit2allow would write. Walked only when a denial is
// explained (xsm check, xsm why, the studio's decision explorer), never on the decision path.
import type { ExpandedAvRule } from "./expand.js";
import type { BoolState } from "./image.js";
import { allowRuleText } from "./reasons.js";
import { ruleCovers, ruleMask, sideHas } from "./rulematch.js";
import { typeOrAttrName } from "./decide.js";
import { sortedHas } from "./typeset.js";
import type { NearGroup, NearMisses, NearRule, Refusal, SecurityContext } from "./types.js";
import { addedRuleProblems } from "./check.js";

/** How many rules of each kind an explanation shows (the rest are counted). */
export const NEAR_LIMIT = 5;

interface Candidate {
  rule: ExpandedAvRule;
  /** the permissions asked that it grants, counted */
  asked: number;
  /** the most attributes one of its types shares with the asked type */
  shared: number;
  /** how many (source, target) pairs it names: the fewer, the less a change to it grants beyond */
  breadth: number;
  types?: number[];
}

/** The rules near a denial of `mask` on (s, t, tclass); undefined when an enabled rule grants one
 *  of the permissions (there is nothing missing to explain). */
export function nearMisses(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number, mask: number, limit = NEAR_LIMIT): NearMisses | undefined {
  const core = state.tables;
  const sym = core.sym;
  const nt = sym.types.length;
  const enabled = (r: ExpandedAvRule) => !r.cond || (state.conds[r.cond.node] === 1) === r.cond.branch;
  const allows = core.ex.rules.filter((r) => r.kind === "allow" && r.classes.includes(tclass));
  if (allows.some((r) => enabled(r) && (ruleMask(r, s.type, t.type, tclass, nt) & mask) !== 0)) return undefined;
  const classMask = (r: ExpandedAvRule) => r.masks[r.classes.indexOf(tclass)]!;
  const breadth = (r: ExpandedAvRule) => r.sources.length * (r.targets.length + (r.self ? 1 : 0));
  const closeness = similarity(state, s.type, t.type);

  const otherPerms: Candidate[] = allows.filter((r) => (classMask(r) & mask) === 0 && ruleCovers(r, s.type, t.type, nt)).map((rule) => ({ rule, asked: 0, shared: 0, breadth: breadth(rule) }));
  const otherTargets: Candidate[] = [];
  const otherSources: Candidate[] = [];
  for (const rule of allows) {
    const asked = classMask(rule) & mask;
    // (a rule naming the pair that grants it is a granted-by or disabled-by-bool reason already)
    if (asked === 0 || ruleCovers(rule, s.type, t.type, nt)) continue;
    const count = bitCount(asked);
    if (sideHas(rule.sources, rule.attrKeys?.sources, s.type, nt)) {
      // `self` pairs the source with itself: one more target
      const types = rule.self && s.type < nt && !sortedHas(rule.targets, s.type) ? withType(rule.targets, s.type) : Array.from(rule.targets);
      otherTargets.push(ranked(rule, count, types, t.type, closeness, breadth(rule)));
    }
    const sources = sideHas(rule.targets, rule.attrKeys?.targets, t.type, nt) ? Array.from(rule.sources) : rule.self && t.type < nt && sortedHas(rule.sources, t.type) ? [t.type] : [];
    if (sources.length > 0) otherSources.push(ranked(rule, count, sources, s.type, closeness, breadth(rule)));
  }
  const near = (c: Candidate): NearRule => {
    const r = c.rule;
    const out: NearRule = { rule: core.ruleRef(r.span), perms: sym.classes[tclass]!.perms.filter((_, bit) => (classMask(r) >>> bit) & 1) };
    if (c.types) out.types = c.types.map((id) => sym.types[id]!.name);
    if (r.cond) {
      const text = sym.conds[r.cond.node]!.text;
      out.condition = r.cond.branch ? text : `!(${text})`;
      out.enabled = enabled(r);
    }
    return out;
  };
  const group = (cs: Candidate[]): NearGroup => {
    const sorted = cs.map((c, i) => ({ c, i })).sort((a, b) => closer(a.c, b.c, enabled) || a.i - b.i);
    const rules = distinct(sorted.map(({ c }) => near(c)));
    return { rules: rules.slice(0, limit), more: Math.max(0, rules.length - limit) };
  };
  return { otherPerms: group(otherPerms), otherTargets: group(otherTargets), otherSources: group(otherSources), ...proposal(state, s, t, tclass, mask) };
}

/** The allow rule audit2allow writes for a denial of `mask` on (s, t, tclass), and why
 *  checkpolicy would refuse the policy with it (addedRuleProblems: the compile's own checks). */
export function proposal(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number, mask: number): { allow: string; refused?: Refusal[] } {
  const core = state.tables;
  const sym = core.sym;
  const perms = sym.classes[tclass]!.perms.filter((_, bit) => (mask >>> bit) & 1);
  const allow = allowRuleText(typeOrAttrName(sym, s.type), typeOrAttrName(sym, t.type), sym.classes[tclass]!.name, perms);
  const refused = addedRuleProblems(sym, core.ex, s.type, t.type, tclass, mask).map((d): Refusal => ({ code: d.code as Refusal["code"], message: d.message, rule: core.ruleRef(d.span!) }));
  return refused.length > 0 ? { allow, refused } : { allow };
}

/** Enabled rules first, then the more permissions asked granted, the more attributes shared with
 *  the asked type, the fewer pairs named. */
function closer(a: Candidate, b: Candidate, enabled: (r: ExpandedAvRule) => boolean): number {
  return Number(enabled(b.rule)) - Number(enabled(a.rule)) || b.asked - a.asked || b.shared - a.shared || a.breadth - b.breadth;
}

/** A candidate whose differing side is `types`, ranked against the asked type `asked`: its types
 *  closest to it first. */
function ranked(rule: ExpandedAvRule, count: number, types: number[], asked: number, closeness: (a: number, u: number) => number, breadth: number): Candidate {
  const scored = types.map((u) => ({ u, n: closeness(asked, u) })).sort((x, y) => y.n - x.n || x.u - y.u);
  return { rule, asked: count, shared: scored[0]?.n ?? 0, breadth, types: scored.map((x) => x.u) };
}

/** How many attributes two types share (an attribute key id shares none). */
function similarity(state: BoolState, ...asked: number[]): (a: number, u: number) => number {
  const sym = state.tables.sym;
  const nt = sym.types.length;
  const attrsOf = new Map(asked.map((a) => [a, a < nt ? sym.attrs.filter((x) => sortedHas(x.members, a)) : []]));
  return (a, u) => (u < nt ? (attrsOf.get(a) ?? []).filter((x) => sortedHas(x.members, u)).length : 0);
}

/** The rules once each: a macro may write the same rule twice behind one line. */
function distinct(rules: NearRule[]): NearRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const key = `${r.rule.span.file}:${r.rule.span.line}:${r.rule.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function withType(sorted: Int32Array, id: number): number[] {
  return [...Array.from(sorted), id].sort((a, b) => a - b);
}

function bitCount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}
