// The editor warns about what Xen's loader would refuse, where `xsm lint` and `xsm compile -o` do:
// the same codes at the same places (the lint fixture plants a class with a common prefix).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintText } from "../../src/lint/index.js";
import { analyzeText } from "../../src/lsp/analysis.js";
import { repoRoot } from "./client.js";

const xenOnly = (ds: { code: string; severity: string; span?: { offset: number } }[]) =>
  ds.filter((d) => d.code.startsWith("xen-")).map((d) => `${d.severity} ${d.code} @${d.span?.offset}`);

describe("Xen loader refusals in the language server", () => {
  it("a class inheriting a common: the lint fixture's warning, at the same place", () => {
    const file = "test/fixtures/lint/planted.conf";
    const text = readFileSync(join(repoRoot, file), "utf8");
    const editor = xenOnly(analyzeText(text, file).diagnostics);
    expect(editor).toEqual(xenOnly(lintText(text, file).diagnostics));
    expect(editor.some((d) => d.startsWith("warning xen-common-prefix"))).toBe(true);
  });
  it("a policy with no unconditional rule: Xen refuses its empty avtab", () => {
    const text = "class c\nsid k\nclass c { p }\ntype t;\nrole object_r types t;\nuser u roles object_r;\nsid k u:object_r:t\n";
    expect(xenOnly(analyzeText(text, "e.conf").diagnostics)).toEqual(["warning xen-empty-avtab @0"]);
  });
  it("the example policies have none", () => {
    for (const file of ["examples/xen-flask/policy.conf", "examples/svp/svp.conf"]) {
      expect(xenOnly(analyzeText(readFileSync(join(repoRoot, file), "utf8"), file).diagnostics)).toEqual([]);
    }
  });
});
