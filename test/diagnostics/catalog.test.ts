// The diagnostic catalog is the one list of codes: docs/diagnostics.md is generated from it, every
// code it declares is reported somewhere in src/, and every code src/ reports is declared.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnosticsDoc } from "../../scripts/gen-diagnostics-doc.js";
import { CATALOG } from "../../src/diagnostics/catalog.js";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";

const ROOT = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(name) && !name.includes("validate.generated") ? [path] : [];
  });
}

const src = sources(join(ROOT, "src"))
  .filter((f) => !f.endsWith("catalog.ts"))
  .map((f) => readFileSync(f, "utf8"))
  .join("\n");
const grammar = readFileSync(join(ROOT, "grammar/policy.peggy"), "utf8");

describe("the diagnostic catalog", () => {
  it("is what docs/diagnostics.md documents (run `npx tsx scripts/gen-diagnostics-doc.ts` after a change)", () => {
    expect(readFileSync(join(ROOT, "docs/diagnostics.md"), "utf8")).toBe(diagnosticsDoc());
  });

  it("documents every code it declares (each area has its section)", () => {
    const doc = diagnosticsDoc();
    expect(Object.keys(CATALOG).filter((code) => !doc.includes(`| \`${code}\` |`))).toEqual([]);
  });

  it("declares only codes that src/ reports", () => {
    const unused = Object.keys(CATALOG).filter((code) => !src.includes(`"${code}"`) && !grammar.includes(`"${code}"`));
    expect(unused).toEqual([]);
  });

  it("declares every code src/ reports", () => {
    const reported = new Set<string>();
    for (const m of (src + grammar).matchAll(/\b(?:error|warning|diagnostic|atPath|report|err)\(\s*"([a-z0-9-]+)"/g)) reported.add(m[1]!);
    for (const m of src.matchAll(/\bcode: "([a-z0-9-]+)"/g)) reported.add(m[1]!);
    expect([...reported].filter((c) => !(c in CATALOG)).sort()).toEqual([]);
  });

  it("gives every code a severity, a one-line help and a message builder", () => {
    for (const [code, e] of Object.entries(CATALOG)) {
      expect(e.help, code).toMatch(/^[A-Z`].*\.$/);
      expect(e.help.includes("\n"), code).toBe(false);
      expect(["error", "warning"]).toContain(e.severity);
      expect(typeof e.message, code).toBe("function");
    }
  });

  it("builds messages with the catalog's severity", () => {
    expect(diagnostic("platform-no-hwdom", undefined, "gvp1")).toEqual({
      code: "platform-no-hwdom",
      severity: "warning",
      message: "platform gvp1 has no hwdom: only its ancestors' hwdoms can manage its devices",
      span: undefined,
    });
    expect(diagnostic("perm-limit", undefined, "class", "resource", 33, 32).message).toBe("class resource has 33 permissions; an access vector holds at most 32");
  });
});
