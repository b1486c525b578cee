// The installed entry point: `bin/xsm.js` (what `npx xsm` runs) starts, and its exit status is runCli's.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

function run(...argv: string[]) {
  return runWith(undefined, ...argv);
}

function runWith(input: string | undefined, ...argv: string[]) {
  const r = spawnSync(process.execPath, ["bin/xsm.js", ...argv], { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
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

  it("reads a policy from standard input for `-`, and names it <stdin> in diagnostics", () => {
    const text = readFileSync("test/fixtures/cli/small.conf", "utf8");
    const ok = runWith(text, "compile", "-");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("<stdin>: compiled");
    const check = runWith(text, "check", "-", "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug");
    expect(check.stdout).toContain("granted by <stdin>:26:");
    const bad = runWith("type a_t;\ntype a_t;\n", "compile", "-");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^<stdin>:\d+:\d+: error: /);
    expect(runWith("", "compile", "-").stderr).toBe("xsm: error: standard input: file is empty, expected a policy\n");
  });
});
