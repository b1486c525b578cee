// Constraints checkpolicy 3.4 does not write as written (define_constraint): a `~{ ... }` that
// leaves a class no permission is omitted with the warning 'omitting constraint with no permission
// set', and a class named twice gets a node per name, the permissions on its last only, so the
// binary holds a node with none, which Xen loads and libsepol refuses. The byte identity of the
// fixture with checkpolicy's binary is in write.test.ts (test/fixtures/binary/edge); here, what is
// said and what the decisions keep.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { compile } from "../../src/policy/index.js";
import { analyzeText } from "../../src/lsp/analysis.js";
import { xsm } from "../cli/run.js";

const file = "test/fixtures/binary/edge/constrain-noperm.conf";
const text = readFileSync(file, "utf8");
type D = { code: string; severity: string; span?: { line: number; col: number } };
const of = (ds: readonly D[], code: string) => ds.filter((d) => d.code === code).map((d) => `${d.severity} ${d.span?.line}:${d.span?.col}`);

describe("constraints checkpolicy omits or writes without permissions", () => {
  it("warns at each `~{ ... }` that leaves a class nothing, and at a class named twice", () => {
    const { warnings } = compileBinary(text, { file });
    expect(of(warnings, "constraint-no-perms")).toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(warnings, "constraint-class-twice")).toEqual(["warning 21:20"]);
    expect(of(compileBinary(text, { file, strict: true }).warnings, "constraint-no-perms"), "Xen loads it: a warning under --strict too").toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(analyzeText(text, file).diagnostics, "constraint-no-perms"), "the editor shows them").toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(analyzeText(text, file).diagnostics, "constraint-class-twice")).toEqual(["warning 21:20"]);
  });

  it("keeps only the constraints checkpolicy writes", () => {
    const run = compile(text, { file });
    if (!run.ok) throw new Error("the fixture compiles");
    const sym = run.value.symbols;
    const kept = sym.constraints.map((c) => `${sym.classes[c.classId]!.name}:${c.mask}`);
    // xen's is gone; domain keeps the older node (no permissions) and the plain one; event's ~{ e0 } is e1
    expect(kept.filter((k) => k.startsWith("xen:"))).toEqual([]);
    expect(kept.filter((k) => k.startsWith("domain:"))).toEqual(["domain:0", "domain:1"]);
    expect(kept.filter((k) => k.startsWith("event:")).length).toBe(1);
  });

  it("says so on the command line, and counts the nodes checkpolicy writes", async () => {
    const r = await xsm("compile", file, "-o", "/dev/null");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:19:15: warning: this ~{ ... } leaves class xen no permission: checkpolicy omits the constraint for xen ('omitting constraint with no permission set'), so it checks nothing`);
    expect(r.stderr).toContain(`${file}:21:20: warning: class domain is named twice in this constrain`);
    expect(r.stdout + r.stderr).toMatch(/constraints\s+3\b/);
  });
});
