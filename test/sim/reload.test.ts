// A reload's conversion of running SIDs as the simulator shows it (test/fixtures/sim/reload/):
// the load_policy step logs Xen's line for each SID, and later steps ask about what the SID holds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { checkQuestion, toJson } from "../../src/sim/report.js";
import { runPrepared } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { failures, prepared, scratchDir } from "./support.js";

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

// attributes-mls.json: the same under an MLS policy (mls-running.conf, then attributes-mls.conf):
// the SIDs keep their ranges (test/xsm/reload-attribute-mls.test.ts has Xen's validity rules)
const mlsAttrs = runPrepared(prepared(loadScenario(join(import.meta.dirname, "../fixtures/sim/reload/attributes-mls.json"))));
const DEVICE_S0 = "system_u:object_r:device_t:s0";
const LOW_HWDOM = "system_u:system_r:hwdom_t:s0";

it("meets every expectation of attributes-mls.json", () => {
  expect(failures(mlsAttrs)).toEqual([]);
});

it("one why per context left with an attribute, though seven initial SIDs hold it", () => {
  const note = `attributes-mls.conf: context ${DEVICE_S0} now has attribute device_t as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)`;
  for (const i of [0, 6]) expect(mlsAttrs.steps[i]!.why).toEqual([note]);
});

it("an attribute as a context's type, with its range, wherever a run shows a context: the questions, Xen's avc lines, --json", async () => {
  // as source (the hardware domain's SID, kept while permissive) and as target (the `device` SID)
  expect(mlsAttrs.steps[1]!.decisions.map((c) => checkQuestion(c))).toEqual(["resource_plug_pci: hwdom_t -> nic_t resource:plug"]);
  expect(mlsAttrs.steps[1]!.audit).toEqual([`avc:  denied  { plug } for domid=1 device=0x300 scontext=${LOW_HWDOM} tcontext=system_u:object_r:nic_t:s1 tclass=resource`]);
  expect(mlsAttrs.steps[4]!.decisions.map((c) => checkQuestion(c))).toEqual(["resource_unplug_pci: dom0_t -> device_t resource:unplug"]);
  expect(mlsAttrs.steps[8]!.audit).toEqual([`avc:  denied  { unplug } for domid=0 device=0x302 scontext=system_u:system_r:dom0_t:s0-s1:c0,c1 tcontext=${DEVICE_S0} tclass=resource`]);
  const doc = toJson(mlsAttrs) as { steps: { decisions: { scontext: string; tcontext: string; reasons?: { text: string }[] }[] }[] };
  expect(doc.steps[1]!.decisions[0]).toMatchObject({ scontext: LOW_HWDOM, tcontext: "system_u:object_r:nic_t:s1", allowed: false });
  expect(doc.steps[1]!.decisions[0]!.reasons!.map((r) => r.text)).toEqual([
    "granted by attributes-mls.conf:45: allow hwdom_t { device_t nic_t }:resource { stat_device plug };",
    "constraint attributes-mls.conf:33 fails: mlsconstrain resource { plug unplug add_device remove_device } ( h1 dom l2 );",
  ]);
  expect(doc.steps[7]!.decisions[0]).toMatchObject({ scontext: "system_u:system_r:dom0_t:s0-s1:c0,c1", tcontext: DEVICE_S0, allowed: true });
  const trace = await xsm("simulate", "test/fixtures/sim/reload/attributes-mls.json");
  expect(trace.code).toBe(0);
  expect(trace.stdout).toContain("xsm   resource_unplug_pci: dom0_t -> device_t resource:unplug denied -EACCES");
  // the non-MLS run's --json: its load step's why, an array as every step's
  expect((toJson(attrs) as { steps: { why?: string[] }[] }).steps[0]!.why).toEqual([
    "attributes.conf: context system_u:object_r:device_t now has attribute device_t as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)",
  ]);
});

it("xsm why on the run's avc lines naming the attribute: refused as audit2why refuses them, saying where such a line comes from", async () => {
  const dir = scratchDir("xsm-reload-why-");
  const log = join(dir, "avc.log");
  writeFileSync(log, `${mlsAttrs.steps[8]!.audit.join("\n")}\n`);
  for (const policy of ["attributes-mls.conf", "attributes-mls.bin"]) {
    const r = await xsm("why", join("test/fixtures/sim/reload", policy), log, ...(policy.endsWith(".conf") ? ["-M"] : []));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tcontext ${DEVICE_S0}: 'device_t' is a type attribute, not a type`);
    expect(r.stderr).toContain("Xen logs one after a policy reload turned the SID's type into this attribute, and audit2why cannot analyse the line either");
  }
});
