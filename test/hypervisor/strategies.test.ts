// Each position of the xen-devel thread "[PATCH v6 2/3] xen/pci: introduce PF<->VF links", replayed:
// dom0 (here the SVP's hardware domain) removes a PF while its two VFs are still present, one of them
// assigned to a guest VP's guest.
import { describe, expect, it } from "vitest";
import type { Decide } from "./helpers.js";
import { gvpGuest, gvpHwdom, makeRegistry, svpHwdom } from "./helpers.js";
import type { DeviceState, PfRemovalKind, VfWithoutPf } from "../../src/hypervisor/types.js";

const PF = "0000:03:00.0";
const VF0 = "0000:03:10.0";
const VF2 = "0000:03:10.2";

function sriov(strategy: PfRemovalKind, decide?: Decide, vfWithoutPf: VfWithoutPf = "reject") {
  const r = makeRegistry({ strategy, vfWithoutPf }, decide);
  expect(r.reg.addDevice(svpHwdom, PF)).toBe(0);
  expect(r.reg.addDevice(svpHwdom, VF0, { physfn: PF })).toBe(0);
  expect(r.reg.addDevice(svpHwdom, VF2, { physfn: PF })).toBe(0);
  expect(r.reg.assignDevice(svpHwdom, gvpGuest, VF0)).toBe(0);
  r.log.length = 0;
  r.xsm.checks.length = 0;
  return r;
}

const dev = (sbdf: string, kind: DeviceState["kind"], physfn: string | null, broken: boolean, owner: string): DeviceState => ({
  sbdf,
  kind,
  physfn,
  broken,
  owner,
});

describe("PF removal with VFs still present, per strategy", () => {
  it("upstream (Stewart v7/v8, Jan/Stewart on Linux ignoring the error): PF and VFs marked broken, -EBUSY, kept", () => {
    const { reg, log, xsm } = sriov("upstream");
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY");
    expect(log).toEqual(["Attempted to remove PCI SR-IOV PF 0000:03:00.0 with VFs still present"]);
    expect(xsm.checks.map((c) => c.hook)).toEqual(["resource_unplug_pci"]);
    expect(reg.devices()).toEqual([
      dev(PF, "pf", null, true, "svp-hwdom"),
      dev(VF0, "vf", PF, true, "gvp1-guest"),
      dev(VF2, "vf", PF, true, "svp-hwdom"),
    ]);
    // dom0 then removes in the right order: everything goes.
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.devices()).toEqual([]);
  });

  it("unlink-broken (v6 as posted): VFs unlinked and broken, warning, PF removed, 0", () => {
    const { reg, log } = sriov("unlink-broken");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(log).toEqual(["PCI SR-IOV PF 0000:03:00.0 removed with VFs still present", "PCI remove device 0000:03:00.0"]);
    expect(reg.devices()).toEqual([dev(VF0, "vf", null, true, "gvp1-guest"), dev(VF2, "vf", null, true, "svp-hwdom")]);
    // Jan's concern: the stale VFs stay even when the PF comes back, and cannot go to guests.
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(reg.device(VF2)).toEqual(dev(VF2, "vf", null, true, "svp-hwdom"));
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF2)).toBe("-EBADF");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("cascade (v4, Stewart's Nov 1 preference): VFs and PF removed on the PF's check alone, -EBUSY flags the order", () => {
    const { reg, log, xsm } = sriov("cascade");
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY");
    expect(xsm.checks.map((c) => c.tcontext)).toEqual(["300"]);
    expect(log).toEqual([
      "Attempted to remove PCI SR-IOV PF 0000:03:00.0 with VFs still present",
      "PCI remove device 0000:03:10.2",
      "PCI remove device 0000:03:10.0",
      "PCI remove device 0000:03:00.0",
    ]);
    expect(reg.devices()).toEqual([]);
    // "Subsequent attempts by a domain to remove the VFs would return an error"
    expect(reg.removeDevice(svpHwdom, VF0)).toBe("-ENODEV");
  });

  it("cascade removes VFs the caller may not unplug (Daniel's objection)", () => {
    const denyVfs: Decide = (_c, hook, bdf) => !(hook === "resource_unplug_pci" && bdf !== 0x300);
    const { reg } = sriov("cascade", denyVfs);
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY");
    expect(reg.devices()).toEqual([]);
  });

  it("refuse (Roger, Nov 8): -EBUSY and nothing changes", () => {
    const { reg, log } = sriov("refuse");
    const before = reg.devices();
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY");
    expect(log).toEqual(["Attempted to remove PCI SR-IOV PF 0000:03:00.0 with VFs still present"]);
    expect(reg.devices()).toEqual(before);
    expect(before.every((d) => !d.broken)).toBe(true);
  });

  it("reassociate (Jan, Nov 4): PF removed, stale VFs re-linked and unbroken when the PF is re-reported", () => {
    const { reg, log } = sriov("reassociate");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.devices()).toEqual([dev(VF0, "vf", null, true, "gvp1-guest"), dev(VF2, "vf", null, true, "svp-hwdom")]);
    log.length = 0;
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(log).toEqual(["SR-IOV device 0000:03:00.0 has its virtual functions already enabled (0009)", "PCI SR-IOV PF 0000:03:00.0 re-associated with 2 stale VFs", "PCI add device 0000:03:00.0"]);
    expect(reg.devices()).toEqual([
      dev(PF, "pf", null, false, "svp-hwdom"),
      dev(VF0, "vf", PF, false, "gvp1-guest"),
      dev(VF2, "vf", PF, false, "svp-hwdom"),
    ]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("reassociate re-links through an implicit PF add too (vfWithoutPf=add-pf)", () => {
    const { reg } = sriov("reassociate", undefined, "add-pf");
    reg.removeDevice(svpHwdom, PF);
    expect(reg.addDevice(svpHwdom, "0000:03:10.4", { physfn: PF })).toBe(0);
    expect(reg.linkedVfs(PF)).toEqual(["0000:03:10.4", VF2, VF0]);
    expect(reg.devices().every((d) => !d.broken)).toBe(true);
  });

  it("refcount (Jan, Nov 11): the PF leaves the registry but lives until its last VF is removed", () => {
    const { reg, log } = sriov("refcount");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(log).toEqual([
      "PCI SR-IOV PF 0000:03:00.0 removed with VFs still present; its record lives until its last VF is removed",
      "PCI remove device 0000:03:00.0",
    ]);
    expect(reg.devices()).toEqual([dev(VF0, "vf", PF, false, "gvp1-guest"), dev(VF2, "vf", PF, false, "svp-hwdom")]);
    expect(reg.recordCount()).toBe(3);
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-ENODEV");
    expect(reg.assignDevice(svpHwdom, gvpGuest, PF)).toBe("-ENODEV");
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.recordCount()).toBe(2);
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(reg.recordCount()).toBe(0);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("refcount: the PF's MSI is torn down when it is removed, not when its last VF goes", () => {
    // pci_remove_device() runs pci_cleanup_msi() before free_pdev(); refcount defers only the free,
    // so a removed PF must not keep its IRQs (nor its MSI-X table read-only) while its VFs live.
    const freed: number[] = [];
    const r = makeRegistry({ strategy: "refcount", onFree: (bdf) => freed.push(bdf) });
    r.reg.addDevice(svpHwdom, PF);
    r.reg.addDevice(svpHwdom, VF0, { physfn: PF });
    expect(r.reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(freed).toEqual([0x300]);
    expect(r.reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(freed).toEqual([0x300, 0x380]);
  });

  it("refcount: adding the PF again while its record lives makes it visible again", () => {
    const { reg } = sriov("refcount");
    reg.removeDevice(svpHwdom, PF);
    expect(reg.addDevice(gvpHwdom, PF)).toBe(0);
    expect(reg.device(PF)).toEqual(dev(PF, "pf", null, false, "gvp1-hwdom"));
    expect(reg.linkedVfs(PF)).toEqual([VF2, VF0]);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("authority (Alejandro, Nov 4): a caller allowed to unplug PF and every VF removes VFs then PF, 0", () => {
    const { reg, log, xsm } = sriov("authority");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(xsm.checks.map((c) => `${c.hook} ${c.tcontext}`)).toEqual([
      "resource_unplug_pci 300",
      "resource_unplug_pci 382",
      "resource_unplug_pci 380",
    ]);
    expect(log).toEqual(["PCI remove device 0000:03:10.2", "PCI remove device 0000:03:10.0", "PCI remove device 0000:03:00.0"]);
    expect(reg.devices()).toEqual([]);
  });

  it("authority: a VF labelled for the guest VP that the caller may not unplug stops everything (Daniel's SVP)", () => {
    // svp-hwdom may unplug the PF and VF2, but VF0 is labelled gvp1_pci_t and only gvp1-hwdom may unplug it.
    const decide: Decide = (cur, hook, bdf) => hook !== "resource_unplug_pci" || bdf !== 0x380 || cur.domid === gvpHwdom.domid;
    const { reg, log, xsm } = sriov("authority", decide);
    const before = reg.devices();
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EACCES");
    expect(xsm.checks.map((c) => [c.tcontext, c.allowed])).toEqual([
      ["300", true],
      ["382", true],
      ["380", false],
    ]);
    expect(log).toEqual([]);
    expect(reg.devices()).toEqual(before);
    // The guest VP's hardware domain unplugs its VF first, as Daniel expects; then the PF goes.
    expect(reg.removeDevice(gvpHwdom, VF0)).toBe(0);
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.devices()).toEqual([]);
  });

  it("authority: a caller denied the PF itself gets that error before any VF is checked", () => {
    const decide: Decide = (cur, hook, bdf) => !(hook === "resource_unplug_pci" && bdf === 0x300 && cur.domid !== 0);
    const { reg, xsm } = sriov("authority", decide);
    expect(reg.removeDevice(gvpHwdom, PF)).toBe("-EACCES");
    expect(xsm.checks).toHaveLength(1);
    expect(reg.devices()).toHaveLength(3);
  });

  it("pre-links (Xen 4.19.0, RELEASE-4.19.0's pci_remove_device): the PF goes as any device, 0; its VFs stay, unmarked, assignable, with no PF", () => {
    const { reg, log, xsm } = sriov("pre-links");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(log).toEqual(["PCI remove device 0000:03:00.0"]);
    expect(xsm.checks.map((c) => c.hook)).toEqual(["resource_unplug_pci"]);
    expect(reg.devices()).toEqual([dev(VF0, "vf", null, false, "gvp1-guest"), dev(VF2, "vf", null, false, "svp-hwdom")]);
    // nothing marks them: assign_device's broken test passes
    expect(reg.assignDevice(svpHwdom, gvpGuest, VF2)).toBe(0);
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("pre-links: a PF added again at that SBDF is the VFs' PF again, with no line of its own, its VF BARs unsized; the VFs then go as any device", () => {
    const { reg, log } = sriov("pre-links");
    expect(reg.vfBarsSized(PF)).toBe(true);
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    log.length = 0;
    expect(reg.addDevice(svpHwdom, PF)).toBe(0);
    expect(log).toEqual(["SR-IOV device 0000:03:00.0 has its virtual functions already enabled (0009)", "PCI add device 0000:03:00.0"]);
    expect(reg.vfBarsSized(PF)).toBe(false);
    expect(reg.devices()).toEqual([dev(PF, "pf", null, false, "svp-hwdom"), dev(VF0, "vf", PF, false, "gvp1-guest"), dev(VF2, "vf", PF, false, "svp-hwdom")]);
    expect(reg.linkedVfs(PF)).toEqual([VF2, VF0]);
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(reg.devices()).toEqual([dev(PF, "device", null, false, "svp-hwdom")].map((d) => ({ ...d, kind: "pf" as const })));
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("pre-links: another strategy cannot take over VFs left without their PF", () => {
    const { reg } = sriov("pre-links");
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.setStrategy("upstream")).toEqual({ ok: false, error: "upstream does not allow the VF 0000:03:10.0 without its PF" });
    expect(reg.getStrategy()).toBe("pre-links");
  });
});

describe("vf_list order: pci_add_device()'s list_add() puts each VF at the head of its PF's vf_list", () => {
  // so list_for_each_entry(), what every proposal walks, visits the newest VF first
  it("authority asks for the newest VF first, and stops at its denial", () => {
    const decide: Decide = (cur, hook, bdf) => hook !== "resource_unplug_pci" || bdf === 0x300 || cur.domid === gvpHwdom.domid;
    const { reg, xsm } = sriov("authority", decide);
    expect(reg.linkedVfs(PF)).toEqual([VF2, VF0]);
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EACCES");
    expect(xsm.checks.map((c) => [c.tcontext, c.allowed])).toEqual([
      ["300", true],
      ["382", false],
    ]);
  });

  it("cascade removes the newest VF first", () => {
    const { reg, log } = sriov("cascade");
    reg.removeDevice(svpHwdom, PF);
    expect(log.filter((l) => l.startsWith("PCI remove"))).toEqual(["PCI remove device 0000:03:10.2", "PCI remove device 0000:03:10.0", "PCI remove device 0000:03:00.0"]);
  });
});

describe("Stewart's test scenario #2: the device is physically gone, then dom0 removes the PF first", () => {
  it("upstream keeps the vanished records, broken, until dom0 removes the VFs", () => {
    const { reg } = sriov("upstream");
    expect(reg.hotUnplug(PF)).toBe(0);
    expect(reg.removeDevice(svpHwdom, PF)).toBe("-EBUSY");
    expect(reg.devices().map((d) => [d.sbdf, d.broken, d.present])).toEqual([
      [PF, true, false],
      [VF0, true, false],
      [VF2, true, false],
    ]);
    expect(reg.removeDevice(svpHwdom, VF0)).toBe(0);
    expect(reg.removeDevice(svpHwdom, VF2)).toBe(0);
    expect(reg.removeDevice(svpHwdom, PF)).toBe(0);
    expect(reg.devices()).toEqual([]);
  });

  it("the v4 corner case: PF removed with VFs, re-added without; reassociate re-links VFs that are not there", () => {
    const { reg } = sriov("reassociate");
    reg.hotUnplug(PF);
    reg.removeDevice(svpHwdom, PF);
    reg.addDevice(svpHwdom, PF); // new hardware, SR-IOV disabled
    expect(reg.devices().map((d) => [d.sbdf, d.physfn, d.broken, d.present ?? true])).toEqual([
      [PF, null, false, true],
      [VF0, PF, false, false],
      [VF2, PF, false, false],
    ]);
  });
});
