// A role dominating a role attribute (`dominance { role r { role ra; } }`): checkpolicy 3.4 takes
// it and writes the attribute's value into the role's dominates, a value no role record has (role
// attributes are not in the binary). Xen's role_read takes the bitmap as it is; libsepol's
// validate_role_datum refuses it. xsm warns (role-dominates-attribute) at the dominated name,
// where `xsm compile -o`, `xsm lint` and the editor show Xen's refusals, and exactly for the
// fixtures libsepol cannot load: those of test/fixtures/role-dominance without decisions
// (scripts/gen-role-dominance-fixtures.sh records none when libsepol refuses the binary;
// test/oracle/role-dominance.test.ts checks `checkpolicy -b` refuses exactly those, live).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadAsXen } from "../../src/binary/load.js";
import { lintText } from "../../src/lint/index.js";
import { analyzeText } from "../../src/lsp/analysis.js";
import { xsm } from "../cli/run.js";

const dir = "test/fixtures/role-dominance";
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));
const code = "role-dominates-attribute";
const at = (ds: readonly { code: string; severity: string; span?: { line: number; col: number } }[]) =>
  ds.filter((d) => d.code === code).map((d) => `${d.severity} ${d.span?.line}:${d.span?.col}`);

describe("a role dominating a role attribute: a warning exactly where libsepol refuses checkpolicy's binary", () => {
  for (const name of names) {
    it(name, () => {
      const file = join(dir, `${name}.conf`);
      const text = readFileSync(file, "utf8");
      const warned = at(compileBinary(text, { file }).warnings);
      expect(warned.length > 0, "warned iff libsepol refuses the binary (no decisions recorded)").toBe(!existsSync(join(dir, `${name}.decisions.txt`)));
      expect(at(compileBinary(text, { file, strict: true }).warnings), "a warning under --strict too: Xen loads it").toEqual(warned);
      expect(at(lintText(text, file).diagnostics)).toEqual(warned);
      expect(at(analyzeText(text, file).diagnostics)).toEqual(warned);
      expect(() => loadAsXen(text, { file })).not.toThrow();
    });
  }

  it("is located at the dominated attribute and names the roles whose dominates take it", async () => {
    const r = await xsm("compile", join(dir, "attr-recheck.conf"), "-o", "/dev/null");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `${dir}/attr-recheck.conf:25:27: warning: role attribute ra is dominated here, so checkpolicy writes its value in the dominates of roles r, s, though role attributes are not in the binary: Xen loads it, and they dominate none of ra's roles there`,
    );
    expect(r.stderr).toContain(`libsepol refuses the binary ("validate_role_datum: Invalid role datum")`);
  });

  it("an attribute dominating only an attribute reaches no role: no warning (libsepol loads it)", () => {
    expect(existsSync(join(dir, "attr-attr.decisions.txt"))).toBe(true);
    expect(at(lintText(readFileSync(join(dir, "attr-attr.conf"), "utf8"), "attr-attr.conf").diagnostics)).toEqual([]);
  });
});
