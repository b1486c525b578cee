// Why each XSM check of a run came out as it did: for flask, the security server's explanation of
// the AVC question (the rules, the conditional and its booleans, the failed constraint, each with
// file:line); for the dummy module, the default action of dummy.h and what it tests.
//
// A scenario asks the same few questions again and again, so explanations are cached per question
// until the policy or its booleans change (the simulator says when).
import { locatedNear, locatedReason, nearJson, reasonJson, type ReasonJson } from "../policy/reasons.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { LocateRule } from "./validate.js";
import type { Xsm } from "../xsm/index.js";
import type { XsmCheck, XsmDefaultAction } from "../xsm/types.js";

/** An XSM check with the reasons behind it (absent when not asked for). */
export type Explained = XsmCheck & { reasons?: ReasonJson[] };

/** A reason the dummy module gives: its default action (not a policy rule). */
const DUMMY_PASSES: Record<XsmDefaultAction, string> = {
  XSM_HOOK: "every domain",
  XSM_PRIV: "the control domain (is_control_domain)",
  XSM_DM_PRIV: "the target's device model (d->target) or the control domain",
  XSM_TARGET: "the domain itself, its device model or the control domain",
  XSM_XS_PRIV: "xenstore, the target's device model or the control domain",
  XSM_OTHER: "nobody (no default action)",
};


export class Explainer {
  private cache = new Map<string, ReasonJson[]>();

  constructor(
    private readonly xsm: Xsm,
    private readonly domainName: (domid: number) => string | undefined,
    private readonly which: "denied" | "all" | "none",
    /** A policy built from a tree: where its rules came from (Prepared.locators). */
    private readonly locate: (policy: CompiledPolicy) => LocateRule | undefined = () => undefined,
  ) {}

  /** The policy or a boolean changed: earlier explanations may no longer hold. */
  policyChanged(): void {
    this.cache.clear();
  }

  explain(check: XsmCheck): Explained {
    if (this.which === "none" || (this.which === "denied" && check.allowed)) return check;
    return { ...check, reasons: this.reasons(check) };
  }

  private reasons(c: XsmCheck): ReasonJson[] {
    if (c.error !== undefined) return [{ kind: "invalid", text: c.error, message: c.error }];
    if (c.action !== undefined) return [this.dummy(c, c.action)];
    const policy = this.xsm.policy;
    if (!policy || c.scontext === undefined || c.tcontext === undefined || c.tclass === undefined || c.perm === undefined) return [];
    const key = `${c.scontext}\0${c.tcontext}\0${c.tclass}\0${c.perm}`;
    let reasons = this.cache.get(key);
    if (reasons === undefined) {
      // security_compute_av's answer, explained (decide.ts): the same TE rules, booleans in force, constraints
      // a question of several permissions (flask_grant_mapref's map_read map_write) is explained
      // one permission at a time
      const lookup = (name: string) => policy.getBoolean(name);
      const at = this.locate(policy);
      // on the SIDs' contexts as the table holds them (a context kept invalid, or whose type a
      // reload left as an attribute, does not parse but is what the security server decided on)
      const s = this.xsm.sidContext(c.scontext);
      const t = this.xsm.sidContext(c.tcontext);
      const explain = (perm: string) => (s && t ? policy.explainContexts(s, t, c.tclass!, perm) : policy.explain(c.scontext!, c.tcontext!, c.tclass!, perm));
      // a denial no rule grants carries what comes close and what would grant it, as xsm check's
      // does (on the contexts as names: a context the policy no longer parses gets none)
      const near = (perm: string) => {
        const n = policy.nearest(c.scontext!, c.tcontext!, c.tclass!, [perm]);
        return n && { nearest: nearJson(at ? locatedNear(n, at) : n) };
      };
      reasons = c.perm.split(" ").flatMap((perm) =>
        explain(perm)
          .reasons.filter((r) => r.kind !== "auditallow" && r.kind !== "dontaudit")
          .map((r) => ({ ...reasonJson(at ? locatedReason(r, at) : r, lookup), ...(r.kind === "no-rule" ? near(perm) : {}) }))
          .map((r) => (c.perm!.includes(" ") ? { ...r, text: `${perm}: ${r.text}` } : r)),
      );
      this.cache.set(key, reasons);
    }
    return reasons;
  }

  private dummy(c: XsmCheck, action: XsmDefaultAction): ReasonJson {
    const who = this.domainName(c.domid) ?? `d${c.domid}`;
    const text = c.allowed
      ? `dummy.h ${action} in ${c.xen ?? c.hook}: passes ${DUMMY_PASSES[action]}; ${who} is one`
      : `dummy.h ${action} in ${c.xen ?? c.hook}: passes only ${DUMMY_PASSES[action]}; ${who} is not`;
    return { kind: "default-action", text };
  }
}
