// What the statements checkpolicy accepts for the Xen target mean once compiled, beyond being
// accepted (test/policy/accept-set.test.ts): tunables are fixed at compile time, a permissive type
// lets its denials through, policycaps and role attributes are kept, filename transitions are rules.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { runStages } from "../fuzz/stages.js";

const fixture = (name: string) => readFileSync(`test/fixtures/accept-set/${name}.conf`, "utf8");

describe("statements checkpolicy accepts for Xen", () => {
  it("tunable: the branch the tunable's value takes becomes unconditional, the other is dropped, and it is no boolean", () => {
    const p = compilePolicy(fixture("tunable"));
    expect(p.allows("guest_a_t", "nic_t", "resource", "unplug")).toBe(true);
    expect(p.allows("guest_a_t", "nic_t", "resource", "add")).toBe(false);
    expect(p.booleanNames()).toEqual(["guests_may_plug"]);
    const off = compilePolicy(fixture("tunable").replace("tunable tun_a true;", "tunable tun_a false;"));
    expect(off.allows("guest_a_t", "nic_t", "resource", "unplug")).toBe(false);
    expect(off.allows("guest_a_t", "nic_t", "resource", "add")).toBe(true);
  });

  it("tunable mixed with a boolean in one expression is an error (checkpolicy 3.4 aborts)", () => {
    const { ok, diagnostics } = runStages(fixture("tunable-mixed"), "t.conf");
    expect(ok).toBe(false);
    expect(diagnostics.find((d) => d.code === "tunable")?.message).toMatch(/mixes the tunable tun_a with the boolean guests_may_plug/);
  });

  it("permissive: the source type's decisions carry AVD_FLAGS_PERMISSIVE", () => {
    const p = compilePolicy(fixture("permissive"));
    const ctx = (text: string) => {
      const c = p.parseContext(text);
      if (!c.ok) throw new Error(c.error);
      return c.value;
    };
    const resource = p.classId("resource");
    expect(p.computeAv(ctx("system_u:system_r:dom0_t"), ctx("system_u:object_r:nic_t"), resource).permissive).toBe(true);
    expect(p.computeAv(ctx("system_u:system_r:xen_t"), ctx("system_u:object_r:nic_t"), resource).permissive).toBeUndefined();
  });

  it("policycap, expandattribute, attribute_role and filename transitions are kept in the symbols", () => {
    const sym = (name: string) => {
      const r = runStages(fixture(name), `${name}.conf`);
      expect(r.ok).toBe(true);
      return r.symbols!;
    };
    expect(sym("policycap").policycaps).toEqual([0]);
    expect(sym("expandattr").attrs.find((a) => a.name === "domain_type")?.expand).toBe(true);
    expect(sym("attr-role").roleAttrs.map((r) => r.name)).toEqual(["ra"]);
    expect(sym("fname-tt").filenameTransitions).toMatchObject([{ filename: "somename", classes: [1] }]);
  });

  it("pirqcon past 16 bits: kept as libsepol keeps it (16 bits), with a warning", () => {
    const r = runStages(fixture("pirq-65536"), "t.conf");
    expect(r.ok).toBe(true);
    expect(r.symbols!.ocontexts.pirqcon.map((o) => o.irq)).toEqual([0]);
    expect(r.diagnostics.find((d) => d.code === "pirq-truncated")?.severity).toBe("warning");
  });

  it("declarations checkpolicy reads in order must come first, and the message says where they are", () => {
    const r = runStages(fixture("tattr-before-type"), "t.conf");
    const d = r.diagnostics.find((x) => x.severity === "error")!;
    expect(d.message).toBe("unknown type nic2_t (it is declared later; checkpolicy needs the declaration before this typeattribute)");
    expect(d.notes?.[0]?.span?.line).toBe(24);
  });
});
