// `xsm compile --expand`: the SVP platform declarations printed back as the plain policy.conf they
// desugar to (test/fixtures/sim/svp-expanded.conf is the version checkpolicy's matrix was taken of).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { STACK_LINE, xsm } from "./run.js";

const svp = "examples/svp/svp.conf";

describe("xsm compile --expand", () => {
  it("prints the plain policy.conf on stdout and the summary on stderr", async () => {
    const r = await xsm("compile", svp, "--expand");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync("test/fixtures/sim/svp-expanded.conf", "utf8"));
    expect(r.stdout).not.toMatch(/^platform /m);
    expect(r.stderr).toContain(`${svp}: compiled`);
  });

  it("prints a policy that compiles to the same matrix as the platform syntax", async () => {
    const r = await xsm("compile", svp, "--expand");
    const plain = compilePolicy(r.stdout, { file: "expanded.conf" });
    const original = compilePolicy(readFileSync(svp, "utf8"), { file: svp });
    expect(plain.matrixJson()).toBe(original.matrixJson());
  });

  it("prints nothing on stdout when the policy does not compile", async () => {
    const r = await xsm("compile", "test/fixtures/sim/broken-policy.conf", "--expand");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/broken-policy\.conf:\d+:\d+: error:/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("refuses --emit-matrix - beside it (both want stdout)", async () => {
    const r = await xsm("compile", svp, "--expand", "--emit-matrix", "-");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("both want stdout");
  });
});
