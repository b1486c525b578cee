// Xen's context_struct_compute_av (xen/xsm/flask/ss/services.c) after TE and constraints:
// domain:transition between two roles is removed unless a `role allow` pairs them (Xen checks
// only `transition`; Linux's process class checks dyntransition too), and type_attribute_bounds_av
// masks what a bounded type's parent is not allowed, the bounded source first, then the bounded
// target, then both. oracle-decide models neither; libsepol's sepol_compute_av masks a bounded
// source the same way (test/oracle/role-bounds-decision.test.ts asks it live), but not a bounded
// target, nor Xen's domain class.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import type { CompiledPolicy } from "../../src/policy/types.js";

const conf = join(import.meta.dirname, "../fixtures/decide/roles-bounds.conf");
const text = readFileSync(conf, "utf8");
const fromSource = compileBinary(text, { file: "roles-bounds.conf" });
const fromBinary = loadBinary(fromSource.bytes, "roles-bounds.bin").policy;

const ctx = (role: string, type: string) => `system_u:${role}:${type}`;

describe.each([
  ["source", fromSource.policy],
  ["binary", fromBinary],
])("decisions beyond TE and constraints (from the %s)", (_, policy: CompiledPolicy) => {
  it("domain:transition to another role needs a role allow; dyntransition does not", () => {
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("vm_r", "guest_t"), "domain", "transition").allowed).toBe(true);
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("other_r", "guest_t"), "domain", "transition").allowed).toBe(false);
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("other_r", "guest_t"), "domain", "dyntransition").allowed).toBe(true);
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("other_r", "guest_t"), "domain", "create").allowed).toBe(true);
    const why = policy.explain(ctx("system_r", "dom0_t"), ctx("other_r", "guest_t"), "domain", "transition");
    expect(why.reasons.map((r) => r.kind)).toEqual(["granted-by", "role-transition-denied"]);
  });

  it("masks what a bounded source's parent is not allowed", () => {
    const d = policy.explain(ctx("system_r", "child_t"), ctx("system_r", "dom0_t"), "domain", "x");
    expect(d.allowed).toBe(false);
    expect(d.reasons).toContainEqual({ kind: "bounds-masked", child: "child_t", parent: "parent_t" });
    // the parent itself fails the constraint: no bounds involved
    expect(policy.explain(ctx("system_r", "parent_t"), ctx("system_r", "dom0_t"), "domain", "x").reasons.map((r) => r.kind)).toContain("constraint-failed");
  });

  it("masks what a bounded target's parent would not be allowed, and both bounded", () => {
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("system_r", "tchild_t"), "domain", "x").allowed).toBe(false);
    expect(policy.check(ctx("system_r", "child_t"), ctx("system_r", "tchild_t"), "domain", "x").allowed).toBe(false);
  });

  it("leaves what the parents are allowed", () => {
    expect(policy.check(ctx("system_r", "dom0_t"), ctx("vm_r", "guest_t"), "domain", "create").allowed).toBe(true);
  });
});
