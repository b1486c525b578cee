// A reason as text and as JSON: the rule and where it is, and for a rule in a conditional branch
// the condition with the value of each boolean it names.
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { reasonJson, reasonText } from "../../src/policy/reasons.js";
import { policyText } from "./policy-text.js";

const te = ["bool a false;", "bool b true;", "if (a && b) { allow domU_t dev_t:resource add; }", "allow dom0_t dev_t:resource add;"].join("\n");
const policy = () => compilePolicy(policyText({ te }), { file: "r.conf" });

describe("reasons", () => {
  it("a disabled conditional rule names its condition and the value of each of its booleans", () => {
    const p = policy();
    const d = p.explain("vm_u:vm_r:domU_t", "system_u:object_r:dev_t", "resource", "add");
    const lookup = (n: string) => p.getBoolean(n);
    const r = d.reasons.find((x) => x.kind === "disabled-by-bool")!;
    expect(reasonText(r, lookup)).toMatch(/^r\.conf:\d+: allow domU_t dev_t:resource add; would grant it, but its condition \(.*a.*b.*\) is false; now a=false, b=true$/);
    expect(reasonJson(r, lookup)).toMatchObject({ kind: "disabled-by-bool", booleans: { a: false, b: true }, rule: { file: "r.conf", text: "allow domU_t dev_t:resource add;" } });
  });

  it("a granting rule is named with its file and line", () => {
    const p = policy();
    const d = p.explain("system_u:system_r:dom0_t", "system_u:object_r:dev_t", "resource", "add");
    expect(d.reasons.map((r) => reasonJson(r))).toEqual([
      { kind: "granted-by", text: expect.stringMatching(/^granted by r\.conf:\d+: allow dom0_t dev_t:resource add;$/), rule: expect.objectContaining({ file: "r.conf" }) },
    ]);
  });

  it("a rule a tree's macro wrote names the call in its text and its JSON", () => {
    const span = { file: "modules/xen.if", line: 64, col: 2, endLine: 64, endCol: 7, offset: 0, length: 5 };
    const rule = { text: "allow a b:c d;", span, expansion: "in expansion of `create_domain` at modules/domU.te:7" };
    const r = { kind: "granted-by" as const, rule };
    expect(reasonText(r)).toBe("granted by modules/xen.if:64 (in expansion of `create_domain` at modules/domU.te:7): allow a b:c d;");
    expect(reasonJson(r).rule).toEqual({ text: "allow a b:c d;", file: "modules/xen.if", line: 64, col: 2, expansion: rule.expansion });
  });
});
