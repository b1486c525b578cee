// The checks of `xsm lint`, each exact: it reads the compiler's own symbols and expanded rules
// (every attribute, `self`, `~`, `-` and `*` already resolved), so a finding is a fact about the
// policy, not a guess from its text. One function per check; CHECKS documents them.
import { foldTree, type PolicyAst, type Statement } from "../policy/ast.js";
import type { Diagnostic, DiagnosticCode, Severity, Span } from "../diagnostics/diagnostic.js";
import type { ExpandedAvRule, Expanded } from "../policy/expand.js";
import type { Symbols } from "../policy/symbols.js";
import { CATALOG } from "../diagnostics/catalog.js";
import { finding } from "./finding.js";
import { crossPlatformGrants, generatedBySvp, hwdomsNotDomains, type Generated } from "./svp.js";

export interface LintCheck {
  code: DiagnosticCode;
  /** The catalog's severity (a config file may change it). */
  severity: Severity;
  rationale: string;
  example: string;
}

function check(code: DiagnosticCode, rationale: string, example: string): LintCheck {
  return { code, severity: CATALOG[code].severity, rationale, example };
}

/** Every check, as `xsm lint --list` prints it and README documents it. */
export const CHECKS: readonly LintCheck[] = [
  check(
    "unused-type",
    "a type no TE rule (after attribute expansion), constraint or context covers can label nothing that is allowed anything",
    "type old_dev_t;   # declared, never in a rule, an attribute used in a rule, or a context",
  ),
  check(
    "unused-attribute",
    "an attribute no rule, role, constraint or context names is only bookkeeping",
    "attribute legacy_type;   type a_t, legacy_type;   # legacy_type named nowhere else",
  ),
  check(
    "empty-attribute",
    "an attribute with no member types makes every rule naming it grant nothing",
    "attribute net_type;   allow dom0_t net_type:resource use;   # no type has net_type",
  ),
  check(
    "unused-boolean",
    "a boolean no conditional reads changes nothing when it is set",
    "bool guest_debug false;   # no if (guest_debug) anywhere",
  ),
  check(
    "duplicate-rule",
    "a rule granting exactly what an earlier rule of the same kind in the same branch grants (same source types, target types, classes and permissions after expansion) adds nothing",
    "allow dom0_t xen_t:xen settime;   allow dom0_t xen_t:xen settime;",
  ),
  check(
    "redundant-rule",
    "an allow rule every permission of which another rule grants unconditionally for the same source, target and class can be removed without changing a decision",
    "allow domain_type xen_t:xen settime;   allow dom0_t xen_t:xen settime;   # dom0_t has domain_type",
  ),
  check(
    "svp-cross-platform",
    "a domain of one platform holding a permission on another platform's device labels breaks the isolation the platforms stand for, unless it is an ancestor platform's hwdom managing (plug, unplug, setup, add_device, remove_device, stat_device) a nested platform's device",
    "allow gvp1_guest_t gvp2_pci_t:resource use;   # gvp1 and gvp2 are sibling platforms",
  ),
  check(
    "svp-hwdom-not-domain",
    "a platform's hwdom type that also labels Xen itself (the xen, domxen, domio initial SIDs), another initial SID's object, or a device (pirqcon, iomemcon, ioportcon, pcidevicecon, devicetreecon) mixes a domain with what it manages",
    "platform svp supervisor { hwdom xen_t; }   sid xen system_u:system_r:xen_t",
  ),
];

export const CHECK_CODES: ReadonlySet<string> = new Set(CHECKS.map((c) => c.code));


/** Declaration statements whose names (and member lists) declare rather than use. */
const DECLARING = new Set(["attribute", "type", "typealias", "typeattribute"]);
const NAME_DECLARING = new Set(["class", "sid_decl", "common", "bool", "role", "user", "av", "sid_context"]);

/** A node as its fields: the parser's lazy nodes (ScannedAvRule, ScannedSet, ...) keep some of
 *  theirs behind getters, and give them all as their JSON shape. */
function plain(value: object): object {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === "function" ? (toJSON.call(value) as object) : value;
}

/** Names used anywhere in the policy (rules, roles, constraints, contexts, conditionals), apart
 *  from declarations of types and attributes and the membership lists they carry. */
function namesUsed(ast: PolicyAst): Set<string> {
  const used = new Set<string>();
  // an explicit stack: a conditional or constraint may nest as deep as its operator chain is long
  const walk = (root: unknown): void => {
    const stack = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (value === null || typeof value !== "object") continue;
      if (Array.isArray(value)) {
        for (const v of value) stack.push(v);
        continue;
      }
      const o = plain(value) as Record<string, unknown>;
      if (typeof o.name === "string" && typeof o.kind !== "string") used.add(o.name);
      for (const [k, v] of Object.entries(o)) if (k !== "span") stack.push(v);
    }
  };
  const statement = (s: Statement): void => {
    if (DECLARING.has(s.kind)) return;
    if (s.kind === "if") {
      walk(s.expr);
      s.then.forEach(statement);
      s.else.forEach(statement);
      return;
    }
    for (const [k, v] of Object.entries(plain(s))) {
      if (k === "span" || (k === "name" && NAME_DECLARING.has(s.kind))) continue;
      walk(v);
    }
  };
  ast.statements.forEach(statement);
  return used;
}

export function unusedAttributes(sym: Symbols, ast: PolicyAst, generated: Generated): Diagnostic[] {
  const used = namesUsed(ast);
  return sym.attrs.filter((a) => !used.has(a.name) && !generated.attributes.has(a.name)).map((a) => finding("unused-attribute", `attribute ${a.name} is named by no rule, role, constraint or context`, a.span));
}

export function emptyAttributes(sym: Symbols, generated: Generated): Diagnostic[] {
  return sym.attrs.filter((a) => a.members.length === 0 && !generated.attributes.has(a.name)).map((a) => finding("empty-attribute", `attribute ${a.name} has no types: rules naming it grant nothing`, a.span));
}

export function unusedBooleans(sym: Symbols): Diagnostic[] {
  const read = new Set(sym.conds.flatMap((c) => c.bools));
  return sym.bools.filter((b) => !read.has(b.id)).map((b) => finding("unused-boolean", `boolean ${b.name} is read by no conditional`, b.span));
}

export function unusedTypes(sym: Symbols, ex: Expanded): Diagnostic[] {
  const used = new Uint8Array(sym.types.length);
  const mark = (ids: ArrayLike<number>) => {
    for (let i = 0; i < ids.length; i++) used[ids[i]!] = 1;
  };
  for (const r of [...ex.rules, ...ex.neverallows]) {
    mark(r.sources);
    mark(r.targets);
  }
  for (const r of ex.typeRules) mark([r.stype, r.ttype, r.defaultType]);
  for (const ctx of sym.initialSids.values()) if (ctx) used[ctx.type] = 1;
  const oc = sym.ocontexts;
  for (const list of [oc.pirqcon, oc.iomemcon, oc.ioportcon, oc.pcidevicecon, oc.devicetreecon] as { context: { type: number } }[][]) {
    for (const e of list) used[e.context.type] = 1;
  }
  // an explicit stack: a constraint's `or` chain may be far longer than the call stack is deep
  for (const c of sym.constraints) {
    foldTree<Symbols["constraints"][number]["expr"], void>(c.expr, (e) => {
      if (e.op === "names" && e.left.startsWith("t")) mark([...e.ids]);
    });
  }
  return sym.types
    .filter((t) => !used[t.id])
    .map((t) => finding("unused-type", `type ${t.name} is covered by no TE rule, constraint or context`, t.span));
}

/** The same grant, as a key: kind, branch, source and target types, self, classes and masks. */
function grantKey(r: ExpandedAvRule): string {
  const cls = r.classes.map((c, i) => [c, r.masks[i]!] as const).sort((a, b) => a[0] - b[0]);
  const place = r.cond ? `${r.cond.node}${r.cond.branch ? "t" : "f"}` : "-";
  return `${r.kind}|${place}|${r.sources.join(",")}|${r.targets.join(",")}|${r.self ? 1 : 0}|${cls.join(";")}`;
}

/** Index of the rule that stands for each group of rules with the same grant, per rule (itself
 *  when it stands for its group): the first rule the SVP desugaring generated, else the first. A
 *  rule the user wrote that repeats a generated one is the duplicate, wherever it stands. */
function firstOfGrant(rules: readonly ExpandedAvRule[], generated: Generated): number[] {
  const first = new Map<string, number>();
  const keys = rules.map((r, i) => {
    const key = grantKey(r);
    const f = first.get(key);
    if (f === undefined || (generated.isRule(r.span) && !generated.isRule(rules[f]!.span))) first.set(key, i);
    return key;
  });
  return keys.map((key) => first.get(key)!);
}

/** The note of a duplicate-rule finding that names the rule it repeats. */
export const EARLIER_RULE = "the earlier rule";

export function duplicateRules(ex: Expanded, generated: Generated): Diagnostic[] {
  const first = firstOfGrant(ex.rules, generated);
  return ex.rules.flatMap((r, i) =>
    first[i] === i || generated.isRule(r.span) ? [] : [finding("duplicate-rule", `this ${r.kind} rule grants exactly what an earlier one grants`, r.span, [{ message: EARLIER_RULE, span: ex.rules[first[i]!]!.span }])],
  );
}

/** A rule of the policy.conf (allow-kind, neverallow or type rule) and whether an earlier rule
 *  already makes it: an av rule one of its grant group stands for (as duplicate-rule reads it), a
 *  neverallow the same as an earlier one. A type rule that repeats an earlier one is no entry of
 *  the expanded type rules at all (expand_terule_helper drops it), so each one there is new. */
export interface RuleMark {
  span: Span;
  repeated: boolean;
}

export function ruleMarks(ex: Expanded, ast: PolicyAst): RuleMark[] {
  const generated = generatedBySvp(ast);
  const first = firstOfGrant(ex.rules, generated);
  const never = firstOfGrant(ex.neverallows, generated);
  return [
    ...ex.rules.map((r, i) => ({ span: r.span, repeated: first[i] !== i })),
    ...ex.neverallows.map((r, i) => ({ span: r.span, repeated: never[i] !== i })),
    ...ex.typeRules.map((r) => ({ span: r.span, repeated: false })),
  ];
}

/** Triples past which redundant-rule is not worked out (it says so instead of guessing). */
export const REDUNDANCY_BUDGET = 20_000_000;

/** For each (source, target, class) of an allow rule: calls visit(key, mask). */
function eachTriple(r: ExpandedAvRule, nTypes: number, nClasses: number, visit: (key: number, mask: number) => void): void {
  for (let si = 0; si < r.sources.length; si++) {
    const s = r.sources[si]!;
    // `self` adds (s, s) unless the targets already hold s: one grant, visited once
    const targets = r.self && !r.targets.includes(s) ? [...r.targets, s] : r.targets;
    for (let ti = 0; ti < targets.length; ti++) {
      const base = (s * nTypes + targets[ti]!) * nClasses;
      for (let ci = 0; ci < r.classes.length; ci++) visit(base + r.classes[ci]!, r.masks[ci]!);
    }
  }
}

export function redundantRules(sym: Symbols, ex: Expanded, generated: Generated): Diagnostic[] {
  const allows = ex.rules.map((r, i) => ({ r, i })).filter(({ r }) => r.kind === "allow");
  let triples = 0;
  for (const { r } of allows) triples += r.sources.length * (r.targets.length + (r.self ? 1 : 0)) * r.classes.length;
  if (triples > REDUNDANCY_BUDGET) {
    return [finding("redundant-rule", `redundant-rule not worked out: the allow rules cover ${triples} (source, target, class) triples, over the ${REDUNDANCY_BUDGET} this check walks`, undefined)];
  }
  const first = firstOfGrant(ex.rules, generated);
  const nTypes = sym.types.length;
  const nClasses = sym.classes.length;
  // per triple, over the distinct unconditional grants: bits granted once, bits granted twice or more
  const once = new Map<number, number>();
  const many = new Map<number, number>();
  for (const { r, i } of allows) {
    if (r.cond || first[i] !== i) continue;
    eachTriple(r, nTypes, nClasses, (key, mask) => {
      const o = once.get(key) ?? 0;
      const m = many.get(key) ?? 0;
      many.set(key, m | (o & mask));
      once.set(key, (o | mask) & ~(m | (o & mask)));
    });
  }
  const out: Diagnostic[] = [];
  for (const { r, i } of allows) {
    if (first[i] !== i || generated.isRule(r.span)) continue; // duplicate-rule, or not the user's
    let covered = true;
    eachTriple(r, nTypes, nClasses, (key, mask) => {
      if (!covered) return;
      // a conditional rule is covered by any unconditional grant; an unconditional one by another
      const others = r.cond ? (once.get(key) ?? 0) | (many.get(key) ?? 0) : (many.get(key) ?? 0);
      if ((mask & ~others) !== 0) covered = false;
    });
    if (covered && (r.sources.length > 0 && (r.targets.length > 0 || r.self))) {
      out.push(finding("redundant-rule", `every permission this allow rule grants is granted unconditionally by other rules`, r.span));
    }
  }
  return out;
}

/** Every check over a compiled policy's symbols, expanded rules and AST. */
export function runChecks(sym: Symbols, ex: Expanded, ast: PolicyAst): Diagnostic[] {
  const generated = generatedBySvp(ast);
  return [
    ...unusedTypes(sym, ex),
    ...unusedAttributes(sym, ast, generated),
    ...emptyAttributes(sym, generated),
    ...unusedBooleans(sym),
    ...duplicateRules(ex, generated),
    ...redundantRules(sym, ex, generated),
    ...crossPlatformGrants(sym, ex, ast),
    ...hwdomsNotDomains(sym, ast),
  ];
}
