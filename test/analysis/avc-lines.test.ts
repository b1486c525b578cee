// xsm why and allow against audit2why and audit2allow on broken and odd avc lines
// (test/analysis/avc-lines.ts; the tools' answers in test/fixtures/analysis/avc-lines.json, from
// scripts/gen-avc-lines-fixtures.ts). Where the tools fail the run, xsm fails it, at the line's
// token; where audit2why analyses the line, xsm prints what both tools print; where audit2why drops
// the line without a word (a line it cannot read, a name the policy lacks), xsm names it and
// exits 1, as test/analysis/why.test.ts pins down for generated logs.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AvcLineFixture } from "../oracle/avc-lines-oracle.js";
import { STACK_LINE, xsm } from "../cli/run.js";
import { AVC_LINES, XSM_REJECTS } from "./avc-lines.js";

const policy = "test/fixtures/analysis/why-roleattr.conf";
const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/avc-lines.json", "utf8")) as AvcLineFixture[];
const dir = mkdtempSync(join(tmpdir(), "xsm-avc-lines-"));

describe("broken avc lines: xsm rejects what audit2why and audit2allow reject, and reads what they read", () => {
  it("the fixture is of the lines the cases list", () => {
    expect(fixtures.map((f) => [f.name, f.line])).toEqual(AVC_LINES.map((c) => [c.name, c.line]));
  });

  it.each(fixtures.map((f, i) => [f.name, f, i] as const))("%s", async (_name, f, i) => {
    const log = join(dir, `line-${i}.log`);
    writeFileSync(log, `${f.line}\n`);
    const why = await xsm("why", "--plain", policy, log);
    const allow = await xsm("allow", policy, log);
    for (const r of [why, allow]) expect(r.stderr).not.toMatch(STACK_LINE);
    if (f.audit2why.code !== 0 || f.audit2allow.code !== 0 || XSM_REJECTS[f.name] !== undefined) {
      // the tools fail the whole run
      for (const r of [why, allow]) {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^${log}:1:\\d+: `, "m"));
      }
    } else if (f.audit2why.stdout !== "") {
      expect([why.code, why.stdout], why.stderr).toEqual([0, f.audit2why.stdout]);
      expect([allow.code, allow.stdout], allow.stderr).toEqual([0, f.audit2allow.stdout]);
    } else {
      // audit2why drops the line without a word: xsm names it
      for (const r of [why, allow]) {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^(${log}:1:\\d+: |xsm: error: ${log}: no avc line)`, "m"));
      }
    }
  });

  it.each([
    ["two records on one line", 117, "malformed avc line: a second avc record starts here (two console lines run together): each must be a line of its own"],
    ["braces against the permission", 15, "malformed avc line: '{kexec}': a brace must stand apart from the permissions, as Xen writes '{ kexec }'"],
  ])("%s: a located error where audit2why reads it otherwise", async (name, column, message) => {
    expect(XSM_REJECTS[name]).toBeDefined();
    const log = join(dir, `${name.replace(/\W+/g, "-")}.log`);
    writeFileSync(log, `${AVC_LINES.find((c) => c.name === name)!.line}\n`);
    for (const command of ["why", "allow"]) {
      const r = await xsm(command, policy, log);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n")[0]).toBe(`${log}:1:${column}: ${message}`);
    }
  });

  it("a denial's empty '{ }' is located at its brace (audit2why and audit2allow fail the run on it; xsm printed `allow dom0_t xen_t:xen {  };`)", async () => {
    const log = join(dir, "empty-perms.log");
    writeFileSync(log, `${AVC_LINES.find((c) => c.name === "empty permission list")!.line}\n`);
    for (const command of ["why", "allow"]) {
      const r = await xsm(command, policy, log);
      expect(r.code).toBe(1);
      expect(r.stdout.trim()).toBe("");
      expect(r.stderr.split("\n")[0]).toBe(`${log}:1:15: malformed avc line: a denial's '{ }' holds no permission`);
    }
  });
});
