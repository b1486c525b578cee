// A role's types over several `role R types` statements (policy_define.c define_role_types keeps
// one type_set_t a role, negations included, expanded once at the end by expand.c
// role_copy_callback; role attributes and role dominance add to it): each policy of
// test/fixtures/role-types compiles to checkpolicy's bytes, to oracle-matrix's document, to
// oracle-decide's answers on every context, and `xsm info -r -x` lists its roles as seinfo does,
// from the source and from checkpolicy's binary (scripts/gen-role-types-fixtures.sh recorded them;
// test/oracle/role-types.test.ts re-runs the tools live).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { xsm } from "../cli/run.js";
import { roleTypesQueries } from "./role-types-queries.js";

const dir = "test/fixtures/role-types";
const names = readdirSync(dir).filter((f) => f.endsWith(".conf")).map((f) => f.replace(/\.conf$/, ""));

function letters(policy: CompiledPolicy, text: string): string {
  return roleTypesQueries(text)
    .map((q) => {
      const d = policy.check(q.scontext, q.tcontext, q.tclass, q.perm);
      return d.error !== undefined ? "E" : d.allowed ? "A" : "D";
    })
    .join("");
}

describe("a role's types accumulate over its statements, as checkpolicy builds them", () => {
  it("has the fixtures", () => expect(names.length).toBeGreaterThanOrEqual(9));
  for (const name of names) {
    it(name, async () => {
      const conf = join(dir, `${name}.conf`);
      const text = readFileSync(conf, "utf8");
      const compiled = compileBinary(text, { file: conf });
      expect(Buffer.from(compiled.bytes).equals(readFileSync(join(dir, `${name}.bin`))), `${name}: bytes differ from checkpolicy's`).toBe(true);
      expect(compiled.policy!.matrixJson()).toBe(readFileSync(join(dir, `${name}.matrix.json`), "utf8").trimEnd());
      const want = readFileSync(join(dir, `${name}.decisions.txt`), "utf8").trim();
      expect(letters(compiled.policy!, text)).toBe(want);
      const read = loadBinary(new Uint8Array(readFileSync(join(dir, `${name}.bin`))), `${name}.bin`);
      expect(letters(read.policy, text)).toBe(want);
      const seinfo = readFileSync(join(dir, `${name}.seinfo.txt`), "utf8");
      for (const file of [conf, join(dir, `${name}.bin`)]) {
        const info = await xsm("info", "-r", "-x", file);
        expect(info.code).toBe(0);
        expect(info.stdout).toBe(seinfo);
      }
    });
  }

  it("refuses `*` and `~` in a role's types, as checkpolicy does (set_types without starallowed)", () => {
    const base = readFileSync(join(dir, "neg.conf"), "utf8");
    for (const [set, message] of [
      ["*", "* not allowed in this type of rule"],
      ["~a_t", "~ not allowed in this type of rule"],
    ] as const) {
      const text = base.replace("role r types b_t;", `role r types ${set};`);
      expect(() => compileBinary(text, { file: "neg.conf" })).toThrow(message);
    }
  });
});
