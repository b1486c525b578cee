// xsm lint on a policy tree: the duplicate-rule findings a macro makes by writing the same rule in
// several calls are one finding a rule and macro, naming every call, and none is lost: the tree's
// findings stand for exactly the duplicates the same policy.conf (m4's output) has, one by one.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";

interface Finding { code: string; message: string; file: string; line: number; notes?: { message: string; file: string; line: number }[] }
const lint = async (...args: string[]) => {
  const r = await xsm("lint", "--format", "json", ...args);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { diagnostics: Finding[] }).diagnostics.filter((d) => d.code === "duplicate-rule");
};
const REPEAT = /^`(\w+)` writes this allow rule the same way in (\d+) calls, so every call after the first adds nothing to it$/;
const again = (d: Finding) => (d.notes ?? []).filter((n) => n.message.startsWith("the same rule again, from this call of"));

describe.skipIf(!hasM4)("xsm lint: duplicates a macro makes (needs GNU m4)", () => {
  it("examples/xen-flask: one finding a macro's rule, standing for every duplicate of its policy.conf", async () => {
    const tree = await lint("examples/xen-flask");
    const conf = await lint("examples/xen-flask/policy.conf");
    const folded = tree.filter((d) => REPEAT.test(d.message));
    expect(folded.length).toBeGreaterThan(0);
    for (const d of folded) {
      const calls = Number(REPEAT.exec(d.message)![2]);
      // the first call's rule is "the earlier rule"; the second is the finding's own; the rest notes
      expect(again(d)).toHaveLength(calls - 2);
      expect(d.notes!.filter((n) => n.message === "the earlier rule")).toHaveLength(1);
    }
    const stands = tree.reduce((n, d) => n + 1 + again(d).length, 0);
    expect(stands).toBe(conf.length);
    expect(tree.length).toBeLessThan(conf.length);
  });

  it("names the calls a maintainer would change: use_device_noiommu's rule, once, with each admin_device call", async () => {
    const tree = await lint("examples/xen-flask");
    const d = tree.find((x) => x.message.startsWith("`use_device_noiommu` writes"))!;
    expect(d.file).toBe("examples/xen-flask/modules/xen.if");
    expect(again(d).map((n) => n.message)).toEqual(again(d).map(() => "the same rule again, from this call of `admin_device`"));
    // no other finding is about the same rule any more
    expect(tree.filter((x) => x.file === d.file && x.line === d.line)).toHaveLength(1);
  });

  it("an interface called twice the same way (Xen 4.19's domU.te and domain_self_comms): one finding at the second call", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-repeat-"));
    try {
      cpSync("examples/xen-flask", dir, { recursive: true });
      const te = join(dir, "modules/domU.te");
      const text = readFileSync(te, "utf8");
      const first = text.split("\n").indexOf("domain_self_comms(domU_t)") + 1;
      writeFileSync(te, `${text}domain_self_comms(domU_t)\n`);
      const again = text.split("\n").length;
      const before = await lint(join("examples/xen-flask"));
      const found = await lint(dir);
      const at = found.filter((d) => d.file === te && d.line === again);
      expect(at.map((d) => [d.message, d.notes])).toEqual([[`this call repeats the one at modules/domU.te:${first}: every rule it makes is already there`, [{ message: "the call it repeats", file: te, line: first, column: 1, endLine: first, endColumn: 18 }]]]);
      // no other finding is about a rule of that call
      expect(found.filter((d) => (d.notes ?? []).some((n) => n.file === te && n.line === again))).toEqual([]);
      expect(found.length).toBe(before.length + 1);
      // called for another domain, the interface makes other rules: nothing folds
      writeFileSync(te, `${text}domain_self_comms(dom0_t)\n`);
      expect((await lint(dir)).filter((d) => d.message.startsWith("this call repeats"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
