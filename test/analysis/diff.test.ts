// xsm diff against sediff: each case of test/fixtures/analysis/diff.json is sediff's report on the
// binaries of two policies (a seed against a mutation of it, and against the next seed), recorded by
// scripts/gen-analysis-fixtures.ts. sediff prints a modified rule's permissions in Python set order,
// so those lines are compared as sorted tokens; every other line byte for byte.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeModified } from "../oracle/analysis-harness.js";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  old: string;
  new: string;
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/diff.json", "utf8")) as Fixture[];

describe("xsm diff = sediff on the binaries", () => {
  it("has fixtures with added, removed and modified rules", () => {
    const all = fixtures.map((f) => f.stdout).join("");
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    for (const text of ["   Added Allow Rules:", "   Removed Allow Rules:", "   Modified Allow Rules:", "(Modified default state)", "   Modified Classes:"]) expect(all).toContain(text);
  });
  for (const f of fixtures) {
    it(`${f.old} -> ${f.new}`, async () => {
      const r = await xsm("diff", f.old, f.new);
      expect(normalizeModified(r.stdout)).toBe(normalizeModified(f.stdout));
      expect(r.code).toBe(1);
    });
  }
});

describe("xsm diff: exit statuses, --access", () => {
  const small = "test/fixtures/cli/small.conf";
  it("exit 0 when equal, 2 when a policy cannot be read", async () => {
    const same = await xsm("diff", small, small);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("Allow Rules (0 Added, 0 Removed, 0 Modified)\n");
    const missing = await xsm("diff", small, "nope.conf");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("xsm: error: nope.conf: no such file\n");
    expect(missing.stderr).not.toMatch(STACK_LINE);
  });
  it("--access lists the effective permissions gained and lost, grouped by source", async () => {
    const f = fixtures.find((x) => x.new.includes("mutated"))!;
    const r = await xsm("diff", f.old, f.new, "--access", "--json");
    expect(r.code).toBe(1);
    const changes = JSON.parse(r.stdout) as { source: string; gained: string[]; lost: string[] }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.gained.length + c.lost.length).toBeGreaterThan(0);
    const text = await xsm("diff", f.old, f.new, "--access");
    expect(text.stdout).toMatch(/^\S+\n {4}\S+:\S+ [+-]/);
  });
});
