// --format json and --format sarif on compile, check and build: one document on stdout with every
// diagnostic's code, severity, location (1-based columns, end exclusive), message and notes.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as Sarif from "sarif";
import { describe, expect, it } from "vitest";
import { xsm } from "./run.js";

const fx = (name: string) => `test/fixtures/cli/${name}`;

describe("--format json", () => {
  it("compile: every error with its location and notes, ok false, exit 1", async () => {
    const r = await xsm("compile", fx("neverallow.conf"), "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({
      ok: false,
      diagnostics: [
        {
          code: "neverallow",
          severity: "error",
          message: "neverallow violated by allow guest_b_t device_t:resource { plug }",
          file: fx("neverallow.conf"),
          line: 33,
          column: 1,
          endLine: 33,
          endColumn: 57,
          notes: [
            { message: "allow guest_b_t device_t:resource { plug } granted by this rule", file: fx("neverallow.conf"), line: 34, column: 1, endLine: 34, endColumn: 48 },
          ],
        },
      ],
    });
  });

  it("compile: a clean policy is ok with its figures; warnings are listed", async () => {
    const r = await xsm("compile", fx("small.conf"), "--format", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.file).toBe(fx("small.conf"));
    expect(doc.stats.types).toBe(7);

    const dir = mkdtempSync(join(tmpdir(), "xsm-format-"));
    try {
      const svp = join(dir, "svp.conf");
      const base = readFileSync("examples/svp/svp.conf", "utf8");
      writeFileSync(svp, `${base}platform extra guest of svp {\n    device extra_pci_t { 0000:09:00.0 };\n}\n`);
      const w = await xsm("compile", svp, "--format", "json");
      const warned = JSON.parse(w.stdout);
      expect(warned.ok, w.stdout + w.stderr).toBe(true);
      expect(warned.diagnostics.map((d: { code: string; severity: string; line: number }) => [d.code, d.severity, d.line])).toEqual([["platform-no-hwdom", "warning", base.split("\n").length]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("compile: a file that cannot be read is one located-nowhere error in the document", async () => {
    const r = await xsm("compile", "no/such.conf", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).diagnostics).toEqual([
      { code: "input", severity: "error", message: "no/such.conf: no such file", file: null, line: null, column: null, endLine: null, endColumn: null, notes: [] },
    ]);
  });

  it("check: the answer beside the diagnostics; an invalid context is an error, exit 1", async () => {
    const q = ["--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug", "--format", "json"];
    const ok = await xsm("check", fx("small.conf"), "--scontext", "system_u:system_r:dom0_t", ...q);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, diagnostics: [], decisions: [{ allowed: true, audited: false }] });
    const bad = await xsm("check", fx("small.conf"), "--scontext", "system_u:system_r:nobody_t", ...q);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics[0].code).toBe("invalid-query");
    expect(doc.diagnostics[0].message).toMatch(/nobody_t/);
  });

  it("check: a policy error is the document, exit 1", async () => {
    const r = await xsm("check", fx("errors.conf"), "--scontext", "a:b:c", "--tcontext", "a:b:c", "--class", "x", "--perm", "y", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).diagnostics.map((d: { line: number }) => d.line)).toEqual([9, 10, 11]);
  });

  it("--format with another stdout user, or a format we do not write, is a usage error", async () => {
    expect((await xsm("compile", fx("small.conf"), "--format", "yaml")).code).toBe(2);
    expect((await xsm("compile", fx("small.conf"), "--format", "json", "--emit-matrix", "-")).code).toBe(2);
    expect((await xsm("check", fx("small.conf"), "--queries", fx("queries.json"), "--json", "--format", "json")).code).toBe(2);
  });
});

describe("--format sarif", () => {
  it("compile: a SARIF 2.1.0 log, one rule per code, results with regions and related locations", async () => {
    const r = await xsm("compile", fx("errors.conf"), "--format", "sarif");
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as Sarif.Log;
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0];
    expect(run!.tool.driver.name).toBe("xsm");
    const rules = run!.tool.driver.rules!.map((x) => x.id);
    expect(new Set(rules).size).toBe(rules.length);
    expect(run!.results!.map((x) => [x.ruleId, rules[x.ruleIndex!], x.level, x.locations![0]!.physicalLocation!.region!.startLine])).toEqual([
      ["duplicate", "duplicate", "error", 9],
      ["undeclared", "undeclared", "error", 10],
      ["undeclared", "undeclared", "error", 11],
    ]);
    expect(run!.results![0]!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: fx("errors.conf") },
      region: { startLine: 9, startColumn: 6, endLine: 9, endColumn: 12 },
    });

    const nv = JSON.parse((await xsm("compile", fx("neverallow.conf"), "--format", "sarif")).stdout) as Sarif.Log;
    const related = nv.runs[0]!.results![0]!.relatedLocations!;
    expect(related).toEqual([
      {
        id: 0,
        message: { text: "allow guest_b_t device_t:resource { plug } granted by this rule" },
        physicalLocation: { artifactLocation: { uri: fx("neverallow.conf") }, region: { startLine: 34, startColumn: 1, endLine: 34, endColumn: 48 } },
      },
    ]);
  });

  it("a clean compile is a log with no results, exit 0", async () => {
    const r = await xsm("compile", fx("small.conf"), "--format", "sarif");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Sarif.Log).runs[0]!.results).toEqual([]);
  });

  it("build: a tree that cannot be read is a result without a location", async () => {
    const bare = mkdtempSync(join(tmpdir(), "xsm-format-tree-"));
    try {
      cpSync("examples/xen-flask", bare, { recursive: true, filter: (src) => !/[\\/]flask$/.test(src) });
      const r = await xsm("build", bare, "--format", "sarif");
      expect(r.code).toBe(1);
      const result = (JSON.parse(r.stdout) as Sarif.Log).runs[0]!.results![0];
      expect(result!.ruleId).toBe("input");
      expect(result!.message.text).toMatch(/cannot find Xen's flask policy/);
      expect(result!.locations).toBeUndefined();
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
