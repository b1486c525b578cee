// checkpolicy accepts constraint chains of any length; every analysis walk over one uses an explicit
// stack (foldTree), so a 30,000-term chain is explained, diffed and indexed instead of overflowing.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";

const dir = mkdtempSync(join(tmpdir(), "xsm-deep-"));
const base = readFileSync("test/fixtures/analysis/empty-attr.conf", "utf8");
const chain = Array.from({ length: 30000 }, () => "t1 == dom0_t").join(" or ");
const policy = join(dir, "deep.conf");
writeFileSync(policy, base.replace(/^(constrain resource \{ plug unplug \}.*)$/m, `$1\nconstrain resource { use } ( ${chain} );`));
const log = join(dir, "deny.log");
writeFileSync(log, "avc:  denied  { use } for domid=1 scontext=vm_u:vm_r:guest_a_t tcontext=system_u:object_r:nic_t tclass=resource\n");

describe("a 30,000-term constraint chain", () => {
  it("xsm why names the failing constraint", async () => {
    const r = await xsm("why", policy, log, "--plain");
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("#Constraint rule:");
    expect(r.stdout.split("(t1 == dom0_t -Fail-)").length - 1).toBe(30000);
  }, 60_000);
  it("xsm diff prints it in setools' infix form", async () => {
    const r = await xsm("diff", "test/fixtures/analysis/empty-attr.conf", policy);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Constraints (1 Added, 0 Removed)");
  }, 60_000);
});
