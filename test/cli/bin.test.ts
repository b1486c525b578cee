// The installed entry point: `bin/xsm.js` (what `npx xsm` runs) starts, and its exit status is runCli's.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function run(...argv: string[]) {
  const r = spawnSync(process.execPath, ["bin/xsm.js", ...argv], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bin/xsm.js", () => {
  it("prints help, exit 0", () => {
    const r = run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: xsm");
  });

  it("exits 2 on a usage error", () => {
    const r = run("compile", "--nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--nope'");
  });

  it("compiles a policy, and exits 1 on a missing file without a stack trace", () => {
    expect(run("compile", "test/fixtures/cli/small.conf").code).toBe(0);
    const r = run("compile", "test/fixtures/cli/missing.conf");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: test/fixtures/cli/missing.conf: no such file\n");
  });
});
