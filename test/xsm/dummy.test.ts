import { describe, expect, it } from "vitest";
import { createDummyXsm, xsmDefaultAction } from "../../src/xsm/dummy.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const dom0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
const hwdom: Domain = { domid: 1, name: "gvp1-hwdom", control: false, hardware: true };
const guest: Domain = { domid: 2, name: "guest", control: false, hardware: false };
const dm: Domain = { domid: 3, name: "guest-dm", control: false, hardware: false, target: 2 };
const xenstore: Domain = { domid: 4, name: "xenstored", control: false, hardware: false, xenstore: true };

describe("xsm_default_action (dummy.h)", () => {
  it("XSM_HOOK always passes", () => {
    for (const d of [dom0, hwdom, guest, dm, xenstore]) expect(xsmDefaultAction("XSM_HOOK", d, null)).toBe(0);
  });

  it("XSM_PRIV passes only the privileged domain", () => {
    expect(xsmDefaultAction("XSM_PRIV", dom0, null)).toBe(0);
    expect(xsmDefaultAction("XSM_PRIV", hwdom, null)).toBe("-EPERM");
    expect(xsmDefaultAction("XSM_PRIV", guest, guest)).toBe("-EPERM");
  });

  it("XSM_DM_PRIV passes the target's device model, then the privileged domain", () => {
    expect(xsmDefaultAction("XSM_DM_PRIV", dm, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_DM_PRIV", dm, hwdom)).toBe("-EPERM");
    expect(xsmDefaultAction("XSM_DM_PRIV", dm, null)).toBe("-EPERM");
    expect(xsmDefaultAction("XSM_DM_PRIV", guest, guest)).toBe("-EPERM"); // not self
    expect(xsmDefaultAction("XSM_DM_PRIV", dom0, guest)).toBe(0);
  });

  it("XSM_TARGET passes self, device model and privileged, but not xenstore", () => {
    expect(xsmDefaultAction("XSM_TARGET", guest, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_TARGET", dm, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_TARGET", dom0, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_TARGET", hwdom, guest)).toBe("-EPERM");
    expect(xsmDefaultAction("XSM_TARGET", xenstore, guest)).toBe("-EPERM");
  });

  it("XSM_XS_PRIV passes xenstore, device model and privileged, but not self", () => {
    expect(xsmDefaultAction("XSM_XS_PRIV", xenstore, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_XS_PRIV", dm, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_XS_PRIV", dom0, guest)).toBe(0);
    expect(xsmDefaultAction("XSM_XS_PRIV", guest, guest)).toBe("-EPERM");
  });

  it("XSM_OTHER has no default and is refused", () => {
    expect(xsmDefaultAction("XSM_OTHER", dom0, null)).toBe("-EPERM");
  });
});

describe("dummy module PCI hooks", () => {
  it("plug/unplug/setup are XSM_PRIV: -EPERM unless control", () => {
    const xsm = createDummyXsm();
    for (const hook of ["resourcePlugPci", "resourceUnplugPci", "resourceSetupPci"] as const) {
      expect(xsm[hook](dom0, 0x380)).toBe(0);
      expect(xsm[hook](hwdom, 0x380)).toBe("-EPERM");
      expect(xsm[hook](dm, 0x380)).toBe("-EPERM");
    }
  });

  it("assign/deassign/test_assign pass xsm_domctl's XSM_PRIV gate, then their XSM_HOOK", () => {
    const checks: XsmCheck[] = [];
    const xsm = createDummyXsm();
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.assignDevice(dom0, guest, 0x380)).toBe(0);
    expect(checks).toEqual([
      { hook: "assign_device", xen: "xsm_domctl", domid: 0, action: "XSM_PRIV", allowed: true, rc: 0 },
      { hook: "assign_device", xen: "xsm_assign_device", domid: 0, action: "XSM_HOOK", allowed: true, rc: 0 },
    ]);
    checks.length = 0;
    expect(xsm.deassignDevice(hwdom, guest, 0x380)).toBe("-EPERM");
    expect(checks).toEqual([
      { hook: "deassign_device", xen: "xsm_domctl", domid: 1, action: "XSM_PRIV", allowed: false, rc: "-EPERM" },
    ]);
    expect(xsm.testAssignDevice(hwdom, 0x380)).toBe("-EPERM");
    expect(xsm.testAssignDevice(dom0, 0x380)).toBe(0);
  });

  it("since XSA-492 (assignCheck xsm_domctl) xsm_domctl's XSM_PRIV gate is the only check, the refusals after it", () => {
    const checks: XsmCheck[] = [];
    const xsm = createDummyXsm({ assignCheck: "xsm_domctl" });
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.assignDevice(dom0, guest, 0x380)).toBe(0);
    expect(xsm.assignDevice(dom0, dom0, 0x380, () => "-EINVAL")).toBe("-EINVAL");
    expect(xsm.deassignDevice(dom0, guest, 0x380)).toBe(0);
    expect(xsm.testAssignDevice(dom0, 0x380)).toBe(0);
    expect(xsm.testAssignDevice(hwdom, 0x380)).toBe("-EPERM");
    expect(checks.map((c) => [c.hook, c.xen, c.action])).toEqual([
      ["assign_device", "xsm_domctl", "XSM_PRIV"],
      ["assign_device", "xsm_domctl", "XSM_PRIV"],
      ["deassign_device", "xsm_domctl", "XSM_PRIV"],
      ["test_assign_device", "xsm_domctl", "XSM_PRIV"],
      ["test_assign_device", "xsm_domctl", "XSM_PRIV"],
    ]);
  });

  it("without the domctl gate assignment is dummy.h's bare XSM_HOOK", () => {
    const xsm = createDummyXsm({ domctlGate: false });
    const checks: XsmCheck[] = [];
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.assignDevice(guest, hwdom, 0x380)).toBe(0);
    expect(xsm.deassignDevice(guest, hwdom, 0x380)).toBe(0);
    expect(xsm.testAssignDevice(guest, 0x380)).toBe(0);
    expect(checks.map((c) => [c.xen, c.action])).toEqual([
      ["xsm_assign_device", "XSM_HOOK"],
      ["xsm_deassign_device", "XSM_HOOK"],
      // dummy.h has no xsm_test_assign_device: XEN_DOMCTL_test_assign_device calls
      // xsm_assign_device(XSM_HOOK, NULL, sbdf), which flask_assign_device() hands to flask_test_assign_device()
      ["xsm_assign_device", "XSM_HOOK"],
    ]);
  });

  it("reports every check through onCheck with action, allowed and rc", () => {
    const checks: XsmCheck[] = [];
    const xsm = createDummyXsm();
    xsm.onCheck = (c) => checks.push(c);
    xsm.resourceUnplugPci(hwdom, 0x380);
    expect(checks).toEqual([
      { hook: "resource_unplug_pci", xen: "xsm_resource_unplug_pci", domid: 1, action: "XSM_PRIV", allowed: false, rc: "-EPERM" },
    ]);
  });
});

describe("xsm_get_device_group (dummy.h)", () => {
  it("before XSA-492: xsm_domctl's XSM_PRIV on the domain, then XSM_HOOK; a sibling's check is the hook alone", () => {
    const checks: XsmCheck[] = [];
    const xsm = createDummyXsm();
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.getDeviceGroup(dom0, guest, 0x380, false)).toBe(0);
    expect(xsm.getDeviceGroup(dom0, guest, 0x381, true)).toBe(0);
    expect(checks.map((c) => `${c.xen} ${c.action}`)).toEqual(["xsm_domctl XSM_PRIV", "xsm_get_device_group XSM_HOOK", "xsm_get_device_group XSM_HOOK"]);
    expect(xsm.getDeviceGroup(hwdom, guest, 0x380, false)).toBe("-EPERM");
  });

  it("since XSA-492: the hook alone, XSM_PRIV, for the device and each sibling", () => {
    const checks: XsmCheck[] = [];
    const xsm = createDummyXsm({ assignCheck: "xsm_domctl" });
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.getDeviceGroup(dom0, guest, 0x380, false)).toBe(0);
    expect(xsm.getDeviceGroup(hwdom, guest, 0x381, true)).toBe("-EPERM");
    expect(checks.map((c) => `${c.xen} ${c.action} ${c.rc}`)).toEqual(["xsm_get_device_group XSM_PRIV 0", "xsm_get_device_group XSM_PRIV -EPERM"]);
  });
});
