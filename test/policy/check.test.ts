// Stage `check`: neverallow is tested against every allow, conditional branches included
// whatever the booleans say (libsepol assertion.c), and a violation names both rules.
import { describe, expect, it } from "vitest";
import { PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import { TE_LINE, policyText } from "./policy-text.js";

function violations(te: string): Diagnostic[] {
  try {
    compilePolicy(policyText({ te }), { file: "na.conf" });
  } catch (e) {
    if (e instanceof PolicyError) return e.diagnostics;
    throw e;
  }
  return [];
}

describe("neverallow", () => {
  it("a policy that keeps its neverallows compiles", () => {
    expect(violations("neverallow domU_t devices:resource plug;\nallow dom0_t devices:resource plug;\nallow domU_t devices:resource use;")).toEqual([]);
  });

  it("names the neverallow's line, the violating access and the allow rule that grants it", () => {
    const diags = violations("neverallow domU_t devices:resource { plug unplug };\nallow dom0_t dev_t:resource use;\nallow domains dev2_t:resource { plug use };");
    expect(diags).toHaveLength(1);
    const d = diags[0]!;
    expect(d.code).toBe("neverallow");
    expect(d.message).toBe("neverallow violated by allow domU_t dev2_t:resource { plug }");
    expect(d.span).toMatchObject({ file: "na.conf", line: TE_LINE });
    expect(d.notes).toHaveLength(1);
    expect(d.notes![0]!.span).toMatchObject({ file: "na.conf", line: TE_LINE + 2 });
    expect(d.notes![0]!.message).toMatch(/allow domU_t dev2_t:resource \{ plug \} granted by this rule/);
  });

  it("one diagnostic per line checkpolicy prints (an allow entry and a type pair), each with every granting rule", () => {
    const diags = violations("neverallow domains dev_t:resource plug;\nallow dom0_t dev_t:resource plug;\nallow domains devices:resource plug;");
    // (dom0_t, dev_t) through its own entry and through (domains, devices)'s
    expect(diags.map((d) => d.message).sort()).toEqual([
      "neverallow violated by allow dom0_t dev_t:resource { plug }",
      "neverallow violated by allow dom0_t dev_t:resource { plug }",
      "neverallow violated by allow domU_t dev_t:resource { plug }",
    ]);
    const dom0 = diags.find((d) => d.message.includes("dom0_t"))!;
    expect(dom0.notes!.map((n) => n.span?.line)).toEqual([TE_LINE + 1, TE_LINE + 2]);
  });

  it("checks rules in a branch that is never enabled", () => {
    const diags = violations("bool b false;\nneverallow domU_t dev_t:resource plug;\nif (b && !b) { allow domU_t dev_t:resource plug; }");
    expect(diags).toHaveLength(1);
    expect(diags[0]!.span?.line).toBe(TE_LINE + 1);
    expect(diags[0]!.notes![0]!.message).toMatch(/true branch of a conditional/);
    expect(diags[0]!.notes![0]!.span?.line).toBe(TE_LINE + 2);
  });

  it("checks the else branch too", () => {
    const diags = violations("bool b true;\nneverallow domU_t dev_t:resource plug;\nif (b) { allow dom0_t dev_t:resource plug; } else { allow domU_t dev_t:resource plug; }");
    expect(diags.map((d) => d.message)).toEqual(["neverallow violated by allow domU_t dev_t:resource { plug }"]);
    expect(diags[0]!.notes![0]!.message).toMatch(/false branch/);
  });

  it("neverallow with self, complements and attributes", () => {
    expect(violations("neverallow domains self:resource add;\nallow dom0_t domU_t:resource add;")).toEqual([]);
    expect(violations("neverallow domains self:resource add;\nallow domains domains:resource add;")).toHaveLength(2);
    expect(violations("neverallow domU_t ~domU_t:resource ~use;\nallow domU_t domU_t:resource plug;\nallow domU_t dev_t:resource use;")).toEqual([]);
    expect(violations("neverallow domU_t ~domU_t:resource ~use;\nallow domU_t dev_t:resource add;")).toHaveLength(1);
  });

  it("auditallow and dontaudit rules do not break a neverallow", () => {
    expect(violations("neverallow domU_t dev_t:resource plug;\nauditallow domU_t dev_t:resource plug;\ndontaudit domU_t dev_t:resource plug;")).toEqual([]);
  });
});

describe("warnings (CompileOptions.warnings)", () => {
  it("names attributes without types and booleans no conditional reads, only when asked", () => {
    const text = policyText({ te: "attribute lonely;\nbool unused true;\nbool used false;\nif (used) { allow dom0_t dev_t:resource plug; }" });
    expect(compilePolicy(text).warnings).toEqual([]);
    const warnings = compilePolicy(text, { file: "w.conf", warnings: true }).warnings;
    expect(warnings.map((w) => [w.severity, w.message, w.span?.line])).toEqual([
      ["warning", "attribute lonely has no types: rules naming it grant nothing", TE_LINE],
      ["warning", "boolean unused is not used by any conditional", TE_LINE + 1],
    ]);
  });
});
