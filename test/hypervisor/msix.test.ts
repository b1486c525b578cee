// MSI-X as Xen keeps it for passthrough (arch/x86/msi.c __pci_enable_msix, msix_capability_init,
// _pci_cleanup_msix, pci_prepare_msix, pci_cleanup_msi; arch/x86/irq.c map_domain_pirq /
// unmap_domain_pirq for an MSI-X entry; arch/x86/hvm/vmsi.c msixtbl_pt_register): who may locate
// the table, the read-only frames, the users count, a device removed with entries mapped, and a VF
// whose PF is gone. Flask's questions on a scenario are checked against oracle-decide in
// test/sim/msix.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const dom0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
const guest: Domain = { domid: 1, name: "guest", control: false, hardware: false, hvm: true };
const stub: Domain = { domid: 2, name: "stub", control: false, hardware: false, target: 1 };
const NIC = 0xc800;
const VF = 0x0510;
const PLAIN = 0x0300;
const SPEC = { entries: 8, table: 0xfebfc000, pba: 0xfebfd000 };

type NoBar = { physfn: number; why: "none" | "unsized" };

function setup(owners: Record<number, number | null> = { [NIC]: 1, [VF]: 1, [PLAIN]: 0 }, stale = new Set<number>(), vectors = 1, orphans = new Set<number>(), noBar = new Map<number, NoBar>()) {
  const xsm = createXsm({ module: "dummy" });
  const log: string[] = [];
  const why: string[] = [];
  const checks: XsmCheck[] = [];
  xsm.onCheck = (c) => checks.push(c);
  const io = new IoCaps(xsm.module, {
    iommu: "intremap",
    log: (l) => log.push(l),
    why: (w) => why.push(w),
    ownerOf: (bdf) => owners[bdf],
    msix: (bdf) => (bdf === NIC || bdf === VF ? SPEC : undefined),
    vfWithoutPf: (bdf) => (stale.has(bdf) ? "gone" : orphans.has(bdf) ? "never" : (noBar.get(bdf) ?? false)),
    msiVectors: () => vectors,
  });
  const msix = (entry: number, tableBase = SPEC.table) => ({ msi: NIC, msix: { entry, tableBase } });
  return { io, log, why, checks, owners, msix };
}

describe("locating the table", () => {
  it("the hardware domain mapping its own device locates it from the BARs; the frames are read-only while used", () => {
    const { io, msix, owners, log } = setup();
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, msix(3), -1)).toEqual({ rc: 0, pirq: 255 });
    expect(io.msixState(NIC)).toEqual({ entries: 8, used: 1, table: { start: 0xfebfc, end: 0xfebfc }, pba: { start: 0xfebfd, end: 0xfebfd } });
    expect(io.readOnlyFrames()).toEqual([{ start: 0xfebfc, end: 0xfebfd }]);
    expect(log).toEqual([]);
    expect(io.unmapPirq(dom0, dom0, 255)).toBe(0);
    expect(io.msixState(NIC)).toEqual({ entries: 8, used: 0 });
    expect(io.readOnlyFrames()).toEqual([]);
  });

  it("for a guest's device it must have been prepared: -ENODATA, nothing changed; after prepare_msix it maps", () => {
    const { io, msix, why } = setup();
    expect(io.mapPirq(dom0, guest, msix(0), -1).rc).toBe("-ENODATA");
    expect(why.at(-1)).toMatch(/prepare it first/);
    expect(io.state(guest).irqs).toEqual([]);
    expect(io.state(dom0).irqs).toEqual([{ start: 1, end: 47 }]); // the IRQ made for it is destroyed again
    expect(io.prepareMsix(dom0, NIC, false)).toBe(0);
    expect(io.mapPirq(dom0, guest, msix(0), -1)).toEqual({ rc: 0, pirq: 79 });
    expect(io.mapPirq(dom0, guest, msix(1), -1)).toEqual({ rc: 0, pirq: 78 });
    expect(io.msixState(NIC)?.used).toBe(3);
  });

  it("the entry must be in the table (-EINVAL), the device must have MSI-X (-ENODEV) and be the domain's (-ENODEV)", () => {
    const { io, msix, owners } = setup();
    io.prepareMsix(dom0, NIC, false);
    expect(io.mapPirq(dom0, guest, msix(8), -1).rc).toBe("-EINVAL");
    expect(io.mapPirq(dom0, dom0, { msi: PLAIN, msix: { entry: 0, tableBase: 0xfe000000 } }, -1).rc).toBe("-ENODEV");
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, guest, msix(0), -1).rc).toBe("-ENODEV");
  });

  it("an MSI-X entry is no secondary of a block: its own pirq unmaps it", () => {
    const { io, msix } = setup();
    io.prepareMsix(dom0, NIC, false);
    io.mapPirq(dom0, guest, msix(5), 40);
    expect(io.state(guest).pirqs).toEqual([{ pirq: 40, irq: 48, msi: NIC, vector: 5 }]);
    expect(io.unmapPirq(dom0, guest, 40)).toBe(0);
    expect(io.msixState(NIC)?.used).toBe(1);
  });

  it("a table_base other than the BAR's is used anyway, with Xen's WARN_ON", () => {
    const { io, msix, owners, log } = setup();
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, msix(0, 0xfe000000), -1).rc).toBe(0);
    expect(log[0]).toMatch(/WARN_ON\(msi->table_base != table_paddr\)/);
  });

  it("a device nobody owns (dom_io), mapped by the hardware domain: located, with the 'Potentially insecure' warning", () => {
    const { io, msix, owners, log } = setup();
    owners[NIC] = null;
    // pci_get_pdev(d, sbdf) finds no device of dom0's: map_domain_pirq stops there
    expect(io.mapPirq(dom0, dom0, msix(0), -1).rc).toBe("-ENODEV");
    expect(log).toEqual([]);
  });
});

describe("prepare_msix and release_msix", () => {
  it("a refused locate leaves msix->host_maskall set (msix_capability_init sets it on entry), so MASKALL stays on until a first use succeeds", () => {
    const { io, msix } = setup();
    expect(io.mapPirq(dom0, guest, msix(0), -1).rc).toBe("-ENODATA");
    expect(io.msixControlWrite(dom0, NIC, false)).toBe(0);
    expect(io.msixState(NIC)?.maskall).toBe(true);
    expect(io.prepareMsix(dom0, NIC, false)).toBe(0);
    expect(io.msixControlWrite(dom0, NIC, false)).toBe(0);
    expect(io.msixState(NIC)?.maskall).toBeUndefined();
  });

  it("ask XSM resource_setup_pci first; the device must be known; prepare needs no user, release exactly prepare's", () => {
    const { io, msix, checks } = setup();
    expect(io.prepareMsix(guest, NIC, false)).toBe("-EPERM"); // dummy: XSM_PRIV
    expect(checks.map((c) => c.hook)).toEqual(["resource_setup_pci"]);
    expect(io.prepareMsix(dom0, 0x0700, false)).toBe("-ENODEV");
    expect(io.prepareMsix(dom0, NIC, true)).toBe("-EBUSY");
    expect(io.prepareMsix(dom0, NIC, false)).toBe(0);
    expect(io.prepareMsix(dom0, NIC, false)).toBe("-EBUSY");
    io.mapPirq(dom0, guest, msix(0), -1);
    expect(io.prepareMsix(dom0, NIC, true)).toBe("-EBUSY");
    io.unmapPirq(dom0, guest, 79);
    expect(io.prepareMsix(dom0, NIC, true)).toBe(0);
    expect(io.readOnlyFrames()).toEqual([]);
  });

  it("a device without MSI-X is refused (Xen would read through a NULL pdev->msix)", () => {
    const { io, why } = setup();
    expect(io.prepareMsix(dom0, PLAIN, false)).toBe("-ENODEV");
    expect(why.at(-1)).toMatch(/NULL pdev->msix/);
  });

  it("a VF whose PF is gone cannot have its table located (Xen would dereference a NULL pf_pdev)", () => {
    const { io, why } = setup(undefined, new Set([VF]));
    expect(io.prepareMsix(dom0, VF, false)).toBe("-ENODEV");
    expect(why.at(-1)).toMatch(/PF is gone/);
    expect(io.msixState(VF)).toEqual({ entries: 8, used: 0 });
  });

  it("a VF added without its PF (add-pf-first) is not called one whose PF is gone: it never had one", () => {
    const { io, why } = setup(undefined, new Set(), 1, new Set([VF]));
    expect(io.prepareMsix(dom0, VF, false)).toBe("-ENODEV");
    expect(why.at(-1)).toMatch(/is a VF added without its PF \(the PF's add failed, so it was never linked: pf_pdev is NULL\)/);
    expect(why.at(-1)).toContain("4.19.1 on, PF<->VF links");
    expect(why.at(-1)).not.toMatch(/PF is gone/);
  });

  it("Xen 4.19.0, no device at the VF's PF SBDF: read_pci_mem_bar gives 0, so prepare_msix is -ENXIO and leaves host_maskall set", () => {
    const { io, why } = setup(undefined, new Set(), 1, new Set(), new Map([[VF, { physfn: 0x0500, why: "none" as const }]]));
    expect(io.prepareMsix(dom0, VF, false)).toBe("-ENXIO");
    expect(why.at(-1)).toMatch(/^Xen 4\.19\.0 reads a VF's MSI-X BAR through its PF, looked up by SBDF .* no device at 0000:05:02\.0's PF 0000:05:00\.0: no table address, and no table_base to use instead \(prepare_msix gives none\)/);
    expect(io.msixState(VF)).toEqual({ entries: 8, used: 0 });
    expect(io.readOnlyFrames()).toEqual([]);
    // host_maskall stays set: the hardware domain's own write of MASKALL off is overridden
    expect(io.msixControlWrite(dom0, VF, false)).toBe(0);
    expect(io.msixState(VF)?.maskall).toBe(true);
  });

  it("Xen 4.19.0, no PF: map_pirq's table_base locates the table (two WARN_ONs), the PBA at its bare offset", () => {
    const { io, log, why, owners } = setup(undefined, new Set(), 1, new Set(), new Map([[VF, { physfn: 0x0500, why: "none" as const }]]));
    owners[VF] = 0;
    expect(io.mapPirq(dom0, dom0, { msi: VF, msix: { entry: 0, tableBase: SPEC.table } }, -1).rc).toBe(0);
    expect(log).toEqual([
      "WARN_ON(msi->table_base != table_paddr): 0000:05:02.0 table_base 0xfebfc000, the BAR says 0 (no PF 0000:05:00.0)",
      "WARN_ON(!pba_paddr): 0000:05:02.0's PBA at its offset 0x1000 alone (no PF 0000:05:00.0)",
    ]);
    expect(io.msixState(VF)).toEqual({ entries: 8, used: 1, table: { start: 0xfebfc, end: 0xfebfc }, pba: { start: 1, end: 1 } });
    expect(io.readOnlyFrames()).toEqual([{ start: 1, end: 1 }, { start: 0xfebfc, end: 0xfebfc }]);
    expect(why.at(-1)).toContain("the PBA at 0x1000, its offset with no BAR address");
    // a table_base of 0 is no address either
    const zero = setup(undefined, new Set(), 1, new Set(), new Map([[VF, { physfn: 0x0500, why: "none" as const }]]));
    zero.owners[VF] = 0;
    expect(zero.io.mapPirq(dom0, dom0, { msi: VF, msix: { entry: 0, tableBase: 0 } }, -1).rc).toBe("-ENXIO");
    expect(zero.why.at(-1)).toContain("(map_pirq's is 0)");
  });

  it("a PF added while its VFs were on has no VF BAR sizes: -ENXIO in any release, the table_base otherwise", () => {
    const { io, why } = setup(undefined, new Set(), 1, new Set(), new Map([[VF, { physfn: 0x0500, why: "unsized" as const }]]));
    expect(io.prepareMsix(dom0, VF, false)).toBe("-ENXIO");
    expect(why.at(-1)).toMatch(/^0000:05:02\.0's PF 0000:05:00\.0 was added while its VFs were on .* vf_rlen 0: no table address/);
  });
});

describe("the device goes (pci_cleanup_msi)", () => {
  it("its IRQs are destroyed, the guest's pirq and IRQ access stay, prepare's use keeps the frames read-only", () => {
    const { io, msix } = setup();
    io.prepareMsix(dom0, NIC, false);
    io.mapPirq(dom0, guest, msix(0), -1);
    io.pciCleanupMsi(NIC);
    expect(io.state(guest).pirqs).toEqual([{ pirq: 79, irq: 48 }]);
    expect(io.state(guest).irqs).toEqual([{ start: 48, end: 48 }]);
    expect(io.state(dom0).irqs).toEqual([{ start: 1, end: 47 }]); // the creator's access went with the IRQ
    expect(io.msixState(NIC)).toEqual({ entries: 8, used: 0 }); // a record made anew, as for the device added again
    expect(io.readOnlyFrames()).toEqual([{ start: 0xfebfc, end: 0xfebfd }]);
    // the guest's unmap of its stale pirq now unmaps a plain IRQ
    expect(io.unmapPirq(dom0, guest, 79)).toBe(0);
    expect(io.state(guest).irqs).toEqual([]);
  });
});

describe("msixtbl (bind_pt_irq with the guest's table)", () => {
  it("needs an MSI-X device assigned to the guest (-ENODEV) and an MSI IRQ (-EINVAL); one entry per device, counted", () => {
    const { io, msix, owners } = setup();
    io.prepareMsix(dom0, NIC, false);
    io.mapPirq(dom0, guest, msix(0), 79);
    io.mapPirq(dom0, guest, msix(1), 78);
    expect(io.bindPtIrq(dom0, guest, 79, undefined, 0xe001c000)).toBe("-ENODEV");
    expect(io.state(guest).bound).toEqual([]);
    io.msixAssign(guest, NIC);
    expect(io.bindPtIrq(dom0, guest, 79, undefined, 0xe001c000)).toBe(0);
    expect(io.bindPtIrq(dom0, guest, 78, undefined, 0xe001c000)).toBe(0);
    expect(io.state(guest).msixtbl).toEqual([{ device: NIC, gtable: 0xe001c000 }]);
    expect(io.unbindPtIrq(dom0, guest, 79)).toBe(0);
    expect(io.state(guest).msixtbl).toEqual([{ device: NIC, gtable: 0xe001c000 }]);
    expect(io.unbindPtIrq(dom0, guest, 78)).toBe(0);
    expect(io.state(guest).msixtbl).toBeUndefined();
    owners[0x0400] = 1;
    io.mapPirq(dom0, guest, { gsi: 33 }, 33);
    expect(io.bindPtIrq(dom0, guest, 33, undefined, 0xe001c000)).toBe("-EINVAL"); // a GSI has no msi_desc
  });
});

describe("a failed MSI-X call changes nothing (property)", () => {
  const all = [dom0, guest, stub];
  const dom = fc.constantFrom(...all);
  const call = fc.oneof(
    fc.record({ k: fc.constant("map"), cur: dom, d: dom, dev: fc.constantFrom(NIC, VF, PLAIN), entry: fc.constantFrom(0, 1, 7, 8), pirq: fc.constantFrom(-1, 40, 79) }),
    fc.record({ k: fc.constant("unmap"), cur: dom, d: dom, pirq: fc.constantFrom(40, 78, 79, 255) }),
    fc.record({ k: fc.constantFrom("prepare", "release"), cur: dom, dev: fc.constantFrom(NIC, VF, PLAIN) }),
    fc.record({ k: fc.constantFrom("bind", "unbind"), cur: dom, d: dom, pirq: fc.constantFrom(40, 79), gtable: fc.constantFrom(undefined, 0xe001c000) }),
    fc.record({ k: fc.constant("assign"), d: dom, dev: fc.constantFrom(NIC, VF) }),
    fc.record({ k: fc.constant("owner"), dev: fc.constantFrom(NIC, VF), to: fc.constantFrom(0, 1, 2) }),
  );
  type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;

  it("every domain's resources and every device's MSI-X state are as before each call that fails", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 25 }), fc.boolean(), (calls, staleVf) => {
        const { io, owners } = setup({ [NIC]: 1, [VF]: 1, [PLAIN]: 0 }, staleVf ? new Set([VF]) : new Set());
        const snapshot = () => JSON.stringify([all.map((x) => io.state(x)), [NIC, VF, PLAIN].map((b) => io.msixState(b) ?? null), io.readOnlyFrames()]);
        for (const c of calls as Call[]) {
          const before = snapshot();
          let rc: string | 0 = 0;
          switch (c.k) {
            case "map":
              rc = io.mapPirq(c.cur, c.d, { msi: c.dev, msix: { entry: c.entry, tableBase: SPEC.table } }, c.pirq).rc;
              break;
            case "unmap":
              rc = io.unmapPirq(c.cur, c.d, c.pirq);
              break;
            case "prepare":
            case "release":
              rc = io.prepareMsix(c.cur, c.dev, c.k === "release");
              break;
            case "bind":
              rc = io.bindPtIrq(c.cur, c.d, c.pirq, undefined, c.gtable);
              break;
            case "unbind":
              rc = io.unbindPtIrq(c.cur, c.d, c.pirq);
              break;
            case "assign":
              io.msixAssign(c.d, c.dev);
              break;
            case "owner":
              owners[c.dev] = c.to;
              break;
          }
          if (rc !== 0) expect(snapshot(), `${c.k} ${rc}`).toBe(before);
          // used_entries counts prepare's use and every mapped entry, never below 0
          for (const b of [NIC, VF]) expect(io.msixState(b)?.used ?? 0).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("MASKALL (pci_msi_conf_write_intercept, pci_reset_msix_state, __pci_disable_msix)", () => {
  it("a device left with MASKALL set is refused at assignment (-EBUSY) until the bit is cleared; a good assignment forgets both maskalls", () => {
    const { io, why } = setup();
    expect(io.msixControlWrite(dom0, NIC, true)).toBe(0);
    expect(io.msixState(NIC)?.maskall).toBe(true);
    expect(io.msixAssign(guest, NIC)).toBe("-EBUSY");
    expect(why.at(-1)).toMatch(/pci_reset_msix_state/);
    expect(io.state(guest).msixtbl).toBeUndefined(); // nothing set up for the guest
    expect(io.msixControlWrite(dom0, NIC, false)).toBe(0);
    expect(io.msixState(NIC)).not.toHaveProperty("maskall");
    expect(io.msixAssign(guest, NIC)).toBe(0);
    expect(io.msixAssign(guest, PLAIN)).toBe(0); // no MSI-X: nothing to reset
  });

  it("the write needs the hardware domain, a device Xen knows, and MSI-X", () => {
    const { io, owners } = setup();
    expect(io.msixControlWrite(guest, NIC, true)).toBe("-EPERM");
    expect(io.msixControlWrite(dom0, PLAIN, true)).toBe("-ENODEV");
    delete owners[NIC];
    expect(io.msixControlWrite(dom0, NIC, true)).toBe("-ENODEV");
  });

  it("disabling an entry while the last writer wanted MASKALL leaves it set on the device", () => {
    const { io, msix, owners } = setup();
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, msix(0), -1).rc).toBe(0);
    expect(io.msixControlWrite(dom0, NIC, true)).toBe(0);
    expect(io.unmapPirq(dom0, dom0, 255)).toBe(0);
    expect(io.msixState(NIC)).toEqual({ entries: 8, used: 0, maskall: true });
  });
});

describe("MSI and MSI-X on one device (__pci_enable_msi, __pci_enable_msix)", () => {
  it("MSI enabled while an MSI-X entry is in use disables that entry: its IRQ stays mapped but the table is no longer read-only", () => {
    const { io, msix, owners, log, why } = setup();
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, msix(0), -1)).toEqual({ rc: 0, pirq: 255 });
    expect(io.readOnlyFrames()).toEqual([{ start: 0xfebfc, end: 0xfebfd }]);
    expect(io.mapPirq(dom0, dom0, { msi: NIC }, -1)).toEqual({ rc: 0, pirq: 254 });
    expect(log).toContain("MSI-X already in use on 0000:c8:00.0");
    expect(io.msixState(NIC)?.used).toBe(0);
    expect(io.readOnlyFrames()).toEqual([]);
    expect(io.state(dom0).pirqs.map((p) => p.pirq)).toEqual([254, 255]);
    // unmapping the disabled entry disables it again: Xen's used_entries goes below zero (wraps)
    expect(io.unmapPirq(dom0, dom0, 255)).toBe(0);
    expect(io.msixState(NIC)?.used).toBe(0);
    expect(why.at(-1)).toMatch(/wraps to 4294967295/);
  });

  it("the disable comes before msi_capability_init's checks: a refused MSI still leaves the MSI-X entry disabled", () => {
    const { io, msix, owners, log } = setup(undefined, undefined, 0);
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, msix(0), -1).rc).toBe(0);
    expect(io.mapPirq(dom0, dom0, { msi: NIC }, -1).rc).toBe("-ENODEV"); // no MSI capability
    expect(log).toContain("MSI-X already in use on 0000:c8:00.0");
    expect(io.msixState(NIC)?.used).toBe(0);
  });

  it("MSI-X enabled while MSI is in use logs it and turns MSI off; the entry maps", () => {
    const { io, msix, owners, log } = setup();
    owners[NIC] = 0;
    expect(io.mapPirq(dom0, dom0, { msi: NIC }, -1).rc).toBe(0);
    expect(io.mapPirq(dom0, dom0, msix(1), -1).rc).toBe(0);
    expect(log).toContain("MSI already in use on 0000:c8:00.0");
    expect(io.msixState(NIC)?.used).toBe(1);
  });
});
