// Which neverallow failures checkpolicy reports, and in which order: every policy of
// test/fixtures/neverallow-order was run through `checkpolicy -t Xen -c 30` (its exit status and
// stderr are in checkpolicy.json, re-checked live by test/oracle/neverallow-order.test.ts). libsepol
// checks the last neverallow declared first (expand.c copy_neverallow prepends), prints one line
// per (allow entry, source type, target type) in avtab_map order of its own values, and checks
// bounds before any neverallow. xsm's neverallow errors must be those lines in that order, up to
// the 20 it shows per neverallow, and count the rest.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { byNeverallow, checkpolicyReports, dir, xsmReports } from "./neverallow-order.js";
import { recorded } from "./checkpolicy-runs.js";

const SHOWN = 20;

describe("xsm reports neverallow failures as checkpolicy does", () => {
  const runs = recorded(dir);
  it("covers the shapes: two neverallows, several rules, attributes, self, conditionals, bounds, #line, more than 20", () => {
    expect(runs.map((r) => r.file)).toEqual(expect.arrayContaining(["two-neverallows.conf", "several-rules.conf", "mixed.conf", "self.conf", "self-other-target.conf", "conditional.conf", "bounds-first.conf", "line-directive.conf", "many.conf"]));
  });
  for (const r of runs) {
    const theirs = checkpolicyReports(r.stderr);
    it(`${r.file}: checkpolicy exits ${r.status} with ${theirs.total} neverallow failure(s)`, () => {
      const text = readFileSync(join(dir, r.file), "utf8");
      const run = compile(text, { file: r.file });
      expect(run.ok, run.ok ? "" : run.error.map((d) => d.message).join("\n")).toBe(r.status === 0);
      if (run.ok) return;
      // a bounds failure stops checkpolicy before any neverallow is checked
      if (/bounds_check_types/.test(r.stderr)) return expect(run.error[0]!.code).toBe("bounds");
      const ours = xsmReports(text, run.error);
      expect(ours.total).toBe(theirs.total);
      const want = byNeverallow(theirs.reports);
      const got = byNeverallow(ours.reports);
      expect(got.map(([line]) => line)).toEqual(want.map(([line]) => line));
      got.forEach(([, shown], i) => expect(shown).toEqual(want[i]![1].slice(0, SHOWN)));
    });
  }

  it("still reports the neverallow failures after a bounds failure", () => {
    const file = "bounds-first.conf";
    const run = compile(readFileSync(join(dir, file), "utf8"), { file });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.error.map((d) => d.code)).toEqual(["bounds", "neverallow"]);
  });

  it("warns where a neverallow with self is broken through another target, which checkpolicy accepts", () => {
    const file = "self-other-target.conf";
    const run = compile(readFileSync(join(dir, file), "utf8"), { file });
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    const warning = run.value.diagnostics.find((d) => d.code === "neverallow-unchecked");
    expect(warning?.message).toContain("allow ty1 ty2:c { r }");
    expect(warning?.span?.line).toBe(7);
  });
});
