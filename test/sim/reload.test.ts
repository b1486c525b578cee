// A reload's conversion of running SIDs as the simulator shows it (test/fixtures/sim/reload/):
// the load_policy step logs Xen's line for each SID, and later steps ask about what the SID holds.
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { failures, prepared } from "./support.js";

const r = runPrepared(prepared(loadScenario(join(import.meta.dirname, "../fixtures/sim/reload/reload.json"))));

it("meets every expectation of reload.json", () => {
  expect(failures(r)).toEqual([]);
});

it("the load_policy step's trace line: kept while permissive, invalidated when enforcing", () => {
  expect(r.steps[0]!.log).toContain(
    "flask: narrowed.conf: Flask:  context vm_u:vm_r:gvp1_rogue_t is invalid (type gvp1_rogue_t not authorized for role vm_r)",
  );
  expect(r.steps[4]!.log).toContain(
    "flask: narrowed.conf: Flask:  invalidating context vm_u:vm_r:gvp1_rogue_t (type gvp1_rogue_t not authorized for role vm_r)",
  );
});

// attributes.json: a reload whose policy declares device_t and gvp1_rogue_t as attributes, while
// permissive and then while enforcing (test/xsm/reload-attribute.test.ts has the Xen code behind it)
const attrs = runPrepared(prepared(loadScenario(join(import.meta.dirname, "../fixtures/sim/reload/attributes.json"))));

it("meets every expectation of attributes.json", () => {
  expect(failures(attrs)).toEqual([]);
});

it("a SID left with an attribute as its type: no Xen line, the trace's why says it; the domain role's SID as before", () => {
  const note = "attributes.conf: context system_u:object_r:device_t now has attribute device_t as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)";
  for (const i of [0, 6]) {
    expect(attrs.steps[i]!.events).toContainEqual({ why: note });
    expect(attrs.steps[i]!.log.filter((l) => l.includes("device_t"))).toEqual([]);
  }
  expect(attrs.steps[0]!.log).toContain("flask: attributes.conf: Flask:  context vm_u:vm_r:gvp1_rogue_t is invalid (type gvp1_rogue_t not authorized for role vm_r: it is an attribute in this policy)");
  expect(attrs.steps[6]!.log).toContain("flask: attributes.conf: Flask:  invalidating context vm_u:vm_r:gvp1_rogue_t (type gvp1_rogue_t not authorized for role vm_r: it is an attribute in this policy)");
});

it("decisions on such SIDs: only the rules keyed on the attribute, explained by them (constraints as for any context)", () => {
  const checks = (i: number) => attrs.steps[i]!.decisions.map((d) => [d.tcontext, d.perm, d.allowed, (d.reasons ?? []).map((r) => r.text)]);
  // permissive: the device SID as target, resource_type's plug does not reach it, device_t's stat_device does
  expect(checks(1)).toEqual([["system_u:object_r:device_t", "plug", false, ["no allow rule grants it"]]]);
  expect(checks(2)).toEqual([["system_u:object_r:device_t", "stat_device", true, []]]);
  // the guest kept with the attribute as its type: its rule grants plug, the constraint removes it
  expect(attrs.steps[3]!.decisions[0]!.scontext).toBe("vm_u:vm_r:gvp1_rogue_t");
  expect(checks(3)[0]![3]).toEqual([expect.stringContaining("allow gvp1_rogue_t gvp1_pci_t:resource { plug unplug stat_device };"), expect.stringContaining("( r1 == system_r )")]);
  expect(checks(4)).toEqual([["system_u:object_r:gvp1_pci_t", "stat_device", true, []]]);
  // enforcing
  expect(attrs.steps[7]!.rc).toBe("-EACCES");
  expect(attrs.steps[8]!.rc).toBe(0);
  expect(attrs.steps[9]!.decisions[0]!.scontext).toBe("system_u:system_r:unlabeled_t");
});
