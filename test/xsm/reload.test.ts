// A reload converts every SID by name (Xen's security_load_policy: clone_sid, convert_context,
// sidtab_map_remove_on_error). What becomes of a SID depends on why the new policy does not take
// its context, as services.c decides it:
// - a name (user, role, type, sensitivity, category) the new policy does not declare: the SID is
//   removed whatever the mode ("invalidating context"), and reads as unlabeled (sidtab_search);
// - names all declared, a combination policydb_context_isvalid refuses: removed when enforcing,
//   kept with that context when permissive ("context ... is invalid", convert_context_handle_
//   invalid_context), and converted again by the next reload;
// - either way security_context_to_sid refuses the text (it validates before it searches).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { createXsm } from "../../src/xsm/index.js";
import { SECINITSID_DOM0, SECINITSID_UNLABELED, SidTable } from "../../src/xsm/sidtab.js";
import type { Domain } from "../../src/xsm/types.js";
import { sidOf } from "./reload-harness.js";

const POLICY = readFileSync(new URL("../fixtures/xsm/pci.conf", import.meta.url), "utf8");
const MLS = readFileSync(new URL("../fixtures/sim/mls/mls-policy.conf", import.meta.url), "utf8");

const ROGUE = "vm_u:vm_r:gvp1_rogue_t";
const UNLABELED = "system_u:system_r:unlabeled_t";

function table(text = POLICY, mls = false) {
  const policy = compilePolicy(text, { file: "old.conf", mls });
  const t = SidTable.load(policy).table;
  return { policy, t };
}

// each: a new policy, and what the old one's `vm_u:vm_r:gvp1_rogue_t` lacks in it
const MISSING_NAME: [string, string, string][] = [
  ["type", POLICY.replaceAll("gvp1_rogue_t", "gvp1_other_t"), "unknown type 'gvp1_rogue_t'"],
  ["role", POLICY.replaceAll("vm_r", "guest_r"), "unknown role 'vm_r'"],
  ["user", POLICY.replaceAll("vm_u", "guest_u"), "unknown user 'vm_u'"],
];

// names all declared; the combination not accepted
const NOT_ACCEPTED: [string, string, string][] = [
  ["type not authorized for the role", POLICY.replace("role vm_r types { gvp1_guest_t gvp1_rogue_t };", "role vm_r types { gvp1_guest_t };\nrole system_r types { gvp1_rogue_t };"), "type gvp1_rogue_t not authorized for role vm_r"],
  ["role not authorized for the user", POLICY.replace("user vm_u roles { vm_r };", "user vm_u roles { system_r };").replace("sid domU vm_u:", "sid domU system_u:"), "role vm_r not authorized for user vm_u"],
];

describe("a reload: a name the new policy does not declare", () => {
  for (const [what, text, why] of MISSING_NAME) {
    for (const enforcing of [true, false]) {
      it(`${what}: the SID is invalidated ${enforcing ? "when enforcing" : "even when permissive"}`, () => {
        const { t } = table();
        const sid = sidOf(t, ROGUE);
        const r = t.convert(compilePolicy(text, { file: "new.conf" }), enforcing);
        expect(r.invalidated).toContainEqual({ context: ROGUE, why });
        expect(r.kept).toEqual([]);
        expect(r.table.sidToString(sid)).toBe(UNLABELED);
        expect(r.table.invalidatedContext(sid)).toBe(ROGUE);
        expect(r.table.isInvalid(sid)).toBe(false);
        // a running domain labelled so keeps its SID; security_context_to_sid refuses the text
        expect(r.table.lookup(ROGUE)).toBe(sid);
        expect(r.table.contextToSid(ROGUE)).toEqual({ ok: false, error: expect.any(String) });
      });
    }
  }
});

describe("a reload: a combination the new policy does not accept", () => {
  for (const [what, text, why] of NOT_ACCEPTED) {
    it(`${what}: invalidated when enforcing`, () => {
      const { t } = table();
      const sid = sidOf(t, ROGUE);
      const r = t.convert(compilePolicy(text, { file: "new.conf" }), true);
      expect(r.invalidated).toContainEqual({ context: ROGUE, why });
      expect(r.kept).toEqual([]);
      expect(r.table.sidToString(sid)).toBe(UNLABELED);
      expect(r.table.lookup(ROGUE)).toBe(sid);
    });

    it(`${what}: kept with its context when permissive; security_context_to_sid refuses it`, () => {
      const { t } = table();
      const sid = sidOf(t, ROGUE);
      const next = compilePolicy(text, { file: "new.conf" });
      const r = t.convert(next, false);
      expect(r.invalidated).toEqual([]);
      expect(r.kept).toContainEqual({ context: ROGUE, why });
      expect(r.table.sidToString(sid)).toBe(ROGUE);
      expect(next.contextNames(r.table.sidToContext(sid)!)).toEqual({ user: "vm_u", role: "vm_r", type: "gvp1_rogue_t" });
      expect(r.table.isInvalid(sid)).toBe(true);
      expect(r.table.invalidatedContext(sid)).toBeUndefined();
      expect(r.table.lookup(ROGUE)).toBe(sid);
      expect(r.table.contextToSid(ROGUE)).toEqual({ ok: false, error: why });
    });
  }

  it("a SID kept invalid is converted again by the next reload: enforcing removes it, a policy accepting it makes it valid", () => {
    const { t } = table();
    const sid = sidOf(t, ROGUE);
    const narrowed = compilePolicy(NOT_ACCEPTED[0]![1], { file: "narrowed.conf" });
    const kept = t.convert(narrowed, false).table;
    // permissive again: still kept, and still refused by security_context_to_sid
    const again = kept.convert(narrowed, false);
    expect(again.kept).toHaveLength(1);
    expect(again.table.isInvalid(sid)).toBe(true);
    // enforcing: now removed, with the line Xen prints for it
    const enforced = kept.convert(narrowed, true);
    expect(enforced.invalidated).toEqual([{ context: ROGUE, why: `type gvp1_rogue_t not authorized for role vm_r` }]);
    expect(enforced.table.sidToString(sid)).toBe(UNLABELED);
    // back to a policy that accepts it: the same SID, valid, and security_context_to_sid gives it
    const restored = kept.convert(compilePolicy(POLICY, { file: "old.conf" }), true);
    expect(restored.invalidated).toEqual([]);
    expect(restored.table.isInvalid(sid)).toBe(false);
    expect(restored.table.contextToSid(ROGUE)).toEqual({ ok: true, value: sid });
  });

  it("an initial SID converts as any other: dom0 kept invalid while permissive, never relabelled", () => {
    const { t } = table();
    const text = POLICY.replace("role system_r types { xen_t dom0_t", "role vm_r types { dom0_t };\nrole system_r types { xen_t").replace("sid dom0 system_u:system_r:dom0_t", "sid dom0 system_u:object_r:dom0_t").replace("sid domDM system_u:system_r:dom0_t", "sid domDM system_u:object_r:dom0_t");
    const r = t.convert(compilePolicy(text, { file: "new.conf" }), false);
    expect(r.problems).toEqual([]);
    // dom0 and domDM hold the same context: one line for each SID, as Xen prints them
    expect(r.kept).toEqual(Array(2).fill({ context: "system_u:system_r:dom0_t", why: "type dom0_t not authorized for role system_r" }));
    expect(r.table.sidToString(SECINITSID_DOM0)).toBe("system_u:system_r:dom0_t");
    expect(r.table.isInvalid(SECINITSID_DOM0)).toBe(true);
    expect(r.table.sidToString(SECINITSID_UNLABELED)).toBe(UNLABELED);
  });
});

describe("a reload of an MLS policy", () => {
  const HW = "system_u:system_r:hwdom_t:s0-s1:c0.c1";
  // as security_sid_to_context prints it, and Xen's lines name it
  const HW_TEXT = "system_u:system_r:hwdom_t:s0-s1:c0,c1";

  it("converts each category by name: a new order of the same names keeps the context", () => {
    const { t } = table(MLS, true);
    const sid = sidOf(t, HW);
    const swapped = MLS.replace("category c0;\ncategory c1;", "category c1;\ncategory c0;").replaceAll("c0.c1", "c1.c0");
    const next = compilePolicy(swapped, { file: "new.conf", mls: true });
    // the old text does not parse under the new order (a category range must run upwards) ...
    expect(next.parseContext(HW).ok).toBe(false);
    // ... but Xen converts the categories one by one, by name
    const r = t.convert(next, true);
    expect(r.invalidated).toEqual([]);
    const c = r.table.sidToContext(sid)!;
    expect(next.contextNames(c).range).toEqual({ low: { sens: "s0", cats: [] }, high: { sens: "s1", cats: ["c1", "c0"] } });
  });

  it("a category the new policy does not declare invalidates the SID even when permissive", () => {
    const { t } = table(MLS, true);
    const sid = sidOf(t, HW);
    const r = t.convert(compilePolicy(MLS.replaceAll("c1", "c9"), { file: "new.conf", mls: true }), false);
    expect(r.invalidated).toContainEqual({ context: HW_TEXT, why: `unknown category 'c1'` });
    expect(r.kept).toEqual([]);
    expect(r.table.invalidatedContext(sid)).toBe(HW_TEXT);
  });

  it("a range outside the user's is a combination: kept while permissive, removed when enforcing", () => {
    const { t } = table(MLS, true);
    const sid = sidOf(t, HW);
    const next = compilePolicy(MLS.replaceAll("s0 - s1:c0.c1", "s0 - s1:c0"), { file: "new.conf", mls: true });
    const permissive = t.convert(next, false);
    expect(permissive.problems).toEqual([]);
    expect(permissive.kept).toContainEqual({ context: HW_TEXT, why: `MLS range s0-s1:c0,c1 not authorized for user system_u` });
    expect(permissive.table.sidToString(sid)).toBe(HW_TEXT);
    expect(permissive.table.contextToSid(HW).ok).toBe(false);
    const enforcing = t.convert(next, true);
    expect(enforcing.invalidated).toContainEqual({ context: HW_TEXT, why: `MLS range s0-s1:c0,c1 not authorized for user system_u` });
    expect(enforcing.table.invalidatedContext(sid)).toBe(HW_TEXT);
  });

  it("a reload cannot switch between MLS and non-MLS (policydb_read)", () => {
    const xsm = createXsm({ module: "flask", policy: compilePolicy(MLS, { file: "mls.conf", mls: true }) });
    const r = xsm.loadCompiledPolicy(compilePolicy(POLICY, { file: "plain.conf" }));
    expect(r.rc).toBe("-EINVAL");
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["xsm-mls-switch", "Cannot switch between MLS and non-MLS policies"]]);
    expect(xsm.policy?.mls).toBe(true);
  });
});

describe("a reload through the XSM", () => {
  const rogue: Domain = { domid: 3, name: "rogue", context: ROGUE, control: false, hardware: false };
  const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
  const GVP1_VF = 0x381;

  function flask(enforcing: boolean) {
    return createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "pci.conf", enforcing });
  }

  it("permissive: a running domain keeps its context, decisions use it, Xen's line is a warning", () => {
    const xsm = flask(false);
    xsm.module.resourcePlugPci(rogue, GVP1_VF);
    const r = xsm.loadPolicy(NOT_ACCEPTED[0]![1], "narrowed.conf");
    expect(r.rc).toBe(0);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["xsm-invalid-kept", `Flask:  context ${ROGUE} is invalid (type gvp1_rogue_t not authorized for role vm_r)`]]);
    const after = xsm.record(() => xsm.module.resourcePlugPci(rogue, GVP1_VF));
    expect(after.checks[0]!.scontext).toBe(ROGUE);
    // set_enforcing does not revisit SIDs: the domain still holds its context
    expect(xsm.setEnforcing(true)).toBe(0);
    expect(xsm.record(() => xsm.module.resourcePlugPci(rogue, GVP1_VF)).checks[0]!.scontext).toBe(ROGUE);
  });

  it("enforcing: the same reload invalidates the SID, which reads as unlabeled", () => {
    const xsm = flask(true);
    xsm.module.resourcePlugPci(rogue, GVP1_VF);
    const r = xsm.loadPolicy(NOT_ACCEPTED[0]![1], "narrowed.conf");
    expect(r.rc).toBe(0);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["xsm-invalidated"]);
    expect(xsm.record(() => xsm.module.resourcePlugPci(rogue, GVP1_VF)).checks[0]!.scontext).toBe(UNLABELED);
  });

  it("a new domain with the text of a SID kept invalid is refused: the toolstack's security_context_to_sid fails", () => {
    const xsm = flask(false);
    xsm.module.resourcePlugPci(rogue, GVP1_VF);
    expect(xsm.loadPolicy(NOT_ACCEPTED[0]![1], "narrowed.conf").rc).toBe(0);
    const another: Domain = { ...rogue, domid: 7, name: "rogue2" };
    const r = xsm.record(() => xsm.module.domainCreate(dom0, another));
    expect(r.result).toBe("-EINVAL");
    expect(r.checks[0]!.error).toContain("type gvp1_rogue_t not authorized for role vm_r");
  });
});
