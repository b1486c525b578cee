// xsm lint: every planted defect found at its line and nothing else; suppression comments and the
// config file; redundant-rule checked against the compiler (removing a flagged rule changes no
// decision) on the example policies and gen-policy seeds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKS, lintText, MODULE_SWITCH, XEN_LINT_CODES, XEN_LINT_EXAMPLES } from "../../src/lint/index.js";
import { compilePolicy } from "../../src/policy/index.js";
import { xsm } from "../cli/run.js";
import { policyText } from "../policy/policy-text.js";

const planted = "test/fixtures/lint/planted.conf";
const plantedSvp = "test/fixtures/lint/planted-svp.conf";

/** `#! CODE` marks: where a finding must be, as "line code". */
function marks(text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    const m = /#! ([a-z-]+)\s*$/.exec(line);
    return m ? [`${i + 1} ${m[1]}`] : [];
  });
}

describe("xsm lint on a policy with planted defects", () => {
  const codesFound = new Set<string>();
  it.each([
    [planted, 0],
    // errors (svp-*) make the exit status 1; the platform blocks' own attributes and rules are silent
    [plantedSvp, 1],
  ])("finds each planted defect of %s at its line and nothing else", async (path, code) => {
    const text = readFileSync(path, "utf8");
    const r = await xsm("lint", path, "--format", "json");
    expect(r.code).toBe(code);
    const found = (JSON.parse(r.stdout).diagnostics as { line: number; code: string }[]).map((d) => `${d.line} ${d.code}`);
    expect(found.sort()).toEqual(marks(text).sort());
    for (const f of found) codesFound.add(f.split(" ")[1]!);
  });

  it("every check has a planted case", () => {
    for (const c of CHECKS) expect(codesFound.has(c.code), c.code).toBe(true);
  });

  it("an attribute named only in a rule's set in braces, or as its one-name set, is used", () => {
    // (the parser keeps such sets as names, their nodes made when read)
    const te = "attribute a1;\nattribute a2;\ntype t1_t, a1, a2;\nallow { a1 dom0_t } dev_t:resource plug;\nallow a2 dev_t:resource unplug;\n";
    const unused = lintText(policyText({ te }), "p.conf").diagnostics.filter((d) => d.code === "unused-attribute").map((d) => d.message);
    expect(unused.filter((m) => / a[12] /.test(m))).toEqual([]);
  });

  it("the SVP example and the generated attributes and rules of its platforms give no finding", () => {
    const path = "examples/svp/svp.conf";
    expect(lintText(readFileSync(path, "utf8"), path).diagnostics).toEqual([]);
  });

  it("text output ends with the count; a duplicate names the earlier rule", async () => {
    const r = await xsm("lint", planted);
    expect(r.stdout).toMatch(/\n11 warnings\n$/);
    expect(r.stdout).toContain(`${planted}:36:1: warning: this allow rule grants exactly what an earlier one grants\n`);
    expect(r.stdout).toContain(`${planted}:35:1: note: the earlier rule\n`);
  });

  it("a config file sets severities: error makes exit 1, off drops the check; bad configs are located", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-lint-"));
    try {
      const cfg = join(dir, "lint.json");
      writeFileSync(cfg, JSON.stringify({ severity: { "duplicate-rule": "error", "redundant-rule": "off" } }));
      const r = await xsm("lint", planted, "--config", cfg, "--format", "json");
      expect(r.code).toBe(1);
      const ds = JSON.parse(r.stdout).diagnostics as { code: string; severity: string }[];
      expect(ds.filter((d) => d.code === "redundant-rule")).toEqual([]);
      expect(ds.find((d) => d.code === "duplicate-rule")?.severity).toBe("error");

      // .xsm-lint.json beside the policy is read without --config
      const copy = join(dir, "p.conf");
      writeFileSync(copy, readFileSync(planted, "utf8"));
      writeFileSync(join(dir, ".xsm-lint.json"), JSON.stringify({ severity: { "unused-type": "error" } }));
      expect((await xsm("lint", copy)).code).toBe(1);

      writeFileSync(cfg, JSON.stringify({ severity: { "no-such-check": "error" } }));
      const bad = await xsm("lint", planted, "--config", cfg);
      expect(bad.code).toBe(1);
      // at the line and column of the unknown check's key; a bad severity, of the value
      expect(bad.stderr).toMatch(/lint\.json:1:14: \/severity\/no-such-check: unknown check/);
      writeFileSync(cfg, '{\n  "severity": {\n    "unused-type": "loud"\n  }\n}\n');
      expect((await xsm("lint", planted, "--config", cfg)).stderr).toMatch(/lint\.json:3:20: \/severity\/unused-type: expected "error", "warning", "info", "hint" or "off"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a policy that does not compile gives the compiler's errors, exit 1", async () => {
    const r = await xsm("lint", "test/fixtures/cli/errors.conf");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/unknown type nic_t/);
  });

  it("--list documents every check: code, severity, rationale, example", async () => {
    const r = await xsm("lint", "--list");
    for (const c of CHECKS) expect(r.stdout).toContain(`${c.code} (${c.severity}): ${c.rationale}\n    e.g. ${c.example}\n`);
    // a tree's modules.conf check, and the Xen-side codes too (they had no example, though --help
    // promises one for every check)
    expect(r.stdout).toContain(`${MODULE_SWITCH.code} (warning): ${MODULE_SWITCH.rationale}\n    e.g. ${MODULE_SWITCH.example}\n`);
    const entries = r.stdout.split(/\n(?=\S)/).filter((e) => e !== "");
    expect(entries.length).toBe(CHECKS.length + 1 + XEN_LINT_CODES.length);
    for (const e of entries) expect(e).toMatch(/^\S+ \((error|warning)\): .+\n {4}e\.g\. \S/);
  });

  it("each Xen-side example of --list is reported under its code", async () => {
    const small = readFileSync("test/fixtures/cli/small.conf", "utf8");
    // small.conf has a class inheriting a common and sid xen first: those two are its own
    const planted: Record<string, string> = {
      "xen-common-prefix": small,
      "initial-sid-order": small,
      "xen-filename-trans": small.replace("role system_r;", 'type_transition dom0_t guest_a_t:domain guest_b_t "xenstore";\nrole system_r;'),
      "role-dominates-attribute": small.replace("role vm_r;", "role vm_r;\nattribute_role guest_roles;\nrole vm_r, guest_roles;\ndominance { role system_r { role guest_roles; } }"),
      "xen-empty-avtab": small.replace(/^(allow|auditallow|dontaudit) .*\n/gm, "").replace("if (guests_may_plug) {", "if (guests_may_plug) {\n  allow dom0_t xen_t:xen settime;"),
    };
    for (const code of XEN_LINT_CODES) {
      expect(XEN_LINT_EXAMPLES[code], code).toBeDefined();
      expect(lintText(planted[code]!, "small.conf").diagnostics.map((d) => d.code), code).toContain(code);
    }
  });
});

/** The decisions of a policy: oracle-matrix's document without its rule counts. */
function decisions(text: string, file: string): string {
  const doc = JSON.parse(compilePolicy(text, { file }).matrixJson()) as Record<string, unknown>;
  delete doc.stats;
  return JSON.stringify(doc);
}

/** The policy without the rule at [offset, offset+length): blanks in its place, lines kept. */
function without(text: string, offset: number, length: number): string {
  return text.slice(0, offset) + text.slice(offset, offset + length).replace(/[^\n]/g, " ") + text.slice(offset + length);
}

describe("redundant-rule and duplicate-rule are exact", () => {
  const policies = ["examples/xen-flask/policy.conf", "examples/svp/svp.conf", planted, plantedSvp, "test/fixtures/oracle/seed-010.conf", "test/fixtures/oracle/seed-020.conf"];
  it.each(policies)("removing any one flagged rule of %s changes no decision", (path) => {
    const text = readFileSync(path, "utf8");
    const before = decisions(text, path);
    const flagged = lintText(text, path).diagnostics.filter((d) => d.code === "redundant-rule" || d.code === "duplicate-rule");
    for (const d of flagged) {
      const after = decisions(without(text, d.span!.offset, d.span!.length), path);
      expect(after === before, `${path}:${d.span!.line}: ${d.code}`).toBe(true);
    }
  });

  it("removing an unflagged unconditional allow rule of the planted policy changes a decision", () => {
    const text = readFileSync(planted, "utf8");
    const before = decisions(text, planted);
    const found = lintText(text, planted).diagnostics;
    // flagged rules, and the earlier copies duplicates point at
    const flagged = new Set([...found.map((d) => d.span?.line), ...found.flatMap((d) => (d.code === "duplicate-rule" ? d.notes!.map((n) => n.span?.line) : []))]);
    text.split("\n").forEach((line, i) => {
      // (a rule naming the empty net_type grants nothing: empty-attribute says so)
      if (!line.startsWith("allow ") || flagged.has(i + 1) || line.includes("xsm-lint:") || line.includes("net_type")) return;
      const offset = text.split("\n").slice(0, i).join("\n").length + (i > 0 ? 1 : 0);
      const after = decisions(without(text, offset, line.length), planted);
      expect(after !== before, `line ${i + 1}: ${line}`).toBe(true);
    });
  });
});
