// VT-d context entries behind PCI bridges, read at RELEASE-4.19.0 .. 4.22.0 and master
// drivers/passthrough/vtd/iommu.c (domain_context_mapping, domain_context_mapping_one,
// domain_context_unmap, reassign_device_ownership, intel_iommu_add_device/_remove_device) and
// pci.c (find_upstream_bridge, pdev_type, alloc_pdev's bus2bridge): a conventional PCI device
// (DEV_TYPE_PCI) is mapped with the topmost recorded bridge's requester ID and, behind a
// PCIe-to-PCI bridge, (secondary bus, devfn 0) too; a present entry another domain holds is
// rewritten, never refused; an unmap clears the entries whoever holds them.
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/hypervisor/index.js";
import type { BridgeType, ContextChange, DeviceType, Pci2PcieBridges, PciBridge, Quarantine } from "../../src/hypervisor/types.js";
import { DOMID_IO } from "../../src/xsm/security.js";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { dom0, g1, g2, sbdf as key } from "./helpers.js";

const BRIDGE = "0000:00:1c.0";

/** A registry with the bridge 00:1c.0 over bus 5 (and what `more` adds), the devices `pci` conventional. */
function vtd(o: { pci?: string[]; bridgeType?: BridgeType; quarantine?: Quarantine; more?: Record<string, PciBridge>; iommuVendor?: "vtd" | "amd"; iommu?: boolean; pci2pcieBridges?: Pci2PcieBridges; log?: string[] } = {}) {
  const bridges = new Map<number, PciBridge>([[key(BRIDGE), { secondary: 5, subordinate: 5, ...(o.bridgeType ? { type: o.bridgeType } : {}) }]]);
  for (const [b, spec] of Object.entries(o.more ?? {})) bridges.set(key(b), spec);
  const types = new Map<number, DeviceType>((o.pci ?? []).map((d) => [key(d), "pci"]));
  const changes: ContextChange[] = [];
  const reg = new PciRegistry(new DummyXsm(), [dom0, g1, g2], {
    strategy: "upstream",
    vfWithoutPf: "reject",
    quarantine: o.quarantine ?? "basic",
    pciBridge: (k) => bridges.get(k),
    pdevType: (k) => types.get(k),
    onContext: (c) => changes.push(c),
    iommuVendor: o.iommuVendor,
    iommu: o.iommu,
    pci2pcieBridges: o.pci2pcieBridges,
    log: (line) => o.log?.push(line),
  });
  // a PCI-to-PCIe bridge: VT-d's domain_context_mapping has no case for it (-EINVAL), its pdev kept
  const refused = o.bridgeType === "pci-to-pcie" && (o.iommuVendor ?? "vtd") === "vtd" && o.iommu !== false;
  expect(reg.addDevice(dom0, BRIDGE)).toBe(refused ? "-EINVAL" : 0);
  return { reg, changes };
}
const change = (device: string, rid: string, via: ContextChange["via"], from: number | null, to: number | null): ContextChange => ({ device: key(device), bridge: key(BRIDGE), rid: key(rid), via, from, to });

describe("domain_context_mapping's requester IDs", () => {
  it("a conventional PCI device behind a PCIe-to-PCI bridge: its own, the bridge's and (secbus, 0); a bridge itself none", () => {
    const { reg, changes } = vtd({ pci: ["0000:05:08.0"] });
    expect(reg.contextOwner(BRIDGE)).toBeNull(); // DEV_TYPE_PCIe2PCI_BRIDGE: "break", nothing mapped
    expect(reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
    for (const rid of ["0000:05:08.0", BRIDGE, "0000:05:00.0"]) expect(reg.contextOwner(rid)).toBe("dom0");
    expect(changes).toEqual([change("0000:05:08.0", BRIDGE, "bridge", null, 0), change("0000:05:08.0", "0000:05:00.0", "secbus", null, 0)]);
    expect(reg.contextUsers("0000:05:00.0")).toEqual(["0000:05:08.0"]);
  });

  it("a PCIe endpoint behind the same bridge is mapped alone (DEV_TYPE_PCIe_ENDPOINT)", () => {
    const { reg, changes } = vtd();
    expect(reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
    expect(reg.deviceType("0000:05:08.0")).toBe("pcie-endpoint");
    expect(reg.contextOwner("0000:05:08.0")).toBe("dom0");
    expect(reg.contextOwner(BRIDGE)).toBeNull();
    expect(changes).toEqual([]);
  });

  it("behind a legacy PCI (or PCI-to-PCIe) bridge: the bridge's ID, no (secbus, 0)", () => {
    for (const bridgeType of ["legacy-pci", "pci-to-pcie"] as const) {
      const { reg } = vtd({ pci: ["0000:05:08.0"], bridgeType });
      expect(reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
      expect(reg.contextOwner(BRIDGE)).toBe("dom0");
      expect(reg.contextOwner("0000:05:00.0")).toBeNull();
    }
  });

  it("a PCI-to-PCIe bridge: VT-d refuses its own add (-EINVAL) at every tag; from 4.22.0 it is in bus2bridge, before not", () => {
    const recorded = vtd({ pci: ["0000:05:08.0"], bridgeType: "pci-to-pcie" });
    expect(recorded.reg.iommuRefused(BRIDGE)).toBe(true);
    expect(recorded.reg.device(BRIDGE)?.owner).toBeNull();
    expect(recorded.reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
    expect(recorded.reg.contextOwner(BRIDGE)).toBe("dom0");
    const log: string[] = [];
    const before = vtd({ pci: ["0000:05:08.0"], bridgeType: "pci-to-pcie", pci2pcieBridges: "unknown-type", log });
    expect(log[0]).toBe("0000:00:1c.0: unknown type 4");
    expect(before.reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
    // find_upstream_bridge finds nothing above bus 5: the device's own entry alone
    expect(before.reg.contextOwner("0000:05:08.0")).toBe("dom0");
    expect(before.reg.contextOwner(BRIDGE)).toBeNull();
    expect(before.changes).toEqual([]);
    // on AMD the add is not refused, and the release's bus2bridge is the same
    const amd = vtd({ bridgeType: "pci-to-pcie", iommuVendor: "amd" });
    expect(amd.reg.iommuRefused(BRIDGE)).toBe(false);
  });

  it("the device at (secbus, 0) is not mapped twice: its own entry is the secbus one", () => {
    const { reg, changes } = vtd({ pci: ["0000:05:00.0"] });
    expect(reg.addDevice(dom0, "0000:05:00.0")).toBe(0);
    expect(changes).toEqual([change("0000:05:00.0", BRIDGE, "bridge", null, 0)]);
  });

  it("nested bridges: the topmost bridge's ID and the bus below it (find_upstream_bridge's secbus)", () => {
    const more = { [BRIDGE]: { secondary: 5, subordinate: 6 }, "0000:05:01.0": { secondary: 6, subordinate: 6, type: "legacy-pci" as const } };
    const { reg: nested } = vtd({ pci: ["0000:06:03.0"], more });
    expect(nested.addDevice(dom0, "0000:05:01.0")).toBe(0);
    expect(nested.addDevice(dom0, "0000:06:03.0")).toBe(0);
    // 06:03.0 -> 05:01.0 (secbus 6) -> 00:1c.0 (secbus 5) -> bus 0: the topmost is 00:1c.0
    expect(nested.contextOwner(BRIDGE)).toBe("dom0");
    expect(nested.contextOwner("0000:05:00.0")).toBe("dom0");
    expect(nested.contextOwner("0000:05:01.0")).toBeNull();
    expect(nested.contextOwner("0000:06:00.0")).toBeNull();
  });
});

describe("a second domain's device behind the same bridge", () => {
  it("is not refused: the shared entries are rewritten for it (the last mapping wins), the first device's own stays", () => {
    const { reg, changes } = vtd({ pci: ["0000:05:08.0", "0000:05:10.0"] });
    for (const d of ["0000:05:08.0", "0000:05:10.0"]) expect(reg.addDevice(dom0, d)).toBe(0);
    expect(reg.assignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    changes.length = 0;
    expect(reg.assignDevice(dom0, g2, "0000:05:10.0")).toBe(0);
    expect(changes).toEqual([change("0000:05:10.0", BRIDGE, "bridge", 1, 2), change("0000:05:10.0", "0000:05:00.0", "secbus", 1, 2)]);
    expect(reg.contextOwner("0000:05:08.0")).toBe("g1");
    expect(reg.contextOwner(BRIDGE)).toBe("g2");
    expect(reg.device("0000:05:08.0")?.owner).toBe("g1");
    expect(reg.contextUsers(BRIDGE, "0000:05:10.0")).toEqual(["0000:05:08.0"]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("the device at (secbus, 0) loses its own entry to the other's mapping, and the change names it", () => {
    const { reg, changes } = vtd({ pci: ["0000:05:00.0", "0000:05:10.0"] });
    for (const d of ["0000:05:00.0", "0000:05:10.0"]) expect(reg.addDevice(dom0, d)).toBe(0);
    changes.length = 0;
    expect(reg.assignDevice(dom0, g1, "0000:05:00.0")).toBe(0);
    // its own ID is 05:10.0's (secbus, 0): reported as the device's entry
    expect(changes).toEqual([change("0000:05:00.0", "0000:05:00.0", "device", 0, 1), change("0000:05:00.0", BRIDGE, "bridge", 0, 1)]);
    expect(reg.assignDevice(dom0, g2, "0000:05:10.0")).toBe(0);
    expect(reg.contextOwner("0000:05:00.0")).toBe("g2");
  });
});

describe("unmapping and moving", () => {
  const assigned = (quarantine: Quarantine) => {
    const r = vtd({ pci: ["0000:05:08.0", "0000:05:10.0"], quarantine });
    for (const d of ["0000:05:08.0", "0000:05:10.0"]) expect(r.reg.addDevice(dom0, d)).toBe(0);
    expect(r.reg.assignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    expect(r.reg.assignDevice(dom0, g2, "0000:05:10.0")).toBe(0);
    r.changes.length = 0;
    return r;
  };

  it("basic quarantine (no quarantine page tables, QUARANTINE_SKIP): domain_context_unmap clears the shared entries g2 holds", () => {
    const { reg, changes } = assigned("basic");
    expect(reg.deassignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    expect(reg.device("0000:05:08.0")?.owner).toBe("dom_io");
    expect(changes).toEqual([change("0000:05:08.0", BRIDGE, "bridge", 2, null), change("0000:05:08.0", "0000:05:00.0", "secbus", 2, null)]);
    expect(reg.contextOwner("0000:05:08.0")).toBeNull();
    expect(reg.contextOwner("0000:05:10.0")).toBe("g2");
  });

  it("scratch-page: they point at the device's quarantine tables in dom_io", () => {
    const { reg, changes } = assigned("scratch-page");
    expect(reg.deassignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    expect(changes.map((c) => c.to)).toEqual([DOMID_IO, DOMID_IO]);
    expect(reg.contextOwner(BRIDGE)).toBe("dom_io");
  });

  it("no quarantine: back to hardware_domain's", () => {
    const { reg } = assigned("none");
    expect(reg.deassignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    expect(reg.contextOwner(BRIDGE)).toBe("dom0");
  });

  it("a domain's teardown moves them as deassign_device does", () => {
    const { reg, changes } = assigned("basic");
    expect(reg.removeDomain(g2.domid)).toBe(0);
    expect(changes.map((c) => [c.via, c.to])).toEqual([
      ["bridge", null],
      ["secbus", null],
    ]);
  });

  it("a removal clears them (intel_iommu_remove_device), whoever holds them", () => {
    const { reg, changes } = assigned("basic");
    expect(reg.removeDevice(dom0, "0000:05:08.0")).toBe(0);
    expect(changes).toEqual([change("0000:05:08.0", BRIDGE, "bridge", 2, null), change("0000:05:08.0", "0000:05:00.0", "secbus", 2, null)]);
    expect(reg.contextUsers(BRIDGE)).toEqual(["0000:05:10.0"]);
  });

  it("a move out of quarantine maps them afresh", () => {
    const { reg, changes } = assigned("basic");
    expect(reg.deassignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    changes.length = 0;
    expect(reg.assignDevice(dom0, g1, "0000:05:08.0")).toBe(0);
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [null, 1],
      [null, 1],
    ]);
  });
});

describe("a host bridge (DEV_TYPE_PCI_HOST_BRIDGE)", () => {
  const host = (quarantine: Quarantine = "basic") => {
    const log: string[] = [];
    const reg = new PciRegistry(new DummyXsm(), [dom0, g1], { strategy: "upstream", vfWithoutPf: "reject", quarantine, pdevType: (k) => (k === key("0000:00:00.0") ? "host-bridge" : undefined), log: (l) => log.push(l) });
    expect(reg.addDevice(dom0, "0000:00:00.0")).toBe(0);
    log.length = 0;
    return { reg, log };
  };

  it("has no context entry, and its assignment to a guest is -EPERM with assign_device's warning, nothing moved", () => {
    const { reg, log } = host();
    expect(reg.contextOwner("0000:00:00.0")).toBeNull(); // "Hostbridge: skip ... map"
    expect(reg.assignDevice(dom0, g1, "0000:00:00.0")).toBe("-EPERM");
    expect(log).toEqual(["d1: assign (0000:00:00.0) failed (-1)"]);
    expect(reg.device("0000:00:00.0")?.owner).toBe("dom0");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("basic quarantine takes it (an unmap from the hardware domain), but not out again to a guest; scratch-page refuses dom_io too", () => {
    const { reg } = host();
    expect(reg.assignDevice(dom0, { domid: DOMID_IO, name: "dom_io", control: false, hardware: false }, "0000:00:00.0")).toBe(0);
    expect(reg.assignDevice(dom0, g1, "0000:00:00.0")).toBe("-EPERM");
    expect(reg.device("0000:00:00.0")?.owner).toBe("dom_io");
    const scratch = host("scratch-page").reg;
    expect(scratch.assignDevice(dom0, { domid: DOMID_IO, name: "dom_io", control: false, hardware: false }, "0000:00:00.0")).toBe("-EPERM");
  });
});

describe("where there are no VT-d context entries", () => {
  it("an AMD IOMMU (its device table entries are the IVRS model's) and no IOMMU map none", () => {
    for (const o of [{ iommuVendor: "amd" as const }, { iommu: false }]) {
      const { reg, changes } = vtd({ pci: ["0000:05:08.0"], ...o });
      expect(reg.addDevice(dom0, "0000:05:08.0")).toBe(0);
      expect(reg.contextOwner(BRIDGE)).toBeNull();
      expect(reg.contextOwner("0000:05:08.0")).toBeNull();
      expect(changes).toEqual([]);
    }
  });
});
