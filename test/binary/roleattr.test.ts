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
import { compile } from "../../src/policy/index.js";

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

describe("a role attribute as a context's role (sid xen system_u:ATTR:xen_t)", () => {
  const fx = join(import.meta.dirname, "../fixtures/binary/roleattr-context");
  const source = readFileSync(join(fx, "policy.conf"), "utf8");

  it("is one located error that says a context's role must be a role", () => {
    const run = compile(source, { file: "policy.conf" });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.error.map((d) => [d.code, d.span?.line, d.span?.col, d.message])).toEqual([
      ["invalid-context", source.split("\n").findIndex((l) => l === "sid xen system_u:ra:xen_t") + 1, 18, `role ra is a role attribute: a context's role must be a role (checkpolicy writes the attribute's value, a binary neither Xen's loader nor libsepol reads: "Flask:  invalid security context")`],
    ]);
    // the same policy with a role there compiles
    expect(compile(source.replace("\nsid xen system_u:ra:xen_t", "\nsid xen system_u:system_r:xen_t"), { file: "policy.conf" }).ok).toBe(true);
  });

  it("checkpolicy's binary of it holds the attribute's value, which Xen's loader refuses (setools cannot open it either)", () => {
    const b = new Uint8Array(readFileSync(join(fx, "policy.bin")));
    expect(() => readPolicy(b)).toThrow(/invalid security context/);
  });
});
