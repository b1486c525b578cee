// Phantom functions (pdev->phantom_stride) and a host bridge's refused quarantine, read at
// RELEASE-4.19.0 .. 4.22.0 and master xen/drivers/passthrough/pci.c (parse_phantom_dev,
// alloc_pdev, pci_add_device, pci_get_pdev, pci_get_real_pdev, iommu_add_device, assign_device,
// deassign_device, iommu_remove_device, pci_release_devices), vtd/iommu.c and
// amd/pci_amd_iommu.c, where none of it differs.
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/hypervisor/index.js";
import type { ContextChange, DeviceType, PhantomDev, Quarantine, RegistryOptions } from "../../src/hypervisor/types.js";
import { DOM_IO } from "../../src/hypervisor/types.js";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { dom0, g1, g2, sbdf as key } from "./helpers.js";
import { parsePhantomDev, phantomRejectLine } from "../../src/xen/pci-phantom.js";

const hw2 = { domid: 3, name: "hw2", control: true, hardware: true }; // control too: the dummy module lets only a control domain plug devices

function registry(o: { devcap?: Record<string, number>; pciPhantom?: PhantomDev[]; present?: string[]; types?: Record<string, DeviceType>; quarantine?: Quarantine; extra?: Partial<RegistryOptions> } = {}) {
  const log: string[] = [];
  const changes: ContextChange[] = [];
  const devcap = new Map(Object.entries(o.devcap ?? {}).map(([s, v]) => [key(s), v]));
  const types = new Map(Object.entries(o.types ?? {}).map(([s, v]) => [key(s), v]));
  const present = new Set((o.present ?? []).map(key));
  const reg = new PciRegistry(new DummyXsm(), [dom0, g1, g2, hw2], {
    strategy: "upstream",
    vfWithoutPf: "reject",
    quarantine: o.quarantine ?? "basic",
    devcapPhantom: (k) => devcap.get(k),
    pciPhantom: o.pciPhantom,
    functionPresent: (k) => present.has(k),
    pdevType: (k) => types.get(k),
    onContext: (c) => changes.push(c),
    log: (l) => log.push(l),
    ...o.extra,
  });
  return { reg, log, changes };
}

describe("parse_phantom_dev: pci-phantom=[<seg>:]<bus>:<device>,<stride>", () => {
  const ok = (v: string) => {
    const p = parsePhantomDev(v, 0);
    return p.ok ? p.value : p;
  };
  it("takes a segment or none, hex fields, strides 1, 2 and 4 in C's bases", () => {
    expect(ok("04:10,1")).toEqual({ seg: 0, bus: 4, slot: 0x10, stride: 1 });
    expect(ok("0001:0a:1f,4")).toEqual({ seg: 1, bus: 10, slot: 31, stride: 4 });
    expect(ok("0x3:0x00,0x2")).toEqual({ seg: 0, bus: 3, slot: 0, stride: 2 });
    expect(ok("03:00,04")).toMatchObject({ stride: 4 }); // octal
    // phantom.stride is a u8: 260 and -252 are 4 there
    expect(ok("03:00,260")).toMatchObject({ stride: 4 });
    expect(ok("03:00,-252")).toMatchObject({ stride: 4 });
  });
  it("refuses a function, a missing or bad stride, trailing text, fields out of range and an empty value: -EINVAL", () => {
    for (const v of ["03:00.0,1", "03:00", "03:00,3", "03:00,0", "03:00,08", "03:00,1x", "03:00,2,", "10000:00:00,1", "03:100,1", "03:20,1", "03", ""]) {
      const p = parsePhantomDev(v, 0);
      expect(p.ok, v).toBe(false);
      if (!p.ok) expect(p.rc, v).toBe(-22);
    }
    const f = parsePhantomDev("03:00.0,1", 0);
    expect(f.ok ? "" : f.why).toContain("pci-phantom= takes no function");
  });
  it("has room for 8: the ninth is -E2BIG before it is read, and Xen's line says so", () => {
    const p = parsePhantomDev("not even an address", 8);
    expect(p).toMatchObject({ ok: false, rc: -7 });
    expect(phantomRejectLine("03:00,3", -22)).toBe('parameter "pci-phantom" has invalid value "03:00,3", rc=-22!');
  });
});

describe("alloc_pdev's phantom_stride", () => {
  it("DEVCAP's field gives 8 >> field, none when the function is at or past it; pci_add_device prints each phantom after the add", () => {
    const { reg, log } = registry({ devcap: { "0000:03:00.0": 2, "0000:03:01.1": 1, "0000:03:02.4": 1, "0000:03:03.0": 3 } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(log).toEqual(["PCI add device 0000:03:00.0", "PCI phantom 0000:03:00.2", "PCI phantom 0000:03:00.4", "PCI phantom 0000:03:00.6"]);
    expect(reg.addDevice(dom0, "0000:03:01.1")).toBe(0);
    expect(reg.phantoms("0000:03:01.1")).toEqual(["0000:03:01.5"]);
    expect(reg.addDevice(dom0, "0000:03:02.4")).toBe(0);
    expect(reg.phantoms("0000:03:02.4")).toEqual([]); // PCI_FUNC(devfn) >= stride
    expect(reg.addDevice(dom0, "0000:03:03.0")).toBe(0);
    expect(reg.phantoms("0000:03:03.0")).toHaveLength(7);
    expect(reg.device("0000:03:00.0")?.phantoms).toEqual(["0000:03:00.2", "0000:03:00.4", "0000:03:00.6"]);
    expect(reg.device("0000:03:02.4")).not.toHaveProperty("phantoms");
  });

  it("is read for a PCIe endpoint only: a conventional PCI device, a host bridge or a bridge gets none", () => {
    const { reg } = registry({ devcap: { "0000:03:00.0": 3, "0000:00:00.0": 3 }, types: { "0000:03:00.0": "pci", "0000:00:00.0": "host-bridge" } });
    for (const s of ["0000:03:00.0", "0000:00:00.0"]) {
      expect(reg.addDevice(dom0, s)).toBe(0);
      expect(reg.phantoms(s)).toEqual([]);
    }
  });

  it("pci-phantom=: the first entry for the slot with a stride above the function, doubled (with Xen's warning) while a function it covers is real", () => {
    const { reg, log } = registry({
      pciPhantom: [
        { seg: 0, bus: 4, slot: 0x10, stride: 1 },
        { seg: 0, bus: 4, slot: 0x10, stride: 4 },
      ],
      present: ["0000:04:10.1", "0000:04:10.2"],
    });
    expect(reg.addDevice(dom0, "0000:04:10.0")).toBe(0);
    expect(log).toEqual([
      "0000:04:10.1 looks to be a real device; bumping 0000:04:10 stride to 2",
      "0000:04:10.2 looks to be a real device; bumping 0000:04:10 stride to 4",
      "PCI add device 0000:04:10.0",
      "PCI phantom 0000:04:10.4",
    ]);
    // 04:10.1: stride 1 is not above function 1, the second entry's 4 is; 04:10.5 is free
    expect(reg.addDevice(dom0, "0000:04:10.1")).toBe(0);
    expect(reg.phantoms("0000:04:10.1")).toEqual(["0000:04:10.5"]);
  });

  it("pci-phantom=: a stride doubled to 8 leaves no phantom functions; DEVCAP wins over the option", () => {
    const { reg, log } = registry({ pciPhantom: [{ seg: 0, bus: 4, slot: 0, stride: 4 }], present: ["0000:04:00.4"], devcap: { "0000:05:00.0": 1 } });
    expect(reg.addDevice(dom0, "0000:04:00.0")).toBe(0);
    expect(log[0]).toBe("0000:04:00.4 looks to be a real device; bumping 0000:04:00 stride to 8");
    expect(reg.phantoms("0000:04:00.0")).toEqual([]);
  });

  it("is kept by a re-add, which prints the phantom lines again", () => {
    const { reg, log } = registry({ devcap: { "0000:03:00.0": 1 } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    log.length = 0;
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(log).toEqual(["PCI add device 0000:03:00.0", "PCI phantom 0000:03:00.4"]);
  });
});

describe("the IOMMU maps phantom functions with their device; no hypercall looks one up", () => {
  it("VT-d: every phantom context entry follows the function through add, assign, deassign (phantoms first), teardown and removal", () => {
    for (const quarantine of ["none", "basic", "scratch-page"] as const) {
      const { reg } = registry({ devcap: { "0000:03:00.0": 2 }, quarantine });
      const entries = () => ["0000:03:00.0", "0000:03:00.2", "0000:03:00.4", "0000:03:00.6"].map((s) => reg.contextOwner(s));
      const all = (v: string | null) => [v, v, v, v];
      expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
      expect(entries()).toEqual(all("dom0"));
      expect(reg.assignDevice(dom0, g1, "0000:03:00.0")).toBe(0);
      expect(entries()).toEqual(all("g1"));
      expect(reg.deassignDevice(dom0, g1, "0000:03:00.0")).toBe(0);
      expect(entries()).toEqual(all(quarantine === "none" ? "dom0" : quarantine === "basic" ? null : "dom_io"));
      expect(reg.assignDevice(dom0, g2, "0000:03:00.0")).toBe(0);
      expect(reg.removeDomain(g2.domid)).toBe(0);
      expect(entries()).toEqual(all(quarantine === "none" ? "dom0" : quarantine === "basic" ? null : "dom_io"));
      expect(reg.removeDevice(dom0, "0000:03:00.0")).toBe(0);
      expect(entries()).toEqual(all(null));
      expect(reg.checkInvariants()).toEqual([]);
    }
  });

  it("an op naming a phantom function finds no pdev: -ENODEV (test_assign: -EINVAL), after XSM is asked about that SBDF; pci_get_real_pdev would find the device", () => {
    const { reg, log } = registry({ devcap: { "0000:03:00.0": 2 } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(reg.assignDevice(dom0, g1, "0000:03:00.2")).toBe("-ENODEV");
    expect(reg.assignDevice(dom0, g1, "0000:03:00.0")).toBe(0);
    expect(reg.deassignDevice(dom0, g1, "0000:03:00.4")).toBe("-ENODEV");
    log.length = 0;
    expect(reg.testAssignDevice(dom0, "0000:03:00.6")).toBe("-EINVAL");
    expect(log).toEqual(["0000:03:00.6 already assigned, or non-existent"]);
    expect(reg.removeDevice(dom0, "0000:03:00.2")).toBe("-ENODEV");
    expect(reg.realDevice("0000:03:00.6")).toBe("0000:03:00.0");
    expect(reg.realDevice("0000:03:00.3")).toBeUndefined();
    expect(reg.realDevice("0000:03:00.0")).toBe("0000:03:00.0");
    expect(reg.device("0000:03:00.0")?.owner).toBe("g1");
  });

  it("pci_get_real_pdev clears each stride bit in turn and takes a device whose stride is the last bit cleared", () => {
    const { reg } = registry({ devcap: { "0000:03:00.0": 2 } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(reg.realDevice("0000:03:00.6")).toBe("0000:03:00.0"); // .6 -> .2 (none) -> .0, stride 2
    expect(reg.realDevice("0000:03:00.5")).toBeUndefined(); // .5 -> .1 (none) -> .0, but stride 1 is not its 2
    expect(reg.realDevice("0000:03:00.3")).toBeUndefined();
  });

  it("a record pci_add_device makes at a phantom devfn shares that context entry: each mapping rewrites it, and the change is reported", () => {
    const { reg, changes } = registry({ devcap: { "0000:03:00.0": 2 } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(reg.addDevice(dom0, "0000:03:00.2")).toBe(0);
    expect(reg.phantoms("0000:03:00.2")).toEqual([]);
    changes.length = 0;
    expect(reg.assignDevice(dom0, g1, "0000:03:00.0")).toBe(0);
    expect(changes).toEqual([{ device: key("0000:03:00.0"), bridge: -1, rid: key("0000:03:00.2"), via: "phantom", from: 0, to: 1 }]);
    expect(reg.contextUsers("0000:03:00.2", "0000:03:00.0")).toEqual(["0000:03:00.2"]);
    expect(reg.assignDevice(dom0, g2, "0000:03:00.2")).toBe(0);
    expect(reg.contextOwner("0000:03:00.2")).toBe("g2");
    expect(reg.contextOwner("0000:03:00.4")).toBe("g1");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("AMD with an IVRS table: a phantom function no entry makes valid gets iommu_add_device's warning, and the device is added", () => {
    const { reg, log } = registry({ devcap: { "0000:03:00.0": 1, "0000:04:00.0": 1 }, extra: { iommuVendor: "amd", ivrs: [{ bdf: key("0000:03:00.0") }, { bdf: key("0000:04:00.0"), last: key("0000:04:00.7") }] } });
    expect(reg.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(log).toEqual(["IOMMU: add 0000:03:00.4 failed (-1)", "PCI add device 0000:03:00.0", "PCI phantom 0000:03:00.4"]);
    log.length = 0;
    expect(reg.addDevice(dom0, "0000:04:00.0")).toBe(0);
    expect(log).toEqual(["PCI add device 0000:04:00.0", "PCI phantom 0000:04:00.4"]);
  });
});

describe("a host bridge under quarantine=scratch-page (VT-d)", () => {
  const setup = () => {
    const r = registry({ quarantine: "scratch-page", types: { "0000:00:00.0": "host-bridge" }, extra: { addTo: "adding-hwdom" } });
    expect(r.reg.addDevice(hw2, "0000:00:00.0")).toBe(0);
    expect(r.reg.addDevice(hw2, "0000:03:00.0")).toBe(0);
    expect(r.reg.device("0000:00:00.0")?.owner).toBe("hw2");
    r.log.length = 0;
    return r;
  };

  it("deassign_device to dom_io is -EPERM, logged, the device left with its domain", () => {
    const { reg, log } = setup();
    expect(reg.deassignDevice(dom0, hw2, "0000:00:00.0")).toBe("-EPERM");
    expect(log).toEqual(["d3: deassign (0000:00:00.0) failed (-1)"]);
    expect(reg.device("0000:00:00.0")?.owner).toBe("hw2");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("pci_release_devices moves the domain's other devices, keeps the host bridge and returns -EPERM; again, the same", () => {
    const { reg, log } = setup();
    expect(reg.removeDomain(hw2.domid)).toBe("-EPERM");
    expect(log).toEqual(["d3: deassign (0000:00:00.0) failed (-1)"]);
    expect(reg.device("0000:00:00.0")?.owner).toBe("hw2");
    expect(reg.device("0000:03:00.0")?.owner).toBe("dom_io");
    expect(reg.removeDomain(hw2.domid)).toBe("-EPERM");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("basic quarantine unmaps it instead, and a deassign from dom_io returns it: no refusal", () => {
    const { reg } = registry({ quarantine: "basic", types: { "0000:00:00.0": "host-bridge" }, extra: { addTo: "adding-hwdom" } });
    expect(reg.addDevice(hw2, "0000:00:00.0")).toBe(0);
    expect(reg.removeDomain(hw2.domid)).toBe(0);
    expect(reg.device("0000:00:00.0")?.owner).toBe("dom_io");
    expect(reg.deassignDevice(dom0, DOM_IO, "0000:00:00.0")).toBe(0);
    expect(reg.device("0000:00:00.0")?.owner).toBe("dom0");
  });
});
