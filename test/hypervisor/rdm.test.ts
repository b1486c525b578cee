// Reserved device memory in the registry: VT-d RMRRs and AMD IVMD unity maps, the identity maps
// iommu_identity_mapping() keeps for them per domain, and XSA-460's change to how a failed mapping
// is recorded (vtd/iommu.c, amd/pci_amd_iommu.c, amd/iommu_map.c, x86/iommu.c, arch/x86/mm/p2m.c at
// RELEASE-4.19.0 .. 4.22.0 and master; XSA-460 is beadd68b54, in 4.19.1 and 4.20.0 on).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { IdentityMaps, type P2mView, type RmrrUnit } from "../../src/hypervisor/rdm.js";
import { DOM_IO, type RegistryOptions } from "../../src/hypervisor/types.js";
import type { Domain } from "../../src/xsm/types.js";
import { ScriptedXsm } from "./helpers.js";

const hwdom: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
const gvp: Domain = { domid: 1, name: "gvp1-hwdom", control: false, hardware: true };
const guest: Domain = { domid: 2, name: "guest", control: false, hardware: false, hvm: true };
const other: Domain = { domid: 3, name: "other", control: false, hardware: false, hvm: true };

const USB = 0x00a0; // 0000:00:14.0
const EHCI = 0x00d0; // 0000:00:1a.0
const rmrr = (base: number, end: number, ...scope: number[]): RmrrUnit => ({ segment: 0, base, end, scope });

function registry(opts: Partial<RegistryOptions> = {}, ram?: (domid: number) => P2mView | undefined) {
  const log: string[] = [];
  const reg = new PciRegistry(new ScriptedXsm(), [hwdom, gvp, guest, other], {
    strategy: "upstream",
    vfWithoutPf: "reject",
    log: (l) => log.push(l),
    ...(ram ? { p2m: ram } : {}),
    ...opts,
  });
  return { reg, log };
}

const maps = (reg: PciRegistry, domid: number) => reg.identityMaps(domid).map((m) => `${m.base.toString(16)}-${m.end.toString(16)} x${m.count}`);

describe("VT-d RMRRs", () => {
  it("Xen's hardware_domain maps every RMRR at boot, once per scope entry (setup_hwdom_rmrr), and again for each device it adds", () => {
    const { reg } = registry({ rmrrs: [rmrr(0x7c800000, 0x7c81ffff, USB, EHCI)] });
    expect(maps(reg, 0)).toEqual(["7c800000-7c81ffff x2"]);
    expect(reg.addDevice(hwdom, "0000:00:14.0")).toBe(0);
    expect(maps(reg, 0)).toEqual(["7c800000-7c81ffff x3"]);
    // intel_iommu_remove_device drops the device's hold, the hardware domain's too
    expect(reg.removeDevice(hwdom, "0000:00:14.0")).toBe(0);
    expect(maps(reg, 0)).toEqual(["7c800000-7c81ffff x2"]);
  });

  it("refuses a device of a shared RMRR -EPERM unless relaxed, which warns; maps it 1:1 in the guest; the hardware domain keeps its own", () => {
    const { reg, log } = registry({ rmrrs: [rmrr(0x7c800000, 0x7c81ffff, USB, EHCI)] });
    reg.addDevice(hwdom, "0000:00:14.0");
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0")).toBe("-EPERM");
    expect(log.slice(-2)).toEqual(["[VT-D] It's disallowed to assign 0000:00:14.0 with shared RMRR at 7c800000 for d2.", "d2: assign (0000:00:14.0) failed (-1)"]);
    expect(maps(reg, 2)).toEqual([]);
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0", { relaxed: true })).toBe(0);
    expect(log.at(-1)).toBe("[VT-D] It's risky to assign 0000:00:14.0 with shared RMRR at 7c800000 for d2.");
    expect(maps(reg, 2)).toEqual(["7c800000-7c81ffff x1"]);
    expect(maps(reg, 0)).toEqual(["7c800000-7c81ffff x3"]);
    expect(reg.contextOwner("0000:00:14.0")).toBe("guest");
  });

  it("two devices sharing an RMRR, relaxed, in two guests: each guest maps the region", () => {
    const { reg } = registry({ rmrrs: [rmrr(0x7c800000, 0x7c81ffff, USB, EHCI)] });
    reg.addDevice(hwdom, "0000:00:14.0");
    reg.addDevice(hwdom, "0000:00:1a.0");
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0", { relaxed: true })).toBe(0);
    expect(reg.assignDevice(hwdom, other, "0000:00:1a.0", { relaxed: true })).toBe(0);
    expect([maps(reg, 2), maps(reg, 3)]).toEqual([["7c800000-7c81ffff x1"], ["7c800000-7c81ffff x1"]]);
  });

  it("a bridge scope entry counts towards sharing but names only the bridge: a device behind it has no RMRR (no expansion)", () => {
    const BRIDGE = 0x00e0; // 0000:00:1c.0, buses 5..5
    const { reg } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d000fff, USB, BRIDGE)], pciBridge: (k) => (k === BRIDGE ? { secondary: 5, subordinate: 5 } : undefined) });
    reg.addDevice(hwdom, "0000:00:1c.0");
    reg.addDevice(hwdom, "0000:05:00.0");
    reg.addDevice(hwdom, "0000:00:14.0");
    expect(reg.reservedRegions("0000:05:00.0")).toEqual([]);
    expect(reg.assignDevice(hwdom, guest, "0000:05:00.0")).toBe(0);
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0")).toBe("-EPERM");
  });

  it("a scope's walk ends at bdf 0 (for_each_rmrr_device: 'assume there never is a bdf == 0')", () => {
    const { reg } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d000fff, 0, USB)] });
    expect(reg.reservedRegions("0000:00:14.0")).toEqual([]);
    expect(maps(reg, 0)).toEqual([]);
  });

  it("guest RAM in the way: -EBUSY strict, logged per page and kept relaxed; the source other than Xen's hardware_domain lets go", () => {
    const ram: P2mView = { translated: true, ram: (gfn) => (gfn >= 0x7d001 && gfn < 0x7d003 ? 0x300000 + gfn : undefined) };
    const { reg, log } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d003fff, USB)], addTo: "adding-hwdom" }, (d) => (d === 2 ? ram : undefined));
    reg.addDevice(gvp, "0000:00:14.0");
    expect(maps(reg, 1)).toEqual(["7d000000-7d003fff x1"]);
    expect(reg.assignDevice(gvp, guest, "0000:00:14.0")).toBe("-EBUSY");
    // the failure is past the first page: XSA-460 keeps the entry, and the unwind's unmap finds RAM
    // on every page the mapping never reached as on the one it failed at
    expect(log.slice(-5)).toEqual([
      "Cannot setup identity map d2:7d001, gfn already mapped to 37d001.",
      "[VT-D]d2: cannot map reserved region [7d000000,7d003fff]: -16",
      "non-identity map d2:7d001 not cleared (mapped to 37d001)",
      "non-identity map d2:7d002 not cleared (mapped to 37d002)",
      "d2: assign (0000:00:14.0) failed (-16)",
    ]);
    expect(reg.identityPages(2)).toEqual([]);
    expect(reg.assignDevice(gvp, guest, "0000:00:14.0", { relaxed: true })).toBe(0);
    expect(maps(reg, 2)).toEqual(["7d000000-7d003fff x1"]);
    expect(reg.identityPages(2)).toEqual([{ start: 0x7d000, end: 0x7d000 }, { start: 0x7d003, end: 0x7d003 }]);
    expect(maps(reg, 1)).toEqual([]); // gvp1-hwdom is not is_hardware_domain()
  });

  it("before XSA-460 (map-first) a part-way failure leaves the pages before it mapped and untracked", () => {
    const ram: P2mView = { translated: true, ram: (gfn) => (gfn === 0x7d002 ? 0x1234 : undefined) };
    const run = (identityTracking: "map-first" | "track-first") => {
      const { reg } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d003fff, USB)], identityTracking }, (d) => (d === 2 ? ram : undefined));
      reg.addDevice(hwdom, "0000:00:14.0");
      expect(reg.assignDevice(hwdom, guest, "0000:00:14.0")).toBe("-EBUSY");
      return [maps(reg, 2), reg.identityPages(2)];
    };
    expect(run("map-first")).toEqual([[], [{ start: 0x7d000, end: 0x7d001 }]]);
    expect(run("track-first")).toEqual([[], []]);
  });

  it("quarantine: a device with an RMRR keeps page tables of its own in dom_io under basic (its context points there); none clears it", () => {
    for (const [mode, ctx] of [["basic", "dom_io"], ["scratch-page", "dom_io"], ["none", null]] as const) {
      const { reg } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d000fff, USB)], quarantine: mode });
      reg.addDevice(hwdom, "0000:00:15.0");
      reg.addDevice(hwdom, "0000:00:14.0");
      expect(reg.assignDevice(hwdom, DOM_IO, "0000:00:14.0")).toBe(0);
      expect(reg.assignDevice(hwdom, DOM_IO, "0000:00:15.0")).toBe(0);
      expect([mode, reg.contextOwner("0000:00:14.0"), reg.contextOwner("0000:00:15.0")]).toEqual([mode, ctx, mode === "scratch-page" ? "dom_io" : null]);
      expect(maps(reg, 0x7ff1)).toEqual([]);
    }
  });

  it("deassign and teardown: the guest lets go of its identity maps; the device goes back without new ones", () => {
    const { reg } = registry({ rmrrs: [rmrr(0x7d000000, 0x7d000fff, USB)], quarantine: "none" });
    reg.addDevice(hwdom, "0000:00:14.0");
    reg.assignDevice(hwdom, guest, "0000:00:14.0");
    expect(reg.deassignDevice(hwdom, guest, "0000:00:14.0")).toBe(0);
    expect([maps(reg, 2), maps(reg, 0)]).toEqual([[], ["7d000000-7d000fff x2"]]);
    reg.assignDevice(hwdom, guest, "0000:00:14.0");
    expect(reg.removeDomain(2)).toBe(0);
    expect([maps(reg, 2), reg.device("0000:00:14.0")?.owner]).toEqual([[], "dom0"]);
  });

  it("a conventional PCI device with an RMRR behind a bridge cannot change domains: -EOPNOTSUPP, its entries put back, the maps unwound", () => {
    const BRIDGE = 0x00e0;
    const { reg, log } = registry({
      rmrrs: [rmrr(0x7d000000, 0x7d000fff, 0x0500)],
      pciBridge: (k) => (k === BRIDGE ? { secondary: 5, subordinate: 5 } : undefined),
      pdevType: (k) => (k === 0x0500 ? "pci" : undefined),
    });
    reg.addDevice(hwdom, "0000:00:1c.0");
    reg.addDevice(hwdom, "0000:05:00.0");
    expect(reg.assignDevice(hwdom, guest, "0000:05:00.0")).toBe("-EOPNOTSUPP");
    expect(log.at(-1)).toBe("d2: assign (0000:05:00.0) failed (-95)");
    expect([reg.device("0000:05:00.0")?.owner, reg.contextOwner("0000:05:00.0"), reg.contextOwner("0000:00:1c.0"), maps(reg, 2)]).toEqual(["dom0", "dom0", "dom0", []]);
  });
});

describe("AMD IVMD unity maps", () => {
  it("map 1:1 for the device's requester ID, with no sharing test; quarantine holds none of it (d == dom_io returns at once)", () => {
    const { reg, log } = registry({ iommuVendor: "amd", ivmds: [{ base: 0x7e000000, end: 0x7e000fff, bdfs: [USB, EHCI], read: true, write: true }] });
    reg.addDevice(hwdom, "0000:00:14.0");
    reg.addDevice(hwdom, "0000:00:1a.0");
    expect(maps(reg, 0)).toEqual(["7e000000-7e000fff x2"]);
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0")).toBe(0);
    expect(reg.assignDevice(hwdom, other, "0000:00:1a.0")).toBe(0);
    expect([maps(reg, 2), maps(reg, 3)]).toEqual([["7e000000-7e000fff x1"], ["7e000000-7e000fff x1"]]);
    expect(log.some((l) => l.includes("RMRR"))).toBe(false);
    expect(reg.quarantineTables("0000:00:14.0")).toBe(true);
    expect(reg.deassignDevice(hwdom, guest, "0000:00:14.0")).toBe(0);
    expect([reg.device("0000:00:14.0")?.owner, maps(reg, 2), maps(reg, 0x7ff1)]).toEqual(["dom_io", [], []]);
  });

  it("a read-only unity map and a read-write one of the same range in one domain: -EADDRINUSE, and the unwind drops the other device's hold", () => {
    const { reg } = registry({ iommuVendor: "amd", ivmds: [{ base: 0x7e000000, end: 0x7e000fff, bdfs: [USB], read: true, write: true }, { base: 0x7e000000, end: 0x7e000fff, bdfs: [EHCI], read: true, write: false }] });
    reg.addDevice(hwdom, "0000:00:14.0");
    reg.addDevice(hwdom, "0000:00:1a.0");
    expect(reg.assignDevice(hwdom, guest, "0000:00:14.0")).toBe(0);
    expect(reg.assignDevice(hwdom, guest, "0000:00:1a.0")).toBe("-EADDRINUSE");
    // amd_iommu_reserve_domain_unity_unmap() finds the range by base and end alone: the hold it
    // drops is the one 00:14.0's assignment took, which stays assigned without its unity map
    expect([maps(reg, 2), reg.device("0000:00:14.0")?.owner]).toEqual([[], "guest"]);
  });
});

describe("iommu_identity_mapping (property)", () => {
  // a few regions, some overlapping, over a guest whose RAM covers some of their pages
  const REGIONS = [
    { base: 0x1000, end: 0x4fff },
    { base: 0x3000, end: 0x6fff },
    { base: 0x8000, end: 0x9fff },
    { base: 0x8000, end: 0x9fff },
  ];
  const op = fc.record({ map: fc.boolean(), region: fc.integer({ min: 0, max: REGIONS.length - 1 }), relaxed: fc.boolean() });

  it("from XSA-460 on, every page mapped 1:1 belongs to a tracked map, and releasing every hold unmaps every page", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 0xf }), (ops, ramMask) => {
        const ids = new IdentityMaps("track-first", () => {});
        const p2m: P2mView = { translated: true, ram: (gfn) => ((ramMask >> (gfn & 3)) & 1 && gfn % 5 === 0 ? gfn + 0x100 : undefined) };
        for (const o of ops) {
          const r = REGIONS[o.region]!;
          if (o.map) ids.map(2, p2m, r.base, r.end, "rw", o.relaxed);
          else ids.unmap(2, p2m, r.base, r.end);
        }
        const tracked = ids.entries(2);
        for (const p of ids.identityPages(2).list()) {
          for (let gfn = p.start; gfn <= p.end; gfn++) expect(tracked.some((m) => gfn >= m.base >> 12 && gfn <= m.end >> 12)).toBe(true);
        }
        // entries never overlap unless they are the same range (-EADDRINUSE keeps them apart)
        for (const a of tracked) for (const b of tracked) if (a !== b) expect(a.end < b.base || b.end < a.base).toBe(true);
        for (const m of tracked) for (let i = 0; i < m.count; i++) ids.unmap(2, p2m, m.base, m.end);
        expect([ids.entries(2), ids.identityPages(2).list()]).toEqual([[], []]);
      }),
    );
  });
});
