// Live: role dominance against checkpolicy 3.4 and libsepol on this machine. Each policy of
// test/fixtures/role-dominance is compiled by checkpolicy (our binary must be its bytes) and its
// decisions asked of libsepol's sepol_compute_av (scripts/oracle-computeav) on every pair of
// contexts, for `r1 dom r2`, `domby` and `incomp`; the committed fixtures must still be what the
// tools say (test/policy/role-dominance.test.ts holds xsm to them without the tools).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { dominanceQueries } from "../policy/role-dominance-queries.js";
import { repoRoot } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/role-dominance");
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));

describe("role dominance: checkpolicy's bytes and libsepol's decisions, live", () => {
  for (const name of names) {
    it(name, () => {
      const conf = join(dir, `${name}.conf`);
      const text = readFileSync(conf, "utf8");
      const tmp = mkdtempSync(join(tmpdir(), "xsm-roledom-"));
      execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(tmp, "p.bin"), conf], { stdio: "ignore" });
      const theirs = readFileSync(join(tmp, "p.bin"));
      expect(theirs.equals(readFileSync(join(dir, `${name}.bin`))), "the committed binary is checkpolicy's").toBe(true);
      expect(Buffer.from(compileBinary(text, { file: conf }).bytes).equals(theirs)).toBe(true);
      // libsepol reads back checkpolicy's binary exactly when xsm does not warn that a role
      // dominates a role attribute (validate_role_datum)
      const readBack = spawnSync("checkpolicy", ["-b", "-t", "Xen", "-c", "30", "-o", join(tmp, "back.bin"), join(tmp, "p.bin")], { encoding: "utf8" });
      const warned = compileBinary(text, { file: conf }).warnings.some((d) => d.code === "role-dominates-attribute");
      expect(readBack.status !== 0, readBack.stderr).toBe(warned);
      if (warned) expect(readBack.stderr).toContain("validate_role_datum: Invalid role datum");
      if (!existsSync(join(dir, `${name}.decisions.txt`))) return; // libsepol cannot load it
      const queries = dominanceQueries(text).map((q) => ({ ...q, tclass: "domain" }));
      writeFileSync(join(tmp, "q.json"), JSON.stringify(queries));
      const out = execFileSync(join(repoRoot, "scripts/oracle-computeav"), [conf, join(tmp, "q.json")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 26 });
      const want = (JSON.parse(out) as { allowed: boolean; error?: string }[]).map((d) => (d.error !== undefined ? "E" : d.allowed ? "A" : "D")).join("");
      expect(readFileSync(join(dir, `${name}.decisions.txt`), "utf8").trim()).toBe(want);
    });
  }
});
