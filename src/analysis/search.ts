// `xsm search`: sesearch's TE rule queries (setools terulequery.py) over the rules as the binary
// holds them (terules.ts), printed as sesearch prints them: one line per rule, sorted as strings
// (sesearch sorts its results, PolicyRule.__lt__ compares str()), permissions sorted, conditional
// rules suffixed `[ expr ]:True|False`. Plus each rule's source rules, and neverallows from source.
import type { Span } from "../diagnostics/diagnostic.js";
import { expandTypeSet } from "../policy/typeset.js";
import { levelEq, type LevelRange, type ResolvedAvRule, type Symbols, type TypeSet } from "../policy/symbols.js";
import { parseRange } from "../policy/decide.js";
import { byCodePoint } from "../policy/matrix.js";
import { rangeTransRecords, setoolsRange } from "./mls.js";
import { setoolsCondText } from "./condtext.js";
import { ruleText, sourceLocation, type AnalysisPolicy } from "./load.js";
import { classMatcher, QueryError, queryRegex, unknownName } from "./names.js";
import { keyName, keyTypes, listedMembers, type TeKind, type TeRule } from "./terules.js";
import { ROLE_KINDS, roleRules, type RoleKind } from "./rolerules.js";

export type SearchKind = TeKind | "neverallow" | "range_transition" | RoleKind;

export interface SearchQuery {
  kinds: readonly SearchKind[];
  source?: string;
  target?: string;
  default?: string;
  /** Class names, or one regular expression with classRegex. */
  classes?: string[];
  perms?: string[];
  bools?: string[];
  /** -ds / -dt: match the rule's key itself, not the types it stands for. */
  sourceDirect?: boolean;
  targetDirect?: boolean;
  /** -rs -rt -rc -rd -rb: the criterion is a regular expression. */
  sourceRegex?: boolean;
  targetRegex?: boolean;
  classRegex?: boolean;
  defaultRegex?: boolean;
  boolRegex?: boolean;
  /** -ep: the permission set equals the criterion; -Sp: contains it. */
  permsEqual?: boolean;
  permsSubset?: boolean;
  /** -eb: the conditional's booleans equal the criterion. */
  boolsEqual?: boolean;
}

export interface Origin {
  file: string;
  line: number;
  text: string;
  /** A policy tree: the macro call that wrote it ("in expansion of `m` at modules/x.te:5"). */
  expansion?: string;
}

export interface SearchHit {
  /** The line sesearch prints. */
  rule: string;
  kind: SearchKind;
  source: string;
  target: string;
  /** Absent for a role allow rule. */
  class?: string;
  perms?: string[];
  default?: string;
  conditional?: string;
  branch?: boolean;
  origins: Origin[];
}

/** A compiled criterion over names: a set of ids to intersect with, or a regular expression. */
type NameMatch = (names: readonly string[]) => boolean;

/** Names of the types and attributes, for suggestions. */
function typeOrAttrNames(sym: Symbols): string[] {
  return [...sym.typeIds.keys(), ...sym.attrIds.keys()];
}

/** The types a type-or-attribute name stands for (setools lookup_type_or_attr(...).expand()); with
 *  `listed`, an attribute's types as the binary lists them (listedMembers). */
export function lookupTypes(sym: Symbols, name: string, option: string, listed = false): { key: number; types: Set<number> } {
  const t = sym.typeIds.get(name);
  if (t !== undefined) return { key: t, types: new Set([t]) };
  const a = sym.attrIds.get(name);
  if (a !== undefined) return { key: sym.types.length + a, types: new Set(listed ? listedMembers(sym, a) : sym.attrs[a]!.members) };
  throw unknownName("type or attribute", name, typeOrAttrNames(sym), option);
}

/** match_indirect_regex for a rule key: cached per key (rules share few keys). Undefined when
 *  setools ignores the criterion: TERuleQuery tests it for truth first (`if self.source and not
 *  match_indirect_queryRegex(...)`), and an attribute with no member type is false, so an empty
 *  attribute matches every rule, direct (-ds/-dt) or not. */
function keyMatcher(sym: Symbols, criterion: string, direct: boolean, isRegex: boolean, option: string): ((id: number) => boolean) | undefined {
  const cache = new Map<number, boolean>();
  let test: (id: number) => boolean;
  if (isRegex) {
    const re = queryRegex(criterion, option);
    test = direct ? (id) => re.test(keyName(sym, id)) : (id) => Array.from(keyTypes(sym, id)).some((t) => re.test(sym.types[t]!.name));
  } else {
    const { key, types } = lookupTypes(sym, criterion, option, true);
    if (types.size === 0) return undefined;
    test = direct ? (id) => id === key : (id) => Array.from(keyTypes(sym, id)).some((t) => types.has(t));
  }
  return (id) => {
    let hit = cache.get(id);
    if (hit === undefined) cache.set(id, (hit = test(id)));
    return hit;
  };
}

function setMatcher(criteria: string[], equal: boolean, isRegex: boolean, option: string): NameMatch {
  if (isRegex) {
    const re = queryRegex(criteria.join(","), option);
    return (names) => names.some((n) => re.test(n));
  }
  const want = new Set(criteria);
  return equal ? (names) => names.length === want.size && names.every((n) => want.has(n)) : (names) => names.some((n) => want.has(n));
}

export function permText(perms: readonly string[]): string {
  // an auditdeny of every permission leaves a dontaudit entry with none (sesearch fails on it)
  if (perms.length === 0) return "{ }";
  return perms.length === 1 ? perms[0]! : `{ ${perms.join(" ")} }`;
}

/** Python's sorted() on str: code point order (JS sort compares UTF-16 units; equal for the BMP). */
export function pySorted(names: Iterable<string>): string[] {
  return [...names].sort(byCodePoint);
}

function origin(ap: AnalysisPolicy, span: Span): Origin {
  const at = sourceLocation(ap, span);
  return { file: at.span.file, line: at.span.line, text: ruleText(ap.text, span), ...(at.expansion ? { expansion: at.expansion } : {}) };
}

export class RuleFormatter {
  private readonly condTexts: string[];
  constructor(private readonly ap: AnalysisPolicy) {
    this.condTexts = ap.sym.conds.map((c) => setoolsCondText(c.program, ap.sym));
  }

  perms(rule: TeRule): string[] {
    const cls = this.ap.sym.classes[rule.tclass]!;
    return pySorted(cls.perms.filter((_, bit) => (rule.perms >>> bit) & 1));
  }

  hit(rule: TeRule): SearchHit {
    const sym = this.ap.sym;
    const source = keyName(sym, rule.source);
    const target = keyName(sym, rule.target);
    const cls = sym.classes[rule.tclass]!.name;
    const isAv = rule.defaultType < 0;
    const perms = isAv ? this.perms(rule) : undefined;
    const def = isAv ? undefined : sym.types[rule.defaultType]!.name;
    let line = `${rule.kind} ${source} ${target}:${cls} ${isAv ? permText(perms!) : def};`;
    const hit: SearchHit = { rule: line, kind: rule.kind, source, target, class: cls, origins: rule.origins.map((s) => origin(this.ap, s)) };
    if (perms) hit.perms = perms;
    if (def) hit.default = def;
    if (rule.cond) {
      hit.conditional = this.condTexts[rule.cond.node]!;
      hit.branch = rule.cond.branch;
      line += ` [ ${hit.conditional} ]:${rule.cond.branch ? "True" : "False"}`;
      hit.rule = line;
    }
    return hit;
  }
}

/** The rules a query selects, in sesearch's order. */
export function search(ap: AnalysisPolicy, q: SearchQuery): SearchHit[] {
  const sym = ap.sym;
  if (q.kinds.length === 0) throw new QueryError("at least one rule type must be given (-A, --auditallow, --dontaudit, --neverallow, -T, --type_change, --type_member, --range_trans, --role_allow, --role_trans)");
  // sesearch runs its TE query, then its RBAC query, then its MLS query, each one's results
  // sorted; -s, -t and -D are looked up by each (a role for RBAC), so a name one of them refuses
  // is an error here before anything is printed
  const roleKinds = ROLE_KINDS.filter((k) => q.kinds.includes(k));
  const rbac = roleKinds.length > 0 ? roleRules(ap, { ...q, kinds: roleKinds }) : [];
  if (roleKinds.length === q.kinds.length) return rbac;
  const kinds = new Set(q.kinds);
  const source = q.source ? keyMatcher(sym, q.source, !!q.sourceDirect, !!q.sourceRegex, "-s") : undefined;
  const target = q.target ? keyMatcher(sym, q.target, !!q.targetDirect, !!q.targetRegex, "-t") : undefined;
  // -D names a type for the type rules, a range for range_transition
  const deflt = q.default && [...kinds].some((k) => k !== "range_transition") ? keyMatcher(sym, q.default, false, !!q.defaultRegex, "-D") : undefined;
  const classOk = classMatcher(sym, q.classes, !!q.classRegex);
  let permsOk: NameMatch | undefined;
  if (q.perms?.length) {
    const scope = classOk && !q.classRegex ? sym.classes.filter((c) => classOk!(c.id)) : sym.classes;
    const known = new Set(scope.flatMap((c) => c.perms));
    for (const p of q.perms) if (!known.has(p)) throw unknownName(scope === sym.classes ? "permission" : `permission of class ${scope.map((c) => c.name).join(", ")}`, p, known, "-p");
    const want = new Set(q.perms);
    permsOk = q.permsSubset ? (names) => [...want].every((p) => names.includes(p)) : setMatcher(q.perms, !!q.permsEqual, false, "-p");
  }
  let boolsOk: NameMatch | undefined;
  if (q.bools?.length) {
    if (!q.boolRegex) for (const b of q.bools) if (!sym.boolIds.has(b)) throw unknownName("boolean", b, sym.boolIds.keys(), "-b");
    boolsOk = setMatcher(q.bools, !!q.boolsEqual, !!q.boolRegex, "-b");
  }
  const fmt = new RuleFormatter(ap);
  const hits: SearchHit[] = [];
  for (const r of ap.terules) {
    if (!kinds.has(r.kind)) continue;
    if (source && !source(r.source)) continue;
    if (target && !target(r.target)) continue;
    if (classOk && !classOk(r.tclass)) continue;
    const isAv = r.defaultType < 0;
    if (permsOk && (!isAv || !permsOk(fmt.perms(r)))) continue;
    if (deflt && (isAv || !deflt(r.defaultType))) continue;
    if (boolsOk && (!r.cond || !boolsOk(sym.conds[r.cond.node]!.bools.map((b) => sym.bools[b]!.name)))) continue;
    hits.push(fmt.hit(r));
  }
  if (kinds.has("neverallow")) hits.push(...neverallows(ap, q, { source, target, classOk, permsOk, boolsOk: boolsOk }));
  const byText = (a: SearchHit, b: SearchHit) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
  // sesearch runs an MLSRuleQuery after the TE one and prints each one's results sorted
  const mls = kinds.has("range_transition") ? rangeTransitions(ap, q, source, target, classOk).sort(byText) : [];
  return [...hits.sort(byText), ...rbac, ...mls];
}

/** range_transition records (MLSRuleQuery: source, target, class, and -D a range that must equal
 *  the rule's; permissions and booleans are not its criteria). */
function rangeTransitions(ap: AnalysisPolicy, q: SearchQuery, source?: (id: number) => boolean, target?: (id: number) => boolean, classOk?: (c: number) => boolean): SearchHit[] {
  const sym = ap.sym;
  const mls = sym.mls;
  if (!mls) return [];
  let want: LevelRange | undefined;
  if (q.default !== undefined) {
    want = parseRange(mls, q.default.replace(/\s+/g, ""));
    if (!want) throw new QueryError(`invalid range '${q.default}'`, "-D");
  }
  const out: SearchHit[] = [];
  for (const r of rangeTransRecords(sym)) {
    if (source && !source(r.source)) continue;
    if (target && !target(r.target)) continue;
    if (classOk && !classOk(r.classId)) continue;
    if (want && !(levelEq(want.low, r.range.low) && levelEq(want.high, r.range.high))) continue;
    const [s, t, c] = [sym.types[r.source]!.name, sym.types[r.target]!.name, sym.classes[r.classId]!.name];
    const range = setoolsRange(mls, r.range);
    const span = mls.rangeTransitions[r.rule]!.span;
    out.push({ rule: `range_transition ${s} ${t}:${c} ${range};`, kind: "range_transition", source: s, target: t, class: c, default: range, origins: [origin(ap, span)] });
  }
  return out;
}

interface Filters {
  source?: (id: number) => boolean;
  target?: (id: number) => boolean;
  classOk?: (c: number) => boolean;
  permsOk?: NameMatch;
  boolsOk?: NameMatch;
}

/** neverallow rules from source (a binary keeps none), matched on their type sets: a key matcher
 *  asked about each type and attribute the set names (direct) or covers (indirect). */
function neverallows(ap: AnalysisPolicy, q: SearchQuery, f: Filters): SearchHit[] {
  if (f.boolsOk || q.default) return [];
  const sym = ap.sym;
  const nt = sym.types.length;
  const covers = (ts: TypeSet, match: (id: number) => boolean, direct: boolean): boolean => {
    if (direct) return [...ts.types, ...ts.attrs.map((a) => nt + a)].some(match);
    return Array.from(expandTypeSet(ts, sym)).some(match);
  };
  const out: SearchHit[] = [];
  for (const r of ap.neverallows as ResolvedAvRule[]) {
    if (f.source && !covers(r.sources, f.source, !!q.sourceDirect)) continue;
    if (f.target && !(covers(r.targets, f.target, !!q.targetDirect) || (r.targets.self && covers(r.sources, f.target, !!q.targetDirect)))) continue;
    const classes = r.classes.filter((c) => !f.classOk || f.classOk(c));
    if (classes.length === 0) continue;
    const perms = pySorted(new Set(classes.flatMap((c) => sym.classes[c]!.perms.filter((_, bit) => (r.masks[r.classes.indexOf(c)]! >>> bit) & 1))));
    if (f.permsOk && !f.permsOk(perms)) continue;
    const text = ruleText(ap.text, r.span);
    const names = (ts: TypeSet) => [...ts.types.map((t) => sym.types[t]!.name), ...ts.attrs.map((a) => sym.attrs[a]!.name)].join(" ");
    out.push({
      rule: text.endsWith(";") ? text : `${text};`,
      kind: "neverallow",
      source: names(r.sources),
      target: r.targets.self ? `${names(r.targets)} self`.trim() : names(r.targets),
      class: classes.map((c) => sym.classes[c]!.name).join(" "),
      perms,
      origins: [origin(ap, r.span)],
    });
  }
  return out;
}
