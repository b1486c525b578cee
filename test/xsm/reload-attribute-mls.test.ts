// An MLS reload whose policy declares as an attribute a name the running policy had as a type
// (test/fixtures/sim/reload/attributes-mls.conf: device_t, the `device` initial SID's type, and
// hwdom_t, a domain's). What Xen does (xen/xsm/flask/ss/services.c, policydb.c, mls.c):
// - convert_context converts the type to the attribute, then mls_convert_context each level's
//   sensitivity and every category by name: the range is kept;
// - policydb_context_isvalid skips the role checks for object_r, then mls_context_isvalid checks
//   the range: mls_range_isvalid (each level's sensitivity declared and its categories those the
//   `level` statement gives it, high dominating low) always, the user's range only when the role
//   is not object_r. So an object_r SID whose type became an attribute is valid with a range the
//   user is not cleared for, and invalid with a range the new policy's levels refuse;
// - decisions walk the attribute's own type_attr_map row; the mlsconstrain compares its levels as
//   for any context; security_transition_sid gives an object the source's low level.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { loadPolicyBytes } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import { SECINITSID_DEVICE, SidTable } from "../../src/xsm/sidtab.js";
import { allowed, expectSameConversion, sidOf } from "./reload-harness.js";

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const OLD = readFileSync(fixture("sim/reload/mls-running.conf"), "utf8");
const ATTRS = readFileSync(fixture("sim/reload/attributes-mls.conf"), "utf8");
// the user cleared to s0 - s1:c0 only (its sid contexts too, which must be within it)
const NARROW = ATTRS.replaceAll("s0 - s1:c0.c1", "s0 - s1:c0");
// ... and s1 given only c0: a level s1:c0,c1 is no longer valid
const LEVELS = NARROW.replace("level s1:c0.c1;", "level s1:c0;");

const DEVICE = "system_u:object_r:device_t:s0";
const HIGH_DEVICE = "system_u:object_r:device_t:s1:c0,c1";
const LOW_HWDOM = "system_u:system_r:hwdom_t:s0";
const DOM0 = "system_u:system_r:dom0_t:s0-s1:c0,c1";
const ROLE_WHY = "type hwdom_t not authorized for role system_r: it is an attribute in this policy";
// mls-running.conf gives device_t:s0 to seven initial SIDs (domio to device)
const DEVICE_SIDS = Array.from({ length: 7 }, () => ({ context: DEVICE, attribute: "device_t" }));

const mls = (text: string, file: string) => compilePolicy(text, { file, mls: true });

/** The running policy's SID table with the SIDs the tests convert. */
function running() {
  const t = SidTable.load(mls(OLD, "mls-running.conf")).table;
  const sid = (text: string) => sidOf(t, text);
  return { t, device: SECINITSID_DEVICE, hwdom: sid(LOW_HWDOM), high: sid("system_u:object_r:device_t:s1:c0.c1"), dom0: sid("system_u:system_r:dom0_t:s0-s1:c0.c1"), nicHigh: sid("system_u:object_r:nic_t:s1"), nicLow: sid("system_u:object_r:nic_t:s0") };
}

describe("an MLS reload where a type became an attribute: the conversion", () => {
  const next = mls(ATTRS, "attributes-mls.conf");

  for (const enforcing of [true, false]) {
    it(`under object_r the SID is kept, valid, with the attribute as its type and its range (${enforcing ? "enforcing" : "permissive"})`, () => {
      const { t, device, high } = running();
      const r = t.convert(next, enforcing);
      expect(r.problems).toEqual([]);
      expect(r.attributes).toEqual([...DEVICE_SIDS, { context: HIGH_DEVICE, attribute: "device_t" }]);
      // the `device` initial SID among them: what a PCI device without pcidevicecon is labelled
      expect(r.table.sidToString(device)).toBe(DEVICE);
      expect(r.table.isInvalid(device)).toBe(false);
      const c = r.table.sidToContext(high)!;
      expect(next.typeName(c.type)).toBe("device_t");
      expect(next.contextToString(c)).toBe(HIGH_DEVICE);
      expect(next.contextNames(c)).toEqual({ user: "system_u", role: "object_r", type: "device_t", range: { low: { sens: "s1", cats: ["c0", "c1"] }, high: { sens: "s1", cats: ["c0", "c1"] } } });
      // security_context_to_sid checks the attribute flag before the range
      expect(r.table.contextToSid(DEVICE)).toEqual({ ok: false, error: "unknown type 'device_t'" });
    });
  }

  it("under a domain's role the range does not help: invalid (roles hold no attribute), kept while permissive, removed when enforcing", () => {
    const { t, hwdom } = running();
    const permissive = t.convert(next, false);
    expect(permissive.kept).toEqual([{ context: LOW_HWDOM, why: ROLE_WHY }]);
    expect(permissive.table.sidToString(hwdom)).toBe(LOW_HWDOM);
    expect(next.typeName(permissive.table.sidToContext(hwdom)!.type)).toBe("hwdom_t");
    const enforcing = t.convert(next, true);
    expect(enforcing.invalidated).toEqual([{ context: LOW_HWDOM, why: ROLE_WHY }]);
    expect(enforcing.table.invalidatedContext(hwdom)).toBe(LOW_HWDOM);
    expect(enforcing.table.sidToString(hwdom)).toBe("system_u:object_r:unlabeled_t:s0");
  });

  it("object_r skips the user's clearance: a range outside it stays valid for the attribute's SID, not for a domain's", () => {
    const { t, high, dom0 } = running();
    const r = t.convert(mls(NARROW, "narrow.conf"), true);
    expect(r.attributes).toContainEqual({ context: HIGH_DEVICE, attribute: "device_t" });
    expect(r.table.isInvalid(high)).toBe(false);
    expect(r.invalidated).toContainEqual({ context: DOM0, why: "MLS range s0-s1:c0,c1 not authorized for user system_u" });
    expect(r.table.invalidatedContext(dom0)).toBe(DOM0);
  });

  it("a range the new levels refuse (c1 no longer at s1) is invalid even under object_r: kept while permissive, removed when enforcing", () => {
    const { t, high } = running();
    const next = mls(LEVELS, "levels.conf");
    const why = "invalid MLS range 's1:c0,c1'";
    const permissive = t.convert(next, false);
    expect(permissive.kept).toContainEqual({ context: HIGH_DEVICE, why });
    // not listed among the valid attribute contexts (Xen prints its "is invalid" line instead)
    expect(permissive.attributes).toEqual(DEVICE_SIDS);
    expect(permissive.table.isInvalid(high)).toBe(true);
    expect(next.typeName(permissive.table.sidToContext(high)!.type)).toBe("device_t");
    const enforcing = t.convert(next, true);
    expect(enforcing.invalidated).toContainEqual({ context: HIGH_DEVICE, why });
    expect(enforcing.table.invalidatedContext(high)).toBe(HIGH_DEVICE);
  });

  it("the next reload converts by the attribute's name: back to the old policy, type and range as before", () => {
    const { t, high, hwdom } = running();
    const back = t.convert(next, false).table.convert(mls(OLD, "mls-running.conf"), true);
    expect(back.invalidated).toEqual([]);
    expect(back.attributes).toEqual([]);
    expect(back.table.contextToSid("system_u:object_r:device_t:s1:c0.c1")).toEqual({ ok: true, value: high });
    expect(back.table.contextToSid(LOW_HWDOM)).toEqual({ ok: true, value: hwdom });
  });
});

describe("MLS decisions for a SID whose type is an attribute", () => {
  const next = mls(ATTRS, "attributes-mls.conf");
  const { t, device: deviceSid, hwdom, high, dom0, nicHigh, nicLow } = running();
  const r = t.convert(next, false).table;
  const ctx = (sid: number) => r.sidToContext(sid)!;
  const device = ctx(deviceSid);

  it("as target: the rule keyed on the attribute, the mlsconstrain on its level", () => {
    expect(allowed(next, ctx(dom0), device)).toEqual(["stat_device", "plug"]);
    expect(allowed(next, ctx(dom0), ctx(high))).toEqual(["stat_device", "plug"]);
    // the member type's rule does not reach it
    const member = next.parseContext("system_u:object_r:pci_default_t:s0");
    expect(member.ok && allowed(next, ctx(dom0), member.value)).toEqual(["add", "remove", "use", "use_iommu", "stat_device", "add_device", "remove_device", "plug", "unplug", "setup"]);
  });

  it("as source (kept while permissive): h1 dom l2 removes plug of a device above s0, not stat_device", () => {
    expect(allowed(next, ctx(hwdom), ctx(nicHigh))).toEqual(["stat_device"]);
    expect(allowed(next, ctx(hwdom), ctx(nicLow))).toEqual(["stat_device", "plug"]);
    expect(allowed(next, ctx(hwdom), device)).toEqual(["stat_device", "plug"]);
    expect(allowed(next, ctx(hwdom), ctx(high))).toEqual(["stat_device"]);
    const why = next.explainContexts(ctx(hwdom), ctx(nicHigh), "resource", "plug");
    expect(why.allowed).toBe(false);
    expect(why.reasons.map((x) => (x.kind === "granted-by" || x.kind === "constraint-failed" ? `${x.kind}: ${x.rule.text}` : x.kind))).toEqual([
      "granted-by: allow hwdom_t { device_t nic_t }:resource { stat_device plug };",
      "constraint-failed: mlsconstrain resource { plug unplug add_device remove_device } ( h1 dom l2 );",
    ]);
  });

  it("an object created against it takes object_r, its type and the source's low level: valid; a domain from it is not", () => {
    const object = next.computeCreate(ctx(dom0), ctx(high), next.classId("resource"));
    expect(next.contextToString(object.context)).toBe(DEVICE);
    expect(object.valid).toBe(true);
    const domain = next.computeCreate(ctx(hwdom), ctx(hwdom), next.classId("domain"));
    expect(next.contextToString(domain.context)).toBe(LOW_HWDOM);
    expect(domain.valid).toBe(false);
  });
});

describe("checkpolicy -M's binary of the new policy (committed) converts and decides the same", () => {
  it("the attributes' type_attr_map rows, every conversion, every decision between the converted SIDs", () => {
    const bytes = new Uint8Array(readFileSync(fixture("sim/reload/attributes-mls.bin")));
    const k = readPolicy(bytes).policy;
    const value = (n: string) => k.types.entries.find((e) => e.name === n)!.value;
    // checkpolicy's row for an attribute: the attribute itself
    for (const attr of ["device_t", "hwdom_t"]) expect(k.typeAttrMap[value(attr) - 1]).toEqual([value(attr) - 1]);
    const binary = loadPolicyBytes(bytes, "attributes-mls.bin", { asXen: true }).policy;
    expect(binary.mls).toBe(true);
    const source = mls(ATTRS, "attributes-mls.conf");
    for (const enforcing of [true, false]) {
      const { t } = running();
      for (const type of ["device_t", "nic_t", "unlabeled_t"]) for (const level of ["s0", "s1", "s0-s1:c0"]) t.contextToSid(`system_u:object_r:${type}:${level}`);
      expect(expectSameConversion(t, source, binary, enforcing).length).toBeGreaterThan(15);
    }
  });
});
