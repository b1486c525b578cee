// `xsm test`: a policy's expectations (policytest.schema.json) checked against its decisions. A test
// names types (a TE decision: the avtab at the booleans' values, as Xen's security_compute_av
// before constraints) or full contexts (the whole decision, constraints too, as `xsm check`
// decides it), one permission or several, and whether each must be allowed or denied. A failure
// carries the reasons of the decision it got; every decision records the allow rules that granted
// it, which is what coverage.ts counts.
import type { AvTab } from "../policy/avtab.js";
import { boolState, PolicyTables, type BoolState } from "../policy/image.js";
import { nearMisses, proposal } from "../policy/nearest.js";
import { locatedNear, locatedProposal } from "../policy/reasons.js";
import { byCodePoint } from "../policy/matrix.js";
import type { CompiledPolicy, NearMisses, Proposal, Reason, SecurityContext } from "../policy/types.js";
import type { AnalysisPolicy } from "./load.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { sortedHas } from "../policy/typeset.js";

export type Expectation = "allowed" | "denied";

/** One test as policytest.schema.json describes it. */
export interface PolicyTestCase {
  name?: string;
  source?: string;
  target?: string;
  scontext?: string;
  tcontext?: string;
  class: string;
  perm: string | string[];
  booleans?: Record<string, boolean>;
  expect: Expectation;
}

export interface PolicyTestFile {
  policy: string;
  description?: string;
  booleans?: Record<string, boolean>;
  tests: PolicyTestCase[];
}

/** A test names something the policy does not have: where (a JSON path) and what. */
export interface TestProblem {
  path: string;
  message: string;
}

export interface PermOutcome {
  perm: string;
  allowed: boolean;
  /** Why: the granting rules, the rules a boolean keeps off, a failed constraint. */
  reasons: Reason[];
  /** A permission expected allowed that no rule grants: what comes close and what would grant it
   *  (CompiledPolicy.nearest's, named where a tree wrote them). */
  near?: NearMisses;
}

/** Several permissions of a test expected allowed that no rule grants, proposed together:
 *  audit2allow's one rule for the source, target and class, checked as checkpolicy checks it. */
export interface TogetherOutcome {
  perms: string[];
  proposal: Proposal;
}

export interface TestOutcome {
  /** The test's JSON path in its file, e.g. "/tests/3". */
  path: string;
  /** Its name, or the access it asks about when it has none. */
  name: string;
  passed: boolean;
  expect: Expectation;
  /** "gvp1_hwdom_t -> gvp1_pci_t resource { unplug }" */
  access: string;
  /** Booleans the test sets (the file's, then its own). */
  booleans: Record<string, boolean>;
  /** "types" decides on TE rules only; "contexts" on the whole decision. */
  mode: "types" | "contexts";
  /** Failing permissions no rule grants, when there are several: one proposal for them. */
  together?: TogetherOutcome;
  perms: PermOutcome[];
}

const perms = (t: PolicyTestCase): string[] => (Array.isArray(t.perm) ? t.perm : [t.perm]);

/** Every name a file's tests use that its policy does not have, each at its JSON path; a file
 *  with problems is not run (nothing is half-checked). */
export function testProblems(ap: AnalysisPolicy, file: PolicyTestFile): TestProblem[] {
  const sym = ap.sym;
  const out: TestProblem[] = [];
  const bools = (values: Record<string, boolean> | undefined, at: string) => {
    for (const name of Object.keys(values ?? {})) {
      if (!sym.boolIds.has(name)) out.push({ path: `${at}/${name}`, message: `unknown boolean '${name}'${didYouMean(name, sym.boolIds.keys())}` });
    }
  };
  bools(file.booleans, "/booleans");
  file.tests.forEach((t, i) => {
    const at = `/tests/${i}`;
    bools(t.booleans, `${at}/booleans`);
    const byType = t.source !== undefined || t.target !== undefined;
    const byContext = t.scontext !== undefined || t.tcontext !== undefined;
    if (byType && byContext) out.push({ path: at, message: "give source and target (types, a TE decision) or scontext and tcontext (contexts, constraints too), not both" });
    else if (!byType && !byContext) out.push({ path: at, message: "missing the subject: give source and target (types) or scontext and tcontext (contexts)" });
    else if (byType) {
      for (const side of ["source", "target"] as const) {
        const name = t[side];
        if (name === undefined) out.push({ path: `${at}/${side}`, message: `missing; a test with ${side === "source" ? "target" : "source"} needs ${side} too` });
        else {
          const problem = typeProblem(ap, name);
          if (problem) out.push({ path: `${at}/${side}`, message: problem });
        }
      }
    } else {
      for (const side of ["scontext", "tcontext"] as const) {
        const text = t[side];
        if (text === undefined) {
          out.push({ path: `${at}/${side}`, message: `missing; a test with ${side === "scontext" ? "tcontext" : "scontext"} needs ${side} too` });
          continue;
        }
        const c = ap.policy.parseContext(text);
        if (!c.ok) out.push({ path: `${at}/${side}`, message: `invalid context '${text}': ${ap.policy.explainContext(text) ?? c.error}` });
      }
    }
    const cls = sym.classIds.get(t.class);
    if (cls === undefined) {
      out.push({ path: `${at}/class`, message: `unknown class '${t.class}'${didYouMean(t.class, sym.classIds.keys())}` });
      return;
    }
    const known = sym.classes[cls]!.perms.filter(Boolean);
    perms(t).forEach((p, j) => {
      if (!sym.classes[cls]!.permMask.has(p)) {
        const where = Array.isArray(t.perm) ? `${at}/perm/${j}` : `${at}/perm`;
        out.push({ path: where, message: `class ${t.class} has no permission '${p}'${didYouMean(p, known)}` });
      }
    });
  });
  return out;
}

function typeProblem(ap: AnalysisPolicy, name: string): string | undefined {
  const sym = ap.sym;
  if (ap.policy.typeId(name) >= 0) return undefined;
  const attr = sym.attrIds.get(name);
  if (attr !== undefined) {
    const members = Array.from(sym.attrs[attr]!.members, (t) => sym.types[t]!.name);
    const some = members.slice(0, 3).join(", ") + (members.length > 3 ? ", ..." : "");
    return `'${name}' is an attribute; a test decides for one type${members.length ? ` (its types: ${some})` : " (and it has no types)"}`;
  }
  return `unknown type '${name}'${didYouMean(name, sym.typeIds.keys())}`;
}

/** The tables under one assignment of booleans, as the tests decide on them. */
interface TestState {
  table: AvTab;
  conds: Uint8Array;
  view: CompiledPolicy;
  bools: BoolState;
}

/** Decides a checked file's tests (testProblems found nothing). */
export class TestRunner {
  private readonly core: PolicyTables;
  private readonly states = new Map<string, TestState>();

  constructor(readonly ap: AnalysisPolicy) {
    this.core = new PolicyTables(ap.sym, ap.ex, ap.text);
  }

  run(file: PolicyTestFile): TestOutcome[] {
    return file.tests.map((t, i) => this.runOne(t, `/tests/${i}`, { ...file.booleans, ...t.booleans }));
  }

  private state(booleans: Record<string, boolean>): TestState {
    const key = Object.entries(booleans)
      .sort(([a], [b]) => byCodePoint(a, b))
      .map(([k, v]) => `${k}=${v ? 1 : 0}`)
      .join(",");
    let s = this.states.get(key);
    if (!s) {
      // a handful of distinct assignments in practice; bounded all the same
      if (this.states.size > 256) this.states.clear();
      const values = Uint8Array.from(this.core.defaults);
      for (const [name, v] of Object.entries(booleans)) values[this.ap.sym.boolIds.get(name)!] = v ? 1 : 0;
      const { table, conds } = this.core.tableFor(values);
      s = { table, conds, view: this.ap.policy.withBooleans(booleans), bools: boolState(this.core, values) };
      this.states.set(key, s);
    }
    return s;
  }

  private runOne(t: PolicyTestCase, path: string, booleans: Record<string, boolean>): TestOutcome {
    const st = this.state(booleans);
    const mode = t.source !== undefined ? "types" : "contexts";
    const subject = mode === "types" ? `${t.source} -> ${t.target}` : `${t.scontext} -> ${t.tcontext}`;
    const access = `${subject} ${t.class} { ${perms(t).join(" ")} }`;
    const outcomes = perms(t).map((perm) => (mode === "types" ? this.teDecision(st, t.source!, t.target!, t.class, perm) : this.fullDecision(st.view, t.scontext!, t.tcontext!, t.class, perm)));
    const passed = outcomes.every((o) => o.allowed === (t.expect === "allowed"));
    const out: TestOutcome = { path, name: t.name ?? access, passed, expect: t.expect, access, booleans, mode, perms: outcomes };
    return t.expect === "allowed" && !passed ? this.withNear(out, st, t) : out;
  }

  /** A failed test's permissions no rule grants, with what comes close and what would grant them
   *  (several proposed together, as audit2allow writes one rule for them). */
  private withNear(o: TestOutcome, st: TestState, t: PolicyTestCase): TestOutcome {
    const sym = this.ap.sym;
    const ctx = (side: "source" | "target", context?: string): SecurityContext | undefined => {
      // a types test's side is its type alone (nearMisses reads only the type)
      if (o.mode === "types") return { user: 0, role: 0, type: this.ap.policy.typeId(t[side]!) };
      const type = this.ap.policy.typeId(context!.split(":")[2] ?? "");
      return type < 0 ? undefined : { user: 0, role: 0, type };
    };
    const s = ctx("source", t.scontext);
    const tt = ctx("target", t.tcontext);
    const c = sym.classIds.get(t.class)!;
    if (!s || !tt) return o;
    const bit = (perm: string) => sym.classes[c]!.permMask.get(perm)!;
    const at = this.ap.locate;
    const perms = o.perms.map((p) => {
      if (p.allowed || !p.reasons.some((r) => r.kind === "no-rule")) return p;
      const near = nearMisses(st.bools, s, tt, c, bit(p.perm));
      return near ? { ...p, near: at ? locatedNear(near, at) : near } : p;
    });
    const missing = perms.filter((p) => p.near && !p.reasons.some((r) => r.kind === "disabled-by-bool")).map((p) => p.perm);
    if (missing.length < 2) return { ...o, perms };
    const p = proposal(st.bools, s, tt, c, missing.reduce((m, perm) => m | bit(perm), 0));
    return { ...o, perms, together: { perms: missing, proposal: at ? locatedProposal(p, at) : p } };
  }

  /** The avtab's answer for (source, target, class) and the source rules behind it. */
  private teDecision(st: { table: AvTab; conds: Uint8Array }, source: string, target: string, tclass: string, perm: string): PermOutcome {
    const sym = this.ap.sym;
    const s = this.ap.policy.typeId(source);
    const t = this.ap.policy.typeId(target);
    const c = sym.classIds.get(tclass)!;
    const bit = sym.classes[c]!.permMask.get(perm)!;
    const [allow] = this.core.tam.masks(st.table, s, t, c);
    const reasons: Reason[] = [];
    const disabled: Reason[] = [];
    for (const r of this.ap.ex.rules) {
      if (r.kind !== "allow") continue;
      const ci = r.classes.indexOf(c);
      if (ci < 0 || (r.masks[ci]! & bit) === 0) continue;
      if (!sortedHas(r.sources, s) || !(sortedHas(r.targets, t) || (r.self && s === t))) continue;
      const rule = this.core.ruleRef(r.span);
      if (!r.cond || (st.conds[r.cond.node] === 1) === r.cond.branch) reasons.push({ kind: "granted-by", rule });
      else {
        const node = sym.conds[r.cond.node]!;
        disabled.push({ kind: "disabled-by-bool", rule, condition: r.cond.branch ? node.text : `!(${node.text})` });
      }
    }
    const allowed = (allow & bit) !== 0;
    if (!allowed) reasons.push({ kind: "no-rule" });
    return { perm, allowed, reasons: [...reasons, ...disabled] };
  }

  private fullDecision(view: CompiledPolicy, scontext: string, tcontext: string, tclass: string, perm: string): PermOutcome {
    const d = view.explain(scontext, tcontext, tclass, perm);
    // audit rules say nothing about allowed or denied
    return { perm, allowed: d.allowed, reasons: d.reasons.filter((r) => r.kind !== "auditallow" && r.kind !== "dontaudit") };
  }
}
