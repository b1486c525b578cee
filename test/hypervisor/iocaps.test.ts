import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm, type Xsm } from "../../src/xsm/index.js";
import type { Domain } from "../../src/xsm/types.js";
import { RangeSet } from "../../src/xen/rangeset.js";

// The passthrough hypercalls in Xen's order of checks (domctl.c, arch/x86/domctl.c, physdev.c,
// irq.c) over the labels of test/fixtures/xsm/io.conf; its decisions are checked against the
// oracle in test/xsm/io-hooks.test.ts.
const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");

const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const pv: Domain = { domid: 1, name: "pv", context: "system_u:system_r:domU_t", control: false, hardware: false };
const hvm: Domain = { domid: 3, name: "hvm", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true };
const dm: Domain = { domid: 2, name: "dm", context: "system_u:system_r:dm_t", control: false, hardware: false, target: 3 };
const NIC = 0xc800;

function setup(module: "flask" | "dummy" = "flask", owners: Record<number, number> = { [NIC]: 3 }, iommu: "intremap" | "none" = "intremap") {
  const xsm: Xsm = module === "flask" ? createXsm({ module, compile: compilePolicy, policyText: POLICY, file: "io.conf", iommu, assignCheck: "xsm_domctl" }) : createXsm({ module, assignCheck: "xsm_domctl" });
  const log: string[] = [];
  const io = new IoCaps(xsm.module, { iommu, log: (l) => log.push(l), ownerOf: (bdf) => owners[bdf] });
  return { xsm, io, log };
}

describe("RangeSet (rangeset.c)", () => {
  it("merges, splits and answers containment as rangeset_add/remove/contains_range", () => {
    const r = new RangeSet();
    r.add(10, 20);
    r.add(21, 30);
    r.add(40, 40);
    expect(r.toString()).toBe("{ 10-30, 40 }");
    r.remove(15, 16);
    expect(r.list()).toEqual([{ start: 10, end: 14 }, { start: 17, end: 30 }, { start: 40, end: 40 }]);
    expect(r.containsRange(17, 30)).toBe(true);
    expect(r.containsRange(14, 17)).toBe(false);
    expect(r.has(40)).toBe(true);
    r.remove(0, 100);
    expect(r.isEmpty()).toBe(true);
    expect(r.toString(16)).toBe("{ }");
  });
});

describe("the hardware domain's I/O capabilities (dom0_setup_permissions)", () => {
  it("starts with every GSI but 0, every port but the platform's, every frame but the APICs'", () => {
    const { io } = setup();
    const s = io.state(dom0);
    expect(s.irqs).toEqual([{ start: 1, end: 47 }]);
    expect(s.ioports.find((r) => r.start <= 0x61 && 0x61 <= r.end)).toBeUndefined();
    expect(s.ioports.some((r) => r.start <= 0xecc0 && 0xecdf <= r.end)).toBe(true);
    expect(s.iomem.some((r) => r.start <= 0xfee00 && 0xfee00 <= r.end)).toBe(false);
    expect(s.iomem[0]).toEqual({ start: 0, end: 0xfebff });
    expect(io.state(pv)).toEqual({ irqs: [], iomem: [], ioports: [], pirqs: [], emuirqs: [], mmio: [], ioportMappings: [], bound: [], girqs: [] });
  });
});

describe("XEN_DOMCTL_irq_permission", () => {
  it("translates the pirq through the caller's own table: unmapped, -EPERM with no XSM question", () => {
    const { xsm, io } = setup();
    const r = xsm.record(() => io.irqPermission(dom0, pv, 33, true));
    expect(r.result).toBe("-EPERM");
    expect(r.checks).toEqual([]);
    expect(io.irqPermission(dom0, pv, 4096, true)).toBe("-EINVAL");
  });

  it("grants the IRQ the caller's pirq maps to once the caller mapped its GSI; revoking takes it back", () => {
    const { io } = setup();
    expect(io.mapPirq(dom0, dom0, { gsi: 33 }, 33)).toEqual({ rc: 0, pirq: 33 });
    expect(io.irqPermission(dom0, pv, 33, true)).toBe(0);
    expect(io.state(pv).irqs).toEqual([{ start: 33, end: 33 }]);
    expect(io.irqPermission(dom0, pv, 33, false)).toBe(0);
    expect(io.state(pv).irqs).toEqual([]);
  });

  it("a denied XSM check changes nothing", () => {
    const { io } = setup();
    expect(io.mapPirq(dom0, hvm, { gsi: 33 }, 33).rc).toBe(0);
    const before = io.state(dm);
    expect(io.irqPermission(hvm, dm, 33, true)).toBe("-EACCES"); // domU_t may not give dm_t anything
    expect(io.state(dm)).toEqual(before);
  });
});

describe("XEN_DOMCTL_iomem_permission and ioport_permission", () => {
  it("grant what the caller holds; the rangeset records it", () => {
    const { io } = setup();
    expect(io.iomemPermission(dom0, pv, 0xfebe0, 0x20, true)).toBe(0);
    expect(io.ioportPermission(dom0, pv, 0xecc0, 0x20, true)).toBe(0);
    expect(io.state(pv)).toMatchObject({ iomem: [{ start: 0xfebe0, end: 0xfebff }], ioports: [{ start: 0xecc0, end: 0xecdf }] });
  });
  it("-EINVAL on a wrap or zero length, -EPERM for what the caller lacks (after XSM allowed it)", () => {
    const { xsm, io } = setup("dummy");
    expect(io.iomemPermission(dom0, pv, 5, 0, true)).toBe("-EINVAL");
    expect(io.ioportPermission(dom0, pv, 0xffff, 2, true)).toBe("-EINVAL");
    const r = xsm.record(() => io.iomemPermission(dom0, pv, 0xfee00, 1, true)); // the local APIC
    expect(r.result).toBe("-EPERM");
    expect(r.checks.map((c) => c.rc)).toEqual([0]);
    expect(io.ioportPermission(dom0, pv, 0x61, 1, true)).toBe("-EPERM");
    expect(io.state(pv).iomem).toEqual([]);
  });
  it("the flask denial of one labelled piece refuses the whole range: nothing granted", () => {
    const { io } = setup();
    expect(io.iomemPermission(dom0, pv, 0xfebd0, 0x30, true)).toBe("-EACCES"); // domU_t may not use iomem_t
    expect(io.state(pv).iomem).toEqual([]);
  });
});

describe("XEN_DOMCTL_memory_mapping: a guest maps only frames it was granted", () => {
  it("refuses frames the guest was not granted (-EPERM), maps them once granted, unmaps", () => {
    const { io, log } = setup();
    expect(io.memoryMapping(dom0, hvm, 0xf0000, 0xfebe0, 0x20, true)).toBe("-EPERM");
    expect(io.state(hvm).mmio).toEqual([]);
    expect(io.iomemPermission(dom0, hvm, 0xfebe0, 0x20, true)).toBe(0);
    expect(io.memoryMapping(dm, hvm, 0xf0000, 0xfebe0, 0x20, true)).toBe("-EACCES"); // flask: dm_t lacks add_iomem on nic_t
    expect(io.memoryMapping(dom0, hvm, 0xf0000, 0xfebe0, 0x20, true)).toBe(0);
    expect(io.state(hvm).mmio).toEqual([{ start: 0xfebe0, end: 0xfebff }]);
    expect(log).toContain("memory_map:add: d3 gfn=f0000 mfn=febe0 nr=20");
    expect(io.memoryMapping(dom0, hvm, 0xf0000, 0xfebe0, 0x10, false)).toBe(0);
    expect(io.state(hvm).mmio).toEqual([{ start: 0xfebf0, end: 0xfebff }]);
  });
  it("a PV guest has no p2m: 0 and nothing mapped", () => {
    const { io } = setup();
    expect(io.memoryMapping(dom0, pv, 0, 0xfebe0, 1, true)).toBe(0);
    expect(io.state(pv).mmio).toEqual([]);
  });
});

describe("XEN_DOMCTL_ioport_mapping (x86)", () => {
  it("maps granted ports into an HVM guest; same ports again move; touching ranges are -EBUSY; removal needs the exact mapping", () => {
    const { io, log } = setup("dummy");
    expect(io.ioportMapping(dom0, pv, 0xc000, 0xecc0, 0x20, true)).toBe("-EOPNOTSUPP");
    expect(log).toContain("ioport_map against non-HVM domain");
    expect(io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0, true)).toBe("-EINVAL");
    expect(io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe("-EPERM"); // not granted to the guest
    io.ioportPermission(dom0, hvm, 0xec00, 0x100, true);
    expect(io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe(0);
    expect(io.ioportMapping(dom0, hvm, 0xd000, 0xecc0, 0x20, true)).toBe(0);
    expect(io.state(hvm).ioportMappings).toEqual([{ gport: 0xd000, mport: 0xecc0, nr: 0x20 }]);
    expect(io.ioportMapping(dom0, hvm, 0xe000, 0xece0, 0x10, true)).toBe("-EBUSY"); // 0xece0 touches 0xecc0-0xecdf
    expect(io.ioportMapping(dom0, hvm, 0xe000, 0xecf0, 0x10, true)).toBe(0);
    expect(io.ioportMapping(dom0, hvm, 0, 0xecc0, 0x10, false)).toBe("-ENOENT");
    expect(io.ioportMapping(dom0, hvm, 0, 0xecc0, 0x20, false)).toBe(0);
    expect(io.state(hvm).ioportMappings).toEqual([{ gport: 0xe000, mport: 0xecf0, nr: 0x10 }]);
    expect(io.ioportMapping(dom0, hvm, 0, 0x61, 1, true)).toBe("-EPERM"); // dom0 does not hold port 0x61
  });
});

describe("PHYSDEVOP_map_pirq / unmap_pirq", () => {
  it("the hardware domain maps a GSI into a guest, which is granted the IRQ; unmapping revokes it", () => {
    const { xsm, io } = setup();
    const r = xsm.record(() => io.mapPirq(dom0, hvm, { gsi: 33 }, 33));
    expect(r.result).toEqual({ rc: 0, pirq: 33 });
    expect(r.checks.map((c) => [c.hook, c.perm, c.rc])).toEqual([
      ["map_domain_pirq", "add", 0],
      ["map_domain_irq", "add_irq", 0],
      ["map_domain_irq", "use_iommu", 0],
    ]);
    expect(io.state(hvm)).toMatchObject({ irqs: [{ start: 33, end: 33 }], pirqs: [{ pirq: 33, irq: 33 }] });
    expect(io.unmapPirq(dom0, hvm, 33)).toBe(0);
    expect(io.state(hvm)).toMatchObject({ irqs: [], pirqs: [] });
    expect(io.unmapPirq(dom0, hvm, 33)).toBe("-EINVAL");
  });

  it("a caller other than the hardware domain maps only an IRQ it holds, through its own pirq table", () => {
    // a toolstack domain (control, not hardware: dummy.h trusts it, so Xen's own checks decide)
    const toolstack: Domain = { domid: 4, name: "toolstack", control: true, hardware: false };
    const { io, log } = setup("dummy");
    expect(io.mapPirq(toolstack, pv, { gsi: 33 }, 33).rc).toBe("-EINVAL"); // its GSI 33 names no IRQ
    expect(log).toContain("dom1: map pirq with incorrect irq!");
    expect(io.mapPirq(dom0, toolstack, { gsi: 33 }, 33).rc).toBe(0); // now it has pirq 33 -> IRQ 33, and holds it
    expect(io.mapPirq(toolstack, pv, { gsi: 33 }, 33)).toEqual({ rc: 0, pirq: 33 });
    expect(io.irqPermission(toolstack, pv, 33, false)).toBe(0);
    expect(io.unmapPirq(dom0, toolstack, 33)).toBe(0); // the toolstack loses IRQ 33
    expect(io.irqPermission(toolstack, pv, 33, true)).toBe("-EPERM"); // its pirq 33 is gone
    expect(io.mapPirq(toolstack, pv, { gsi: 33 }, 33).rc).toBe("-EINVAL");
  });

  it("a pirq chosen by Xen: GSIs from 16 up; an IRQ mapped already keeps its pirq", () => {
    const { io } = setup("dummy");
    expect(io.mapPirq(dom0, pv, { gsi: 33 }, -1)).toEqual({ rc: 0, pirq: 16 });
    expect(io.mapPirq(dom0, pv, { gsi: 33 }, -1)).toEqual({ rc: 0, pirq: 16 });
    expect(io.mapPirq(dom0, pv, { gsi: 33 }, 20).rc).toBe("-EEXIST");
    expect(io.mapPirq(dom0, pv, { gsi: 48 }, -1).rc).toBe("-EINVAL");
  });

  it("an MSI: Xen makes an IRQ above the GSIs, labelled by the device; pirqs from the top down", () => {
    const { xsm, io } = setup();
    const r = xsm.record(() => io.mapPirq(dm, hvm, { msi: NIC }, -1));
    expect(r.result).toEqual({ rc: 0, pirq: 79 });
    expect(r.checks.map((c) => [c.hook, c.tcontext, c.perm, c.device])).toEqual([
      ["map_domain_pirq", "system_u:system_r:domU_t", "add", undefined],
      ["map_domain_irq", "system_u:object_r:nic_t", "add_irq", NIC],
      ["map_domain_irq", "system_u:object_r:nic_t", "use_iommu", NIC],
    ]);
    expect(io.state(hvm)).toMatchObject({ irqs: [{ start: 48, end: 48 }], pirqs: [{ pirq: 79, irq: 48, msi: NIC }] });
    expect(io.state(dm).irqs).toEqual([{ start: 48, end: 48 }]); // create_irq granted the caller
    expect(io.unmapPirq(dm, hvm, 79)).toBe(0);
    expect(io.state(hvm).irqs).toEqual([]);
    expect(io.state(dm).irqs).toEqual([]); // destroy_irq revoked it
  });

  it("an MSI of a device the guest does not own: -ENODEV after XSM, nothing left behind", () => {
    const { io } = setup("flask", {});
    expect(io.mapPirq(dm, hvm, { msi: NIC }, -1)).toEqual({ rc: "-ENODEV" });
    expect(io.state(hvm).pirqs).toEqual([]);
    expect(io.state(dm).irqs).toEqual([]);
  });
});

describe("XEN_DOMCTL_bind_pt_irq / unbind_pt_irq", () => {
  it("binds an HVM guest's mapped pirq when the caller holds the IRQ; a PV guest is -EINVAL", () => {
    const { io } = setup();
    expect(io.bindPtIrq(dom0, pv, 33)).toBe("-EINVAL");
    // pirq 33 is not mapped: flask asks about IRQ 0 (irq_t), which the guest may not use
    expect(io.bindPtIrq(dom0, hvm, 33)).toBe("-EACCES");
    io.mapPirq(dom0, hvm, { gsi: 33 }, 33);
    expect(io.bindPtIrq(dm, hvm, 33)).toBe("-EPERM"); // the device model does not hold IRQ 33
    expect(io.bindPtIrq(dom0, hvm, 33)).toBe(0);
    expect(io.state(hvm).bound).toEqual([33]);
    expect(io.unbindPtIrq(dom0, hvm, 33)).toBe(0);
    expect(io.state(hvm).bound).toEqual([]);
  });
  it("without an IOMMU there is nothing to bind to (-ESRCH)", () => {
    const { io } = setup("dummy", {}, "none");
    io.mapPirq(dom0, hvm, { gsi: 33 }, 33);
    expect(io.bindPtIrq(dom0, hvm, 33)).toBe("-ESRCH");
  });
  it("unmapping a bound pirq forces the unbind; a destroyed domain leaves no MSI IRQ behind", () => {
    const { io, log } = setup();
    io.mapPirq(dom0, hvm, { gsi: 33 }, 33);
    io.bindPtIrq(dom0, hvm, 33);
    expect(io.unmapPirq(dom0, hvm, 33)).toBe(0);
    expect(log).toContain("dom3: forcing unbind of pirq 33");
    io.mapPirq(dm, hvm, { msi: NIC }, -1);
    io.removeDomain(hvm);
    expect(io.state(dm).irqs).toEqual([]);
  });
});
