// A decision's reasons as people and programs read them: one line of text each (what `xsm check`
// and the simulator's trace print) and a plain JSON object (what `--json` prints). One place, so
// the CLI, the trace and the JSON say the same thing.
import type { Span } from "../diagnostics/diagnostic.js";
import type { NearGroup, NearMisses, NearRule, Reason, Refusal, RuleRef } from "./types.js";

/** The JSON form of a Reason (documented in src/sim/output.schema.json `$defs/reason`). */
export interface ReasonJson {
  /** A Reason's kind, or "default-action" for the dummy XSM module (dummy.h, no policy). */
  kind: Reason["kind"] | "default-action";
  /** The line `xsm check` prints for it. */
  text: string;
  /** The rule or constraint behind it: as written, and where (mapped through #line). */
  rule?: { text: string; file: string; line: number; col: number; expansion?: string };
  /** disabled-by-bool: the branch's condition as it must hold for the rule to apply. */
  condition?: string;
  /** disabled-by-bool: the value each boolean of the condition has now. */
  booleans?: Record<string, boolean>;
  /** invalid: what is wrong with the question. */
  message?: string;
  /** no-rule, where a denial is explained (xsm check): the rules close to granting it and what
   *  would grant it (NearMisses). */
  nearest?: NearJson;
}

/** An interface call of a policy tree that grants a denial, as `xsm allow -R` proposes it. */
export interface ProposedCall {
  call: string;
  /** The interface and its file (as the tree names it). */
  name: string;
  file: string;
  /** audit2allow -R's distance of the call from the denial. */
  distance?: number;
}

/** The JSON form of a NearRule: the rule as ReasonJson's, what it grants, the differing types. */
export interface NearRuleJson {
  text: string;
  file: string;
  line: number;
  col: number;
  expansion?: string;
  perms: string[];
  types?: string[];
  condition?: string;
  enabled?: boolean;
}

/** The JSON form of a Refusal: checkpolicy's error and the statement behind it, as NearRuleJson
 *  names a rule. */
export interface RefusalJson {
  code: Refusal["code"];
  message: string;
  text: string;
  file: string;
  line: number;
  col: number;
  expansion?: string;
}

/** What would grant a denial: audit2allow's rule, why checkpolicy would refuse it (then it is no
 *  fix, and no interface call is offered), a tree's interface call. */
export interface ProposalJson {
  allow: string;
  refused?: RefusalJson[];
  interface?: ProposedCall;
}

/** The JSON form of NearMisses (and the interface call a tree proposes). */
export interface NearJson extends ProposalJson {
  otherPerms: { rules: NearRuleJson[]; more: number };
  otherTargets: { rules: NearRuleJson[]; more: number };
  otherSources: { rules: NearRuleJson[]; more: number };
}

/** Where a rule of m4's output came from: its line in a tree's .te/.if file and the outermost
 *  macro call that wrote it (src/build/locate.ts). */
export type LocateRule = (span: Span) => { span: Span; expansion?: string };

/** A reason's rule named where it came from (a tree's file, and the macro call that wrote it). */
export function locatedReason(r: Reason, at: LocateRule): Reason {
  return "rule" in r ? { ...r, rule: locatedRule(r.rule, at) } : r;
}

function locatedRule(rule: RuleRef, at: LocateRule): RuleRef {
  const { span, expansion } = at(rule.span);
  return { text: rule.text, span, ...(expansion ? { expansion } : {}) };
}

/** Reads a boolean's current value; used to show the values a disabled branch depends on. */
export type BoolLookup = (name: string) => boolean | undefined;

// (a tree's macro-written rule also names the call, as the analysis commands' locations do)
const where = (rule: RuleRef) => `${rule.span.file}:${rule.span.line}${rule.expansion ? ` (${rule.expansion})` : ""}`;

/** The booleans a condition names, with their values now (names the policy does not know are left out). */
export function conditionBooleans(condition: string, lookup: BoolLookup): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const name of condition.match(/[A-Za-z_][A-Za-z0-9_.-]*/g) ?? []) {
    const v = lookup(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Reasons that read the same, once each with how often: an m4-expanded policy often has several
 *  identical rules behind one #line (domain_comms(x, x) writes the same allow twice), and every
 *  place that shows reasons prints them once, `(2 identical rules)`. First-seen order. */
export function groupIdentical<T>(items: readonly T[], key: (item: T) => string): { item: T; count: number }[] {
  const groups = new Map<string, { item: T; count: number }>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { item, count: 1 });
  }
  return [...groups.values()];
}

/** The suffix a grouped reason carries: "" once, " (N identical rules)" more often. */
export const identicalSuffix = (count: number): string => (count === 1 ? "" : ` (${count} identical rules)`);

/** Permissions as a rule writes them: one bare, several braced (sepolgen's refpolicy). */
export function bracedPerms(perms: readonly string[]): string {
  return perms.length === 1 ? perms[0]! : `{ ${perms.join(" ")} }`;
}

/** The allow rule audit2allow writes for a denial (sepolgen refpolicy.AVRule): `self` for a
 *  target equal to the source, the permissions sorted as Python's sorted() sorts them. `xsm allow`
 *  and the explanation of a denial (NearMisses.allow) both write it here. */
export function allowRuleText(source: string, target: string, tclass: string, perms: Iterable<string>): string {
  const sorted = [...perms].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `allow ${source} ${target === source ? "self" : target}:${tclass} ${bracedPerms(sorted)};`;
}

/** NearMisses with each rule named where it came from (a tree's file, and the macro call). */
export function locatedNear(n: NearMisses, at: LocateRule): NearMisses {
  const group = (g: NearGroup): NearGroup => ({ rules: g.rules.map((r) => ({ ...r, rule: locatedRule(r.rule, at) })), more: g.more });
  return locatedProposal({ ...n, otherPerms: group(n.otherPerms), otherTargets: group(n.otherTargets), otherSources: group(n.otherSources) }, at);
}

/** A proposal's refusals named where their statements came from. */
export function locatedProposal<P extends { refused?: Refusal[] }>(p: P, at: LocateRule): P {
  return p.refused ? { ...p, refused: p.refused.map((r) => ({ ...r, rule: locatedRule(r.rule, at) })) } : p;
}

/** Which side of a near rule differs from the question: the permissions, the target, the source. */
export type NearSide = "perms" | "to" | "from";

/** The kinds of near rule in the order they are shown, with their titles. */
export const NEAR_GROUPS = [
  ["otherPerms", "perms", "rules of this source, target and class that grant other permissions"],
  ["otherTargets", "to", "rules that grant it to other targets of this source"],
  ["otherSources", "from", "rules that grant it to this target from other sources"],
] as const;

/** How many of a near rule's types on the side that differs its line names (the rest counted). */
const TYPES_NAMED = 3;

/** What a near rule says beyond its text: the permissions it grants the pair, or the types on the
 *  side that differs, and its condition. */
export function nearNote(r: Pick<NearRule, "perms" | "types" | "condition" | "enabled">, side: NearSide): string {
  const types = r.types ?? [];
  const shown = types.slice(0, TYPES_NAMED);
  const what = side === "perms" ? `grants ${r.perms.join(" ")}` : `${side} ${shown.join(", ")}${types.length > shown.length ? ` and ${types.length - shown.length} more` : ""}`;
  const cond = r.condition === undefined ? "" : `; if ${r.condition}, now ${r.enabled ? "true" : "false"}`;
  return `(${what}${cond})`;
}

/** The lines under "no allow rule grants it": the nearest rules of each kind (the rest counted),
 *  then (unless `proposal` is false) the allow rule audit2allow proposes and a tree's interface
 *  call. `indent` prefixes each. */
export function nearLines(n: NearJson, indent: string, proposal = true): string[] {
  const out: string[] = [];
  const group = (title: string, g: NearJson["otherPerms"], side: NearSide) => {
    if (g.rules.length === 0) return;
    out.push(`${indent}${title}:`);
    for (const r of g.rules) out.push(`${indent}  ${r.file}:${r.line}${r.expansion ? ` (${r.expansion})` : ""}: ${r.text} ${nearNote(r, side)}`);
    if (g.more > 0) out.push(`${indent}  and ${g.more} more`);
  };
  for (const [key, side, title] of NEAR_GROUPS) group(title, n[key], side);
  // (without the proposal where it is made for several permissions together, after them)
  return proposal ? [...out, ...proposalLines(n, indent)] : out;
}

/** The proposal's lines: audit2allow's rule and a tree's interface call; or, when checkpolicy
 *  would refuse the rule, that it is no fix and each neverallow or typebounds it breaks. */
export function proposalLines(p: ProposalJson, indent: string): string[] {
  if (p.refused && p.refused.length > 0) {
    return [
      `${indent}audit2allow's rule ${p.allow} is no fix: checkpolicy refuses the policy with it`,
      ...p.refused.map((r) => `${indent}  ${r.file}:${r.line}${r.expansion ? ` (${r.expansion})` : ""}: ${r.text} (${r.message})`),
    ];
  }
  const out = [`${indent}audit2allow proposes: ${p.allow}`];
  const call = p.interface;
  if (call) out.push(`${indent}audit2allow -R proposes: ${call.call} (${call.file}'s ${call.name}${call.distance === undefined ? "" : ` [${call.distance}]`})`);
  return out;
}

/** The title over a proposal made for several permissions together (audit2allow's AccessVector
 *  merges the permissions of one source, target and class into one rule). */
export const togetherTitle = (perms: readonly string[]): string => `${perms.join(", ")} together (one rule for this source, target and class, as audit2allow writes it):`;

/** The JSON form of a proposal (audit2allow's rule and its refusals) and a tree's call. */
export function proposalJson(p: { allow: string; refused?: Refusal[] }, call?: ProposedCall): ProposalJson {
  const refused = p.refused?.map((r): RefusalJson => ({ code: r.code, message: r.message, text: r.rule.text, file: r.rule.span.file, line: r.rule.span.line, col: r.rule.span.col, ...(r.rule.expansion ? { expansion: r.rule.expansion } : {}) }));
  return { allow: p.allow, ...(refused ? { refused } : {}), ...(call && !refused ? { interface: call } : {}) };
}

export function nearJson(n: NearMisses, call?: ProposedCall): NearJson {
  const rule = (r: NearRule): NearRuleJson => ({
    text: r.rule.text,
    file: r.rule.span.file,
    line: r.rule.span.line,
    col: r.rule.span.col,
    ...(r.rule.expansion ? { expansion: r.rule.expansion } : {}),
    perms: r.perms,
    ...(r.types ? { types: r.types } : {}),
    ...(r.condition !== undefined ? { condition: r.condition, enabled: r.enabled } : {}),
  });
  const group = (g: NearGroup) => ({ rules: g.rules.map(rule), more: g.more });
  return { otherPerms: group(n.otherPerms), otherTargets: group(n.otherTargets), otherSources: group(n.otherSources), ...proposalJson(n, call) };
}

export function reasonText(r: Reason, lookup?: BoolLookup): string {
  switch (r.kind) {
    case "granted-by":
      return `granted by ${where(r.rule)}: ${r.rule.text}`;
    case "no-rule":
      return "no allow rule grants it";
    case "disabled-by-bool": {
      const values = lookup ? Object.entries(conditionBooleans(r.condition, lookup)) : [];
      // a condition that is one boolean already says its value by being false
      const now = values.length && !(values.length === 1 && values[0]![0] === r.condition) ? `; now ${values.map(([k, v]) => `${k}=${v}`).join(", ")}` : "";
      return `${where(r.rule)}: ${r.rule.text} would grant it, but its condition (${r.condition}) is false${now}`;
    }
    case "constraint-failed":
      return `constraint ${where(r.rule)} fails: ${r.rule.text}`;
    case "role-transition-denied":
      return `no role allow ${r.role} ${r.newRole}: domain:transition between two roles needs one (Xen's context_struct_compute_av)`;
    case "bounds-masked":
      return `${r.child} is bounded by ${r.parent}, which is not allowed it (Xen's type_attribute_bounds_av masks it)`;
    case "permissive":
      return `${r.type} is permissive: Xen's AVC logs this denial and grants the access (avc_has_perm)`;
    case "auditallow":
      return `audited by ${where(r.rule)}: ${r.rule.text}`;
    case "dontaudit":
      return `not audited by ${where(r.rule)}: ${r.rule.text}`;
    case "invalid":
      return r.message;
  }
}

export function reasonJson(r: Reason, lookup?: BoolLookup): ReasonJson {
  const out: ReasonJson = { kind: r.kind, text: reasonText(r, lookup) };
  if ("rule" in r) {
    out.rule = { text: r.rule.text, file: r.rule.span.file, line: r.rule.span.line, col: r.rule.span.col };
    if (r.rule.expansion) out.rule.expansion = r.rule.expansion;
  }
  if (r.kind === "disabled-by-bool") {
    out.condition = r.condition;
    if (lookup) out.booleans = conditionBooleans(r.condition, lookup);
  }
  if (r.kind === "invalid") out.message = r.message;
  return out;
}
