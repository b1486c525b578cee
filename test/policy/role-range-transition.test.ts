// security_compute_sid's role and range (Xen's services.c and mls.c mls_compute_sid), against
// checkpolicy's binaries: the role_tr list of test/fixtures/transition/roles.bin and the range_tr
// list of the MLS seeds' binaries (test/fixtures/mls), read in the file's order, say what Xen's
// lookups find; the role_transition rules setools lists are committed beside them
// (roles.sesearch.txt, `sesearch --role_trans roles.bin`). test/oracle/role-range-transition.test.ts
// regenerates them live.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import type { KernelPolicy } from "../../src/binary/model.js";
import type { CompiledPolicy, SecurityContext } from "../../src/policy/types.js";

const fixtures = join(import.meta.dirname, "../fixtures");
const roles = { conf: readFileSync(join(fixtures, "transition/roles.conf"), "utf8"), bin: new Uint8Array(readFileSync(join(fixtures, "transition/roles.bin"))) };

/** Kernel values -> names, from the binary's symbol records. */
function names(k: KernelPolicy) {
  const of = (entries: { name: string; value: number }[]) => new Map(entries.map((e) => [e.value, e.name]));
  return { role: of(k.roles.entries), type: of(k.types.entries), cls: of(k.classes.entries) };
}

/** Our ids for a role, type or class name. */
function ids(policy: CompiledPolicy, role: string, type: string) {
  const r = policy.parseContext(`system_u:${role}:${type}`);
  return { role: r.ok ? r.value.role : -1, type: policy.typeId(type) };
}

describe("role_transition in security_compute_sid", () => {
  const k = readPolicy(roles.bin).policy;
  const n = names(k);
  const domainClass = [...n.cls].find(([, name]) => name === "domain")![0];
  const roleNames = [...n.role.values()];
  const typeNames = [...n.type.values()].filter((t) => !["guests"].includes(t));

  /** What Xen's loop finds: the first role_tr record for (source role, target type), any class. */
  function xenRole(role: string, ttype: string): string | undefined {
    const hit = k.roleTrans.find((r) => n.role.get(r.role) === role && n.type.get(r.type) === ttype);
    return hit ? n.role.get(hit.newRole) : undefined;
  }

  it.each([
    ["the source", () => compileBinary(roles.conf, { file: "roles.conf" }).policy],
    ["checkpolicy's binary", () => loadBinary(roles.bin, "roles.bin").policy],
  ])("from %s: the role the first record for (role, target type) names, domain class only", (_, load) => {
    const policy = load();
    const domain = policy.classId("domain");
    expect(domain).toBe(domainClass - 1);
    const event = policy.classId("event");
    for (const role of roleNames.filter((r) => r !== "object_r")) {
      for (const stype of typeNames) {
        for (const ttype of typeNames) {
          const s: SecurityContext = { user: 0, role: ids(policy, role, stype).role, type: policy.typeId(stype) };
          const t: SecurityContext = { user: 0, role: s.role, type: policy.typeId(ttype) };
          if (s.role < 0) continue; // a role that cannot hold stype is no source
          const got = policy.computeCreate(s, t, domain);
          const want = xenRole(role, ttype) ?? role;
          expect(policy.contextToString(got.context).split(":")[1], `${role} ${stype} -> ${ttype}`).toBe(want);
          expect(got.roleRule !== undefined).toBe(xenRole(role, ttype) !== undefined);
          // any other class: object_r, whatever the rules
          expect(policy.contextToString(policy.computeCreate(s, t, event).context).split(":")[1]).toBe("object_r");
        }
      }
    }
  });

  it("names the rule that chose the role, and Xen's class-blind lookup", () => {
    const policy = compileBinary(roles.conf, { file: "roles.conf" }).policy;
    const ctx = (text: string) => {
      const c = policy.parseContext(text);
      if (!c.ok) throw new Error(c.error);
      return c.value;
    };
    const self = policy.computeCreate(ctx("system_u:system_r:dom0_t"), ctx("system_u:vm_r:domU_t"), policy.classId("domain"));
    expect(policy.contextToString(self.context)).toBe("system_u:vm_r:dom0_t");
    expect(self.roleRule?.text).toBe("role_transition system_r domU_t:domain vm_r;");
    // the rule names class event; Xen's role_tr loop compares only the role and the type
    const dm = policy.computeCreate(ctx("system_u:system_r:dom0_t"), ctx("system_u:dm_r:dm_t"), policy.classId("domain"));
    expect(dm.roleRule?.text).toBe("role_transition system_r dm_t:event dm_r;");
    // the guests' own transition: dm_t_self by the type rule, the role by the last role_transition
    const guest = policy.computeCreate(ctx("system_u:vm_r:dm_t"), ctx("system_u:vm_r:dm_t"), policy.classId("domain"));
    expect(policy.contextToString(guest.context)).toBe("system_u:vm_r:dm_t_self");
    expect(guest.rule?.text).toBe("type_transition dm_t dm_t:domain dm_t_self;");
    expect(guest.roleRule?.text).toBe("role_transition vm_r dm_t:event vm_r;");
    expect(guest.valid).toBe(true);
  });

  it("compiles to the records setools lists", () => {
    const ours = readPolicy(compileBinary(roles.conf, { file: "roles.conf" }).bytes).policy;
    const m = names(ours);
    const lines = ours.roleTrans.map((r) => `role_transition ${m.role.get(r.role)} ${m.type.get(r.type)}:${m.cls.get(r.tclass)} ${m.role.get(r.newRole)};`).sort();
    expect(lines).toEqual(readFileSync(join(fixtures, "transition/roles.sesearch.txt"), "utf8").trim().split("\n"));
  });
});

describe("range_transition in mls_compute_sid", () => {
  it.each([1, 2, 3, 4, 5, 6])("MLS seed %i: the record's range for a transition, the source's (low) range otherwise", (seed) => {
    const conf = readFileSync(join(fixtures, `mls/seed-${seed}.conf`), "utf8");
    const bin = new Uint8Array(readFileSync(join(fixtures, `mls/seed-${seed}.bin`)));
    const k = readPolicy(bin).policy;
    const n = names(k);
    for (const policy of [compileBinary(conf, { file: `seed-${seed}.conf`, mls: true }).policy, loadBinary(bin, `seed-${seed}.bin`).policy]) {
      const user = policy.parseContext(policy.initialSidContext("xen")!);
      if (!user.ok) throw new Error(user.error);
      const range = user.value.range!;
      const ctx = (type: number): SecurityContext => ({ user: user.value.user, role: user.value.role, type, range });
      const level = (l: { sens: number; cats: readonly number[] }) => `${l.sens}:${l.cats.join(",")}`;
      for (const r of k.rangeTrans) {
        const s = ctx(policy.typeId(n.type.get(r.stype)!));
        const t = ctx(policy.typeId(n.type.get(r.ttype)!));
        const got = policy.computeCreate(s, t, r.tclass - 1);
        expect([level(got.context.range!.low), level(got.context.range!.high)]).toEqual([level(r.range.low), level(r.range.high)]);
        expect(got.rangeRule).toBeDefined();
      }
      // no rule: a domain keeps the whole range, anything else takes its low level
      const domain = policy.classId("domain");
      const any = ctx(0);
      const free = [...Array(policy.stats.classes).keys()].filter((c) => !k.rangeTrans.some((r) => r.tclass - 1 === c));
      for (const c of free) {
        const got = policy.computeCreate(any, any, c).context.range!;
        expect(level(got.high)).toBe(level(c === domain ? range.high : range.low));
        expect(level(got.low)).toBe(level(range.low));
      }
    }
  });
});
