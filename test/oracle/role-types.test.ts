// Live: a role's types over several `role R types` statements against checkpolicy 3.4 and setools
// on this machine. Each policy of test/fixtures/role-types is compiled by checkpolicy (our binary
// must be its bytes), oracle-matrix and oracle-decide answer on it, and seinfo lists its roles;
// the committed fixtures must still be what the tools say (test/policy/role-types.test.ts holds
// xsm to them without the tools).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { roleTypesQueries } from "../policy/role-types-queries.js";
import { repoRoot, runTool } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/role-types");
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));

describe("role types: checkpolicy's bytes, setools' roles and oracle-decide's answers, live", () => {
  for (const name of names) {
    it(name, async () => {
      const conf = join(dir, `${name}.conf`);
      const text = readFileSync(conf, "utf8");
      const tmp = mkdtempSync(join(tmpdir(), "xsm-roletypes-"));
      execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(tmp, "p.bin"), conf], { stdio: "ignore" });
      const theirs = readFileSync(join(tmp, "p.bin"));
      expect(theirs.equals(readFileSync(join(dir, `${name}.bin`))), "the committed binary is checkpolicy's").toBe(true);
      const ours = compileBinary(text, { file: conf });
      expect(Buffer.from(ours.bytes).equals(theirs)).toBe(true);
      const matrix = await runTool("oracle-matrix", [conf]);
      expect(matrix.stdout.trimEnd()).toBe(readFileSync(join(dir, `${name}.matrix.json`), "utf8").trimEnd());
      expect(ours.policy!.matrixJson()).toBe(matrix.stdout.trimEnd());
      writeFileSync(join(tmp, "q.json"), JSON.stringify(roleTypesQueries(text)));
      const decide = await runTool("oracle-decide", [conf, join(tmp, "q.json")]);
      const want = (JSON.parse(decide.stdout) as { allowed: boolean; error?: string }[]).map((d) => (d.error !== undefined ? "E" : d.allowed ? "A" : "D")).join("");
      expect(readFileSync(join(dir, `${name}.decisions.txt`), "utf8").trim()).toBe(want);
      const seinfo = execFileSync("seinfo", ["-r", "-x", join(tmp, "p.bin")], { encoding: "utf8" });
      expect(readFileSync(join(dir, `${name}.seinfo.txt`), "utf8")).toBe(seinfo);
    });
  }
});
