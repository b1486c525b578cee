// Role attributes as checkpolicy 3.4 expands them (link.c expand_role_attributes, expand.c
// role_fix_callback and role_set_expand): the edge cases with oracle-matrix's answer committed
// beside them (`oracle-matrix X.conf > X.matrix.json`), from the source and from checkpolicy's
// binary, and the roles, users, role allow and role_transition records the binary holds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";

const dir = join(import.meta.dirname, "../fixtures/binary/edge");
const text = (name: string) => readFileSync(join(dir, `${name}.conf`), "utf8");
const bin = (name: string) => new Uint8Array(readFileSync(join(dir, `${name}.bin`)));

describe("role attributes", () => {
  it.each(["t13", "roleattr", "roletrans"])("%s: the matrix oracle-matrix prints, from the source and from checkpolicy's binary", (name) => {
    const want = readFileSync(join(dir, `${name}.matrix.json`), "utf8").trimEnd();
    expect(compileBinary(text(name), { file: `${name}.conf` }).policy.matrixJson()).toBe(want);
    expect(loadBinary(bin(name), `${name}.bin`).policy.matrixJson()).toBe(want);
  });

  it("gives each role its attributes' types and each user its attributes' roles", () => {
    const policy = compileBinary(text("roleattr"), { file: "roleattr.conf" }).policy;
    // rc is in guest_roles directly and in all_roles; rb joins guest_roles, which joins all_roles
    expect(policy.parseContext("guest_u:rb:dom0_t").ok).toBe(true);
    expect(policy.parseContext("guest_u:rb:g1_t").ok).toBe(true);
    // empty_roles has types but no roles: nobody gets d2_t through it
    expect(policy.parseContext("system_u:rb:d2_t")).toEqual({ ok: false, error: "type d2_t not authorized for role rb" });
    expect(policy.parseContext("guest_u:system_r:xen_t")).toEqual({ ok: false, error: "role system_r not authorized for user guest_u" });
  });

  it("writes role allow and role_transition with the attributes expanded, no record for an attribute", () => {
    const k = readPolicy(bin("roleattr")).policy;
    const name = new Map(k.roles.entries.map((r) => [r.value, r.name]));
    expect(k.roles.entries.map((r) => r.name).sort()).toEqual(["object_r", "ra", "rb", "rc", "system_r"]);
    expect(k.roles.nprim).toBe(8); // three role attributes keep their values
    const allows = k.roleAllow.map((a) => `${name.get(a.role)} ${name.get(a.newRole)}`).sort();
    expect(allows).toEqual(["ra rb", "rb rb", "rc rb", "system_r ra", "system_r rb", "system_r rc"]);
    const ours = readPolicy(compileBinary(text("roleattr"), { file: "roleattr.conf" }).bytes).policy;
    expect(ours.roleTrans).toEqual(k.roleTrans);
  });
});
