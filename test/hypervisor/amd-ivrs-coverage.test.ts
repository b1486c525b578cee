// AMD: which devices the IVRS table gives an IOMMU, read at RELEASE-4.19.0 .. RELEASE-4.22.0 and
// master drivers/passthrough/amd/: iommu_acpi.c's parse_ivhd_device_{select,alias,range,
// alias_range} -> add_ivrs_mapping_entry (dte_requestor_id, the alias's valid, the bdf's iommu),
// amd_iommu_get_ivrs_dev_entries (ivrs_bdf_entries), pci_amd_iommu.c's find_iommu_for_device (the
// function-0 copy) and amd_iommu_add_device (-ENODEV with no IOMMU), and pci.c's pci_add_device
// (the pdev kept, owned by no one), device_assigned and pci_remove_device/iommu_remove_device.
import { describe, expect, it } from "vitest";
import { PciRegistry, formatSbdf } from "../../src/hypervisor/index.js";
import type { IvrsEntry } from "../../src/hypervisor/types.js";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { dom0, sbdf as key } from "./helpers.js";

const guest = { domid: 1, name: "guest", control: false, hardware: false };
const entry = (bdf: string, o: { alias?: string; last?: string } = {}): IvrsEntry => ({
  bdf: key(bdf),
  ...(o.alias !== undefined ? { alias: key(o.alias) } : {}),
  ...(o.last !== undefined ? { last: key(o.last) } : {}),
});
const amd = (ivrs: IvrsEntry[] | undefined) => {
  const log: string[] = [];
  const reg = new PciRegistry(new DummyXsm(), [dom0, guest], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", ivrs, log: (l) => log.push(l) });
  return { reg, log };
};
const group = (reg: PciRegistry, sbdf: string) => reg.getDeviceGroup(dom0, dom0, sbdf, 16);

describe("amd_iommu_add_device: a device no IVRS entry covers", () => {
  it("is -ENODEV with Xen's warning; the pdev stays, owned by no one, on no domain's list", () => {
    const { reg, log } = amd([entry("0000:00:14.0"), entry("0000:01:00.0")]);
    expect(reg.addDevice(dom0, "0000:02:00.0")).toBe("-ENODEV");
    expect(log).toEqual(["AMD-Vi: Warning: no IOMMU for 0000:02:00.0; cannot be handed to d0"]);
    expect(reg.device("0000:02:00.0")).toMatchObject({ owner: null });
    expect(reg.iommuRefused("0000:02:00.0")).toBe(true);
    expect(reg.checkInvariants()).toEqual([]);
    // for_each_pdev(d0) does not list it
    expect(reg.addDevice(dom0, "0000:00:14.0")).toBe(0);
    expect(group(reg, "0000:00:14.0").sdevs).toEqual([]);
  });

  it("device_assigned finds it busy, test_assign refuses it, deassign finds it on no domain", () => {
    const { reg } = amd([entry("0000:00:14.0")]);
    expect(reg.addDevice(dom0, "0000:02:00.0")).toBe("-ENODEV");
    expect(reg.assignDevice(dom0, guest, "0000:02:00.0")).toBe("-EBUSY");
    expect(reg.testAssignDevice(dom0, "0000:02:00.0")).toBe("-EINVAL");
    expect(reg.deassignDevice(dom0, guest, "0000:02:00.0")).toBe("-ENODEV");
    expect(reg.device("0000:02:00.0")).toMatchObject({ owner: null });
  });

  it("a second add tries again, and fails again; removal frees it with iommu_remove_device's -EINVAL", () => {
    const freed: number[] = [];
    const reg = new PciRegistry(new DummyXsm(), [dom0], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", ivrs: [entry("0000:00:14.0")], onFree: (k) => freed.push(k) });
    expect(reg.addDevice(dom0, "0000:02:00.0")).toBe("-ENODEV");
    expect(reg.addDevice(dom0, "0000:02:00.0")).toBe("-ENODEV");
    expect(reg.removeDevice(dom0, "0000:02:00.0")).toBe("-EINVAL");
    expect(reg.device("0000:02:00.0")).toBeUndefined();
    expect(freed).toEqual([key("0000:02:00.0")]);
    expect(reg.removeDevice(dom0, "0000:02:00.0")).toBe("-ENODEV");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("a segment no IVHD block covers: its devices are refused, and get_device_group below ivrs_bdf_entries is -ENODEV", () => {
    const { reg, log } = amd([entry("0000:00:14.0"), entry("0000:03:00.0")]);
    expect(reg.ivrsCovers("0001:00:14.0")).toEqual({ covered: false, segment: false });
    expect(reg.addDevice(dom0, "0001:00:14.0")).toBe("-ENODEV");
    expect(log).toEqual(["AMD-Vi: Warning: no IOMMU for 0001:00:14.0; cannot be handed to d0"]);
    expect(group(reg, "0001:00:14.0").rc).toBe("-ENODEV");
    // ivrs_bdf_entries is (0x0300 | 7) + 1: past it amd_iommu_group_id is the bdf, in any segment
    expect(group(reg, "0001:03:01.0")).toMatchObject({ rc: 0, groupId: 0x0308 });
    expect(reg.addDevice(dom0, "0000:03:01.0")).toBe("-ENODEV"); // past ivrs_bdf_entries
  });

  it("a host bridge no entry covers stays with the hardware domain (\"Filter bridge devices.\")", () => {
    const log: string[] = [];
    const hb = key("0000:00:00.0");
    const reg = new PciRegistry(new DummyXsm(), [dom0, guest], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", ivrs: [entry("0000:00:14.0")], pdevType: (k) => (k === hb ? "host-bridge" : undefined), log: (l) => log.push(l) });
    expect(reg.addDevice(dom0, "0000:00:00.0")).toBe(0);
    expect(log).toEqual(["PCI add device 0000:00:00.0"]);
    expect(reg.device("0000:00:00.0")).toMatchObject({ owner: "dom0" });
    // amd_iommu_group_id has no filter: the group is the bdf's own below ivrs_bdf_entries
    expect(group(reg, "0000:00:00.0")).toMatchObject({ rc: 0, groupId: 0 });
  });

  it("with no IVRS table given, every device is covered (the table is not modelled)", () => {
    const { reg } = amd(undefined);
    expect(reg.addDevice(dom0, "0001:07:00.0")).toBe(0);
    expect(reg.ivrsCovers("0001:07:00.0")).toEqual({ covered: true, segment: true });
  });

  it("a domain without the IOMMU is not asked about (iommu_add_device: !is_iommu_enabled)", () => {
    const noIommu = { ...dom0, iommu: false };
    const reg = new PciRegistry(new DummyXsm(), [noIommu], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", ivrs: [entry("0000:00:14.0")] });
    expect(reg.addDevice(noIommu, "0000:02:00.0")).toBe(0);
  });
});

describe("a VF whose PF the IOMMU refused", () => {
  // pci_add_device keeps the refused PF's pdev (pdev->domain NULL, still on the segment's list), so
  // pci_get_pdev(NULL, physfn) finds it: RELEASE-4.20.0 .. 4.22.0 and master link the VF to it (no
  // "Attempted to add SR-IOV VF %pp without PF %pp"), 4.19.1's backport does not add the PF again,
  // and 4.19.0 neither adds it again nor links (the model's pre-links finds it by SBDF alike)
  const PF = "0000:02:00.0";
  const VF = "0000:02:10.0";
  for (const vfWithoutPf of ["reject", "add-pf", "add-pf-first"] as const) {
    it(`${vfWithoutPf}: the VF is added, its PF the ownerless pdev`, () => {
      const log: string[] = [];
      const strategy = vfWithoutPf === "add-pf-first" ? "pre-links" : "upstream";
      const reg = new PciRegistry(new DummyXsm(), [dom0, guest], { strategy, vfWithoutPf, iommuVendor: "amd", ivrs: [entry(VF)], log: (l) => log.push(l) });
      expect(reg.addDevice(dom0, PF)).toBe("-ENODEV");
      log.length = 0;
      expect(reg.addDevice(dom0, VF, { physfn: PF })).toBe(0);
      expect(log).toEqual([`PCI add virtual function ${VF}`]);
      expect(reg.devices()).toEqual([
        { sbdf: PF, kind: "pf", physfn: null, broken: false, owner: null },
        { sbdf: VF, kind: "vf", physfn: PF, broken: false, owner: "dom0" },
      ]);
      expect(reg.assignDevice(dom0, guest, VF)).toBe(0);
      expect(reg.assignDevice(dom0, guest, PF)).toBe("-EBUSY");
      expect(reg.checkInvariants()).toEqual([]);
    });
  }

  it("add-pf (4.19.1): a VF that brings its PF fails with the PF's -ENODEV; the PF's pdev is kept, so the VF's next add finds it", () => {
    const log: string[] = [];
    const reg = new PciRegistry(new DummyXsm(), [dom0], { strategy: "upstream", vfWithoutPf: "add-pf", iommuVendor: "amd", ivrs: [entry(VF)], log: (l) => log.push(l) });
    expect(reg.addDevice(dom0, VF, { physfn: PF })).toBe("-ENODEV");
    expect(log).toEqual([
      `SR-IOV device ${PF} has its virtual functions already enabled (0009)`,
      `AMD-Vi: Warning: no IOMMU for ${PF}; cannot be handed to d0`,
      `Failed to add SR-IOV device PF ${PF} for VF ${VF}`,
    ]);
    expect(reg.devices().map((d) => d.sbdf)).toEqual([PF]);
    expect(reg.addDevice(dom0, VF, { physfn: PF })).toBe(0);
    expect(reg.device(VF)).toMatchObject({ physfn: PF, owner: "dom0" });
    expect(reg.checkInvariants()).toEqual([]);
  });
});

describe("find_iommu_for_device: function 0's entry", () => {
  it("a function no entry names takes function 0's IOMMU and mapping, once, with Xen's warning", () => {
    const { reg, log } = amd([entry("0000:00:14.0"), entry("0000:01:00.0", { alias: "0000:00:14.0" })]);
    expect(reg.ivrsCovers("0000:01:00.3")).toEqual({ covered: true, via: "function 0", segment: true });
    expect(reg.addDevice(dom0, "0000:01:00.3")).toBe(0);
    expect(log).toEqual(["0000:01:00.3 not found in ACPI tables; using same IOMMU as function 0", "PCI add device 0000:01:00.3"]);
    expect(reg.ivrsCovers("0000:01:00.3")).toEqual({ covered: true, segment: true });
    // function 0's alias is copied: the function shares 00:14.0's requester ID
    expect(reg.requesterId("0000:01:00.3")?.id).toBe("0000:00:14.0");
  });

  it("function 0's own ID becomes the function's own; function 0's valid flag comes with it", () => {
    // 01:00.0 is its own (select) and valid; 02:00.0 is its own but no entry names it as an alias
    const { reg } = amd([entry("0000:01:00.0"), entry("0000:02:00.0", { alias: "0000:00:14.0" }), entry("0000:00:14.0")]);
    for (const d of ["0000:00:14.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1"]) expect(reg.addDevice(dom0, d)).toBe(0);
    expect(reg.requesterId("0000:01:00.1")?.id).toBe("0000:01:00.1");
    expect(formatSbdf(group(reg, "0000:02:00.1").groupId!)).toBe("0000:00:14.0");
  });
});

describe("IVHD range entries", () => {
  it("a range gives every bdf from first to last its own ID and an IOMMU", () => {
    const { reg } = amd([entry("0000:03:00.0", { last: "0000:03:01.7" })]);
    for (const d of ["0000:03:00.0", "0000:03:00.5", "0000:03:01.7"]) expect(reg.addDevice(dom0, d)).toBe(0);
    expect(reg.addDevice(dom0, "0000:03:02.0")).toBe("-ENODEV");
    expect(group(reg, "0000:03:00.5").sdevs).toEqual([]);
  });

  it("an alias range gives them all one requester ID: one group", () => {
    const { reg } = amd([entry("0000:00:1e.0"), entry("0000:04:00.0", { alias: "0000:00:1e.0", last: "0000:04:1f.7" })]);
    for (const d of ["0000:00:1e.0", "0000:04:00.0", "0000:04:03.0", "0000:04:1f.7"]) expect(reg.addDevice(dom0, d)).toBe(0);
    expect(group(reg, "0000:04:03.0").sdevs.map((k) => formatSbdf(k))).toEqual(["0000:04:1f.7", "0000:04:00.0", "0000:00:1e.0"]);
  });

  it("the registry refuses a table Xen would refuse: a range not above its first, another segment, an alias past ivrs_bdf_entries", () => {
    expect(() => amd([entry("0000:03:01.0", { last: "0000:03:00.0" })])).toThrow(/invalid IVRS entry 0000:03:01.0\.\.0000:03:00.0/);
    expect(() => amd([entry("0000:03:00.0", { last: "0001:03:01.0" })])).toThrow(RangeError);
    expect(() => amd([entry("0000:03:00.0", { alias: "0000:05:00.0" })])).toThrow(/alias 0000:05:00.0/);
  });
});
