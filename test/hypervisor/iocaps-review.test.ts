// The interrupt paths read again against Xen (arch/x86/domctl.c XEN_DOMCTL_bind_pt_irq /
// unbind_pt_irq / irq_permission, irq.c unmap_domain_pirq and pirq_guest_force_unbind,
// allocate_pirq, drivers/passthrough/x86/hvm.c pt_irq_create_bind / pt_irq_destroy_bind): what the
// first model got wrong, each pinned here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");
const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const pvh0: Domain = { ...dom0, hvm: true };
const guest: Domain = { domid: 1, name: "guest", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true };

function setup(iommu: "intremap" | "none" = "intremap", module: "flask" | "dummy" = "flask") {
  const xsm = module === "dummy" ? createXsm({ module: "dummy", assignCheck: "xsm_domctl" }) : createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf", iommu, assignCheck: "xsm_domctl" });
  const log: string[] = [];
  const why: string[] = [];
  const checks: XsmCheck[] = [];
  xsm.onCheck = (c) => checks.push(c);
  const io = new IoCaps(xsm.module, { iommu, log: (l) => log.push(l), why: (w) => why.push(w), ownerOf: () => 1 });
  return { io, log, why, checks };
}

describe("XEN_DOMCTL_unbind_pt_irq without an IOMMU", () => {
  it("returns 0 and unbinds nothing (the domctl has no else branch), after the XSM and hold checks", () => {
    const { io, why, checks } = setup("none", "dummy");
    expect(io.mapPirq(dom0, guest, { gsi: 33 }, 33).rc).toBe(0);
    expect(io.bindPtIrq(dom0, guest, 33)).toBe("-ESRCH"); // bind does say so
    checks.length = 0;
    expect(io.unbindPtIrq(dom0, guest, 33)).toBe(0);
    expect(checks.map((c) => c.hook)).toEqual(["unbind_pt_irq"]);
    expect(why.at(-1)).toMatch(/unbinds nothing and returns 0/);
  });
});

describe("unmap_pirq of a bound pirq: the forced unbind leaves -IRQ", () => {
  function forced(module: "flask" | "dummy" = "flask") {
    const s = setup("intremap", module);
    expect(s.io.mapPirq(dom0, guest, { gsi: 33 }, 33).rc).toBe(0);
    expect(s.io.bindPtIrq(dom0, guest, 33, { device: 4, intx: 0 })).toBe(0);
    expect(s.io.unmapPirq(dom0, guest, 33)).toBe(0);
    expect(s.log.at(-1)).toBe("dom1: forcing unbind of pirq 33");
    return s;
  }

  it("the pirq keeps -33, the guest loses the IRQ, the dpci binding and its guest GSI stay", () => {
    const { io } = forced();
    const st = io.state(guest);
    expect(st.pirqs).toEqual([{ pirq: 33, irq: -33 }]);
    expect(st.irqs).toEqual([]);
    expect(st.bound).toEqual([33]);
    expect(st.girqs).toEqual([{ gsi: 32, device: 4, intx: 0, pirq: 33 }]);
  });

  it("then the pirq is not mapped (-EINVAL), unbind_pt_irq is -EPERM, bind_pt_irq -EPERM (flask: get_irq_sid's -EINVAL first), irq_permission asks XSM and is -EPERM", () => {
    const { io, why, checks } = forced();
    expect(io.unmapPirq(dom0, guest, 33)).toBe("-EINVAL");
    expect(io.unbindPtIrq(dom0, guest, 33, { device: 4, intx: 0 })).toBe("-EPERM");
    expect(why.at(-1)).toMatch(/holds -33, left by a forced unbind/);
    expect(io.bindPtIrq(dom0, guest, 33)).toBe("-EINVAL"); // flask_bind_pt_irq labels IRQ -33
    expect(forced("dummy").io.bindPtIrq(dom0, guest, 33)).toBe("-EPERM");
    // a PVH dom0's own pirq, bound to itself and unmapped, holds -20 too: handing it out asks XSM
    // (flask_irq_permission does not look at the IRQ), then dom0 holds no IRQ -20
    expect(io.mapPirq(pvh0, pvh0, { gsi: 20 }, 20).rc).toBe(0);
    expect(io.bindPtIrq(pvh0, pvh0, 20)).toBe(0);
    expect(io.unmapPirq(pvh0, pvh0, 20)).toBe(0);
    checks.length = 0;
    expect(io.irqPermission(pvh0, guest, 20, true)).toBe("-EPERM");
    expect(checks.map((c) => [c.hook, c.allowed])).toEqual([["irq_permission", true]]);
  });

  it("the IRQ cannot be mapped to the guest again: allocate_pirq's -EBUSY, or -EEXIST for another pirq; the pirq is not free", () => {
    const { io } = forced("dummy");
    expect(io.mapPirq(dom0, guest, { gsi: 33 }, -1).rc).toBe("-EBUSY");
    expect(io.mapPirq(dom0, guest, { gsi: 33 }, 40).rc).toBe("-EEXIST");
    expect(io.state(guest).pirqs).toEqual([{ pirq: 33, irq: -33 }]);
  });
});

describe("pt_irq_create_bind / pt_irq_destroy_bind", () => {
  it("the hardware domain (a PVH dom0) binds a GSI to itself: no girq route, device and intx ignored, a pirq past its GSIs -EINVAL", () => {
    const { io } = setup();
    expect(io.mapPirq(pvh0, pvh0, { gsi: 20 }, 20).rc).toBe(0);
    expect(io.bindPtIrq(pvh0, pvh0, 20, { device: 4, intx: 0 })).toBe(0);
    expect(io.state(pvh0).girqs).toEqual([]);
    expect(io.state(pvh0).bound).toEqual([20]);
    expect(io.mapPirq(pvh0, pvh0, { msi: 0xc800 }, -1).rc).toBe("-ENODEV"); // not its device here
    expect(io.unbindPtIrq(pvh0, pvh0, 20, { device: 9, intx: 3 })).toBe(0); // no girq list to look in
    expect(io.state(pvh0).bound).toEqual([]);
  });

  it("PT_IRQ_TYPE_MSI on a pirq bound as PT_IRQ_TYPE_PCI is -EBUSY; a PCI bind of it again adds a route", () => {
    const { io } = setup();
    io.mapPirq(dom0, guest, { gsi: 33 }, 33);
    expect(io.bindPtIrq(dom0, guest, 33, { device: 4, intx: 0 })).toBe(0);
    expect(io.bindPtIrq(dom0, guest, 33)).toBe("-EBUSY");
    expect(io.bindPtIrq(dom0, guest, 33, { device: 5, intx: 0 })).toBe(0);
    expect(io.state(guest).girqs.map((g) => g.gsi)).toEqual([32, 36]);
  });

  it("an unbind without device and intx leaves a PCI binding whose routes remain (its digl list is not empty)", () => {
    const { io, why } = setup();
    io.mapPirq(dom0, guest, { gsi: 33 }, 33);
    io.bindPtIrq(dom0, guest, 33, { device: 4, intx: 0 });
    expect(io.unbindPtIrq(dom0, guest, 33)).toBe(0);
    expect(why.at(-1)).toMatch(/digl list/);
    expect(io.state(guest).bound).toEqual([33]);
  });

  it("a guest that never had anything bound has no hvm_irq_dpci: -EINVAL", () => {
    const { io } = setup();
    io.mapPirq(dom0, guest, { gsi: 33 }, 33);
    expect(io.unbindPtIrq(dom0, guest, 33)).toBe("-EINVAL");
  });
});
