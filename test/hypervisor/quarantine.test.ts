// dom_io ownership: where deassign_device() sends a device (iommu_quarantine, pdev->quarantine),
// assignment to DOMID_IO (xl pci-assignable-add), device_assigned() accepting dom_io's devices,
// pci_release_devices() at teardown. xen/drivers/passthrough/pci.c, identical in 4.19.0..master.
import { describe, expect, it } from "vitest";
import { DOM_IO } from "../../src/hypervisor/types.js";
import { gvpGuest, gvpHwdom, makeRegistry, svpHwdom } from "./helpers.js";

const PF = "0000:03:00.0";
const VF0 = "0000:03:10.0";

function withVf(quarantine?: "none" | "basic" | "scratch-page") {
  const r = makeRegistry({ quarantine });
  r.reg.addDevice(svpHwdom, PF);
  r.reg.addDevice(gvpHwdom, VF0, { physfn: PF });
  r.xsm.checks.length = 0;
  return r;
}

describe("quarantine: deassign_device() and dom_io", () => {
  it("sends a deassigned device to dom_io under iommu=quarantine, Xen's default", () => {
    for (const mode of [undefined, "basic", "scratch-page"] as const) {
      const { reg } = withVf(mode);
      expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
      expect(reg.quarantineOf(VF0)).toBe("iommu_quarantine");
      expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
      expect(reg.device(VF0)?.owner).toBe("dom_io");
      expect(reg.checkInvariants()).toEqual([]);
    }
  });

  it("device_assigned() takes a device from dom_io: it can be tested and assigned again", () => {
    const { reg } = withVf();
    reg.assignDevice(svpHwdom, gvpGuest, VF0);
    reg.deassignDevice(svpHwdom, gvpGuest, VF0);
    expect(reg.testAssignDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("gvp1-guest");
  });

  it("deassignment from dom_io gives the device to Xen's hardware_domain (with deassignTo adding-hwdom: back to the one that added it)", () => {
    const { reg } = withVf();
    reg.assignDevice(svpHwdom, gvpGuest, VF0);
    reg.deassignDevice(svpHwdom, gvpGuest, VF0);
    expect(reg.quarantineOf(VF0)).toBeUndefined();
    expect(reg.deassignDevice(svpHwdom, DOM_IO, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("svp-hwdom");
    const svp = makeRegistry({ deassignTo: "adding-hwdom" });
    svp.reg.addDevice(svpHwdom, PF);
    svp.reg.addDevice(gvpHwdom, VF0, { physfn: PF });
    svp.reg.assignDevice(svpHwdom, DOM_IO, VF0);
    expect(svp.reg.deassignDevice(svpHwdom, DOM_IO, VF0)).toBe(0);
    expect(svp.reg.device(VF0)?.owner).toBe("gvp1-hwdom");
  });

  it("assignment to DOMID_IO marks the device quarantined: without iommu=quarantine it goes back to dom_io after a guest", () => {
    const { reg, xsm } = withVf("none");
    expect(reg.assignDevice(svpHwdom, DOM_IO, VF0)).toBe(0);
    expect(xsm.checks.map((c) => `${c.hook} ${c.tcontext}`)).toEqual(["assign_device 380"]);
    expect(reg.device(VF0)?.owner).toBe("dom_io");
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.quarantineOf(VF0)).toBe("pdev->quarantine");
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("dom_io");
    // from dom_io to the hardware domain: "De-assignment from dom_io should de-quarantine the device"
    expect(reg.deassignDevice(svpHwdom, DOM_IO, VF0)).toBe(0);
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("svp-hwdom"); // deassign_device: target = hardware_domain
  });

  it("dom_io takes a broken device (assign_device: only guests are refused one)", () => {
    const { reg } = withVf();
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY"); // upstream marks PF and VF broken
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe("-EBADF");
    expect(reg.assignDevice(svpHwdom, DOM_IO, VF0)).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("dom_io");
  });

  it("a device in dom_io is not dom_io's to deassign from a guest: -ENODEV (pci_get_pdev(d))", () => {
    const { reg } = withVf();
    reg.assignDevice(svpHwdom, DOM_IO, VF0);
    expect(reg.deassignDevice(svpHwdom, gvpGuest, VF0)).toBe("-ENODEV");
  });

  it("domain teardown (pci_release_devices) quarantines every device of the domain, a hardware domain's too", () => {
    const { reg, domains } = withVf();
    reg.assignDevice(gvpHwdom, gvpGuest, VF0);
    reg.removeDomain(gvpGuest.domid);
    domains.remove(gvpGuest.domid);
    expect(reg.device(VF0)?.owner).toBe("dom_io");
    reg.removeDomain(svpHwdom.domid);
    domains.remove(svpHwdom.domid);
    expect(reg.device(PF)?.owner).toBe("dom_io");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("a quarantined device can be removed (pci_remove_device does not look at the owner)", () => {
    const { reg } = withVf();
    reg.assignDevice(svpHwdom, DOM_IO, VF0);
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.device(VF0)).toBeUndefined();
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("re-adding a quarantined device keeps it in dom_io (pci_add_device: only a device with no owner goes to the hardware domain)", () => {
    const { reg } = withVf();
    reg.assignDevice(svpHwdom, DOM_IO, VF0);
    expect(reg.addDevice(gvpHwdom, VF0, { physfn: PF })).toBe(0);
    expect(reg.device(VF0)?.owner).toBe("dom_io");
  });
});
