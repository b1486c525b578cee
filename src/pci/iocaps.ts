// A device's resources as Xen grants and maps them to domains: each domain's I/O capabilities
// (d->irq_caps, d->iomem_caps, d->arch.ioport_caps, rangesets), its pirq -> IRQ table, the MSI
// IRQs made for devices, the frames mapped into an HVM guest and the IRQs bound to it. The
// operations are the hypercalls a toolstack makes when it passes a device through (libxl_pci.c):
// XEN_DOMCTL_irq_permission / iomem_permission / ioport_permission / memory_mapping (domctl.c,
// arch/x86/domctl.c), PHYSDEVOP_map_pirq / unmap_pirq (arch/x86/physdev.c, irq.c) and
// XEN_DOMCTL_bind_pt_irq / unbind_pt_irq, each with its checks in Xen's order and its XSM hook.
// A call that fails changes nothing.
import { RangeSet, type Range } from "../xen/rangeset.js";
import {
  HWDOM_DENIED_IOMEM,
  HWDOM_DENIED_IOPORTS,
  MAX_IOPORTS,
  MAX_MFN,
  NR_IRQS,
  NR_IRQS_GSI,
  NR_ISA_IRQS,
  NR_PIRQS_DOMU,
  NR_PIRQS_HWDOM,
} from "../xen/machine.js";
import type { Rc } from "../xen/errno.js";
import { formatSbdf } from "../xen/sbdf.js";
import type { Domain, IommuMode, IrqRef, XsmIoHooks } from "../xsm/types.js";

/** A domain's passthrough state, as reports show it. */
export interface DomainIoState {
  /** irq_caps, iomem_caps (page frames) and ioport_caps: what the domain may be given or map. */
  irqs: Range[];
  iomem: Range[];
  ioports: Range[];
  /** The domain's pirqs and the IRQ each is mapped to (an MSI IRQ names its device). */
  pirqs: { pirq: number; irq: number; msi?: number }[];
  /** Frames mapped into its physical address space (XEN_DOMCTL_memory_mapping). */
  mmio: Range[];
  /** Machine ports the HVM guest sees at guest ports (XEN_DOMCTL_ioport_mapping: g2m_ioport_list). */
  ioportMappings: { gport: number; mport: number; nr: number }[];
  /** pirqs bound to the HVM guest's interrupts (XEN_DOMCTL_bind_pt_irq). */
  bound: number[];
}

/** The source of a PHYSDEVOP_map_pirq: a GSI (MAP_PIRQ_TYPE_GSI, index = the GSI as the caller
 *  numbers it) or an MSI vector of a device (MAP_PIRQ_TYPE_MSI, index -1: Xen makes the IRQ). */
export type PirqSource = { gsi: number } | { msi: number };

interface DomainIo {
  irqs: RangeSet;
  iomem: RangeSet;
  ioports: RangeSet;
  /** pirq -> irq (pirq_info(d, pirq)->arch.irq) and its inverse (d->arch.irq_pirq). */
  pirqToIrq: Map<number, number>;
  irqToPirq: Map<number, number>;
  mmio: RangeSet;
  /** d->arch.hvm.g2m_ioport_list, in the order added. */
  g2mIoports: { gport: number; mport: number; nr: number }[];
  bound: Set<number>;
}

/** An IRQ create_irq() made for an MSI vector: its device and the domain it granted access to. */
interface MsiIrq {
  device: number;
  creator: number;
}

export interface IoCapsOptions {
  iommu: IommuMode;
  /** Xen's printk. */
  log?: (line: string) => void;
  /** Why Xen's own checks (not XSM) refused a call, or left it without effect: for explanations. */
  why?: (text: string) => void;
  /** Which domain owns a device (pci_get_pdev(d, sbdf)), by machine_bdf; undefined if absent. */
  ownerOf: (machineBdf: number) => number | null | undefined;
}

export class IoCaps {
  private readonly domains = new Map<number, DomainIo>();
  private readonly msi = new Map<number, MsiIrq>();

  constructor(
    private readonly xsm: XsmIoHooks,
    private readonly options: IoCapsOptions,
  ) {}

  /** The domain's state, made on first use: a hardware domain starts with what
   *  dom0_setup_permissions() gives it, any other with nothing. */
  private io(d: Domain): DomainIo {
    let io = this.domains.get(d.domid);
    if (io === undefined) {
      io = { irqs: new RangeSet(), iomem: new RangeSet(), ioports: new RangeSet(), pirqToIrq: new Map(), irqToPirq: new Map(), mmio: new RangeSet(), g2mIoports: [], bound: new Set() };
      if (d.hardware) {
        io.ioports.add(0, MAX_IOPORTS - 1);
        io.iomem.add(0, MAX_MFN);
        io.irqs.add(1, NR_IRQS_GSI - 1);
        for (const r of HWDOM_DENIED_IOPORTS) io.ioports.remove(r.start, r.end);
        for (const r of HWDOM_DENIED_IOMEM) io.iomem.remove(r.start, r.end);
      }
      this.domains.set(d.domid, io);
    }
    return io;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private refuse<T extends Rc>(rc: T, why: string): T {
    this.options.why?.(why);
    return rc;
  }

  // ---- grants --------------------------------------------------------------------------------

  /** XEN_DOMCTL_irq_permission (arch/x86/domctl.c): `pirq` is the caller's, translated through
   *  its own table; the caller must hold the IRQ to grant or revoke it. */
  irqPermission(cur: Domain, d: Domain, pirq: number, allow: boolean): Rc {
    const c = this.io(cur);
    if (pirq < 0 || pirq >= nrPirqs(cur)) return this.refuse("-EINVAL", `pirq ${pirq} is not below ${cur.name}'s nr_pirqs (${nrPirqs(cur)})`);
    const irq = c.pirqToIrq.get(pirq) ?? 0;
    // domain_pirq_to_irq() found no IRQ: no XSM question asked
    if (irq === 0) return this.refuse("-EPERM", `${cur.name}'s pirq ${pirq} is mapped to no IRQ (domain_pirq_to_irq)`);
    const rc = this.xsm.irqPermission(cur, d, irq, allow);
    if (rc !== 0) return rc;
    if (!c.irqs.has(irq)) return this.refuse("-EPERM", lacks(cur, `IRQ ${irq}`, "irq"));
    const io = this.io(d);
    if (allow) io.irqs.add(irq, irq);
    else io.irqs.remove(irq, irq);
    return 0;
  }

  /** XEN_DOMCTL_iomem_permission (common/domctl.c): frames first_mfn .. first_mfn + nr_mfns - 1,
   *  which the caller must hold. */
  iomemPermission(cur: Domain, d: Domain, mfn: number, nr: number, allow: boolean): Rc {
    const end = mfn + nr - 1;
    if (end < mfn) return this.refuse("-EINVAL", "the frames wrap around (nr_mfns 0 does)");
    const rc = this.xsm.iomemPermission(cur, d, mfn, end, allow);
    if (rc !== 0) return rc;
    if (!this.io(cur).iomem.containsRange(mfn, end)) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
    const io = this.io(d);
    if (allow) io.iomem.add(mfn, end);
    else io.iomem.remove(mfn, end);
    return 0;
  }

  /** XEN_DOMCTL_ioport_permission (arch/x86/domctl.c): ports first_port .. + nr_ports - 1. Both
   *  are the domctl's uint32_t fields: their sum wraps as in C, so a wrapping range is empty too. */
  ioportPermission(cur: Domain, d: Domain, port: number, nr: number, allow: boolean): Rc {
    const past = (port + nr) % 2 ** 32;
    if (past <= port || past > MAX_IOPORTS) return this.refuse("-EINVAL", `ports ${hex(port)} + ${hex(nr)} must be a non-empty range below ${hex(MAX_IOPORTS)} (fp + np <= fp || fp + np > MAX_IOPORTS)`);
    const end = port + nr - 1;
    const rc = this.xsm.ioportPermission(cur, d, port, end, allow);
    if (rc !== 0) return rc;
    if (!this.io(cur).ioports.containsRange(port, end)) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(port, end)}`, "ioports"));
    const io = this.io(d);
    if (allow) io.ioports.add(port, end);
    else io.ioports.remove(port, end);
    return 0;
  }

  /** XEN_DOMCTL_memory_mapping (common/domctl.c): map (or unmap) frames into an HVM guest at
   *  `gfn`. The caller must hold the frames, and to map them the guest must have been granted
   *  them. A PV guest has no p2m to map into: Xen returns 0 after the XSM check and does nothing. */
  memoryMapping(cur: Domain, d: Domain, gfn: number, mfn: number, nr: number, add: boolean): Rc {
    const end = mfn + nr - 1;
    if (end < mfn || end > MAX_MFN || gfn + nr - 1 < gfn) return this.refuse("-EINVAL", `the frames wrap or lie beyond paddr_bits (last frame ${hex(MAX_MFN)})`);
    const rc = this.xsm.iomemMapping(cur, d, mfn, end, add);
    if (rc !== 0) return rc;
    if (!d.hvm) return this.refuse(0, `${d.name} is not HVM (no paging_mode_translate): nothing to map into, Xen returns 0`);
    if (!this.io(cur).iomem.containsRange(mfn, end)) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
    const io = this.io(d);
    const x = (n: number) => n.toString(16); // %lx
    if (!add) {
      this.log(`memory_map:remove: d${d.domid} gfn=${x(gfn)} mfn=${x(mfn)} nr=${x(nr)}`);
      io.mmio.remove(mfn, end);
      return 0;
    }
    if (!io.iomem.containsRange(mfn, end)) return this.refuse("-EPERM", `${d.name} was not granted frames ${hexRange(mfn, end)} (iomem_access_permitted(d)): grant them with iomem_permission first`);
    this.log(`memory_map:add: d${d.domid} gfn=${x(gfn)} mfn=${x(mfn)} nr=${x(nr)}`);
    io.mmio.add(mfn, end);
    return 0;
  }

  /** XEN_DOMCTL_ioport_mapping (arch/x86/domctl.c): let the HVM guest reach machine ports
   *  `mport` .. + nr - 1 at guest ports from `gport`, or take that away. The caller must hold the
   *  ports, and to map them the guest must have been granted them. */
  ioportMapping(cur: Domain, d: Domain, gport: number, mport: number, nr: number, add: boolean): Rc {
    const x = (n: number) => n.toString(16); // %x
    if (!d.hvm) {
      this.log("ioport_map against non-HVM domain");
      return this.refuse("-EOPNOTSUPP", `${d.name} is not an HVM guest`);
    }
    // the fields are uint32_t: nr 0 makes np - 1 wrap, which the first test catches; past it
    // every value is below 0x10000, so the sums cannot wrap
    if (gport >= MAX_IOPORTS || mport >= MAX_IOPORTS || nr === 0 || nr - 1 >= MAX_IOPORTS || gport + nr > MAX_IOPORTS || mport + nr > MAX_IOPORTS) {
      this.log(`ioport_map:invalid:dom${d.domid} gport=${x(gport)} mport=${x(mport)} nr=${x(nr)}`);
      return this.refuse("-EINVAL", `guest ports ${hex(gport)} and machine ports ${hex(mport)} + ${hex(nr)} must be non-empty ranges below ${hex(MAX_IOPORTS)}`);
    }
    const end = mport + nr - 1;
    const rc = this.xsm.ioportMapping(cur, d, mport, end, add);
    if (rc !== 0) return rc;
    if (!this.io(cur).ioports.containsRange(mport, end)) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(mport, end)}`, "ioports"));
    const list = this.io(d).g2mIoports;
    if (!add) {
      this.log(`ioport_map:remove: d${d.domid} gport=${x(gport)} mport=${x(mport)} nr=${x(nr)}`);
      const at = list.findIndex((m) => m.mport === mport && m.nr === nr);
      if (at < 0) return this.refuse("-ENOENT", `no mapping of ports ${hexRange(mport, end)} to remove`);
      list.splice(at, 1);
      return 0;
    }
    if (!this.io(d).ioports.containsRange(mport, end)) return this.refuse("-EPERM", `${d.name} was not granted ports ${hexRange(mport, end)} (ioports_access_permitted(d)): grant them with ioport_permission first`);
    this.log(`ioport_map:add: d${d.domid} gport=${x(gport)} mport=${x(mport)} nr=${x(nr)}`);
    for (const m of list) {
      if (m.mport === mport && m.nr === nr) {
        m.gport = gport; // the same machine ports, moved
        return 0;
      }
      // Xen's overlap test counts touching ranges as overlapping (>=)
      if (mport + nr >= m.mport && m.mport + m.nr >= mport) return this.refuse("-EBUSY", `ports ${hexRange(mport, end)} overlap (or touch) the mapping of ${hexRange(m.mport, m.mport + m.nr - 1)}`);
    }
    list.push({ gport, mport, nr });
    return 0;
  }

  // ---- pirqs ---------------------------------------------------------------------------------

  /**
   * PHYSDEVOP_map_pirq (physdev_map_pirq, then allocate_and_map_gsi_pirq or
   * allocate_and_map_msi_pirq, then map_domain_pirq): map an IRQ to a pirq of `d`, granting `d`
   * the IRQ. `pirq` < 0 lets Xen choose one. Returns the pirq mapped, or the errno.
   * An HVM guest mapping for itself takes physdev_hvm_map_pirq, which is not modelled: the
   * scenario loader refuses that step.
   */
  mapPirq(cur: Domain, d: Domain, source: PirqSource, pirq: number): { rc: Rc; pirq?: number } {
    const rc = this.xsm.mapDomainPirq(cur, d);
    if (rc !== 0) return { rc };
    return "gsi" in source ? this.mapGsi(cur, d, source.gsi, pirq) : this.mapMsi(cur, d, source.msi, pirq);
  }

  // allocate_and_map_gsi_pirq(): the GSI is looked up in the caller's table; the hardware domain
  // may name a GSI it has not mapped itself (its GSIs are its IRQs)
  private mapGsi(cur: Domain, d: Domain, index: number, want: number): { rc: Rc; pirq?: number } {
    if (index < 0 || index >= NR_IRQS_GSI) {
      this.log(`dom${d.domid}: map invalid irq ${index}`);
      return { rc: this.refuse("-EINVAL", `GSI ${index} is not below nr_irqs_gsi (${NR_IRQS_GSI})`) };
    }
    let irq = this.io(cur).pirqToIrq.get(index) ?? 0;
    if (irq <= 0) {
      if (!cur.hardware) {
        this.log(`dom${d.domid}: map pirq with incorrect irq!`);
        return { rc: this.refuse("-EINVAL", `${cur.name}'s pirq ${index} is mapped to no IRQ, and only the hardware domain may name a GSI it has not mapped`) };
      }
      irq = index;
    }
    const pirq = this.allocatePirq(d, want, irq, "gsi");
    if (typeof pirq !== "number") return { rc: pirq };
    const rc = this.mapDomainPirq(cur, d, pirq, irq);
    return rc === 0 ? { rc, pirq } : { rc };
  }

  // allocate_and_map_msi_pirq() with index -1: create_irq() makes an IRQ and grants the caller
  // access to it; a failure destroys it again (destroy_irq revokes that access)
  private mapMsi(cur: Domain, d: Domain, device: number, want: number): { rc: Rc; pirq?: number } {
    let irq = NR_IRQS_GSI;
    while (irq < NR_IRQS && this.msi.has(irq)) irq++;
    if (irq >= NR_IRQS) {
      this.log(`dom${d.domid}: can't create irq for msi!`);
      return { rc: this.refuse("-EINVAL", `no free IRQ between nr_irqs_gsi and nr_irqs (${NR_IRQS})`) };
    }
    const c = this.io(cur);
    this.msi.set(irq, { device, creator: cur.domid });
    c.irqs.add(irq, irq);
    const pirq = this.allocatePirq(d, want, irq, "msi");
    const rc = typeof pirq === "number" ? this.mapDomainPirq(cur, d, pirq, irq, device) : pirq;
    if (rc === 0) return { rc, pirq: pirq as number };
    this.msi.delete(irq);
    c.irqs.remove(irq, irq);
    return { rc };
  }

  // allocate_pirq(): the pirq the IRQ already has, the one asked for, or a free one
  // (get_free_pirq: GSIs from NR_ISA_IRQS up, MSIs from the top down)
  private allocatePirq(d: Domain, want: number, irq: number, type: "gsi" | "msi"): number | Rc {
    const io = this.io(d);
    const current = io.irqToPirq.get(irq);
    if (want < 0) {
      if (current !== undefined) {
        this.log(`dom${d.domid}: ${irq}:${want} already mapped to ${current}`);
        return current;
      }
      const free = (p: number) => !io.pirqToIrq.has(p);
      if (type === "gsi") for (let p = NR_ISA_IRQS; p < NR_IRQS_GSI; p++) if (free(p)) return p;
      for (let p = nrPirqs(d) - 1; p >= NR_IRQS_GSI; p--) if (free(p)) return p;
      this.log(`dom${d.domid}: no free pirq`);
      return this.refuse("-ENOSPC", `${d.name} has no free pirq`);
    }
    if (current !== undefined && current !== want) {
      this.log(`dom${d.domid}: irq ${irq} already mapped to pirq ${current}`);
      return this.refuse("-EEXIST", `IRQ ${irq} is already ${d.name}'s pirq ${current}`);
    }
    return want;
  }

  // map_domain_pirq(): the caller must hold the IRQ; a pirq or IRQ already mapped elsewhere is
  // left as it is (and Xen returns 0); then XSM, then `d` is granted the IRQ. An MSI's device
  // must be `d`'s (pci_get_pdev(d, sbdf)).
  private mapDomainPirq(cur: Domain, d: Domain, pirq: number, irq: number, msi?: number): Rc {
    if (!this.io(cur).irqs.has(irq)) return this.refuse("-EPERM", lacks(cur, `IRQ ${irq}`, "irq"));
    const io = this.io(d);
    if (pirq < 0 || pirq >= nrPirqs(d) || irq <= 0 || irq >= NR_IRQS) {
      this.log(`dom${d.domid}: invalid pirq ${pirq} or irq ${irq}`);
      return this.refuse("-EINVAL", `pirq ${pirq} is not below ${d.name}'s nr_pirqs (${nrPirqs(d)})`);
    }
    const oldIrq = io.pirqToIrq.get(pirq) ?? 0;
    const oldPirq = io.irqToPirq.get(irq) ?? 0;
    if ((oldIrq > 0 && oldIrq !== irq) || (oldPirq !== 0 && oldPirq !== pirq)) {
      this.log(`dom${d.domid}: pirq ${pirq} or irq ${irq} already mapped (${oldPirq},${oldIrq})`);
      return this.refuse(0, "the pirq or the IRQ is already mapped otherwise: Xen leaves both as they are and returns 0");
    }
    const ref: IrqRef = msi !== undefined ? { irq, msi } : { irq };
    const rc = this.xsm.mapDomainIrq(cur, d, ref);
    if (rc !== 0) {
      this.log(`dom${d.domid}: could not permit access to irq ${irq} mapping to pirq ${pirq}`);
      return rc;
    }
    if (msi !== undefined && this.options.ownerOf(msi) !== d.domid) return this.refuse("-ENODEV", `${formatSbdf(msi)} is not assigned to ${d.name} (pci_get_pdev(d, sbdf))`);
    io.irqs.add(irq, irq);
    io.pirqToIrq.set(pirq, irq);
    io.irqToPirq.set(irq, pirq);
    return 0;
  }

  /** PHYSDEVOP_unmap_pirq (physdev_unmap_pirq, unmap_domain_pirq): the pirq loses its IRQ, `d`
   *  its access to the IRQ (an MSI IRQ is destroyed); a binding to the guest is forced off. */
  unmapPirq(cur: Domain, d: Domain, pirq: number): Rc {
    const rc = this.xsm.unmapDomainPirq(cur, d);
    if (rc !== 0) return rc;
    if (pirq < 0 || pirq >= nrPirqs(d)) return this.refuse("-EINVAL", `pirq ${pirq} is not below ${d.name}'s nr_pirqs (${nrPirqs(d)})`);
    const io = this.io(d);
    const irq = io.pirqToIrq.get(pirq);
    if (irq === undefined) {
      this.log(`dom${d.domid}: pirq ${pirq} not mapped`);
      return this.refuse("-EINVAL", `${d.name}'s pirq ${pirq} is not mapped`);
    }
    const msi = this.msi.get(irq);
    const rc2 = this.xsm.unmapDomainIrq(cur, d, msi ? { irq, msi: msi.device } : { irq });
    if (rc2 !== 0) return rc2;
    if (io.bound.delete(pirq)) this.log(`dom${d.domid}: forcing unbind of pirq ${pirq}`);
    this.unmap(d, io, pirq, irq);
    return 0;
  }

  private unmap(d: Domain, io: DomainIo, pirq: number, irq: number): void {
    io.pirqToIrq.delete(pirq);
    io.irqToPirq.delete(irq);
    io.irqs.remove(irq, irq);
    const msi = this.msi.get(irq);
    if (msi) {
      // msi_free_irq -> destroy_irq: the creator loses the access create_irq gave it
      this.msi.delete(irq);
      if (msi.creator !== d.domid) this.domains.get(msi.creator)?.irqs.remove(irq, irq);
    }
  }

  // ---- HVM guest interrupts ------------------------------------------------------------------

  /** XEN_DOMCTL_bind_pt_irq (arch/x86/domctl.c): bind `d`'s pirq `machineIrq` to the HVM guest's
   *  interrupt. The caller must hold the IRQ behind it; without an IOMMU there is nothing to bind. */
  bindPtIrq(cur: Domain, d: Domain, machineIrq: number): Rc {
    if (!d.hvm) return this.refuse("-EINVAL", `${d.name} is not an HVM guest`);
    const irq = this.io(d).pirqToIrq.get(machineIrq) ?? 0;
    const msi = this.msi.get(irq);
    const rc = this.xsm.bindPtIrq(cur, d, msi ? { irq, msi: msi.device } : { irq });
    if (rc !== 0) return rc;
    if (irq <= 0) return this.refuse("-EPERM", `${d.name}'s pirq ${machineIrq} is mapped to no IRQ (map_pirq first)`);
    if (!this.io(cur).irqs.has(irq)) return this.refuse("-EPERM", lacks(cur, `IRQ ${irq}`, "irq"));
    if (this.options.iommu === "none") return this.refuse("-ESRCH", "no IOMMU (is_iommu_enabled(d) is false): nothing to bind through");
    this.io(d).bound.add(machineIrq);
    return 0;
  }

  /** XEN_DOMCTL_unbind_pt_irq. */
  unbindPtIrq(cur: Domain, d: Domain, machineIrq: number): Rc {
    if (!d.hvm) return this.refuse("-EINVAL", `${d.name} is not an HVM guest`);
    const irq = this.io(d).pirqToIrq.get(machineIrq) ?? 0;
    const rc = this.xsm.unbindPtIrq(cur, d);
    if (rc !== 0) return rc;
    if (!this.io(cur).irqs.has(irq)) return this.refuse("-EPERM", irq > 0 ? lacks(cur, `IRQ ${irq}`, "irq") : `${d.name}'s pirq ${machineIrq} is mapped to no IRQ`);
    if (this.options.iommu === "none") return this.refuse("-ESRCH", "no IOMMU (is_iommu_enabled(d) is false)");
    this.io(d).bound.delete(machineIrq);
    return 0;
  }

  // ---- the domain's end, and reports -----------------------------------------------------------

  /** The domain is gone (domain_kill -> free_domain_pirqs, then its rangesets are freed); no XSM
   *  question is asked of a dying domain. Its MSI IRQs are destroyed. */
  removeDomain(d: Domain): void {
    const io = this.domains.get(d.domid);
    if (!io) return;
    for (const [pirq, irq] of [...io.pirqToIrq]) this.unmap(d, io, pirq, irq);
    this.domains.delete(d.domid);
  }

  /** The domain's state (a hardware domain's initial one if nothing happened to it yet). */
  state(d: Domain): DomainIoState {
    const io = this.io(d);
    return {
      irqs: io.irqs.list(),
      iomem: io.iomem.list(),
      ioports: io.ioports.list(),
      pirqs: [...io.pirqToIrq].sort((a, b) => a[0] - b[0]).map(([pirq, irq]) => {
        const msi = this.msi.get(irq);
        return msi ? { pirq, irq, msi: msi.device } : { pirq, irq };
      }),
      mmio: io.mmio.list(),
      ioportMappings: io.g2mIoports.map((m) => ({ ...m })),
      bound: [...io.bound].sort((a, b) => a - b),
    };
  }

  /** Whether the domain has been touched (reports leave untouched domains out). */
  touched(domid: number): boolean {
    return this.domains.has(domid);
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;
const hexRange = (start: number, end: number) => (start === end ? hex(start) : `${hex(start)}-${hex(end)}`);

/** The explanation of Xen's -EPERM when the caller itself lacks what it hands out or maps. */
function lacks(cur: Domain, what: string, caps: "irq" | "iomem" | "ioports"): string {
  return `${cur.name} does not hold ${what} (${caps}_access_permitted(current)): a domain hands out or maps only what it holds`;
}

/** d->nr_pirqs. */
function nrPirqs(d: Domain): number {
  return d.hardware ? NR_PIRQS_HWDOM : NR_PIRQS_DOMU;
}
