// Every code a lint finding carries is the user's to configure: the config file turns it off or
// makes it an error, a `# xsm-lint: disable=CODE` comment suppresses it; the Xen-side codes
// (what Xen's loader would refuse or make of the policy: role-dominates-attribute,
// initial-sid-order, xen-*) as the checks. (role-dominates-attribute once came through
// sourceRefusals and no config could silence it.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LINT_CODES, XEN_LINT_CODES, lintText, parseConfig } from "../../src/lint/index.js";
import { xsm } from "../cli/run.js";

const fixtures = ["test/fixtures/lint/planted.conf", "test/fixtures/lint/planted-svp.conf", "test/fixtures/role-dominance/attr-recheck.conf", "test/fixtures/binary/initial-sids/order.conf"];
const dir = mkdtempSync(join(tmpdir(), "xsm-lint-codes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Found {
  code: string;
  severity: string;
  line: number;
}

async function lint(file: string, severity?: Record<string, string>): Promise<{ code: number; found: Found[] }> {
  const args = ["lint", file, "--format", "json"];
  if (severity) {
    const cfg = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(cfg, JSON.stringify({ severity }));
    args.push("--config", cfg);
  }
  const r = await xsm(...args);
  return { code: r.code, found: JSON.parse(r.stdout).diagnostics as Found[] };
}

/** Each code the fixtures give a finding for, with a file that has one. */
const byCode = new Map<string, string>();
for (const file of fixtures) {
  for (const d of lintText(readFileSync(file, "utf8"), file).diagnostics) if (!byCode.has(d.code)) byCode.set(d.code, file);
}

describe("every lint code is configurable", () => {
  it("the fixtures give a finding for role-dominates-attribute, initial-sid-order and a xen-* code, and lint gives none outside LINT_CODES", () => {
    for (const code of ["role-dominates-attribute", "initial-sid-order", "xen-common-prefix"]) expect(byCode.has(code), code).toBe(true);
    for (const code of byCode.keys()) expect(LINT_CODES.has(code), code).toBe(true);
  });

  it("the config accepts each code (the Xen ones included) and refuses an unknown one", () => {
    for (const code of LINT_CODES) expect(parseConfig({ severity: { [code]: "off" } }, "c.json").severity).toEqual({ [code]: "off" });
    for (const severity of ["error", "warning", "info", "hint"]) expect(parseConfig({ severity: { "unused-type": severity } }, "c.json").severity).toEqual({ "unused-type": severity });
    expect(() => parseConfig({ severity: { "unused-type": "note" } }, "c.json")).toThrow('c.json: /severity/unused-type: expected "error", "warning", "info", "hint" or "off"');
    for (const code of XEN_LINT_CODES) expect(LINT_CODES.has(code)).toBe(true);
    expect(() => parseConfig({ severity: { "xen-nothing": "off" } }, "c.json")).toThrow(/\/severity\/xen-nothing: unknown check \(known: .*role-dominates-attribute/);
  });

  for (const [code, file] of [...byCode].sort()) {
    it(`${code}: off drops it, error makes it an error (exit 1), a disable comment on its line drops it`, async () => {
      const before = await lint(file);
      const mine = (f: Found[]) => f.filter((d) => d.code === code);
      expect(mine(before.found).length).toBeGreaterThan(0);
      const off = await lint(file, { [code]: "off" });
      expect(mine(off.found)).toEqual([]);
      expect(off.found.length).toBe(before.found.length - mine(before.found).length);
      const err = await lint(file, { [code]: "error" });
      expect(mine(err.found).every((d) => d.severity === "error")).toBe(true);
      expect(err.code).toBe(1);
      // info and hint are said as such and never fail the run, whatever else is found
      for (const severity of ["info", "hint"] as const) {
        const quiet = await lint(file, { [code]: severity });
        expect(mine(quiet.found).every((d) => d.severity === severity)).toBe(true);
        expect(quiet.code).toBe(before.code);
      }
      // the comment at the end of each finding's line (a trailing `#! CODE` mark is a comment too)
      const lines = readFileSync(file, "utf8").split("\n");
      for (const d of mine(before.found)) lines[d.line - 1] = `${lines[d.line - 1]!.replace(/\s*#!.*$/, "")} # xsm-lint: disable=${code}`;
      const copy = join(dir, `${code}.conf`);
      writeFileSync(copy, lines.join("\n"));
      expect(mine((await lint(copy)).found)).toEqual([]);
    });
  }

  it("--list names the Xen-side codes too", async () => {
    const r = await xsm("lint", "--list");
    for (const code of XEN_LINT_CODES) expect(r.stdout).toContain(`\n${code} (warning): `);
  });
});
