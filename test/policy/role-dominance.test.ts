// Role dominance (`dominance { role r { role s; } }`, policy_define.c define_role_dom), against
// checkpolicy 3.4 and libsepol: each policy of test/fixtures/role-dominance compiles to the bytes
// checkpolicy wrote (its roles' dominates and types), and decides `r1 dom r2`, `domby` and `incomp`
// as libsepol's sepol_compute_av does on that binary (NAME.decisions.txt, one letter a query, from
// scripts/gen-role-dominance-fixtures.sh; test/oracle/role-dominance.test.ts re-runs both live).
// The binary read back decides the same.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { runStages } from "../fuzz/stages.js";
import { dominanceQueries } from "./role-dominance-queries.js";

const dir = "test/fixtures/role-dominance";
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));

function letters(policy: CompiledPolicy, text: string): string {
  return dominanceQueries(text)
    .map((q) => {
      const d = policy.check(q.scontext, q.tcontext, "domain", q.perm);
      return d.error !== undefined ? "E" : d.allowed ? "A" : "D";
    })
    .join("");
}

describe("role dominance as checkpolicy compiles it and libsepol decides it", () => {
  for (const name of names) {
    it(name, () => {
      const text = readFileSync(join(dir, `${name}.conf`), "utf8");
      const compiled = compileBinary(text, { file: `${name}.conf` });
      expect(Buffer.from(compiled.bytes).equals(readFileSync(join(dir, `${name}.bin`))), `${name}: bytes differ from checkpolicy's`).toBe(true);
      // no decisions when libsepol refuses the binary (a role dominating a role attribute)
      if (!existsSync(join(dir, `${name}.decisions.txt`))) return;
      const want = readFileSync(join(dir, `${name}.decisions.txt`), "utf8").trim();
      expect(letters(compiled.policy!, text)).toBe(want);
      const read = loadBinary(new Uint8Array(readFileSync(join(dir, `${name}.bin`))), `${name}.bin`);
      expect(letters(read.policy, text)).toBe(want);
    });
  }

  it("warns once per statement, as deprecated (checkpolicy: 'Role dominance has been deprecated')", () => {
    const text = readFileSync(join(dir, "nested.conf"), "utf8");
    const { diagnostics } = runStages(text, "nested.conf");
    const warnings = diagnostics.filter((d) => d.code === "role-dominance");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.severity).toBe("warning");
    expect(warnings[0]!.span?.line).toBe(text.split("\n").findIndex((l) => l.startsWith("dominance")) + 1);
  });

  const base = readFileSync(join(dir, "plain.conf"), "utf8");
  const withStatement = (s: string) => base.replace(/^dominance .*$/m, s);
  const errors: [string, string, RegExp][] = [
    ["an empty dominance", "dominance { }", /^an empty dominance statement: checkpolicy needs sensitivities/],
    ["empty braces after a role", "dominance { role r { } }", /^expected 'role' in dominance statement, found '}'$/],
    ["a role without ';'", "dominance { role r }", /^expected ';' or '\{' in dominance statement, found '}'$/],
  ];
  for (const [what, statement, message] of errors) {
    it(`refuses ${what} with a located error`, () => {
      const text = withStatement(statement);
      const { ok, diagnostics } = runStages(text, "t.conf");
      expect(ok).toBe(false);
      const e = diagnostics.find((d) => d.severity === "error")!;
      expect(e.message).toMatch(message);
      expect(e.span?.line).toBeGreaterThan(0);
    });
  }
});
