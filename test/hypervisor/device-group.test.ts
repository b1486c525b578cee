// XEN_DOMCTL_get_device_group: iommu_get_device_group() over VT-d's intel_iommu_group_id(), whose
// group is the requester ID find_upstream_bridge() leaves (xen/drivers/passthrough/pci.c, vtd/iommu.c).
import { describe, expect, it } from "vitest";
import { formatSbdf, toSbdfKey } from "../../src/xen/sbdf.js";
import type { PciBridge } from "../../src/hypervisor/types.js";
import { gvpGuest, makeRegistry, svpHwdom } from "./helpers.js";

const key = (s: string) => {
  const k = toSbdfKey(s);
  if (!k.ok) throw new Error(k.error);
  return k.value;
};

// 00:1e.0 is a PCIe-to-PCI bridge for buses 5-6; 05:02.0 a legacy PCI bridge behind it for bus 6
const BRIDGES = new Map<number, PciBridge>([
  [key("0000:00:1e.0"), { secondary: 5, subordinate: 6 }],
  [key("0000:05:02.0"), { secondary: 6, subordinate: 6 }],
]);

function host(opts: { iommu?: boolean } = {}) {
  const r = makeRegistry({ pciBridge: (bdf) => BRIDGES.get(bdf), iommu: opts.iommu });
  for (const s of ["0000:00:1e.0", "0000:05:00.0", "0000:05:00.1", "0000:05:01.0", "0000:05:02.0", "0000:06:03.0", "0000:03:00.0"]) r.reg.addDevice(svpHwdom, s);
  r.xsm.checks.length = 0;
  return r;
}
const names = (keys: number[]) => keys.map((k) => formatSbdf(k));

describe("get_device_group", () => {
  it("lists the domain's devices behind the same bridge and the bridge (its own requester ID), newest first, not the device itself", () => {
    const { reg } = host();
    const g = reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:00.0", 1024);
    expect(g.rc).toBe(0);
    expect(g.groupId).toBe(key("0000:00:1e.0"));
    expect(names(g.sdevs)).toEqual(["0000:06:03.0", "0000:05:02.0", "0000:05:01.0", "0000:05:00.1", "0000:00:1e.0"]);
  });

  it("a device on a bus no bridge leads to is its own group; a bridge on bus 0 is its children's", () => {
    const { reg } = host();
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:03:00.0", 1024)).toMatchObject({ rc: 0, groupId: key("0000:03:00.0"), sdevs: [] });
    const bridge = reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:00:1e.0", 1024);
    expect(bridge.groupId).toBe(key("0000:00:1e.0"));
    expect(names(bridge.sdevs)).toEqual(["0000:06:03.0", "0000:05:02.0", "0000:05:01.0", "0000:05:00.1", "0000:05:00.0"]);
  });

  it("walks up nested bridges to the topmost recorded one", () => {
    const { reg } = host();
    const g = reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:06:03.0", 1024);
    expect(g.groupId).toBe(key("0000:00:1e.0"));
    expect(names(g.sdevs)).toEqual(["0000:05:02.0", "0000:05:01.0", "0000:05:00.1", "0000:05:00.0", "0000:00:1e.0"]);
  });

  it("lists only the domain's own devices (for_each_pdev(d)): the asking domain names whose", () => {
    const { reg } = host();
    expect(reg.assignDevice(svpHwdom, gvpGuest, "0000:05:00.1")).toBe(0);
    expect(names(reg.getDeviceGroup(svpHwdom, gvpGuest, "0000:05:00.0", 1024).sdevs)).toEqual(["0000:05:00.1"]);
    expect(names(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:00.0", 1024).sdevs)).not.toContain("0000:05:00.1");
  });

  it("does not need the device to exist, and stops at max_sdevs without counting the rest", () => {
    const { reg } = host();
    const g = reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:07.0", 2);
    expect(g).toMatchObject({ rc: 0, truncated: 4 });
    expect(names(g.sdevs)).toEqual(["0000:06:03.0", "0000:05:02.0"]);
  });

  it("skips a sibling xsm_get_device_group refuses, silently; refusing the device asked about fails the domctl", () => {
    const { reg, xsm } = host();
    xsm.decide = (_cur, hook, bdf) => !(hook === "get_device_group" && bdf === key("0000:05:01.0"));
    const g = reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:00.0", 1024);
    expect(g.rc).toBe(0);
    expect(names(g.refused)).toEqual(["0000:05:01.0"]);
    expect(names(g.sdevs)).toEqual(["0000:06:03.0", "0000:05:02.0", "0000:05:00.1", "0000:00:1e.0"]);
    // every device of the domain in the segment is asked about, in the group or not (0000:03:00.0)
    expect(xsm.checks.map((c) => c.tcontext)).toEqual(["500", "300", "618", "510", "508", "501", "f0"]);
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:01.0", 1024)).toMatchObject({ rc: "-EACCES", sdevs: [] });
  });

  it("an unknown segment off bus 0 is -ENODEV (find_upstream_bridge finds no pci_seg); segment 0 always exists", () => {
    const { reg } = host();
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0001:05:00.0", 1024).rc).toBe("-ENODEV");
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0001:00:01.0", 1024).rc).toBe(0);
    expect(reg.addDevice(svpHwdom, "0001:07:00.0")).toBe(0);
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0001:05:00.0", 1024).rc).toBe(0);
  });

  it("without an IOMMU iommu_do_domctl answers -EOPNOTSUPP before iommu_do_pci_domctl's hook", () => {
    const { reg, xsm } = host({ iommu: false });
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:05:00.0", 1024)).toMatchObject({ rc: "-EOPNOTSUPP", iommu: false, sdevs: [] });
    // ScriptedXsm takes no refusal callback: the registry makes the refusal after its one check (the
    // dummy and flask modules place it where their Xen does: test/sim/iommu.test.ts)
    expect(xsm.checks).toHaveLength(1);
  });

  it("removing a bridge gives its buses back to what its own bus maps to (free_pdev)", () => {
    const { reg } = host();
    expect(reg.removeDevice(svpHwdom, "0000:05:02.0")).toBe(0);
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:06:03.0", 1024).groupId).toBe(key("0000:00:1e.0"));
    expect(reg.removeDevice(svpHwdom, "0000:00:1e.0")).toBe(0);
    expect(reg.getDeviceGroup(svpHwdom, svpHwdom, "0000:06:03.0", 1024).groupId).toBe(key("0000:06:03.0"));
  });
});
