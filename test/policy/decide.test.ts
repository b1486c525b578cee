// Decisions: TE allow AND constraints, audit, context validation with oracle-decide's messages,
// explanations, and Xen's security_compute_av masks.
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import type { SecurityContext } from "../../src/policy/types.js";
import { TE_LINE, policyText } from "./policy-text.js";

const te = [
  "bool strict false;",
  "allow domains devices:resource { plug unplug };",
  "allow dom0_t dev_t:resource use;",
  "auditallow dom0_t dev_t:resource unplug;",
  "dontaudit domU_t dev2_t:resource add;",
  "if (strict) { allow domU_t dev_t:resource add; }",
].join("\n");
const constraints = "constrain resource { plug unplug } ( u1 == u2 or t1 == dom0_t );\nconstrain resource use ( r1 != vm_r );";
const contexts = "pcidevicecon 0x300 system_u:object_r:dev2_t";
const policy = () => compilePolicy(policyText({ te, constraints, contexts }), { file: "d.conf" });

const DOM0 = "system_u:system_r:dom0_t";
const DOMU = "vm_u:vm_r:domU_t";
const DEV = "system_u:object_r:dev_t";
const VMDEV = "vm_u:object_r:dev_t";

describe("check", () => {
  it("allows what TE allows and every constraint accepts", () => {
    const p = policy();
    expect(p.check(DOM0, DEV, "resource", "plug")).toMatchObject({ allowed: true, audited: false });
    expect(p.check(DOMU, VMDEV, "resource", "plug")).toMatchObject({ allowed: true, audited: false });
  });

  it("denies when a constraint fails although TE allows", () => {
    const p = policy();
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.check(DOMU, DEV, "resource", "plug")).toMatchObject({ allowed: false, audited: true });
  });

  it("allows() by names: unknown names (and names of Object.prototype members) answer undefined, not false", () => {
    const p = policy();
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    for (const odd of ["constructor", "__proto__", "toString", "hasOwnProperty", "0", ""]) {
      expect(p.allows(odd, "dev_t", "resource", "plug")).toBeUndefined();
      expect(p.allows("domU_t", odd, "resource", "plug")).toBeUndefined();
      expect(p.allows("domU_t", "dev_t", odd, "plug")).toBeUndefined();
      expect(p.allows("domU_t", "dev_t", "resource", odd)).toBeUndefined();
    }
    // the previous question's memo never answers a different question
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("domU_t", "dev_t", "resource", "nosuchperm")).toBeUndefined();
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false); // known names, denied (strict is off)
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    // a question asked three times (its names remembered), another once, then the first again
    for (let i = 0; i < 3; i++) expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false);
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false);
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false);
    // the same question in other string objects (names made at run time) answers the same
    const made = (x: string) => [...x].join("");
    for (let i = 0; i < 3; i++) expect(p.allows(made("domU_t"), made("dev_t"), made("resource"), made("plug"))).toBe(true);
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false);
  });

  it("allowsIds is made at the first decision, once per view, and boolean views get their own", () => {
    const p = policy();
    // compiling builds no decision table (xsm compile never pays for one)
    expect(Object.getOwnPropertyDescriptor(p, "allowsIds")).toBeUndefined();
    const [dom0, domU, dev] = [p.typeId("dom0_t"), p.typeId("domU_t"), p.typeId("dev_t")];
    const resource = p.classId("resource");
    const add = p.permMask(resource, "add");
    expect(p.allowsIds(domU, dev, resource, add)).toBe(false);
    const lookup = p.allowsIds;
    expect(Object.getOwnPropertyDescriptor(p, "allowsIds")?.value).toBe(lookup);
    expect(p.allowsIds(dom0, dev, resource, p.permMask(resource, "use"))).toBe(true);
    const strict = p.withBooleans({ strict: true });
    expect(strict.allowsIds(domU, dev, resource, add)).toBe(true);
    expect(strict.allowsIds).not.toBe(lookup);
    expect(p.allows("domU_t", "dev_t", "resource", "add")).toBe(false);
  });
  it("constraints name roles; object_r is a role like any other there", () => {
    const p = policy();
    expect(p.check(DOM0, DEV, "resource", "use").allowed).toBe(true);
    expect(p.check("system_u:vm_r:domU_t", DEV, "resource", "use").allowed).toBe(false);
  });

  it("audits an allowed permission only under auditallow, a denied one unless dontaudit", () => {
    const p = policy();
    expect(p.check(DOM0, DEV, "resource", "unplug")).toMatchObject({ allowed: true, audited: true });
    expect(p.check(DOMU, "system_u:object_r:dev2_t", "resource", "add")).toMatchObject({ allowed: false, audited: false });
    expect(p.check(DOMU, DEV, "resource", "add")).toMatchObject({ allowed: false, audited: true });
  });

  it("follows the booleans' current values", () => {
    const p = policy().withBooleans({ strict: true });
    expect(p.check(DOMU, DEV, "resource", "add").allowed).toBe(true);
  });

  it("reports invalid contexts, classes and permissions with oracle-decide's messages", () => {
    const p = policy();
    const err = (s: string, t: string, c = "resource", perm = "plug") => {
      const d = p.check(s, t, c, perm);
      expect(d.allowed).toBe(false);
      expect(d.audited).toBe(true);
      return d.error;
    };
    expect(err("system_u:system_r", DEV)).toBe("malformed context 'system_u:system_r'");
    expect(err("system_u:system_r:dom0_t:s0", DEV)).toBe("malformed context 'system_u:system_r:dom0_t:s0'");
    expect(err("system_u:system_r:nope_t", DEV)).toBe("unknown type 'nope_t'");
    expect(err("system_u:system_r:domains", DEV)).toBe("unknown type 'domains'");
    expect(err("nobody:system_r:dom0_t", DEV)).toBe("unknown user 'nobody'");
    expect(err("system_u:nope_r:dom0_t", DEV)).toBe("unknown role 'nope_r'");
    expect(err("vm_u:system_r:dom0_t", DEV)).toBe("role system_r not authorized for user vm_u");
    expect(err("vm_u:vm_r:dom0_t", DEV)).toBe("type dom0_t not authorized for role vm_r");
    expect(err(DOM0, "system_u:object_r:bad'_t")).toBe(`unknown type "bad'_t"`);
    expect(err(DOM0, DEV, "nocls")).toBe("unknown class 'nocls'");
    expect(err(DOM0, DEV, "resource", "getattr")).toBe("unknown permission 'getattr' in class resource");
  });

  it("object_r is valid for every user and type; aliases name their type", () => {
    const p = policy();
    expect(p.parseContext("vm_u:object_r:dom0_t").ok).toBe(true);
    const c = p.parseContext("system_u:object_r:dev_alias_t");
    expect(c.ok && p.contextToString(c.value)).toBe("system_u:object_r:dev_t");
  });
});

describe("explain", () => {
  it("names the granting rules with their locations", () => {
    const d = policy().explain(DOM0, DEV, "resource", "unplug");
    const granted = d.reasons.filter((r) => r.kind === "granted-by");
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ rule: { text: "allow domains devices:resource { plug unplug };", span: { file: "d.conf", line: TE_LINE + 1 } } });
    expect(d.reasons.find((r) => r.kind === "auditallow")).toMatchObject({ rule: { span: { line: TE_LINE + 3 } } });
  });

  it("says no rule grants, and which rule a boolean keeps off", () => {
    const d = policy().explain(DOMU, DEV, "resource", "add");
    expect(d.reasons[0]).toEqual({ kind: "no-rule" });
    expect(d.reasons[1]).toMatchObject({ kind: "disabled-by-bool", condition: "strict", rule: { span: { line: TE_LINE + 5 } } });
  });

  it("names the failing constraint", () => {
    const d = policy().explain(DOMU, DEV, "resource", "plug");
    expect(d.allowed).toBe(false);
    const failed = d.reasons.find((r) => r.kind === "constraint-failed");
    const line = policyText({ te, constraints, contexts }).split("\n").findIndex((l) => l.startsWith("constrain resource {")) + 1;
    expect(failed).toMatchObject({ rule: { text: "constrain resource { plug unplug } ( u1 == u2 or t1 == dom0_t );", span: { line } } });
  });

  it("names dontaudit rules", () => {
    const d = policy().explain(DOMU, "system_u:object_r:dev2_t", "resource", "add");
    expect(d.reasons.map((r) => r.kind)).toEqual(["no-rule", "dontaudit"]);
  });

  it("gives the error as its reason for an invalid query", () => {
    expect(policy().explain(DOM0, DEV, "resource", "nope").reasons).toEqual([{ kind: "invalid", message: "unknown permission 'nope' in class resource" }]);
  });
});

describe("computeAv", () => {
  const ctx = (text: string): SecurityContext => {
    const r = policy().parseContext(text);
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };

  it("returns Xen's av_decision masks: allowed after constraints, auditallow, auditdeny", () => {
    const p = policy();
    const res = p.classId("resource");
    const bit = (perm: string) => p.permMask(res, perm);
    const dom0 = p.computeAv(ctx(DOM0), ctx(DEV), res);
    expect(dom0.allowed).toBe(bit("plug") | bit("unplug") | bit("use"));
    expect(dom0.auditallow).toBe(bit("unplug"));
    expect(dom0.auditdeny).toBe(0xffffffff);
    const domU = p.computeAv(ctx(DOMU), ctx(DEV), res);
    expect(domU.allowed).toBe(0); // plug/unplug fail u1 == u2 or t1 == dom0_t
    const dontaudit = p.computeAv(ctx(DOMU), ctx("system_u:object_r:dev2_t"), res);
    expect(dontaudit.auditdeny).toBe((~bit("add")) >>> 0);
    expect(p.permNames(res, dom0.allowed)).toEqual(["plug", "unplug", "use"]);
  });
});

describe("labels", () => {
  it("initial SIDs and pcidevicecon resolve to their contexts", () => {
    const p = policy();
    expect(p.initialSidContext("device")).toBe(DEV);
    expect(p.initialSidContext("nosuch")).toBeUndefined();
    expect(p.pcideviceContext(0x300)).toBe("system_u:object_r:dev2_t");
    expect(p.pcideviceContext(0x301)).toBeUndefined();
  });
});
