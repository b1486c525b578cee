import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { SECINITSID_DEVICE, SECINITSID_DOM0, SECINITSID_UNLABELED, SidTable } from "../../src/xsm/sidtab.js";

const POLICY = readFileSync(new URL("../fixtures/xsm/pci.conf", import.meta.url), "utf8");

describe("SID table", () => {
  const policy = compilePolicy(POLICY, { file: "pci.conf" });

  it("initial SIDs take the contexts the policy declares, numbered as Xen's initial_sids", () => {
    const { table, problems } = SidTable.load(policy);
    expect(problems).toEqual([]);
    expect(table.initialSid("dom0")).toBe(SECINITSID_DOM0);
    expect(table.sidToString(SECINITSID_DOM0)).toBe("system_u:system_r:dom0_t");
    expect(table.sidToString(SECINITSID_DEVICE)).toBe("system_u:object_r:device_t");
    expect(table.sidToString(SECINITSID_UNLABELED)).toBe("system_u:system_r:unlabeled_t");
  });

  it("interns a context once; an alias names the same SID; an initial SID's context is that SID", () => {
    const { table } = SidTable.load(policy);
    const a = table.contextToSid("system_u:object_r:gvp1_pci_t");
    const b = table.contextToSid("system_u:object_r:gvp1_dev_t");
    const c = table.contextToSid("system_u:object_r:gvp1_pci_t");
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.value).toBe(a.value);
    expect(c.value).toBe(a.value);
    expect(a.value).toBeGreaterThan(10);
    expect(table.sidToString(a.value)).toBe("system_u:object_r:gvp1_pci_t");
    expect(table.contextToSid("system_u:system_r:dom0_t")).toEqual({ ok: true, value: SECINITSID_DOM0 });
  });

  it("rejects an invalid context with the reason", () => {
    const { table } = SidTable.load(policy);
    for (const bad of ["vm_u:system_r:dom0_t", "system_u:system_r:no_such_t", "system_u:vm_r:dom0_t", "not a context"]) {
      const r = table.contextToSid(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
    }
  });

  it("an unknown SID reads as unlabeled (sidtab_search)", () => {
    const { table } = SidTable.load(policy);
    expect(table.sidToString(999)).toBe("system_u:system_r:unlabeled_t");
  });

  it("conversion to a new policy keeps SID numbers and invalidates what the new policy rejects", () => {
    const { table } = SidTable.load(policy);
    const keep = table.contextToSid("vm_u:vm_r:gvp1_guest_t");
    const lose = table.contextToSid("vm_u:vm_r:gvp1_rogue_t");
    if (!keep.ok || !lose.ok) throw new Error("fixture contexts must be valid");
    const next = compilePolicy(POLICY.replaceAll("gvp1_rogue_t", "gvp1_other_t"), { file: "next.conf" });
    const converted = table.convert(next);
    expect(converted.invalidated).toHaveLength(1);
    expect(converted.table.contextToSid("vm_u:vm_r:gvp1_guest_t")).toEqual({ ok: true, value: keep.value });
    // a running domain keeps the SID; security_context_to_sid refuses the text (test/xsm/reload.test.ts)
    expect(converted.table.lookup("vm_u:vm_r:gvp1_rogue_t")).toBe(lose.value);
    expect(converted.table.contextToSid("vm_u:vm_r:gvp1_rogue_t")).toEqual({ ok: false, error: "unknown type 'gvp1_rogue_t'" });
    expect(converted.table.sidToString(lose.value)).toBe("system_u:system_r:unlabeled_t");
    expect(converted.table.invalidatedContext(lose.value)).toBe("vm_u:vm_r:gvp1_rogue_t");
    // the old table is untouched
    expect(table.sidToString(lose.value)).toBe("vm_u:vm_r:gvp1_rogue_t");
  });
});
