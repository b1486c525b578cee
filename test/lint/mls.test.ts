// xsm lint on MLS policies: -M compiles them as checkpolicy -M (a policy.conf, or a tree built as
// xsm build --mls builds it) and runs the checks; without it, one error says to use -M.
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";

describe("xsm lint -M", () => {
  it("lints an MLS policy.conf: no compile error, the checks run", async () => {
    const r = await xsm("lint", "-M", "test/fixtures/mls/devices.conf", "--format", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { diagnostics: { code: string; severity: string }[] };
    expect(doc.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it.skipIf(!hasM4)("lints the MLS build of a tree, findings in its .te files (needs GNU m4)", async () => {
    const r = await xsm("lint", "-M", "--flask-dir", "examples/xen-flask/flask", "examples/xen-flask");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^examples\/xen-flask\/modules\/\S+\.te:\d+:\d+: warning: /m);
    expect(r.stdout).not.toMatch(/error:/);
  });

  it("without -M an MLS policy is the one error saying to use it", async () => {
    const r = await xsm("lint", "test/fixtures/mls/devices.conf");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^test\/fixtures\/mls\/devices.conf:14:1: error: .*-M/m);
    expect((r.stdout.match(/error:/g) ?? []).length).toBe(1);
    expect(r.stdout).not.toMatch(STACK_LINE);
  });
});
