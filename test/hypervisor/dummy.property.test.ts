// The same random sequences through Xen's dummy module (no FLASK): the PCI hooks are XSM_PRIV, so
// only the control domain adds, removes and sets up devices, as in Xen without a policy.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { PF_REMOVALS } from "../../src/hypervisor/types.js";
import { Domains, gvpHwdom, svpHwdom } from "./helpers.js";
import { CountingXsm, DOMAINS, moduleAnswer, opsArb, step, type World } from "./model.js";

// assign/deassign behave alike in dummy.h: do_domctl's XSM_PRIV gate
const answerer = (domains: Domains) => moduleAnswer(new DummyXsm(), domains, (_hook, d) => (d.control ? 0 : "-EPERM"));

describe.each(PF_REMOVALS)("dummy module, strategy %s", (strategy) => {
  it("keeps the invariants and makes Xen's checks", () => {
    fc.assert(
      fc.property(fc.constantFrom("reject" as const, "add-pf" as const), opsArb, (vfWithoutPf, ops) => {
        const xsm = new CountingXsm(new DummyXsm());
        const domains = new Domains(DOMAINS, 0);
        const reg = new PciRegistry(xsm, domains, { strategy, vfWithoutPf });
        const w: World = { reg, xsm, domains, strategy, vfWithoutPf, answer: answerer(domains) };
        for (const op of ops) step(w, op);
      }),
      { numRuns: 100 },
    );
  });
});

describe("dummy module, as Xen without FLASK", () => {
  it("lets only the control domain plug: a second hardware domain gets -EPERM", () => {
    const reg = new PciRegistry(new DummyXsm(), new Domains(DOMAINS, 0), { strategy: "authority", vfWithoutPf: "reject" });
    expect(reg.addDevice(gvpHwdom, "0000:03:00.0")).toBe("-EPERM");
    expect(reg.addDevice(svpHwdom, "0000:03:00.0")).toBe(0);
    expect(reg.addDevice(svpHwdom, "0000:03:10.0", { physfn: "0000:03:00.0" })).toBe(0);
    // authority under dummy: the control domain may unplug everything, so it is Stewart's cascade without the error.
    expect(reg.removeDevice(svpHwdom, "0000:03:00.0")).toBe(0);
    expect(reg.devices()).toEqual([]);
  });
});

