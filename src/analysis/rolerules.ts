// `xsm search --role_allow / --role_trans`: sesearch's RBAC rule query (setools rbacrulequery.py)
// over the records the binary holds: role allow pairs and role_transition (role, type, class)
// triples, role attributes and type attributes expanded (the kernel policy keeps neither in these
// rules). -s and -D name roles; -t a type or attribute (matched against a role_transition's type)
// or else a role (against a role allow's target); -c and -D leave role allow rules out, as setools'
// RuleUseError does. Printed as sesearch prints them, sorted as strings.
import type { Span } from "../diagnostics/diagnostic.js";
import type { Symbols } from "../policy/symbols.js";
import { listedMembers } from "./terules.js";
import { ruleText, sourceLocation, type AnalysisPolicy } from "./load.js";
import { classMatcher, QueryError, queryRegex, unknownName } from "./names.js";

export type RoleKind = "role_allow" | "role_transition";
export const ROLE_KINDS: readonly RoleKind[] = ["role_allow", "role_transition"];

export interface RoleQuery {
  kinds: readonly RoleKind[];
  source?: string;
  target?: string;
  default?: string;
  classes?: string[];
  sourceDirect?: boolean;
  targetDirect?: boolean;
  sourceRegex?: boolean;
  targetRegex?: boolean;
  classRegex?: boolean;
  defaultRegex?: boolean;
}

/** A rule found: search.ts's SearchHit for a role rule (no permissions; a role allow rule has no
 *  class and no default). */
export interface RoleHit {
  rule: string;
  kind: RoleKind;
  source: string;
  target: string;
  class?: string;
  default?: string;
  origins: { file: string; line: number; text: string; expansion?: string }[];
}

/** One record of the binary: a role allow pair (target a role) or a role_transition triple
 *  (target a type), with every source rule that wrote it. */
interface RoleRecord {
  kind: RoleKind;
  source: number;
  target: number;
  tclass: number;
  newRole: number;
  spans: Span[];
}

function records(sym: Symbols): RoleRecord[] {
  const byKey = new Map<string, RoleRecord>();
  const add = (key: string, r: Omit<RoleRecord, "spans">, span: Span) => {
    const had = byKey.get(key);
    if (had) had.spans.push(span);
    else byKey.set(key, { ...r, spans: [span] });
  };
  for (const rule of sym.roleAllows ?? [])
    for (const a of rule.roles) for (const b of rule.newRoles) add(`a ${a} ${b}`, { kind: "role_allow", source: a, target: b, tclass: -1, newRole: -1 }, rule.span);
  // a triple written twice is one record (expand.c copy_role_trans), the first rule's new role
  for (const rule of sym.roleTransitions ?? [])
    for (const r of rule.roles) for (const t of rule.types) for (const c of rule.classes) add(`t ${r} ${t} ${c}`, { kind: "role_transition", source: r, target: t, tclass: c, newRole: rule.newRole }, rule.span);
  return [...byKey.values()];
}

/** Roles a rule may name (not role attributes: the binary has none), for suggestions. */
function roleNames(sym: Symbols): string[] {
  return [...sym.roleIds.keys()];
}

/** lookup_role, with a reason when the name is something else the policy declares. */
function lookupRole(sym: Symbols, name: string, option: string): number {
  const id = sym.roleIds.get(name);
  if (id !== undefined) return id;
  const attr = sym.roleAttrs.find((a) => a.name === name);
  if (attr) {
    const roles = [...(attr.roles ?? [])].map((r) => sym.roles[r]!.name).sort();
    const which = roles.length ? `: give one of its roles (${roles.join(", ")})` : " (and it has no role)";
    throw new QueryError(`'${name}' is a role attribute, which the binary policy does not keep (sesearch: not a valid role)${which}`, option);
  }
  if (sym.typeIds.has(name) || sym.attrIds.has(name)) throw new QueryError(`'${name}' is a type${sym.attrIds.has(name) ? " attribute" : ""}, not a role (${option} of a role rule names a role)`, option);
  throw unknownName("role", name, roleNames(sym), option);
}

/** A criterion over a record's target, or undefined when setools ignores it (an attribute with no
 *  member type is false in `if self.target and ...`, so every rule matches). */
function targetMatcher(sym: Symbols, q: RoleQuery): ((r: RoleRecord) => boolean) | undefined {
  const name = q.target!;
  if (q.targetRegex) {
    const re = queryRegex(name, "-t");
    return (r) => re.test(r.kind === "role_allow" ? sym.roles[r.target]!.name : sym.types[r.target]!.name);
  }
  // RBACRuleQuery.target: a type or attribute first, else a role
  const t = sym.typeIds.get(name);
  if (t !== undefined) return (r) => r.kind === "role_transition" && r.target === t;
  const a = sym.attrIds.get(name);
  if (a !== undefined) {
    const members = listedMembers(sym, a);
    if (members.length === 0) return undefined;
    // -dt: the rule's target is the attribute itself, which no record is
    if (q.targetDirect) return () => false;
    const set = new Set(members);
    return (r) => r.kind === "role_transition" && set.has(r.target);
  }
  if (sym.roleIds.has(name)) {
    const role = sym.roleIds.get(name)!;
    return (r) => r.kind === "role_allow" && r.target === role;
  }
  if (sym.roleAttrs.some((x) => x.name === name)) lookupRole(sym, name, "-t");
  throw unknownName("type, attribute or role", name, [...sym.typeIds.keys(), ...sym.attrIds.keys(), ...roleNames(sym)], "-t");
}

function roleMatcher(sym: Symbols, name: string, isRegex: boolean, option: string): (role: number) => boolean {
  if (isRegex) {
    const re = queryRegex(name, option);
    return (role) => re.test(sym.roles[role]!.name);
  }
  const id = lookupRole(sym, name, option);
  return (role) => role === id;
}

function origin(ap: AnalysisPolicy, span: Span): RoleHit["origins"][number] {
  const at = sourceLocation(ap, span);
  return { file: at.span.file, line: at.span.line, text: ruleText(ap.text, span), ...(at.expansion ? { expansion: at.expansion } : {}) };
}

/** The RBAC rules a query selects, sorted as sesearch sorts them (by their text). */
export function roleRules(ap: AnalysisPolicy, q: RoleQuery): RoleHit[] {
  const sym = ap.sym;
  const kinds = new Set(q.kinds);
  const source = q.source ? roleMatcher(sym, q.source, !!q.sourceRegex, "-s") : undefined;
  const target = q.target ? targetMatcher(sym, q) : undefined;
  const deflt = q.default ? roleMatcher(sym, q.default, !!q.defaultRegex, "-D") : undefined;
  const classOk = classMatcher(sym, q.classes, !!q.classRegex);
  const hits: RoleHit[] = [];
  for (const r of records(sym)) {
    if (!kinds.has(r.kind)) continue;
    if (source && !source(r.source)) continue;
    if (target && !target(r)) continue;
    // a role allow rule has no class and no default: setools skips it under -c or -D
    if (classOk && (r.kind === "role_allow" || !classOk(r.tclass))) continue;
    if (deflt && (r.kind === "role_allow" || !deflt(r.newRole))) continue;
    const s = sym.roles[r.source]!.name;
    const origins = r.spans.map((span) => origin(ap, span));
    if (r.kind === "role_allow") {
      const t = sym.roles[r.target]!.name;
      hits.push({ rule: `allow ${s} ${t};`, kind: r.kind, source: s, target: t, origins });
    } else {
      const [t, c, d] = [sym.types[r.target]!.name, sym.classes[r.tclass]!.name, sym.roles[r.newRole]!.name];
      hits.push({ rule: `role_transition ${s} ${t}:${c} ${d};`, kind: r.kind, source: s, target: t, class: c, default: d, origins });
    }
  }
  return hits.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
