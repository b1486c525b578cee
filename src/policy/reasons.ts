// A decision's reasons as people and programs read them: one line of text each (what `xsm check`
// and the simulator's trace print) and a plain JSON object (what `--json` prints). One place, so
// the CLI, the trace and the JSON say the same thing.
import type { Span } from "../diagnostics/diagnostic.js";
import type { Reason, RuleRef } from "./types.js";

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
}

/** Where a rule of m4's output came from: its line in a tree's .te/.if file and the outermost
 *  macro call that wrote it (src/build/locate.ts). */
export type LocateRule = (span: Span) => { span: Span; expansion?: string };

/** A reason's rule named where it came from (a tree's file, and the macro call that wrote it). */
export function locatedReason(r: Reason, at: LocateRule): Reason {
  if (!("rule" in r)) return r;
  const { span, expansion } = at(r.rule.span);
  return { ...r, rule: { text: r.rule.text, span, ...(expansion ? { expansion } : {}) } };
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
