// The registry under the real flask module and a policy in Daniel P. Smith's SVP shape
// (test/hypervisor/data/svp-pci.conf, accepted by checkpolicy -t Xen): labels per device through
// pcidevicecon, so the PF and its VFs can belong to different platforms.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compilePolicy } from "../../src/index.js";
import { createXsm } from "../../src/xsm/index.js";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { PF_REMOVALS, type PfRemovalKind } from "../../src/hypervisor/types.js";
import type { Domain } from "../../src/xsm/types.js";
import { Domains } from "./helpers.js";
import { CountingXsm, moduleAnswer, opsArb, step, type World } from "./model.js";

const POLICY = readFileSync(new URL("./data/svp-pci.conf", import.meta.url), "utf8");

const DOMS: Domain[] = [
  { domid: 0, name: "svp-hwdom", context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true },
  { domid: 1, name: "gvp1-hwdom", context: "system_u:system_r:gvp1_hwdom_t", control: false, hardware: true },
  { domid: 2, name: "gvp1-guest", context: "system_u:system_r:gvp1_guest_t", control: false, hardware: false },
  { domid: 3, name: "gvp2-guest", context: "system_u:system_r:gvp1_guest_t", control: false, hardware: false },
];
const [svp, gvp1, guest] = DOMS as [Domain, Domain, Domain];

function world(strategy: PfRemovalKind) {
  const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "svp-pci.conf" });
  const log: string[] = [];
  // the SVP design: the guest VP's hardware domain keeps the VFs it adds
  const reg = new PciRegistry(xsm.module, new Domains(DOMS, 0), { strategy, vfWithoutPf: "reject", addTo: "adding-hwdom", log: (l) => log.push(l) });
  expect(reg.addDevice(svp, "0000:03:00.0")).toBe(0);
  expect(reg.addDevice(svp, "0000:03:10.0", { physfn: "0000:03:00.0" })).toBe(0);
  expect(reg.addDevice(gvp1, "0000:03:10.2", { physfn: "0000:03:00.0" })).toBe(0);
  return { reg, xsm, log };
}

describe("flask with an SVP policy", () => {
  it("labels decide who plugs: the guest VP's hardware domain may plug its VFs, not an unlabelled device", () => {
    const { reg, xsm } = world("upstream");
    expect(reg.addDevice(gvp1, "0000:03:10.4", { physfn: "0000:03:00.0" })).toBe("-EACCES");
    expect(xsm.auditLog.at(-1)).toMatch(/avc: {2}denied {2}\{ plug \} for .*device=0x384.*tcontext=system_u:system_r:device_t tclass=resource/);
    expect(reg.device("0000:03:10.2")?.owner).toBe("gvp1-hwdom");
  });

  it("assigns a gvp1 VF to the gvp1 guest through all three flask checks", () => {
    const { reg } = world("upstream");
    expect(reg.assignDevice(gvp1, guest, "0000:03:10.0")).toBe(0);
    expect(reg.device("0000:03:10.0")?.owner).toBe("gvp1-guest");
    expect(reg.assignDevice(gvp1, guest, "0000:03:00.0")).toBe("-EACCES"); // the PF is the supervisor's
  });

  it("authority: the guest VP's hardware domain cannot take the supervisor's PF, and nothing changes", () => {
    const { reg, log } = world("authority");
    log.length = 0;
    const before = reg.devices();
    expect(reg.removeDevice(gvp1, "0000:03:00.0")).toBe("-EACCES");
    expect(reg.devices()).toEqual(before);
    expect(log).toEqual([]);
  });

  it("authority: the supervisor, allowed to unplug the PF and every VF, removes them all", () => {
    const { reg } = world("authority");
    reg.assignDevice(gvp1, guest, "0000:03:10.0");
    expect(reg.removeDevice(svp, "0000:03:00.0")).toBe(0);
    expect(reg.devices()).toEqual([]);
  });

  it("upstream under the same policy: -EBUSY, all marked broken", () => {
    const { reg } = world("upstream");
    expect(reg.removeDevice(svp, "0000:03:00.0")).toBe("-EBUSY");
    expect(reg.devices().every((d) => d.broken)).toBe(true);
  });
});

describe.each(PF_REMOVALS)("flask, random sequences, strategy %s", (strategy) => {
  it("keeps the invariants and makes Xen's hook calls", () => {
    const oracle = createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "svp-pci.conf" }).module;
    fc.assert(
      fc.property(fc.constantFrom("reject" as const, "add-pf" as const), opsArb, (vfWithoutPf, ops) => {
        const xsm = new CountingXsm(createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "svp-pci.conf" }).module);
        const domains = new Domains(DOMS, 0);
        const reg = new PciRegistry(xsm, domains, { strategy, vfWithoutPf });
        const answer = moduleAnswer(oracle, domains, (hook) => {
          throw new Error(`${hook}: its answer depends on the target; the model never needs it`);
        });
        const w: World = { reg, xsm, domains, strategy, vfWithoutPf, answer };
        for (const op of ops) step(w, op);
      }),
      { numRuns: 40 },
    );
  });
});
