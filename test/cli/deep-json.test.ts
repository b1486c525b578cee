// JSON nested past 64 levels in the files xsm reads besides scenarios (a query list, a test file, a
// lint config): refused at its JSON path. JSON.parse takes 200,000 levels; the checks and messages
// after it recursed and overflowed the stack, an internal error (exit 70).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "xsm-deep-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = "test/fixtures/cli/small.conf";

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const arrays = file("arrays.json", `${"[".repeat(200_000)}${"]".repeat(200_000)}`);
const objects = file("objects.json", `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`);
const at64 = (step: string) => step.repeat(64);

describe("JSON nested past 64 levels", () => {
  it("check --queries: refused at its path, exit 1", async () => {
    const r = await xsm("check", POLICY, "--queries", arrays, "--json");
    expect(r).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${arrays}: ${at64("/0")}: nested deeper than 64 levels; a query list is a few levels deep\n` });
    const o = await xsm("check", POLICY, "--queries", objects, "--json");
    expect(o.stderr).toBe(`xsm: error: ${objects}: ${at64("/a")}: nested deeper than 64 levels; a query list is a few levels deep\n`);
  });

  it("test: one problem of the run, no test run", async () => {
    const r = await xsm("test", objects);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${objects}: ${at64("/a")}: nested deeper than 64 levels; a test file is a few levels deep\nxsm: 1 problem in the test files; no test was run\n`);
  });

  it("lint --config: refused before the lint", async () => {
    const r = await xsm("lint", POLICY, "--config", objects);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${objects}: ${at64("/a")}: nested deeper than 64 levels; a lint config is a few levels deep\n` });
  });

  it("64 levels are read as before (the checks then say what is wrong)", async () => {
    const ok = file("ok.json", `${"[".repeat(64)}${"]".repeat(64)}`);
    const r = await xsm("check", POLICY, "--queries", ok, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/nested deeper|internal error/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
