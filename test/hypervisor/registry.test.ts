// One behaviour of pci.c per test: return codes, printk lines, XSM checks made, final devices().
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import type { Domain, Rc } from "../../src/xsm/types.js";
import type { RegistryOptions } from "../../src/hypervisor/types.js";
import { Domains, ScriptedXsm, cast, gvpGuest, gvpHwdom, makeRegistry, svpHwdom } from "./helpers.js";

const PF = "0000:03:00.0";
const VF0 = "0000:03:10.0";
const VF2 = "0000:03:10.2";

const hooks = (xsm: ScriptedXsm) => xsm.checks.map((c) => `${c.hook} d${c.domid} ${c.tcontext}`);

describe("pci_add_device", () => {
  it("adds a device owned by the hardware domain that added it, after xsm_resource_plug_pci", () => {
    const { reg, xsm, log } = makeRegistry();
    expect(reg.addDevice(gvpHwdom, PF)).toBe(0);
    expect(hooks(xsm)).toEqual(["resource_plug_pci d1 300"]);
    expect(log).toEqual(["PCI add device 0000:03:00.0"]);
    expect(reg.devices()).toEqual([{ sbdf: PF, kind: "device", physfn: null, broken: false, owner: "gvp1-hwdom" }]);
  });

  it("names extended functions and virtual functions as pci_add_device's type does", () => {
    const { reg, log } = makeRegistry();
    expect(reg.addDevice(svpHwdom, "0000:04:00.1", { extfn: true })).toBe(0);
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(log).toEqual([
      "PCI add extended function 0000:04:00.1",
      "PCI add device 0000:03:00.0",
      "PCI add virtual function 0000:03:10.0",
    ]);
    expect(reg.devices().map((d) => [d.sbdf, d.kind, d.physfn])).toEqual([
      [PF, "pf", null],
      [VF0, "vf", PF],
      ["0000:04:00.1", "extfn", null],
    ]);
  });

  it("keeps the record of a device added twice (alloc_pdev) and returns 0", () => {
    const { reg, xsm } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    xsm.checks.length = 0;
    expect(reg.addDevice(gvpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(hooks(xsm)).toEqual(["resource_plug_pci d1 380"]);
    expect(reg.device(VF0)).toEqual({ sbdf: VF0, kind: "vf", physfn: PF, broken: false, owner: "gvp1-guest" });
    expect(reg.linkedVfs(PF)).toEqual([VF0]);
  });

  it("gives a device added by a non-hardware caller to Xen's hardware_domain", () => {
    const { reg } = makeRegistry();
    expect(reg.addDevice(gvpGuest, PF)).toBe(0);
    expect(reg.device(PF)?.owner).toBe("svp-hwdom");
    const noHwdom = new PciRegistry(new ScriptedXsm(), new Domains(cast), { strategy: "upstream", vfWithoutPf: "reject" });
    expect(noHwdom.addDevice(gvpGuest, PF)).toBe(0);
    expect(noHwdom.device(PF)?.owner).toBeNull();
  });

  it("returns the XSM denial and changes nothing", () => {
    const { reg, log } = makeRegistry({}, (cur, hook) => !(cur.domid === 1 && hook === "resource_plug_pci"));
    expect(reg.addDevice(gvpHwdom, PF)).toBe("-EACCES");
    expect(reg.devices()).toEqual([]);
    expect(log).toEqual([]);
  });

  it("rejects a VF without its PF with -ENODEV under vfWithoutPf=reject (v8 3/3)", () => {
    const { reg, xsm, log } = makeRegistry({ vfWithoutPf: "reject" });
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe("-ENODEV");
    expect(hooks(xsm)).toEqual(["resource_plug_pci d0 380"]);
    expect(log).toEqual(["Attempted to add SR-IOV VF 0000:03:10.0 without PF 0000:03:00.0"]);
    expect(reg.devices()).toEqual([]);
  });

  it("adds the PF first, through its own plug check, under vfWithoutPf=add-pf", () => {
    const { reg, xsm, log } = makeRegistry({ vfWithoutPf: "add-pf" });
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(hooks(xsm)).toEqual(["resource_plug_pci d0 380", "resource_plug_pci d0 300"]);
    // the VF is there, so its PF's SR-IOV BARs cannot be sized: pci_add_device warns
    expect(log).toEqual(["SR-IOV device 0000:03:00.0 has its virtual functions already enabled (0009)", "PCI add device 0000:03:00.0", "PCI add virtual function 0000:03:10.0"]);
    expect(reg.vfBarsSized(PF)).toBe(false);
    expect(reg.devices().map((d) => [d.sbdf, d.kind, d.physfn])).toEqual([
      [PF, "pf", null],
      [VF0, "vf", PF],
    ]);
  });

  it("fails the VF with the PF's error when the implicit PF add is denied", () => {
    const { reg, log } = makeRegistry({ vfWithoutPf: "add-pf" }, (_c, _h, bdf) => bdf !== 0x300);
    expect(reg.addDevice(gvpHwdom, VF0, { physfn: PF })).toBe("-EACCES");
    expect(log).toEqual(["Failed to add SR-IOV device PF 0000:03:00.0 for VF 0000:03:10.0"]);
    expect(reg.devices()).toEqual([]);
  });

  it("adds the missing PF before the VF's own plug check under vfWithoutPf=add-pf-first (Xen 4.19.0)", () => {
    const { reg, xsm, log } = makeRegistry({ vfWithoutPf: "add-pf-first" });
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(hooks(xsm)).toEqual(["resource_plug_pci d0 300", "resource_plug_pci d0 380"]);
    expect(log).toEqual(["SR-IOV device 0000:03:00.0 has its virtual functions already enabled (0009)", "PCI add device 0000:03:00.0", "PCI add virtual function 0000:03:10.0"]);
    expect(reg.devices().map((d) => [d.sbdf, d.kind, d.physfn])).toEqual([
      [PF, "pf", null],
      [VF0, "vf", PF],
    ]);
  });

  it("ignores a refused PF add under add-pf-first: the VF is added with no PF, not broken, and its PF's later add does not link it", () => {
    const { reg, log } = makeRegistry({ vfWithoutPf: "add-pf-first" }, (cur, _h, bdf) => bdf !== 0x300 || cur.domid === 0);
    expect(reg.addDevice(gvpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(log).toEqual(["PCI add virtual function 0000:03:10.0"]);
    expect(reg.devices()).toEqual([{ sbdf: VF0, kind: "vf", physfn: null, broken: false, owner: "gvp1-hwdom" }]);
    expect(reg.checkInvariants()).toEqual([]);
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(reg.device(VF0)).toMatchObject({ physfn: null, broken: false });
    expect(reg.checkInvariants()).toEqual([]);
    expect(reg.setStrategy("cascade").ok).toBe(true); // no strategy unlinked it
  });

  it("keeps the PF it added first when the VF's own check fails (add-pf-first)", () => {
    const { reg, log } = makeRegistry({ vfWithoutPf: "add-pf-first" }, (_c, _h, bdf) => bdf !== 0x380);
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe("-EACCES");
    // the VF is on in the hardware though Xen refuses it: the PF's VF BARs stay unsized
    expect(log).toEqual(["SR-IOV device 0000:03:00.0 has its virtual functions already enabled (0009)", "PCI add device 0000:03:00.0"]);
    expect(reg.devices().map((d) => [d.sbdf, d.kind])).toEqual([[PF, "device"]]);
  });

  it("lets reassociate link a VF added without its PF once the PF comes (add-pf-first)", () => {
    const { reg } = makeRegistry({ vfWithoutPf: "add-pf-first", strategy: "reassociate" }, (cur, _h, bdf) => bdf !== 0x300 || cur.domid === 0);
    reg.addDevice(gvpHwdom, VF0, { physfn: PF });
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(reg.device(VF0)).toMatchObject({ physfn: PF, broken: false });
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("gives a VF its PF's extended-function bit", () => {
    const { reg } = makeRegistry();
    reg.addDevice(svpHwdom, PF, { extfn: true });
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    expect(reg.device(VF0)?.kind).toBe("vf");
    expect(reg.device(PF)?.kind).toBe("pf");
  });

  it("rejects malformed addresses with -EINVAL before any XSM check", () => {
    const { reg, xsm, log } = makeRegistry();
    expect(reg.addDevice(svpHwdom, "0000:03:20.0")).toBe("-EINVAL");
    expect(reg.addDevice(svpHwdom, VF0, { physfn: "zz" })).toBe("-EINVAL");
    expect(reg.addDevice(svpHwdom, VF0, { physfn: "0001:03:00.0" })).toBe("-EINVAL");
    expect(xsm.checks).toEqual([]);
    expect(log[0]).toContain("device 20 out of range (max 1f)");
    expect(reg.devices()).toEqual([]);
  });

  it("refuses a VF naming another VF as its PF", () => {
    const { reg } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    expect(reg.addDevice(svpHwdom, VF2, { physfn: VF0 })).toBe("-EINVAL");
    expect(reg.device(VF2)).toBeUndefined();
  });

  it("keeps segments apart", () => {
    const { reg } = makeRegistry();
    reg.addDevice(svpHwdom, "0001:03:00.0");
    reg.addDevice(svpHwdom, "0001:03:10.0", { physfn: "0001:03:00.0" });
    expect(reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe("-ENODEV");
    expect(reg.devices().map((d) => d.sbdf)).toEqual(["0001:03:00.0", "0001:03:10.0"]);
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-ENODEV");
  });
});

describe("pci_remove_device", () => {
  it("removes a device from the registry and from its owner, after xsm_resource_unplug_pci", () => {
    const { reg, xsm, log } = makeRegistry();
    reg.addDevice(svpHwdom, VF2);
    reg.assignDevice(svpHwdom, gvpGuest, VF2);
    xsm.checks.length = 0;
    log.length = 0;
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(hooks(xsm)).toEqual(["resource_unplug_pci d0 382"]);
    expect(log).toEqual(["PCI remove device 0000:03:10.2"]);
    expect(reg.devices()).toEqual([]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("checks XSM before looking the device up: -ENODEV for an unknown one", () => {
    const { reg, xsm } = makeRegistry();
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-ENODEV");
    expect(hooks(xsm)).toEqual(["resource_unplug_pci d0 300"]);
  });

  it("returns the denial and keeps the device", () => {
    const { reg } = makeRegistry({}, (cur, hook) => !(cur.domid === 2 && hook === "resource_unplug_pci"));
    reg.addDevice(svpHwdom, PF);
    expect(reg.removeDevice(gvpGuest, PF)).toBe("-EACCES");
    expect(reg.device(PF)).toBeDefined();
  });

  it("unlinks a removed VF from its PF (free_pdev)", () => {
    const { reg } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    reg.addDevice(svpHwdom, VF2, { physfn: PF });
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.linkedVfs(PF)).toEqual([VF2]);
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.devices()).toEqual([]);
  });
});

describe("assign_device / deassign_device", () => {
  function withVf(opts: Partial<RegistryOptions> = {}) {
    const r = makeRegistry(opts);
    r.reg.addDevice(svpHwdom, PF);
    r.reg.addDevice(gvpHwdom, VF0, { physfn: PF });
    r.xsm.checks.length = 0;
    r.log.length = 0;
    return r;
  }

  it("moves a device held by a hardware domain to the target after xsm_assign_device", () => {
    const { reg, xsm } = withVf();
    expect(reg.assignDevice(gvpHwdom, gvpGuest, VF0)).toBe(0);
    expect(hooks(xsm)).toEqual(["assign_device d1 380"]);
    expect(reg.device(VF0)?.owner).toBe("gvp1-guest");
  });

  it("returns -EBUSY for a device already assigned to a guest (device_assigned)", () => {
    const { reg } = withVf();
    reg.assignDevice(gvpHwdom, gvpGuest, VF0);
    expect(reg.assignDevice(svpHwdom, gvpHwdom, VF0)).toBe("-EBUSY");
    expect(reg.device(VF0)?.owner).toBe("gvp1-guest");
  });

  it("returns -ENODEV for an unknown device, after the XSM check", () => {
    const { reg, xsm } = withVf();
    expect(reg.assignDevice(gvpHwdom, gvpGuest, VF2)).toBe("-ENODEV");
    expect(xsm.checks).toHaveLength(1);
  });

  it("a module that does not take iommu_do_pci_domctl's refusals gets them after its answer", () => {
    class Plain extends ScriptedXsm {
      override assignDevice(cur: Domain, target: Domain, bdf: number): Rc {
        return super.assignDevice(cur, target, bdf);
      }
    }
    const xsm = new Plain();
    const reg = new PciRegistry(xsm, new Domains(cast, 0), { strategy: "upstream", vfWithoutPf: "reject" });
    expect(reg.assignDevice(gvpHwdom, gvpHwdom, VF0)).toBe("-EINVAL");
    expect(xsm.checks.map((c) => c.hook)).toEqual(["assign_device"]);
  });

  it("refuses self-assignment with -EINVAL before the hook, and unknown targets with -ESRCH", () => {
    const { reg, xsm } = withVf();
    expect(reg.assignDevice(gvpHwdom, gvpHwdom, VF0)).toBe("-EINVAL");
    expect(reg.deassignDevice(gvpHwdom, gvpHwdom, VF0)).toBe("-EINVAL");
    const ghost = { domid: 9, name: "ghost", control: false, hardware: false };
    expect(reg.assignDevice(gvpHwdom, ghost, VF0)).toBe("-ESRCH");
    expect(xsm.checks).toEqual([]);
  });

  it("does not assign a broken device to a guest: -EBADF and Xen's message", () => {
    const { reg, log } = withVf();
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY"); // upstream marks PF and VF broken
    log.length = 0;
    expect(reg.assignDevice(gvpHwdom, gvpGuest, VF0)).toBe("-EBADF");
    expect(log).toEqual(["d2: assign (0000:03:10.0) failed (-9)"]);
    expect(reg.device(VF0)?.owner).toBe("gvp1-hwdom");
    expect(reg.assignDevice(gvpHwdom, svpHwdom, VF0)).toBe(0); // the hardware domain may take it
  });

  it("returns the denial and changes nothing", () => {
    const { reg } = makeRegistry({}, (_c, hook) => hook !== "assign_device");
    reg.addDevice(svpHwdom, PF);
    expect(reg.assignDevice(svpHwdom, gvpGuest, PF)).toBe("-EACCES");
    expect(reg.device(PF)?.owner).toBe("svp-hwdom");
  });

  it("deassign gives the device to Xen's one hardware_domain, not to the hardware domain that added it (iommu=no-quarantine)", () => {
    const { reg, xsm } = withVf({ quarantine: "none" });
    reg.assignDevice(svpHwdom, gvpGuest, VF0);
    xsm.checks.length = 0;
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(hooks(xsm)).toEqual(["deassign_device d0 380"]);
    // deassign_device(): "target = hardware_domain" in every release
    expect(reg.device(VF0)?.owner).toBe("svp-hwdom");
    expect(reg.addedBy(VF0)).toBe("gvp1-hwdom");
  });

  it("deassignTo adding-hwdom (the SVP extension) returns it to the hardware domain that added it", () => {
    const { reg } = withVf({ quarantine: "none", deassignTo: "adding-hwdom" });
    reg.assignDevice(svpHwdom, gvpGuest, VF0);
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("gvp1-hwdom");
    expect(reg.deassignTarget()).toBe("adding-hwdom");
  });

  it("deassign of a device the target does not hold is -ENODEV (pci_get_pdev(d, sbdf))", () => {
    const { reg } = withVf();
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe("-ENODEV");
    expect(reg.device(VF0)?.owner).toBe("gvp1-hwdom");
  });

  it("removing an assigned device removes it from its owner", () => {
    const { reg, domains } = withVf();
    reg.assignDevice(gvpHwdom, gvpGuest, VF0);
    expect(reg.removeDevice(gvpHwdom, VF0)).toBe(0);
    reg.removeDomain(gvpGuest.domid);
    domains.remove(gvpGuest.domid);
    expect(reg.checkInvariants()).toEqual([]);
  });
});

describe("setup_device, hot_unplug and domain teardown", () => {
  it("setup makes xsm_resource_setup_pci and needs the device", () => {
    const { reg, xsm } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    xsm.checks.length = 0;
    expect(reg.setupDevice(svpHwdom, PF)).toBe(0);
    expect(reg.setupDevice(svpHwdom, VF0)).toBe("-ENODEV");
    expect(hooks(xsm)).toEqual(["resource_setup_pci d0 300", "resource_setup_pci d0 380"]);
  });

  it("setup returns the denial", () => {
    const { reg } = makeRegistry({}, (_c, hook) => hook !== "resource_setup_pci");
    reg.addDevice(svpHwdom, PF);
    expect(reg.setupDevice(gvpHwdom, PF)).toBe("-EACCES");
  });

  it("hot_unplug makes no XSM check, keeps the records and takes a PF's VFs with it", () => {
    const { reg, xsm, log } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    xsm.checks.length = 0;
    log.length = 0;
    expect(reg.hotUnplug(PF)).toBe(0);
    expect(xsm.checks).toEqual([]);
    expect(log).toEqual([]);
    expect(reg.devices()).toEqual([
      { sbdf: PF, kind: "pf", physfn: null, broken: false, owner: "svp-hwdom", present: false },
      { sbdf: VF0, kind: "vf", physfn: PF, broken: false, owner: "svp-hwdom", present: false },
    ]);
    expect(reg.setupDevice(svpHwdom, PF)).toBe("-ENODEV"); // config space reads all-ones
    expect(reg.hotUnplug("0000:09:00.0")).toBe("-ENODEV");
  });

  it("a device plugged back at the same SBDF is the same record, present again", () => {
    const { reg } = makeRegistry();
    reg.addDevice(svpHwdom, PF);
    reg.hotUnplug(PF);
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(reg.device(PF)?.present).toBeUndefined();
  });

  it("domain teardown deassigns the domain's devices to Xen's hardware_domain (pci_release_devices, iommu=no-quarantine)", () => {
    const { reg, domains } = makeRegistry({ quarantine: "none" });
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(gvpHwdom, VF0, { physfn: PF });
    reg.assignDevice(gvpHwdom, gvpGuest, VF0);
    reg.assignDevice(svpHwdom, gvpGuest, PF);
    reg.removeDomain(gvpGuest.domid);
    domains.remove(gvpGuest.domid);
    expect(reg.devices().map((d) => d.owner)).toEqual(["svp-hwdom", "svp-hwdom"]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("a teardown refused without an IOMMU changes nothing, not even who added a device (all or nothing)", () => {
    // deassign_device()'s "if ( !is_iommu_enabled(d) ) return -EINVAL;" (pci.c, RELEASE-4.19.0 ..
    // 4.22.0 and master): pci_release_devices splices every device back; Xen keeps no adder
    const { reg } = makeRegistry({ iommu: false, quarantine: "none", deassignTo: "adding-hwdom" });
    expect(reg.addDevice(gvpHwdom, PF)).toBe(0);
    const before = reg.devices();
    expect(reg.removeDomain(gvpHwdom.domid)).toBe("-EINVAL");
    expect(reg.devices()).toEqual(before);
    expect(reg.addedBy(PF)).toBe("gvp1-hwdom");
    expect(reg.removeDevice(gvpHwdom, PF)).toBe(0);
    expect(reg.removeDomain(gvpHwdom.domid)).toBe(0);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("domain teardown with deassignTo adding-hwdom returns each device to the hardware domain that added it, and to hardware_domain once that one is gone", () => {
    const { reg, domains } = makeRegistry({ quarantine: "none", deassignTo: "adding-hwdom" });
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(gvpHwdom, VF0, { physfn: PF });
    reg.assignDevice(gvpHwdom, gvpGuest, VF0);
    reg.assignDevice(svpHwdom, gvpGuest, PF);
    reg.removeDomain(gvpGuest.domid);
    domains.remove(gvpGuest.domid);
    expect(reg.devices().map((d) => d.owner)).toEqual(["svp-hwdom", "gvp1-hwdom"]);
    reg.removeDomain(gvpHwdom.domid);
    domains.remove(gvpHwdom.domid);
    expect(reg.devices().map((d) => d.owner)).toEqual(["svp-hwdom", "svp-hwdom"]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("refuses a strategy switch the registry's state does not fit", () => {
    const { reg } = makeRegistry({ strategy: "unlink-broken" });
    reg.addDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, VF0, { physfn: PF });
    expect(reg.setStrategy("cascade")).toEqual({ ok: true, value: "cascade" });
    reg.setStrategy("unlink-broken");
    reg.removeDevice(svpHwdom, PF);
    const r = reg.setStrategy("upstream");
    expect(r.ok).toBe(false);
    expect(reg.getStrategy()).toBe("unlink-broken");
    expect(reg.setStrategy("reassociate").ok).toBe(true);
  });
});
