// pci_release_devices()'s first step, arch_pci_clean_pirqs() (drivers/passthrough/x86/hvm.c, the
// same at RELEASE-4.19.0 .. 4.22.0 and master): at domain_kill a dying HVM guest with an IOMMU
// leaves every IRQ bind_pt_irq bound it to (pci_clean_dpci_irq: pirq_guest_unbind, which clears a
// pirq a forced unbind left at -IRQ) and its hvm_irq_dpci goes; its pirqs stay mapped until it is
// freed, and free_domain_pirqs then forces nothing off an IRQ.
import { describe, expect, it } from "vitest";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain } from "../../src/xsm/types.js";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { prepared } from "../sim/support.js";

const dom0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
const hvm: Domain = { domid: 1, name: "hvm", control: false, hardware: false, hvm: true };
const hvm2: Domain = { domid: 2, name: "hvm2", control: false, hardware: false, hvm: true };
function setup(iommu: "intremap" | "none" = "intremap") {
  const log: string[] = [];
  const io = new IoCaps(createXsm({ module: "dummy", assignCheck: "xsm_domctl" }).module, { iommu, log: (l) => log.push(l), ownerOf: () => undefined });
  return { io, log };
}

describe("arch_pci_clean_pirqs at domain_kill", () => {
  it("a dying guest keeps its pirq mapped but no binding; freed, nothing is forced off the IRQ", () => {
    const { io, log } = setup();
    expect(io.mapPirq(dom0, hvm, { gsi: 20 }, 20).rc).toBe(0);
    expect(io.bindPtIrq(dom0, hvm, 20)).toBe(0);
    expect(io.kill(hvm, true)).toBe(true); // a device model still holds it
    expect(io.state(hvm).bound).toEqual([]);
    expect(io.state(hvm).pirqs).toEqual([{ pirq: 20, irq: 20 }]);
    // the IRQ has no guest left: another guest binds it without sharing
    expect(io.mapPirq(dom0, hvm2, { gsi: 20 }, 20).rc).toBe(0);
    expect(io.bindPtIrq(dom0, hvm2, 20, undefined)).toBe(0);
    io.free(hvm);
    expect(log.filter((l) => l.includes("forcing unbind"))).toEqual([]);
  });

  it("a pirq a forced unbind left at -IRQ is cleared (clear_domain_irq_pirq)", () => {
    const { io, log } = setup();
    io.mapPirq(dom0, hvm, { gsi: 20 }, 20);
    io.bindPtIrq(dom0, hvm, 20);
    expect(io.unmapPirq(dom0, hvm, 20)).toBe(0);
    expect(log).toContain("dom1: forcing unbind of pirq 20");
    expect(io.state(hvm).pirqs).toEqual([{ pirq: 20, irq: -20 }]);
    io.kill(hvm, true);
    expect(io.state(hvm).pirqs).toEqual([]);
    expect(io.state(hvm).bound).toEqual([]);
  });

  it("the hardware domain has no hvm_irq_dpci: nothing to clean", () => {
    const pvh: Domain = { ...dom0, hvm: true };
    const { io } = setup();
    io.mapPirq(pvh, pvh, { gsi: 20 }, 20);
    expect(io.bindPtIrq(pvh, pvh, 20, { device: 0, intx: 0 })).toBe(0);
    io.kill(pvh, true);
    expect(io.state(pvh).bound).toEqual([20]);
  });
});

describe("in a scenario", () => {
  it("destroying a guest with a bound pirq logs no forced unbind", () => {
    const s = {
      name: "clean-pirqs",
      xsm: "dummy",
      xen: "4.22.0",
      domains: [
        { name: "dom0", domid: 0, control: true, hardware: true },
        { name: "hvm-guest", domid: 1, hvm: true },
      ],
      steps: [
        { as: "dom0", op: "map_pirq", domain: "hvm-guest", gsi: 20, pirq: 20 },
        { as: "dom0", op: "bind_pt_irq", domain: "hvm-guest", machine_irq: 20 },
        { as: "dom0", op: "destroy_domain", domain: "hvm-guest" },
      ],
    } as Scenario;
    const r = runPrepared(prepared(parseScenario(s, "/scenarios/clean-pirqs.json")));
    expect(r.steps.map((x) => x.rc)).toEqual([0, 0, 0]);
    expect(r.steps[2]!.log.join("\n")).not.toContain("forcing unbind");
  });
});
