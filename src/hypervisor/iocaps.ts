// A device's resources as Xen grants and maps them to domains: each domain's I/O capabilities
// (d->irq_caps, d->iomem_caps, d->arch.ioport_caps, rangesets), its pirq -> IRQ table, the MSI
// IRQs made for devices, the frames mapped into an HVM guest and the IRQs bound to it. The
// operations are the hypercalls a toolstack makes when it passes a device through (libxl_pci.c):
// XEN_DOMCTL_irq_permission / gsi_permission / iomem_permission / ioport_permission /
// memory_mapping / ioport_mapping (domctl.c, arch/x86/domctl.c), PHYSDEVOP_map_pirq / unmap_pirq
// (arch/x86/physdev.c, irq.c: GSIs, MSI vectors and blocks of them, an HVM guest's own emulated
// GSIs) and XEN_DOMCTL_bind_pt_irq / unbind_pt_irq, each with its checks in Xen's order and its XSM
// hook. A call that fails changes nothing, but where Xen's does (an HVM guest's emulated GSI that
// physdev_unmap_pirq drops before unmap_domain_pirq refuses; an MSI-X entry __pci_enable_msi
// disables before MSI is refused).
import { RangeSet, type Range } from "../xen/rangeset.js";
import {
  HIGHEST_GSI,
  HWDOM_DENIED_IOMEM,
  HWDOM_DENIED_IOPORTS,
  MAX_IOPORTS,
  MAX_MFN,
  MAX_MSI_IRQS,
  NR_IRQS,
  NR_HVM_DOMU_IRQS,
  NR_IRQS_GSI,
  NR_ISA_IRQS,
  NR_PIRQS_DOMU,
  NR_PIRQS_HWDOM,
} from "../xen/machine.js";
import { errnoValue, type Rc } from "../xen/errno.js";
import { formatSbdf } from "../xen/sbdf.js";
import type { Domain, IoDomctl, IommuMode, IrqRef, XsmDomainHooks, XsmEvtchnHooks, XsmGrantHooks, XsmIoHooks, XsmModule } from "../xsm/types.js";
import { EventChannels, type ChannelReport } from "./evtchn.js";
import { GrantTables, type GrantOptions, type GrantReport } from "./grant.js";
import { MmioRo, Msix, type MsixReport, type MsixSpec } from "./msix.js";
import type { IoportMapping, MmioRemoval, PvhIrqs } from "./types.js";

/** A domain's passthrough state, as reports show it. */
export interface DomainIoState {
  /** irq_caps, iomem_caps (page frames) and ioport_caps: what the domain may be given or map. */
  irqs: Range[];
  iomem: Range[];
  ioports: Range[];
  /** The domain's pirqs and the IRQ each is mapped to (an MSI IRQ names its device). */
  pirqs: { pirq: number; irq: number; msi?: number; vector?: number }[];
  /** Frames mapped into its physical address space (XEN_DOMCTL_memory_mapping). */
  mmio: Range[];
  /** Machine ports the HVM guest sees at guest ports (XEN_DOMCTL_ioport_mapping: g2m_ioport_list). */
  ioportMappings: { gport: number; mport: number; nr: number }[];
  /** pirqs bound to the HVM guest's interrupts (XEN_DOMCTL_bind_pt_irq). */
  bound: number[];
  /** An HVM guest's own pirqs for its emulated GSIs (physdev_hvm_map_pirq: pirq -> emuirq). */
  emuirqs: { pirq: number; gsi: number }[];
  /** Guest GSIs bound to pirqs by PT_IRQ_TYPE_PCI (hvm_irq_dpci->girq), in the order bound. */
  girqs: { gsi: number; device: number; intx: number; pirq: number }[];
  /** The part of `mmio` Xen maps read-only (mmio_ro_ranges: MSI-X tables and PBAs in use); only when not empty. */
  mmioReadOnly?: Range[];
  /** Devices whose MSI-X table the HVM guest's accesses are emulated for (msixtbl_list, by
   *  machine_bdf, with the guest address of the table); only when not empty. */
  msixtbl?: { device: number; gtable: number }[];
  /** Its pirqs bound to its event channels (EVTCHNOP_bind_pirq: pirq->evtchn); only when not empty. */
  evtchns?: { pirq: number; port: number }[];
  /** Its event channels in use (evtchn.ts: unbound, interdomain and pirq ports); only when not empty. */
  channels?: ChannelReport[];
  /** Its grant table and its mappings of others' grants (grant.ts); only when an op touched them. */
  grants?: GrantReport;
}

/** An MSI-X table entry and the table's address, as MAP_PIRQ_TYPE_MSI's entry_nr and table_base. */
export interface MsixEntry {
  entry: number;
  tableBase: number;
}

/** The source of a PHYSDEVOP_map_pirq: a GSI (MAP_PIRQ_TYPE_GSI, index = the GSI as the caller
 *  numbers it; an HVM guest mapping for itself numbers its emulated GSIs) or an MSI vector of a
 *  device (MAP_PIRQ_TYPE_MSI, index -1: Xen makes the IRQ); with `nr`, MAP_PIRQ_TYPE_MULTI_MSI
 *  for `nr` vectors (entry_nr); with `msix`, MAP_PIRQ_TYPE_MSI with a table_base: the MSI-X
 *  table entry `entry` (entry_nr). */
export type PirqSource = { gsi: number } | { msi: number; nr?: number; msix?: MsixEntry };

/** What PHYSDEVOP_map_pirq hands back: rc, the pirq mapped, and for MULTI_MSI entry_nr. */
export interface MapResult {
  rc: Rc;
  pirq?: number;
  entries?: number;
}

/** A PT_IRQ_TYPE_PCI binding's guest side: the guest's PCI device (slot) and INTx pin (0-3). */
export interface GuestIntx {
  device: number;
  intx: number;
}

/** hvm_pci_intx_gsi(): the guest GSI a slot's INTx pin is wired to. */
export const hvmPciIntxGsi = (g: GuestIntx): number => ((((g.device << 2) + (g.device >> 3) + g.intx) & 31) + 16);

const MAP_PIRQ_TYPE_MSI = 0;
const MAP_PIRQ_TYPE_MULTI_MSI = 4;
/** XEN_DOMCTL_gsi_permission's number in public/domctl.h (4.20.0 on). */
const XEN_DOMCTL_gsi_permission = 88;
const XEN_DOMCTL_GSI_GRANT = 1;
const XEN_DOMCTL_GSI_ACTION_MASK = 1;

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
  /** pirqs with a dpci binding (pirq_dpci->flags HVM_IRQ_DPCI_MAPPED): the machine and guest side
   *  (HVM_IRQ_DPCI_MACH_MSI for PT_IRQ_TYPE_MSI, _MACH_PCI for PT_IRQ_TYPE_PCI). Bound pirqs are
   *  among their IRQ's guests (pirq_guest_bind). */
  bound: Map<number, "msi" | "pci">;
  /** hvm_irq_dpci allocated (the first bind_pt_irq of a guest does it; the hardware domain has none). */
  dpci: boolean;
  /** d->arch.hvm.emuirq_pirq and each pirq's arch.hvm.emuirq. */
  emuToPirq: Map<number, number>;
  pirqToEmu: Map<number, number>;
  girqs: { gsi: number; device: number; intx: number; pirq: number }[];
  /** msixtbl_initialised(d) (msixtbl_init at the assignment of a device with MSI-X), and its
   *  entries by device: the guest's table address and how many bound pirqs hold each (refcnt). */
  msixtbl: Map<number, { gtable: number; refcnt: number }> | null;
  /** pirq -> event channel port (pirq->evtchn). */
  evtchns: Map<number, number>;
}

/** IRQ_PT: the emuirq arch_evtchn_bind_pirq gives an HVM guest's passed-through pirq. */
const IRQ_PT = -2;

/** An IRQ create_irq() made for an MSI vector: its device, the domain it granted access to, and
 *  its place in its msi_desc block (entry_nr; the first holds every IRQ of the block, nvec). */
interface MsiIrq {
  device: number;
  creator: number;
  entry: number;
  block: number[];
  /** msi_attrib.type: PCI_CAP_ID_MSI (a block's vectors) or PCI_CAP_ID_MSIX (one table entry). */
  kind: "msi" | "msix";
}

export interface IoCapsOptions {
  iommu: IommuMode;
  /** Xen's printk. */
  log?: (line: string) => void;
  /** Why Xen's own checks (not XSM) refused a call, or left it without effect: for explanations. */
  why?: (text: string) => void;
  /** Which domain owns a device (pci_get_pdev(d, sbdf)), by machine_bdf; undefined if absent. */
  ownerOf: (machineBdf: number) => number | null | undefined;
  /** The vectors a device's MSI capability offers (msi_maxvec; 0: no MSI capability); 1 if not given. */
  msiVectors?: (machineBdf: number) => number;
  /** A device's MSI-X capability (pdev->msix); undefined: none. */
  msix?: (machineBdf: number) => MsixSpec | undefined;
  /** A VF whose PF gives msix_capability_init no BAR to read its table's address from. Releases
   *  with PF<->VF links follow pdev->pf_pdev: "gone", a stale VF some PF-removal strategies leave,
   *  "never", one added without its PF (vfWithoutPf add-pf-first). `{ physfn, why }`: "none", Xen
   *  4.19.0, which looks the PF up by the VF's physfn SBDF, found no device there; "unsized", the
   *  PF was added while its VFs were on, so its VF BARs were never sized. False: the PF's BAR is
   *  read, or the device is no VF. */
  vfWithoutPf?: (machineBdf: number) => "gone" | "never" | { physfn: number; why: "none" | "unsized" } | false;
  /** d->max_evtchn_port (evtchn.ts's default: unlimited for domid 0, libxl's 1023 otherwise). */
  maxEvtchnPort?: (d: Domain) => number | undefined;
  /** grant.ts's limits and its word that a dead domain's last mapped grant went. */
  grants?: Pick<GrantOptions, "maxFrames" | "maxMaptrackFrames" | "freed">;
  /** Whether this Xen has XEN_DOMCTL_gsi_permission and PHYSDEVOP_{,un}map_pirq for HVM callers
   *  without pirqs (types.ts PvhIrqs); default `gsi`, Xen 4.20.0 on. */
  pvhIrqs?: PvhIrqs;
  /** What XEN_DOMCTL_memory_mapping's removal asks (types.ts MmioRemoval); default `caller-held`,
   *  Xen 4.22.0 on. */
  mmioRemoval?: MmioRemoval;
  /** What XEN_DOMCTL_ioport_mapping does with the guest's rights (types.ts IoportMapping); default
   *  `guest-granted`, master after 4.22.0. */
  ioportMapping?: IoportMapping;
}

export class IoCaps {
  private readonly domains = new Map<number, DomainIo>();
  private readonly msi = new Map<number, MsiIrq>();
  /** pdev->msix of the devices that have one, made on first use, dropped with the device. */
  private readonly msixs = new Map<number, Msix>();
  private readonly mmioRo = new MmioRo();
  /** Each IRQ's guest action (irq_desc->action as irq_guest_action_t): the domains bound to it
   *  (pirq_guest_bind, from EVTCHNOP_bind_pirq or bind_pt_irq) and whether they share it. */
  private readonly guests = new Map<number, { domids: number[]; shareable: boolean }>();
  /** GSIs mp_register_gsi() has set up (a second registration is -EEXIST). */
  private readonly registeredGsis = new Set<number>();
  /** Domains killed and not yet freed (d->is_dying). */
  private readonly dead = new Set<number>();

  /** Every domain's event channel ports; bind_pirq's channels are among them. */
  readonly evtchn: EventChannels;
  /** Every domain's grant table and maptrack. */
  readonly grants: GrantTables;

  constructor(
    private readonly xsm: XsmIoHooks & XsmEvtchnHooks & XsmGrantHooks & Pick<XsmModule, "resourceSetupPci"> & Pick<XsmDomainHooks, "unknownDomctl">,
    private readonly options: IoCapsOptions,
  ) {
    this.evtchn = new EventChannels(xsm, {
      ...(options.log ? { log: options.log } : {}),
      ...(options.why ? { why: options.why } : {}),
      ...(options.maxEvtchnPort ? { maxPort: options.maxEvtchnPort } : {}),
      closePirq: (d, pirq) => this.closePirq(d, pirq),
    });
    this.grants = new GrantTables(xsm, {
      ...(options.log ? { log: options.log } : {}),
      ...(options.why ? { why: options.why } : {}),
      ...(options.grants ?? {}),
    });
  }

  private msixOf(bdf: number): Msix | undefined {
    let m = this.msixs.get(bdf);
    if (m === undefined) {
      const spec = this.options.msix?.(bdf);
      if (spec === undefined) return undefined;
      m = new Msix(spec);
      this.msixs.set(bdf, m);
    }
    return m;
  }

  /** The domain's state, made on first use: a hardware domain starts with what
   *  dom0_setup_permissions() gives it, any other with nothing. */
  private io(d: Domain): DomainIo {
    let io = this.domains.get(d.domid);
    if (io === undefined) {
      io = { irqs: new RangeSet(), iomem: new RangeSet(), ioports: new RangeSet(), pirqToIrq: new Map(), irqToPirq: new Map(), mmio: new RangeSet(), g2mIoports: [], bound: new Map(), dpci: false, emuToPirq: new Map(), pirqToEmu: new Map(), girqs: [], msixtbl: null, evtchns: new Map() };
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

  /** XSA-492's order (types.ts AssignCheck): the resource domctls skip xsm_domctl and ask their
   *  hooks before the caller's holds, passing on what the hook answers. */
  private get xsa492(): boolean {
    return this.xsm.assignCheck === "xsm_domctl";
  }

  /** Before XSA-492, do_domctl's xsm_domctl about a resource domctl, past the domain lookup and
   *  before any of the command's own checks (dummy.h XSM_PRIV or XSM_DM_PRIV; flask asks nothing). */
  private ioDomctl(cur: Domain, d: Domain, cmd: IoDomctl): Rc {
    if (this.xsa492) return 0;
    const rc = this.xsm.ioDomctl(cur, d, cmd);
    return rc === 0 ? 0 : this.refuse(rc, `do_domctl asks xsm_domctl about XEN_DOMCTL_${cmd} before its own checks (before XSA-492; since, the command skips it and its hook carries the action)`);
  }

  /** What the domctl answers for a refusal of its hook: since XSA-492 the hook's error; before it,
   *  `!held || xsm_...(XSM_HOOK, ...)` made any refusal -EPERM (flask's -EACCES included). */
  private hookRc(rc: Rc, hook: string): Rc {
    if (rc === 0 || this.xsa492 || rc === "-EPERM") return rc;
    return this.refuse("-EPERM", `${hook} answered ${rc}; before XSA-492 the domctl tests \`!held || ${hook}(...)\` and answers -EPERM for either`);
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
   *  its own table; the caller must hold the IRQ to grant or revoke it. A pirq left by a forced
   *  unbind holds -IRQ: XSM is asked (flask_irq_permission does not look at the IRQ), then the
   *  caller holds no negative IRQ. */
  irqPermission(cur: Domain, d: Domain, pirq: number, allow: boolean): Rc {
    const gate = this.ioDomctl(cur, d, "irq_permission");
    if (gate !== 0) return gate;
    if (pirq < 0 || pirq >= nrPirqs(cur)) return this.refuse("-EINVAL", `pirq ${pirq} is not below ${cur.name}'s nr_pirqs (${nrPirqs(cur)})`);
    const irq = this.io(cur).pirqToIrq.get(pirq) ?? 0;
    // no IRQ behind the pirq: no XSM question asked, in either order
    if (irq === 0) return this.refuse("-EPERM", noIrqPermission(cur, pirq, this.xsa492));
    const negative = irq < 0 ? `${cur.name}'s pirq ${pirq} holds -${-irq}, what a forced unbind leaves (unmap_domain_pirq of a bound pirq): no IRQ to hand out` : undefined;
    // before XSA-492, pirq_access_permitted(): an IRQ the caller does not hold is 0, and 0 is -EPERM
    // before XSM is asked
    if (!this.xsa492 && (irq < 0 || !this.io(cur).irqs.has(irq))) return this.refuse("-EPERM", `${negative ?? lacks(cur, `IRQ ${irq}`, "irq")}; this Xen tests it before XSM (pirq_access_permitted, before XSA-492)`);
    return this.permitIrq(cur, d, irq, allow, negative);
  }

  /** XEN_DOMCTL_gsi_permission (arch/x86/domctl.c, Xen 4.20; libxl's way for a PVH dom0, which
   *  has no pirqs of its own): grant (flags XEN_DOMCTL_GSI_GRANT) or revoke `d` access to the
   *  IRQ of `gsi` (gsi_2_irq). Any other flag bit is -EINVAL. The caller must hold the IRQ.
   *  A Xen without it (4.19) takes domctl 88 as any command it does not know. */
  gsiPermission(cur: Domain, d: Domain, gsi: number, flags: number): Rc {
    if (this.options.pvhIrqs === "none") return this.unknownDomctl(cur, d, XEN_DOMCTL_gsi_permission, "XEN_DOMCTL_gsi_permission came with 4.20.0, d6e9a2aab3");
    const gate = this.ioDomctl(cur, d, "gsi_permission");
    if (gate !== 0) return gate;
    if ((flags & ~XEN_DOMCTL_GSI_ACTION_MASK) !== 0 || flags < 0 || flags > 0xffffffff) return this.refuse("-EINVAL", `flags ${hex(flags)} has bits beyond XEN_DOMCTL_GSI_ACTION_MASK (1: grant, 0: revoke)`);
    // gsi_2_irq(): beyond the highest GSI -ERANGE; GSI 0 (pin 0 of IO-APIC 0) has no IRQ: -EINVAL
    if (gsi > HIGHEST_GSI) return this.refuse("-ERANGE", `GSI ${gsi} is above the highest GSI (${HIGHEST_GSI}) (gsi_2_irq)`);
    if (gsi <= 0) return this.refuse("-EINVAL", `GSI ${gsi} has no IRQ (gsi_2_irq)`);
    return this.permitIrq(cur, d, gsi, flags === XEN_DOMCTL_GSI_GRANT);
  }

  // do_domctl with a command this Xen does not know: past the domain lookup, xsm_domctl asks about
  // it as about any command without a hook of its own; then arch_do_domctl's default is -ENOSYS
  private unknownDomctl(cur: Domain, d: Domain, cmd: number, what: string): Rc {
    const rc = this.xsm.unknownDomctl(cur, d, cmd);
    if (rc !== 0) return this.refuse(rc, `domctl ${cmd} is no command of this Xen (${what}): do_domctl's xsm_domctl refused it before arch_do_domctl could say so`);
    return this.refuse("-ENOSYS", `domctl ${cmd} is no command of this Xen (${what}): xsm_domctl let it through, and arch_do_domctl's default answers -ENOSYS`);
  }

  /** hvm_physdev_op() before 035baa203b (Xen 4.19): PHYSDEVOP_{,un}map_pirq from an HVM caller
   *  without pirqs (has_pirq: a PVH dom0, an HVM guest without hvm_pirq) is -ENOSYS before
   *  do_physdev_op looks at anything, the domain it names included. 0 where the op goes on. */
  hvmPhysdevOp(cur: Domain, op: "map_pirq" | "unmap_pirq"): Rc {
    if (this.options.pvhIrqs !== "none" || cur.hvm !== true || cur.hvmPirq === true) return 0;
    return this.refuse("-ENOSYS", `${cur.name} is HVM without pirqs (has_pirq): this Xen's hvm_physdev_op refuses it PHYSDEVOP_${op} -ENOSYS (Xen 4.20.0 opened it to any HVM caller, 035baa203b, for a PVH dom0's passthrough)`);
  }

  // the tail both domctls share: xsm_irq_permission, then the caller's hold (irq_access_permitted
  // (currd)), then irq_permit_access / irq_deny_access on `d`; before XSA-492 the hold first, and
  // `!held || xsm_irq_permission(XSM_HOOK, ...)` is -EPERM whatever XSM said
  private permitIrq(cur: Domain, d: Domain, irq: number, allow: boolean, negative?: string): Rc {
    const held = this.io(cur).irqs.has(irq);
    if (!this.xsa492 && !held) return this.refuse("-EPERM", negative ?? lacks(cur, `IRQ ${irq}`, "irq"));
    const rc = this.hookRc(this.xsm.irqPermission(cur, d, irq, allow), "xsm_irq_permission");
    if (rc !== 0) return rc;
    if (!held) return this.refuse("-EPERM", negative ?? lacks(cur, `IRQ ${irq}`, "irq"));
    const io = this.io(d);
    if (allow) io.irqs.add(irq, irq);
    else io.irqs.remove(irq, irq);
    return 0;
  }

  /** XEN_DOMCTL_iomem_permission (common/domctl.c): frames first_mfn .. first_mfn + nr_mfns - 1,
   *  which the caller must hold. */
  iomemPermission(cur: Domain, d: Domain, mfn: number, nr: number, allow: boolean): Rc {
    const end = mfn + nr - 1;
    const gate = this.ioDomctl(cur, d, "iomem_permission");
    if (gate !== 0) return gate;
    if (end < mfn) return this.refuse("-EINVAL", "the frames wrap around (nr_mfns 0 does)");
    const held = this.io(cur).iomem.containsRange(mfn, end);
    // before XSA-492: `!held || xsm_iomem_permission(XSM_HOOK, ...)`, -EPERM either way
    if (!this.xsa492 && !held) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
    const rc = this.hookRc(this.xsm.iomemPermission(cur, d, mfn, end, allow), "xsm_iomem_permission");
    if (rc !== 0) return rc;
    if (!held) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
    const io = this.io(d);
    if (allow) io.iomem.add(mfn, end);
    else io.iomem.remove(mfn, end);
    return 0;
  }

  /** XEN_DOMCTL_ioport_permission (arch/x86/domctl.c): ports first_port .. + nr_ports - 1. Both
   *  are the domctl's uint32_t fields: their sum wraps as in C, so a wrapping range is empty too. */
  ioportPermission(cur: Domain, d: Domain, port: number, nr: number, allow: boolean): Rc {
    const gate = this.ioDomctl(cur, d, "ioport_permission");
    if (gate !== 0) return gate;
    const past = (port + nr) % 2 ** 32;
    if (past <= port || past > MAX_IOPORTS) return this.refuse("-EINVAL", `ports ${hex(port)} + ${hex(nr)} must be a non-empty range below ${hex(MAX_IOPORTS)} (fp + np <= fp || fp + np > MAX_IOPORTS)`);
    const end = port + nr - 1;
    const held = this.io(cur).ioports.containsRange(port, end);
    // before XSA-492: `!held || xsm_ioport_permission(XSM_HOOK, ...)`, -EPERM either way
    if (!this.xsa492 && !held) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(port, end)}`, "ioports"));
    const rc = this.hookRc(this.xsm.ioportPermission(cur, d, port, end, allow), "xsm_ioport_permission");
    if (rc !== 0) return rc;
    if (!held) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(port, end)}`, "ioports"));
    const io = this.io(d);
    if (allow) io.ioports.add(port, end);
    else io.ioports.remove(port, end);
    return 0;
  }

  /** XEN_DOMCTL_memory_mapping (common/domctl.c): map (or unmap) frames into an HVM guest at
   *  `gfn`. The caller must hold the frames, and to map them the guest must have been granted
   *  them. A PV guest has no p2m to map into: Xen returns 0 after the XSM check and does nothing. */
  memoryMapping(cur: Domain, d: Domain, gfn: number, mfn: number, nr: number, add: boolean): Rc {
    const gate = this.ioDomctl(cur, d, "memory_mapping");
    if (gate !== 0) return gate;
    const end = mfn + nr - 1;
    if (end < mfn || end > MAX_MFN || gfn + nr - 1 < gfn) return this.refuse("-EINVAL", `the frames wrap or lie beyond paddr_bits (last frame ${hex(MAX_MFN)})`);
    const io = this.io(d);
    // before XSA-492 both holds come first (caller's and guest's, whether adding or not), then XSM,
    // then the test for a p2m
    if (!this.xsa492) {
      if (!this.io(cur).iomem.containsRange(mfn, end)) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
      if (!io.iomem.containsRange(mfn, end)) return this.refuse("-EPERM", `${d.name} was not granted frames ${hexRange(mfn, end)} (iomem_access_permitted(d), asked before XSM and for a removal too before XSA-492): grant them with iomem_permission first`);
    }
    const rc = this.xsm.iomemMapping(cur, d, mfn, end, add);
    if (rc !== 0) return rc;
    if (!d.hvm) return this.refuse(0, `${d.name} is not HVM (no paging_mode_translate): nothing to map into, Xen returns 0`);
    if (!this.io(cur).iomem.containsRange(mfn, end)) return this.refuse("-EPERM", lacks(cur, `frames ${hexRange(mfn, end)}`, "iomem"));
    const x = (n: number) => n.toString(16); // %lx
    if (!add && this.options.mmioRemoval === "guest-granted" && !io.iomem.containsRange(mfn, end)) return this.refuse("-EPERM", `${d.name} was not granted frames ${hexRange(mfn, end)} (iomem_access_permitted(d)): this Xen asks it of a removal too (4.22.0 asks the caller's hold alone, 6df6f24251)`);
    if (!add) {
      this.log(`memory_map:remove: d${d.domid} gfn=${x(gfn)} mfn=${x(mfn)} nr=${x(nr)}`);
      io.mmio.remove(mfn, end);
      return 0;
    }
    if (!io.iomem.containsRange(mfn, end)) return this.refuse("-EPERM", `${d.name} was not granted frames ${hexRange(mfn, end)} (iomem_access_permitted(d)): grant them with iomem_permission first`);
    this.log(`memory_map:add: d${d.domid} gfn=${x(gfn)} mfn=${x(mfn)} nr=${x(nr)}`);
    if (this.dead.has(d.domid)) {
      // map_mmio_regions() into the torn-down p2m: hap_alloc() gives a dying domain no page
      this.log(`memory_map:fail: d${d.domid} gfn=${x(gfn)} mfn=${x(mfn)} nr=${x(nr)} ret:${errnoValue("-ENOMEM")}`);
      return this.refuse("-ENOMEM", `${d.name} is dying: its p2m was torn down and hap_alloc() gives a dying domain no page for it (map_mmio_regions fails)`);
    }
    io.mmio.add(mfn, end);
    return 0;
  }

  /** XEN_DOMCTL_ioport_mapping (arch/x86/domctl.c): let the HVM guest reach machine ports
   *  `mport` .. + nr - 1 at guest ports from `gport`, or take that away. The caller must hold the
   *  ports; what becomes of the guest's own rights is the release's (options.ioportMapping). */
  ioportMapping(cur: Domain, d: Domain, gport: number, mport: number, nr: number, add: boolean): Rc {
    const gate = this.ioDomctl(cur, d, "ioport_mapping");
    if (gate !== 0) return gate;
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
    const held = this.io(cur).ioports.containsRange(mport, end);
    // before XSA-492 the caller's hold comes before XSM
    if (!this.xsa492 && !held) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(mport, end)}`, "ioports"));
    const rc = this.xsm.ioportMapping(cur, d, mport, end, add);
    if (rc !== 0) return rc;
    if (!held) return this.refuse("-EPERM", lacks(cur, `ports ${hexRange(mport, end)}`, "ioports"));
    const list = this.io(d).g2mIoports;
    if ((this.options.ioportMapping ?? "guest-granted") === "grants") return this.ioportMappingGrants(d, list, gport, mport, nr, add);
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

  /** ioport_mapping's tail in every release tag (4.19.0 .. 4.22.0): the mapping is the guest's
   *  right to the ports, granted with it and revoked with its removal (what 3845d3854d, after
   *  4.22.0, stopped); entries are keyed by their first machine port alone. */
  private ioportMappingGrants(d: Domain, list: DomainIo["g2mIoports"], gport: number, mport: number, nr: number, add: boolean): Rc {
    const x = (n: number) => n.toString(16); // %x
    const end = mport + nr - 1;
    const io = this.io(d);
    const at = list.findIndex((m) => m.mport === mport);
    if (!add) {
      this.log(`ioport_map:remove: dom${d.domid} gport=${x(gport)} mport=${x(mport)} nr=${x(nr)}`);
      if (at >= 0) list.splice(at, 1);
      io.ioports.remove(mport, end);
      this.options.why?.(`ioports_deny_access: ${d.name} loses ports ${hexRange(mport, end)}${at < 0 ? ", though no mapping started at " + hex(mport) + " (not an error in this Xen)" : ""}: the removal revokes them, in every release tag (master after 4.22.0, 3845d3854d, leaves them)`);
      return 0;
    }
    this.log(`ioport_map:add: dom${d.domid} gport=${x(gport)} mport=${x(mport)} nr=${x(nr)}`);
    const had = io.ioports.containsRange(mport, end);
    if (at >= 0) Object.assign(list[at]!, { gport, nr }); // the entry at this first port, moved and resized
    else list.push({ gport, mport, nr });
    io.ioports.add(mport, end);
    this.options.why?.(`ioports_permit_access: ${d.name} ${had ? "keeps" : "is granted"} ports ${hexRange(mport, end)}: the mapping grants them, whether or not ioport_permission did, in every release tag (master after 4.22.0, 3845d3854d, asks that it did instead); no overlap test (fa61af950b, master)`);
    return 0;
  }

  // ---- pirqs ---------------------------------------------------------------------------------

  /**
   * PHYSDEVOP_map_pirq (physdev_map_pirq, then allocate_and_map_gsi_pirq or
   * allocate_and_map_msi_pirq, then map_domain_pirq): map an IRQ to a pirq of `d`, granting `d`
   * the IRQ. `pirq` < 0 lets Xen choose one. Returns the pirq mapped, or the errno; a
   * MAP_PIRQ_TYPE_MULTI_MSI request also the entry_nr Xen hands back (the vectors mapped, or on
   * -ENOSPC / -ENFILE the most it could give).
   * An HVM guest with pirqs (has_pirq) mapping for itself takes physdev_hvm_map_pirq instead: no
   * XSM question, its emulated GSIs only.
   */
  mapPirq(cur: Domain, d: Domain, source: PirqSource, pirq: number): MapResult {
    const gate = this.hvmPhysdevOp(cur, "map_pirq");
    if (gate !== 0) return { rc: gate };
    if (cur.domid === d.domid && d.hvm === true && d.hvmPirq === true) {
      // "only makes sense for vector-based callback, else HVM-IRQ logic calls back into itself"
      if (d.callbackVector === false) return { rc: this.refuse("-EINVAL", `${d.name} has no vector callback for event channels (is_hvm_pv_evtchn_domain): it cannot map its own pirqs`) };
      return this.hvmMapPirq(d, source, pirq);
    }
    const rc = this.xsm.mapDomainPirq(cur, d);
    if (rc !== 0) return { rc };
    return "gsi" in source ? this.mapGsi(cur, d, source.gsi, pirq) : this.mapMsi(cur, d, source, pirq);
  }

  // physdev_hvm_map_pirq(): a guest GSI a passed-through device is bound to (hvm_irq_dpci's girq
  // list, the last binding) gives back that binding's pirq and maps nothing; any other is an
  // emulated GSI, mapped to a pirq of the guest's own (map_domain_emuirq_pirq)
  private hvmMapPirq(d: Domain, source: PirqSource, want: number): MapResult {
    if (!("gsi" in source)) {
      this.log(`map type ${source.nr !== undefined ? MAP_PIRQ_TYPE_MULTI_MSI : MAP_PIRQ_TYPE_MSI} not supported yet`);
      return { rc: this.refuse("-EINVAL", `an HVM guest maps only its emulated GSIs for itself (MAP_PIRQ_TYPE_GSI); its device model maps MSIs for it`) };
    }
    const index = source.gsi;
    if (index < 0 || index >= NR_HVM_DOMU_IRQS) return { rc: this.refuse("-EINVAL", `guest GSI ${index} is not below NR_HVM_DOMU_IRQS (${NR_HVM_DOMU_IRQS})`) };
    const io = this.io(d);
    let machine = 0;
    for (const g of io.girqs) if (g.gsi === index) machine = g.pirq;
    if (machine !== 0) {
      this.options.why?.(`guest GSI ${index} carries the passed-through pirq ${machine} (bind_pt_irq): Xen hands that pirq back and maps nothing`);
      return { rc: 0, pirq: machine };
    }
    const pirq = want < 0 ? this.freePirq(d, "gsi") : want;
    if (pirq < 0 || pirq >= nrPirqs(d)) {
      this.log(`dom${d.domid}: invalid pirq ${pirq} or emuirq ${index}`);
      return { rc: this.refuse("-EINVAL", pirq < 0 ? `${d.name} has no free pirq (get_free_pirq returned ${pirq})` : `pirq ${pirq} is not below ${d.name}'s nr_pirqs (${nrPirqs(d)})`) };
    }
    const oldEmu = io.pirqToEmu.get(pirq);
    const oldPirq = io.emuToPirq.get(index);
    if ((oldEmu !== undefined && oldEmu !== index) || (oldPirq !== undefined && oldPirq !== pirq)) {
      this.log(`dom${d.domid}: pirq ${pirq} or emuirq ${index} already mapped`);
      return { rc: this.refuse(0, "the pirq or the guest GSI is already mapped otherwise: Xen leaves both as they are and returns 0"), pirq };
    }
    io.pirqToEmu.set(pirq, index);
    io.emuToPirq.set(index, pirq);
    return { rc: 0, pirq };
  }

  // allocate_and_map_gsi_pirq(): the GSI is looked up in the caller's table; the hardware domain
  // may name a GSI it has not mapped itself (its GSIs are its IRQs)
  private mapGsi(cur: Domain, d: Domain, index: number, want: number): MapResult {
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
    const pirq = this.allocatePirq(d, index, want, irq, "gsi", 1);
    if ("rc" in pirq) return { rc: pirq.rc };
    const rc = this.mapDomainPirq(cur, d, pirq.pirq, irq);
    return rc === 0 ? { rc, pirq: pirq.pirq } : { rc };
  }

  // allocate_and_map_msi_pirq() with index -1: create_irq() makes an IRQ and grants the caller
  // access to it; a failure destroys it again (destroy_irq revokes that access). MULTI_MSI asks
  // for entry_nr vectors: a block of pirqs, one IRQ each.
  private mapMsi(cur: Domain, d: Domain, source: { msi: number; nr?: number; msix?: MsixEntry }, want: number): MapResult {
    const multi = source.nr !== undefined;
    const irq = this.createIrq(cur, source.msi, source.msix?.entry ?? 0, source.msix ? "msix" : "msi");
    if (irq < 0) {
      this.log(`dom${d.domid}: can't create irq for msi!`);
      return { rc: this.refuse("-EINVAL", `no free IRQ between nr_irqs_gsi and nr_irqs (${NR_IRQS}): create_irq failed`) };
    }
    const entries = { nr: source.nr ?? 1 };
    const pirq = this.allocatePirq(d, -1, want, irq, multi ? "multi" : "msi", entries.nr, entries);
    const rc = "rc" in pirq ? pirq.rc : this.mapDomainPirq(cur, d, pirq.pirq, irq, { device: source.msi, multi, ...(source.msix ? { msix: source.msix } : {}) }, entries);
    const out = multi ? { entries: entries.nr } : {};
    if (rc === 0) return { rc, pirq: (pirq as { pirq: number }).pirq, ...out };
    this.destroyIrq(irq);
    return { rc, ...out };
  }

  /** create_irq(NUMA_NO_NODE, true): the first unused IRQ above the GSIs, which the caller may
   *  then use (it is the IRQ's creator); -1 when none is left. */
  private createIrq(cur: Domain, device: number, entry: number, kind: "msi" | "msix" = "msi"): number {
    let irq = NR_IRQS_GSI;
    while (irq < NR_IRQS && this.msi.has(irq)) irq++;
    if (irq >= NR_IRQS) return -1;
    this.msi.set(irq, { device, creator: cur.domid, entry, block: [irq], kind });
    this.io(cur).irqs.add(irq, irq);
    return irq;
  }

  /** destroy_irq(): the IRQ is free again and its creator loses access to it. */
  private destroyIrq(irq: number): void {
    const msi = this.msi.get(irq);
    if (!msi) return;
    this.msi.delete(irq);
    this.domains.get(msi.creator)?.irqs.remove(irq, irq);
    this.guests.delete(irq); // desc->action = NULL, IRQ_GUEST cleared
  }

  // get_free_pirq(): GSIs from NR_ISA_IRQS up, anything else from the top down; a pirq is free
  // with no IRQ and, in an HVM guest, no emulated GSI (is_free_pirq)
  private freePirq(d: Domain, type: "gsi" | "msi"): number {
    const free = this.isFreePirq(d);
    if (type === "gsi") for (let p = NR_ISA_IRQS; p < NR_IRQS_GSI; p++) if (free(p)) return p;
    for (let p = nrPirqs(d) - 1; p >= NR_IRQS_GSI; p--) if (free(p)) return p;
    return errnoValue("-ENOSPC");
  }

  // get_free_pirqs(): the lowest pirq of the highest block of `nr` free ones above the GSIs
  private freePirqs(d: Domain, nr: number): number {
    const free = this.isFreePirq(d);
    let found = 0;
    for (let p = nrPirqs(d) - 1; p >= NR_IRQS_GSI; p--) {
      if (!free(p)) found = 0;
      else if (++found === nr) return p;
    }
    return errnoValue("-ENOSPC");
  }

  private isFreePirq(d: Domain): (p: number) => boolean {
    const io = this.io(d);
    return (p) => !io.pirqToIrq.has(p) && !(d.hvm === true && io.pirqToEmu.has(p));
  }

  // allocate_pirq(): the pirq the IRQ already has, the one asked for, or a free one; a
  // MULTI_MSI request without a pirq takes a power-of-two block (entry_nr rounded up), and when
  // there is none says in entry_nr the largest block there is
  private allocatePirq(d: Domain, index: number, want: number, irq: number, type: "gsi" | "msi" | "multi", nr: number, entries?: { nr: number }): { pirq: number } | { rc: Rc } {
    const io = this.io(d);
    const current = io.irqToPirq.get(irq);
    if (want >= 0) {
      if (current !== undefined && current !== want) {
        this.log(`dom${d.domid}: irq ${irq} already mapped to pirq ${current}`);
        return { rc: this.refuse("-EEXIST", `IRQ ${irq} is already ${d.name}'s pirq ${current}`) };
      }
      return { pirq: want };
    }
    if (current !== undefined) {
      this.log(`dom${d.domid}: ${index}:${want} already mapped to ${current}`);
      // a forced unbind left -pirq against the IRQ (unmap_domain_pirq of a bound pirq)
      if (current < 0) return { rc: this.refuse("-EBUSY", `IRQ ${irq} still holds ${d.name}'s pirq ${-current} as -${-current}, left by a forced unbind: it is not free until that pirq is unbound`) };
      return { pirq: current };
    }
    if (type !== "multi") {
      const pirq = this.freePirq(d, type);
      if (pirq >= 0) return { pirq };
      this.log(`dom${d.domid}: no free pirq`);
      return { rc: this.refuse("-ENOSPC", `${d.name} has no free pirq`) };
    }
    if (nr <= 0 || nr > MAX_MSI_IRQS) return { rc: this.refuse("-EDOM", `entry_nr ${nr} is not 1 .. ${MAX_MSI_IRQS} (MAX_MSI_IRQS)`) };
    if (nr !== 1 && this.options.iommu !== "intremap") return { rc: this.refuse("-EOPNOTSUPP", `more than one MSI vector needs interrupt remapping (iommu_intremap); this host has iommu ${this.options.iommu}`) };
    let n = nr;
    while (n & (n - 1)) n += n & -n; // up to a power of two
    entries!.nr = n;
    const pirq = this.freePirqs(d, n);
    if (pirq >= 0) return { pirq };
    while ((n >>= 1) > 1) if (this.freePirqs(d, n) > 0) break;
    entries!.nr = n;
    this.log(`dom${d.domid}: no block of ${n << 1} free pirqs`);
    return { rc: this.refuse("-ENOSPC", `${d.name} has no block of ${n << 1} free pirqs above the GSIs; the largest is ${n} (handed back in entry_nr)`) };
  }

  // map_domain_pirq(): the caller must hold the IRQ; a pirq or IRQ already mapped elsewhere is
  // left as it is (and Xen returns 0); then XSM (once, for the first IRQ of a block), then `d` is
  // granted the IRQ. An MSI's device must be `d`'s (pci_get_pdev(d, sbdf)) and offer the vectors
  // (pci_enable_msi); each further vector of a block gets a new IRQ at the next pirq, which Xen
  // does not check (only the first pirq is).
  private mapDomainPirq(cur: Domain, d: Domain, pirq: number, irq: number, msi?: { device: number; multi: boolean; msix?: MsixEntry }, entries?: { nr: number }): Rc {
    if (!this.io(cur).irqs.has(irq)) return this.refuse("-EPERM", irq === 0 ? IRQ0_MAP(cur) : lacks(cur, `IRQ ${irq}`, "irq"));
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
    const ref: IrqRef = msi !== undefined ? { irq, msi: msi.device } : { irq };
    const rc = this.xsm.mapDomainIrq(cur, d, ref);
    if (rc !== 0) {
      this.log(`dom${d.domid}: could not permit access to irq ${irq} mapping to pirq ${pirq}`);
      return rc;
    }
    const irqs = [irq];
    if (msi !== undefined) {
      if (this.options.ownerOf(msi.device) !== d.domid) return this.refuse("-ENODEV", `${formatSbdf(msi.device)} is not assigned to ${d.name} (pci_get_pdev(d, sbdf))`);
      // pci_enable_msi(): a table_base makes it MSI-X (__pci_enable_msix)
      if (msi.msix) return this.enableMsix(cur, msi.device, msi.msix, irq, d, pirq);
      // __pci_enable_msi(): MSI-X in use on the device is disabled first (one entry: the first on
      // the device's msi_list), before msi_capability_init's checks, so even a refused MSI leaves
      // that entry disabled; its IRQ stays mapped
      const msixInUse = this.firstMsiEntry(msi.device, "msix", irq);
      if (msixInUse !== undefined) {
        this.log(`MSI-X already in use on ${formatSbdf(msi.device)}`);
        this.disableMsix(msi.device);
      }
      const maxvec = this.options.msiVectors?.(msi.device) ?? 1;
      if (maxvec === 0) return this.refuse("-ENODEV", `${formatSbdf(msi.device)} has no MSI capability (pci_enable_msi: msi_pos is 0)`);
      const nr = entries?.nr ?? 1;
      if (nr > maxvec) {
        entries!.nr = maxvec;
        return this.refuse("-ENFILE", `${formatSbdf(msi.device)}'s MSI capability offers ${maxvec} vector${maxvec === 1 ? "" : "s"}, not ${nr} (pci_enable_msi hands back the most in entry_nr)`);
      }
      // the block's further IRQs, each made by create_irq; running out undoes the whole block
      for (let i = 1; msi.multi && i < nr; i++) {
        const next = this.createIrq(cur, msi.device, i);
        if (next < 0) {
          for (const made of irqs.slice(1)) this.destroyIrq(made);
          return this.refuse("-ENOSPC", `no free IRQ for vector ${i} of ${nr} (create_irq): the block is undone`);
        }
        irqs.push(next);
      }
      this.msi.get(irq)!.block = irqs;
    }
    irqs.forEach((n, i) => {
      io.irqs.add(n, n);
      io.pirqToIrq.set(pirq + i, n);
      io.irqToPirq.set(n, pirq + i);
    });
    return 0;
  }

  /** PHYSDEVOP_unmap_pirq (physdev_unmap_pirq): an HVM guest with pirqs loses the emulated GSI of
   *  the pirq (and, asking for itself, nothing else); then unmap_domain_pirq: the pirq, or a
   *  multi-vector block from its first pirq, loses its IRQs, `d` its access to them (MSI IRQs are
   *  destroyed); a binding to the guest is forced off. */
  unmapPirq(cur: Domain, d: Domain, pirq: number): Rc {
    const gate = this.hvmPhysdevOp(cur, "unmap_pirq");
    if (gate !== 0) return gate;
    const self = cur.domid === d.domid;
    const hvmPirq = d.hvm === true && d.hvmPirq === true;
    if (!self || !hvmPirq) {
      const rc = this.xsm.unmapDomainPirq(cur, d);
      if (rc !== 0) return rc;
    }
    if (hvmPirq) {
      const io = this.io(d);
      const emu = io.pirqToEmu.get(pirq);
      if (emu !== undefined) {
        // unmap_domain_pirq_emuirq(): cannot fail once the pirq has an emulated GSI
        io.pirqToEmu.delete(pirq);
        io.emuToPirq.delete(emu);
      }
      if (self) return emu !== undefined ? 0 : this.refuse(0, `${d.name}'s pirq ${pirq} has no emulated GSI; a guest's own unmap_pirq undoes nothing else (physdev_unmap_pirq returns 0)`);
    }
    // unmap_domain_pirq() asks xsm_unmap_domain_irq only of a domain that is not dying
    return this.unmapDomainPirq(this.dead.has(d.domid) ? undefined : cur, d, pirq);
  }

  // unmap_domain_pirq(); `cur` undefined: the domain is dying and no XSM question is asked
  private unmapDomainPirq(cur: Domain | undefined, d: Domain, pirq: number): Rc {
    if (pirq < 0 || pirq >= nrPirqs(d)) return this.refuse("-EINVAL", `pirq ${pirq} is not below ${d.name}'s nr_pirqs (${nrPirqs(d)})`);
    const io = this.io(d);
    const irq = io.pirqToIrq.get(pirq);
    if (irq === undefined || irq <= 0) {
      this.log(`dom${d.domid}: pirq ${pirq} not mapped`);
      return this.refuse("-EINVAL", irq === undefined ? `${d.name}'s pirq ${pirq} is not mapped` : `${d.name}'s pirq ${pirq} holds -${-irq}, left by a forced unbind: not mapped (info->arch.irq <= 0)`);
    }
    const msi = this.msi.get(irq);
    // only an MSI block has secondaries (msi_attrib.type == PCI_CAP_ID_MSI); an MSI-X entry's
    // entry_nr is its slot in the table
    if (msi !== undefined && msi.entry !== 0 && msi.kind === "msi") {
      this.log(`dom${d.domid}: trying to unmap secondary MSI pirq ${pirq}`);
      return this.refuse("-EBUSY", `pirq ${pirq} is vector ${msi.entry} of a multi-vector MSI block: unmap the block's first pirq`);
    }
    if (cur !== undefined) {
      const rc = this.xsm.unmapDomainIrq(cur, d, msi ? { irq, msi: msi.device } : { irq });
      if (rc !== 0) return rc;
    }
    // pirq_guest_force_unbind(): the domain is among the IRQ's guests (bind_pt_irq bound it).
    // Then the pirq keeps -IRQ and the IRQ -pirq (not cleared): the pirq is not free, its IRQ
    // cannot be mapped to the domain again, and the dpci binding stays, until the pirq is unbound
    const forced = this.guestUnbind(d, irq);
    if (forced) this.log(`dom${d.domid}: forcing unbind of pirq ${pirq}`);
    const nr = msi?.block.length ?? 1;
    for (let i = 0; i < nr; i++) {
      const n = io.pirqToIrq.get(pirq + i);
      if (n === undefined || n <= 0) {
        this.log(`d${d.domid}: MSI pirq ${pirq + i} not mapped`);
        continue;
      }
      if (forced) {
        io.pirqToIrq.set(pirq + i, -n);
        io.irqToPirq.set(n, -pirq); // Xen stores the block's first pirq for every vector
      } else {
        io.pirqToIrq.delete(pirq + i);
        io.irqToPirq.delete(n);
      }
      io.irqs.remove(n, n);
    }
    // pci_disable_msi(): an MSI-X entry gives up its use of the table (__pci_disable_msix)
    if (msi?.kind === "msix") this.disableMsix(msi.device);
    // msi_free_irq -> destroy_irq for each vector: the creator loses the access create_irq gave it
    for (const n of msi?.block ?? []) this.destroyIrq(n);
    return 0;
  }

  // ---- guests of an IRQ, event channels ------------------------------------------------------

  /** pirq_guest_bind(): `d` joins the IRQ's guests; the first makes the action (with `share`),
   *  later ones must share, and an IRQ destroyed under a pirq has no descriptor to bind (-EINVAL). */
  private pirqGuestBind(d: Domain, pirq: number, share: boolean): Rc {
    const irq = this.io(d).pirqToIrq.get(pirq) ?? 0;
    if (irq <= 0) return this.refuse("-EINVAL", `${d.name}'s pirq ${pirq} has no IRQ (pirq_spin_lock_irq_desc finds none)`);
    const action = this.guests.get(irq);
    if (action === undefined) {
      this.guests.set(irq, { domids: [d.domid], shareable: share });
      return 0;
    }
    if (!share || !action.shareable) {
      this.log(`Cannot bind IRQ${pirq} to dom${d.domid}. ${share ? "Others do not share" : "Will not share with others"}.`);
      return this.refuse("-EBUSY", `IRQ ${irq} is bound to ${action.domids.map((x) => `d${x}`).join(", ")} ${share ? "without sharing" : "and this bind does not share (BIND_PIRQ__WILL_SHARE)"}`);
    }
    action.domids.push(d.domid);
    return 0;
  }

  /** __pirq_guest_unbind() / pirq_guest_force_unbind(): `d` leaves the IRQ's guests; false if it
   *  was not among them. */
  private guestUnbind(d: Domain, irq: number): boolean {
    const action = this.guests.get(irq);
    const at = action?.domids.indexOf(d.domid) ?? -1;
    if (at < 0) return false;
    action!.domids.splice(at, 1);
    if (action!.domids.length === 0) this.guests.delete(irq);
    return true;
  }

  /**
   * EVTCHNOP_bind_pirq: the calling domain binds one of its own pirqs to a new event channel. No
   * XSM hook (the pirq was checked when it was mapped). `pirq` below nr_pirqs (-EINVAL); a PV
   * domain must hold the pirq's IRQ (pirq_access_permitted, -EPERM); a pirq already bound is
   * -EEXIST; then a free port (get_free_port, -ENOSPC), and a PV domain joins the IRQ's guests
   * (pirq_guest_bind: -EINVAL without an IRQ, -EBUSY if it is not shared; the port stays free). An
   * HVM guest only records the channel, and a passed-through pirq gets emuirq IRQ_PT
   * (arch_evtchn_bind_pirq). Returns the port.
   */
  bindPirq(cur: Domain, pirq: number, share: boolean): { rc: Rc; port?: number } {
    const d = cur;
    if (pirq < 0 || pirq >= nrPirqs(d)) return { rc: this.refuse("-EINVAL", `pirq ${pirq} is not below ${d.name}'s nr_pirqs (${nrPirqs(d)})`) };
    const io = this.io(d);
    const irq = io.pirqToIrq.get(pirq) ?? 0;
    if (!d.hvm && !(irq > 0 && io.irqs.has(irq))) return { rc: this.refuse("-EPERM", irq > 0 ? `${d.name} does not hold IRQ ${irq} (pirq_access_permitted)` : `${d.name}'s pirq ${pirq} has no IRQ (pirq_access_permitted)`) };
    if (io.evtchns.has(pirq)) return { rc: this.refuse("-EEXIST", `${d.name}'s pirq ${pirq} is bound to port ${io.evtchns.get(pirq)} already`) };
    const port = this.evtchn.allocPort(d);
    if (typeof port !== "number") return { rc: port };
    if (!d.hvm) {
      const rc = this.pirqGuestBind(d, pirq, share);
      if (rc !== 0) return { rc };
    }
    io.evtchns.set(pirq, port);
    this.evtchn.bindPirqPort(d, port, pirq);
    // arch_evtchn_bind_pirq(): an HVM guest's passed-through pirq gets emuirq IRQ_PT, unless it
    // has another emuirq (map_domain_emuirq_pirq leaves that)
    if (d.hvm && irq > 0) {
      const old = io.pirqToEmu.get(pirq);
      if (old === undefined || old === IRQ_PT) io.pirqToEmu.set(pirq, IRQ_PT);
    }
    return { rc: 0, port };
  }

  /**
   * EVTCHNOP_close of a pirq channel (ECS_PIRQ), its pirq side (evtchn.ts frees the port): a PV
   * domain leaves the IRQ's guests (pirq_guest_unbind; a pirq a forced unbind left with -IRQ is
   * cleared now, and is free again); an HVM guest's passed-through pirq loses its emuirq. Xen
   * BUG()s when the IRQ behind a PV binding was destroyed under it (the device removed:
   * __pirq_guest_unbind finds no guest action); the model refuses that with -EINVAL and changes nothing.
   */
  private closePirq(d: Domain, pirq: number): Rc {
    const io = this.io(d);
    const irq = io.pirqToIrq.get(pirq) ?? 0;
    if (!d.hvm) {
      if (irq > 0 && !this.guests.get(irq)?.domids.includes(d.domid)) {
        return this.refuse("-EINVAL", `IRQ ${irq} behind ${d.name}'s pirq ${pirq} has no guest action with ${d.name} (destroyed under the binding: the device was removed): Xen's __pirq_guest_unbind hits BUG_ON here; the model refuses instead`);
      }
      if (irq < 0) {
        // pirq_guest_unbind() of a forced-unbind leftover: clear_domain_irq_pirq
        io.pirqToIrq.delete(pirq);
        if (io.irqToPirq.get(-irq) === -pirq) io.irqToPirq.delete(-irq);
      } else this.guestUnbind(d, irq);
    } else if (irq > 0 && io.pirqToEmu.has(pirq)) {
      const emu = io.pirqToEmu.get(pirq)!;
      io.pirqToEmu.delete(pirq);
      if (emu !== IRQ_PT) io.emuToPirq.delete(emu);
    }
    io.evtchns.delete(pirq);
    return 0;
  }

  /**
   * A PVH hardware domain unmasks a pin of its vIO-APIC (vioapic_write_redirent ->
   * vioapic_hwdom_map_gsi): Xen registers the GSI (mp_register_gsi; one already registered is left
   * alone, 0), maps it to the domain's pirq of the same number (allocate_and_map_gsi_pirq: no
   * physdev XSM question, but map_domain_pirq's xsm_map_domain_irq) and binds it to the domain
   * (pt_irq_create_bind, identity); a failed bind unmaps the pirq again (unmap_domain_pirq's XSM
   * question included).
   */
  hwdomUnmaskGsi(cur: Domain, gsi: number): Rc {
    if (!cur.hardware || !cur.hvm) return this.refuse("-EINVAL", `${cur.name} is not a PVH hardware domain: its vIO-APIC maps no host GSI`);
    if (gsi < 0 || gsi >= NR_IRQS_GSI) return this.refuse("-EINVAL", `the vIO-APIC of ${cur.name} has pins 0-${NR_IRQS_GSI - 1} (nr_gsis)`);
    if (this.registeredGsis.has(gsi)) return this.refuse(0, `GSI ${gsi} is registered already (mp_register_gsi: -EEXIST): nothing to map or bind`);
    if (gsi === 0) {
      this.log(`vioapic: error registering GSI ${gsi}: ${errnoValue("-EINVAL")}`);
      return this.refuse("-EINVAL", `GSI 0 has no IRQ (mp_register_gsi)`);
    }
    this.registeredGsis.add(gsi);
    const mapped = this.mapGsi(cur, cur, gsi, gsi);
    if (mapped.rc !== 0) {
      this.log(`vioapic: error mapping GSI ${gsi}: ${errnoValue(mapped.rc)}`);
      return mapped.rc;
    }
    const io = this.io(cur);
    // pt_irq_create_bind(): the hardware domain's PCI binds are identity GSIs; level-triggered pins share
    if (!io.bound.has(gsi)) {
      const rc = this.pirqGuestBind(cur, gsi, true);
      if (rc !== 0) {
        this.log(`vioapic: error binding GSI ${gsi}: ${errnoValue(rc)}`);
        this.unmapDomainPirq(cur, cur, gsi);
        return rc;
      }
      io.bound.set(gsi, "pci");
    }
    return 0;
  }

  // ---- MSI-X ---------------------------------------------------------------------------------

  /**
   * __pci_enable_msix() and msix_capability_init() for one table entry, the IRQ made and `d`
   * granted it already: the device must have MSI-X and the entry be in its table. The table is
   * located from the device's BARs only for its first user, and then only for the hardware domain
   * mapping for itself or for a device nobody owns (dom_io); anyone else needs it located before
   * (PHYSDEVOP_prepare_msix): -ENODATA. The first user makes the table and PBA read-only.
   */
  private enableMsix(cur: Domain, device: number, msix: MsixEntry, irq: number, d: Domain, pirq: number): Rc {
    const m = this.msixOf(device);
    if (m === undefined) return this.refuse("-ENODEV", `${formatSbdf(device)} has no MSI-X capability (pdev->msix is NULL)`);
    if (msix.entry >= m.spec.entries) return this.refuse("-EINVAL", `entry_nr ${msix.entry} is not below ${formatSbdf(device)}'s ${m.spec.entries} MSI-X table entries`);
    // __pci_enable_msix(): MSI in use on the device is disabled (its capability off; its IRQs stay mapped)
    if (this.firstMsiEntry(device, "msi", irq) !== undefined) this.log(`MSI already in use on ${formatSbdf(device)}`);
    const owner = this.options.ownerOf(device);
    if (m.used === 0 && cur.hardware && (owner === cur.domid || owner === null)) {
      const rc = this.locateMsix(device, m, msix.tableBase);
      if (rc !== 0) return rc;
    } else if (m.table === null) {
      m.hostMaskall = true; // msix_capability_init set it on entry and returns without restoring it
      return this.refuse("-ENODATA", `${formatSbdf(device)}'s MSI-X table was never located: only the hardware domain mapping its own (or an unowned) device does that on a first use; prepare it first (PHYSDEVOP_prepare_msix)`);
    }
    if (m.used === 0) {
      // the first user: msix_capability_init ends with host_maskall = maskall, false by then
      m.hostMaskall = false;
      this.mmioRo.add(m);
      // msix_capability_init's warning when the first user is not the hardware domain for itself
      if (!cur.hardware || owner !== cur.domid) this.log(`${cur.hardware ? "Potentially insecure" : "Insecure"} use of MSI-X on ${formatSbdf(device)} by ${owner === null || owner === undefined ? "d[IO]" : `d${owner}`}`);
    }
    m.used++;
    const io = this.io(d);
    io.irqs.add(irq, irq);
    io.pirqToIrq.set(pirq, irq);
    io.irqToPirq.set(irq, pirq);
    return 0;
  }

  // msix_capability_init()'s "Locate MSI-X table region": a VF reads its BARs through its PF.
  // `tableBase`: map_pirq's msi->table_base (prepare_msix has no msi).
  private locateMsix(device: number, m: Msix, tableBase?: number): Rc {
    const noPf = this.options.vfWithoutPf?.(device);
    // releases with PF<->VF links: ASSERT(dev->pf_pdev), a debug build's panic; a release build
    // reads the PF's vf_rlen through NULL (4.19.1-4.21: &pf_pdev->physfn; 4.22: read_pci_mem_bar(NULL))
    const deref = "Xen (4.19.1 on, PF<->VF links) reads a VF's MSI-X BAR through pdev->pf_pdev, only ASSERTed, and would dereference NULL here; the model refuses instead";
    if (noPf === "gone") return this.refuse("-ENODEV", `${formatSbdf(device)} is a VF whose PF is gone (pf_pdev is NULL): ${deref}`);
    if (noPf === "never") return this.refuse("-ENODEV", `${formatSbdf(device)} is a VF added without its PF (the PF's add failed, so it was never linked: pf_pdev is NULL): ${deref}`);
    if (typeof noPf === "object") return this.locateWithoutBar(device, m, noPf, tableBase);
    m.locate();
    if (tableBase !== undefined && tableBase !== m.spec.table) this.log(`WARN_ON(msi->table_base != table_paddr): ${formatSbdf(device)} table_base ${hex(tableBase)}, the BAR says ${hex(m.spec.table)}`);
    return 0;
  }

  /**
   * read_pci_mem_bar() gives a VF's table address 0: Xen 4.19.0 found no device at its physfn SBDF
   * (pci_get_pdev), or its PF's vf_rlen[] is 0 (added while its VFs were on). Without a table_base
   * (prepare_msix, or map_pirq's 0) that is -ENXIO, MSI-X's enable bit written back off and
   * msix->host_maskall left set (msix_capability_init set it on entry). With one, the table is
   * located there (WARN_ON: table_base is not 0) and the PBA at its bare offset (WARN_ON: no BAR
   * address): the model's MSI-X device has its table start the BAR table_base names and its PBA
   * in the same BAR, so that offset is the PBA's distance from the table (0 if it lies below).
   */
  private locateWithoutBar(device: number, m: Msix, pf: { physfn: number; why: "none" | "unsized" }, tableBase: number | undefined): Rc {
    const at = formatSbdf(device);
    const pfAt = formatSbdf(pf.physfn);
    const why =
      pf.why === "none"
        ? `Xen 4.19.0 reads a VF's MSI-X BAR through its PF, looked up by SBDF (read_pci_mem_bar: pci_get_pdev), and there is no device at ${at}'s PF ${pfAt}`
        : `${at}'s PF ${pfAt} was added while its VFs were on ("has its virtual functions already enabled"), so pci_add_device never sized its VF BARs and read_pci_mem_bar finds vf_rlen 0`;
    const short = pf.why === "none" ? `no PF ${pfAt}` : `PF ${pfAt}'s VF BARs unsized`;
    if (!tableBase) {
      m.hostMaskall = true;
      const given = tableBase === undefined ? "prepare_msix gives none" : "map_pirq's is 0";
      return this.refuse("-ENXIO", `${why}: no table address, and no table_base to use instead (${given}); msix->host_maskall stays set`);
    }
    this.log(`WARN_ON(msi->table_base != table_paddr): ${at} table_base ${hex(tableBase)}, the BAR says 0 (${short})`);
    const pbaOffset = Math.max(0, m.spec.pba - m.spec.table);
    this.log(`WARN_ON(!pba_paddr): ${at}'s PBA at its offset ${hex(pbaOffset)} alone (${short})`);
    this.options.why?.(`${why}: the table is located at map_pirq's table_base ${hex(tableBase)}, the PBA at ${hex(pbaOffset)}, its offset with no BAR address, and both made read-only there`);
    m.locateAt(tableBase, pbaOffset);
    return 0;
  }

  // __pci_disable_msix(): the entry masked, MASKALL left set if Xen or the last writer wants it,
  // then _pci_cleanup_msix()
  private disableMsix(device: number): void {
    const m = this.msixs.get(device);
    if (m !== undefined && (m.hostMaskall || m.guestMaskall)) m.maskall = true;
    this.cleanupMsix(device);
  }

  /** find_msi_entry(pdev, -1, type): the first IRQ (in the order made) of the device's vectors of
   *  that kind, other than `except` (the IRQ being set up). */
  private firstMsiEntry(device: number, kind: "msi" | "msix", except: number): number | undefined {
    for (const [n, e] of this.msi) if (n !== except && e.device === device && e.kind === kind) return n;
    return undefined;
  }

  // _pci_cleanup_msix(): one user fewer; the last takes the table and PBA out of mmio_ro_ranges
  private cleanupMsix(device: number): void {
    const m = this.msixs.get(device);
    if (m === undefined) return;
    if (m.used === 0) {
      // an entry MSI disabled already, disabled again (__pci_disable_msix at its unmap)
      this.options.why?.(`${formatSbdf(device)}'s MSI-X used_entries is 0 already (an entry MSI disabled earlier is disabled again): Xen's --used_entries wraps to 4294967295 here; the model keeps 0`);
      return;
    }
    if (--m.used > 0) return;
    this.mmioRo.remove(m);
    m.table = null;
    m.pba = null;
  }

  /**
   * PHYSDEVOP_prepare_msix / PHYSDEVOP_release_msix (xen-pciback's, when it takes a device and
   * lets it go): xsm_resource_setup_pci on the device, then pci_prepare_msix(): the device must be
   * there (pci_get_pdev(NULL, sbdf)) and have no other user (-EBUSY); prepare locates the table and
   * makes it and the PBA read-only, release gives that up.
   */
  prepareMsix(cur: Domain, device: number, release: boolean): Rc {
    const rc = this.xsm.resourceSetupPci(cur, device);
    if (rc !== 0) return rc;
    if (this.options.ownerOf(device) === undefined) return this.refuse("-ENODEV", `${formatSbdf(device)} is not known to Xen (pci_get_pdev(NULL, sbdf))`);
    const m = this.msixOf(device);
    if (m === undefined) return this.refuse("-ENODEV", `${formatSbdf(device)} has no MSI-X capability: Xen reads pdev->msix->used_entries through a NULL pdev->msix here; the model refuses instead`);
    if (m.used !== (release ? 1 : 0)) return this.refuse("-EBUSY", `${formatSbdf(device)}'s MSI-X has ${m.used} user${m.used === 1 ? "" : "s"}; ${release ? "release" : "prepare"} needs ${release ? 1 : 0} (used_entries != !!off)`);
    if (release) {
      this.cleanupMsix(device);
      return 0;
    }
    const located = this.locateMsix(device, m);
    if (located !== 0) return located;
    m.hostMaskall = false;
    this.mmioRo.add(m);
    m.used++;
    return 0;
  }

  /** pci_remove_device()'s pci_cleanup_msi(): every MSI and MSI-X vector of the device is disabled
   *  and its IRQ destroyed (msi_free_irqs). The pirqs that map them are not touched: a domain keeps
   *  its pirq and its access to the IRQ number, which create_irq may hand out again. The device's
   *  MSI-X record goes with it (pdev_msi_deinit); a use the vectors did not hold (prepare_msix's)
   *  leaves the table and PBA in mmio_ro_ranges. */
  pciCleanupMsi(device: number): void {
    for (const msi of [...this.msi.values()]) {
      if (msi.device !== device || (msi.entry !== 0 && msi.kind === "msi")) continue;
      if (msi.kind === "msix") this.cleanupMsix(device);
      for (const n of msi.block) this.destroyIrq(n);
    }
    this.msixs.delete(device);
  }

  /** pdev_msix_assign() at assign_device(): a device with MSI-X must not have MASKALL set
   *  (pci_reset_msix_state: a device not reset after its last user; -EBUSY, the assignment fails);
   *  then Xen forgets its own and the last writer's MASKALL, and an HVM guest gets its msixtbl
   *  (msixtbl_init), which bind_pt_irq with a gtable needs. */
  msixAssign(d: Domain, device: number): Rc {
    const m = this.msixOf(device);
    if (m === undefined) return 0;
    if (m.maskall) return this.refuse("-EBUSY", `${formatSbdf(device)}'s MSI-X control has MASKALL set (pci_reset_msix_state: the device was not reset since its last user masked it): clear it, or reset the device, before assigning it`);
    m.hostMaskall = false;
    m.guestMaskall = false;
    if (d.hvm) {
      const io = this.io(d);
      if (io.msixtbl === null) io.msixtbl = new Map();
    }
    return 0;
  }

  /**
   * The hardware domain writes the MSI-X control register's MASKALL bit (a PV dom0's config space
   * write, as pciback makes for a guest masking every vector), which Xen intercepts
   * (pci_msi_conf_write_intercept): guest_maskall becomes what was written, and the bit reaches the
   * device set if either Xen (host_maskall) or the writer wants it. The device must be known to
   * Xen and have MSI-X (the model does not write around Xen).
   */
  msixControlWrite(cur: Domain, device: number, maskall: boolean): Rc {
    if (!cur.hardware) return this.refuse("-EPERM", `${cur.name} is not a hardware domain: only the hardware domain writes PCI config space`);
    if (this.options.ownerOf(device) === undefined) return this.refuse("-ENODEV", `${formatSbdf(device)} is not known to Xen: no intercept (pci_get_pdev finds none); the model writes only through Xen`);
    const m = this.msixOf(device);
    if (m === undefined) return this.refuse("-ENODEV", `${formatSbdf(device)} has no MSI-X capability: there is no MASKALL bit to write`);
    m.guestMaskall = maskall;
    m.maskall = maskall || m.hostMaskall;
    return 0;
  }

  /** The device's MSI-X state (undefined: it has no MSI-X). Xen makes the record when the device
   *  is added (pdev_msi_init); here on first look, the same thing for a device in the registry. */
  msixState(device: number): MsixReport | undefined {
    return this.msixOf(device)?.report();
  }

  /** mmio_ro_ranges. */
  readOnlyFrames(): Range[] {
    return this.mmioRo.list();
  }

  // ---- HVM guest interrupts ------------------------------------------------------------------

  /** is_iommu_enabled(d): the host has an IOMMU and d was created with XEN_DOMCTL_CDF_iommu. */
  private iommuEnabled(d: Domain): boolean {
    return this.options.iommu !== "none" && d.iommu !== false;
  }

  /** Why is_iommu_enabled(d) is false. */
  private noIommuText(d: Domain): string {
    return this.options.iommu === "none" ? "no IOMMU (is_iommu_enabled(d) is false)" : `${d.name} was created without XEN_DOMCTL_CDF_iommu (is_iommu_enabled(d) is false: xl.cfg passthrough="disabled")`;
  }

  /** XEN_DOMCTL_bind_pt_irq (arch/x86/domctl.c, then pt_irq_create_bind in
   *  drivers/passthrough/x86/hvm.c): bind `d`'s pirq `machineIrq` to the HVM guest. The caller must
   *  hold the IRQ behind it; without an IOMMU there is nothing to bind. Without `intx` it is
   *  PT_IRQ_TYPE_MSI; with it PT_IRQ_TYPE_PCI, routed to guest GSI hvm_pci_intx_gsi(device, intx)
   *  (hvm_irq_dpci's girq list). The hardware domain (a PVH dom0) has no hvm_irq_dpci: its PCI
   *  binds are identity GSIs (the pirq is the GSI, device and intx are ignored) below nr_gsis. */
  bindPtIrq(cur: Domain, d: Domain, machineIrq: number, intx?: GuestIntx, gtable?: number): Rc {
    const gate = this.ioDomctl(cur, d, "bind_pt_irq");
    if (gate !== 0) return gate;
    if (!d.hvm) return this.refuse("-EINVAL", `${d.name} is not an HVM guest`);
    const io = this.io(d);
    const irq = io.pirqToIrq.get(machineIrq) ?? 0;
    const msi = irq > 0 ? this.msi.get(irq) : undefined;
    const rc = this.xsm.bindPtIrq(cur, d, msi ? { irq, msi: msi.device } : { irq });
    if (rc !== 0) return rc;
    // since XSA-492 `irq <= 0` only sets -EPERM and the hold test follows, which no domain passes for
    // IRQ 0 or a negative one (none holds them), so both orders answer -EPERM here
    if (irq <= 0) return this.refuse("-EPERM", noIrqBind(d, machineIrq, irq, this.xsa492));
    if (!this.io(cur).irqs.has(irq)) return this.refuse("-EPERM", lacks(cur, `IRQ ${irq}`, "irq"));
    if (!this.iommuEnabled(d)) return this.refuse("-ESRCH", `${this.noIommuText(d)}: nothing to bind through`);
    if (!d.hardware) io.dpci = true;
    const type = intx ? "pci" : "msi";
    const was = io.bound.get(machineIrq);
    // PT_IRQ_TYPE_MSI on a pirq bound otherwise: -EBUSY; PT_IRQ_TYPE_PCI binds the machine side once
    if (type === "msi" && was === "pci") return this.refuse("-EBUSY", `pirq ${machineIrq} is bound as PT_IRQ_TYPE_PCI (HVM_IRQ_DPCI_MACH_PCI): an MSI binding needs _MACH_MSI and _GUEST_MSI`);
    if (intx && d.hardware && machineIrq >= NR_IRQS_GSI) return this.refuse("-EINVAL", `the hardware domain binds GSIs to themselves: pirq ${machineIrq} is not below its nr_gsis (${NR_IRQS_GSI})`);
    // msixtbl_pt_register() on the first MSI bind with the guest's table address: the guest needs
    // an msixtbl (an MSI-X device assigned) and the IRQ an MSI descriptor; failing, the bind is undone
    if (type === "msi" && was === undefined && gtable !== undefined && gtable !== 0) {
      if (io.msixtbl === null) return this.refuse("-ENODEV", `${d.name} has no msixtbl (msixtbl_initialised): no device with MSI-X was assigned to it`);
      if (msi === undefined) return this.refuse("-EINVAL", `IRQ ${irq} has no MSI descriptor (irq_desc->msi_desc): nothing to emulate a table for`);
      const entry = io.msixtbl.get(msi.device);
      if (entry) entry.refcnt++;
      else io.msixtbl.set(msi.device, { gtable, refcnt: 1 });
    }
    // the first binding joins the IRQ's guests (pirq_guest_bind: a guest's INTx shares, an MSI not);
    // failing, the binding is undone
    if (was === undefined) {
      const bound = this.pirqGuestBind(d, machineIrq, type === "pci");
      if (bound !== 0) {
        if (gtable !== undefined && msi !== undefined) {
          const entry = io.msixtbl?.get(msi.device);
          if (entry && --entry.refcnt === 0) io.msixtbl!.delete(msi.device);
        }
        return bound;
      }
    }
    if (intx && !d.hardware) io.girqs.push({ gsi: hvmPciIntxGsi(intx), device: intx.device, intx: intx.intx, pirq: machineIrq });
    if (was === undefined) io.bound.set(machineIrq, type);
    return 0;
  }

  /** XEN_DOMCTL_unbind_pt_irq (pt_irq_destroy_bind): with `intx`, the binding to that guest GSI
   *  must exist (-EINVAL otherwise); the pirq stays bound while another GSI still routes it.
   *  Without an IOMMU the domctl does nothing and returns 0 (Xen has no else branch there). */
  unbindPtIrq(cur: Domain, d: Domain, machineIrq: number, intx?: GuestIntx): Rc {
    const gate = this.ioDomctl(cur, d, "unbind_pt_irq");
    if (gate !== 0) return gate;
    if (!d.hvm) return this.refuse("-EINVAL", `${d.name} is not an HVM guest`);
    const io = this.io(d);
    const irq = io.pirqToIrq.get(machineIrq) ?? 0;
    const unheld = (): Rc => {
      const why = irq > 0 ? lacks(cur, `IRQ ${irq}`, "irq") : noIrqUnbind(d, machineIrq, irq, this.xsa492);
      return this.refuse("-EPERM", why);
    };
    const held = irq > 0 && this.io(cur).irqs.has(irq);
    // before XSA-492 the caller's hold comes before XSM
    if (!this.xsa492 && !held) return unheld();
    const rc = this.xsm.unbindPtIrq(cur, d);
    if (rc !== 0) return rc;
    if (!held) return unheld();
    if (!this.iommuEnabled(d)) return this.refuse(0, `${this.noIommuText(d)}: the domctl unbinds nothing and returns 0`);
    // PT_IRQ_TYPE_MSI: domain_spin_lock_irq_desc() finds the IRQ (checked above)
    if (!io.dpci && !d.hardware) return this.refuse("-EINVAL", `${d.name} has no hvm_irq_dpci: nothing was ever bound to it`);
    if (intx && !d.hardware) {
      const gsi = hvmPciIntxGsi(intx);
      const at = io.girqs.findIndex((g) => g.gsi === gsi && g.device === intx.device && g.intx === intx.intx && g.pirq === machineIrq);
      if (at < 0) return this.refuse("-EINVAL", `pirq ${machineIrq} is not bound to guest GSI ${gsi} (device ${intx.device} INT${"ABCD"[intx.intx] ?? "?"})`);
      io.girqs.splice(at, 1);
      if (io.girqs.some((g) => g.pirq === machineIrq)) return 0;
    } else if (io.girqs.some((g) => g.pirq === machineIrq)) {
      return this.refuse(0, `pirq ${machineIrq} still routes guest GSIs (PT_IRQ_TYPE_PCI): an unbind without device and intx leaves its digl list, and the binding, as they are`);
    }
    // msixtbl_pt_unregister(): the entry of the IRQ's device loses one reference
    const msi = this.msi.get(irq);
    const entry = msi && io.bound.has(machineIrq) ? io.msixtbl?.get(msi.device) : undefined;
    if (entry && --entry.refcnt === 0) io.msixtbl!.delete(msi!.device);
    if (io.bound.has(machineIrq)) this.guestUnbind(d, irq); // pirq_guest_unbind()
    io.bound.delete(machineIrq);
    return 0;
  }

  // ---- the domain's end, and reports -----------------------------------------------------------

  /** The domain is gone and freed at once: `kill`, then `free` unless others still map its
   *  grants (then it stays dying until they unmap). */
  removeDomain(d: Domain): { dying: boolean } {
    const dying = this.kill(d);
    if (!dying) this.free(d);
    return { dying };
  }

  /**
   * domain_kill(): d->is_dying is set, domain_teardown() releases the grant mappings it made
   * (gnttab_release_mappings), evtchn_destroy() closes its channels, and relinquishing its memory
   * tears its p2m down (its MMIO mappings go). What lives until the domain is freed stays: its
   * rangesets (irq_caps, iomem_caps, ioport_caps), its pirqs (free_domain_pirqs runs in
   * arch_domain_destroy), its g2m_ioport_list, its grant table and its ports' valid range; a
   * domctl naming the dying domain finds them. Returns whether others' mappings of its grants
   * (or `held`: a device model's reference) keep it after this. `relinquished` false: domain_kill
   * stopped at domain_relinquish_resources' first step (pci_release_devices failed), so its p2m,
   * MMIO mappings with it, stays. pci_release_devices' arch_pci_clean_pirqs() has run either way
   * (cleanPirqs: it comes before the deassignments that fail).
   */
  kill(d: Domain, held = false, relinquished = true): boolean {
    const dying = this.grants.destroy(d, held);
    this.evtchn.destroy(d);
    this.dead.add(d.domid);
    const io = this.domains.get(d.domid);
    if (io) this.cleanPirqs(d, io);
    if (io && relinquished) io.mmio = new RangeSet();
    return dying;
  }

  /** arch_pci_clean_pirqs() (drivers/passthrough/x86/hvm.c, the same at RELEASE-4.19.0 .. 4.22.0
   *  and master), first in pci_release_devices: an HVM domain with an IOMMU and an hvm_irq_dpci
   *  leaves every binding bind_pt_irq made (pci_clean_dpci_irq: pirq_guest_unbind, which for a
   *  pirq a forced unbind left at -IRQ clears it, clear_domain_irq_pirq; its GSI routes dropped),
   *  and the hvm_irq_dpci is freed. The pirqs stay mapped until the domain is freed, which then
   *  forces nothing off its IRQs. Its emulated MSI-X tables (msixtbl) go with the domain. */
  private cleanPirqs(d: Domain, io: DomainIo): void {
    if (!d.hvm || !io.dpci || !this.iommuEnabled(d)) return;
    for (const pirq of io.bound.keys()) {
      const irq = io.pirqToIrq.get(pirq) ?? 0;
      if (irq > 0) this.guestUnbind(d, irq);
      else if (irq < 0) {
        io.pirqToIrq.delete(pirq);
        io.irqToPirq.delete(-irq);
      }
    }
    io.bound.clear();
    io.girqs.length = 0;
    io.dpci = false;
  }

  /** The dying domain is freed (complete_domain_destroy): free_domain_pirqs unmaps every pirq
   *  with an IRQ, in order, asking XSM nothing; its MSI IRQs are destroyed; then its rangesets,
   *  ports and grant table go. */
  free(d: Domain): void {
    this.dead.delete(d.domid);
    this.evtchn.forget(d.domid);
    this.grants.forget(d.domid);
    const io = this.domains.get(d.domid);
    if (!io) return;
    for (const pirq of [...io.pirqToIrq.keys()].sort((a, b) => a - b)) if ((io.pirqToIrq.get(pirq) ?? 0) > 0) this.unmapDomainPirq(undefined, d, pirq);
    // a vector Xen mapped past nr_pirqs or over another pirq (unchecked block pirqs) goes too
    for (const irq of [...io.pirqToIrq.values()]) if (irq > 0) this.destroyIrq(irq);
    this.domains.delete(d.domid);
  }

  /** Killed and not yet freed (d->is_dying). */
  isDying(domid: number): boolean {
    return this.dead.has(domid);
  }

  /** The domain's state (a hardware domain's initial one if nothing happened to it yet). */
  state(d: Domain): DomainIoState {
    const io = this.io(d);
    const state: DomainIoState = {
      irqs: io.irqs.list(),
      iomem: io.iomem.list(),
      ioports: io.ioports.list(),
      pirqs: [...io.pirqToIrq].sort((a, b) => a[0] - b[0]).map(([pirq, irq]) => {
        const msi = irq > 0 ? this.msi.get(irq) : undefined;
        if (!msi) return { pirq, irq };
        return msi.block.length > 1 || msi.entry > 0 ? { pirq, irq, msi: msi.device, vector: msi.entry } : { pirq, irq, msi: msi.device };
      }),
      emuirqs: [...io.pirqToEmu].filter(([, gsi]) => gsi !== IRQ_PT).sort((a, b) => a[0] - b[0]).map(([pirq, gsi]) => ({ pirq, gsi })),
      mmio: io.mmio.list(),
      ioportMappings: io.g2mIoports.map((m) => ({ ...m })),
      bound: [...io.bound.keys()].sort((a, b) => a - b),
      girqs: io.girqs.map((g) => ({ ...g })),
    };
    const ro = this.mmioRo.within(state.mmio);
    if (ro.length) state.mmioReadOnly = ro;
    if (io.evtchns.size) state.evtchns = [...io.evtchns].sort((a, b) => a[0] - b[0]).map(([pirq, port]) => ({ pirq, port }));
    const channels = this.evtchn.report(d.domid);
    if (channels) state.channels = channels;
    const grants = this.grants.report(d.domid);
    if (grants) state.grants = grants;
    if (io.msixtbl?.size) state.msixtbl = [...io.msixtbl].sort((a, b) => a[0] - b[0]).map(([device, e]) => ({ device, gtable: e.gtable }));
    return state;
  }

  /** Whether the domain has been touched (reports leave untouched domains out). */
  touched(domid: number): boolean {
    return this.domains.has(domid) || this.evtchn.touched(domid) || this.grants.touched(domid);
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;
const hexRange = (start: number, end: number) => (start === end ? hex(start) : `${hex(start)}-${hex(end)}`);

/** The explanation of Xen's -EPERM when the caller itself lacks what it hands out or maps. */
function lacks(cur: Domain, what: string, caps: "irq" | "iomem" | "ioports"): string {
  return `${cur.name} does not hold ${what} (${caps}_access_permitted(current)): a domain hands out or maps only what it holds`;
}

/** Why no domain holds IRQ 0 (nor a negative IRQ): what makes the hold tests refuse it. */
const NO_IRQ0 = "no domain holds IRQ 0: dom0_setup_permissions grants the hardware domain IRQs 1 .. nr_irqs_gsi - 1, and no domctl or map can grant IRQ 0";

/** PHYSDEVOP_map_pirq of the hardware domain's GSI 0 (the same in every release modelled:
 *  physdev.c and irq.c did not change with XSA-492): allocate_and_map_gsi_pirq takes an unmapped GSI
 *  of the hardware domain as its IRQ, IRQ 0, and map_domain_pirq's first test refuses it. */
const IRQ0_MAP = (cur: Domain): string =>
  `${cur.name} does not hold IRQ 0 (map_domain_pirq: irq_access_permitted(current, 0), its first test, in every release): GSI 0 is no pirq of ${cur.name}'s, so allocate_and_map_gsi_pirq took it as the hardware domain's IRQ 0, and ${NO_IRQ0}`;

/** XEN_DOMCTL_irq_permission of a pirq the caller has mapped to no IRQ, read at the release tags'
 *  domctl.c: before XSA-492 pirq_access_permitted() is 0 (as for an IRQ not held) and `!irq ||
 *  xsm_irq_permission(...)` is -EPERM unasked; since, domain_pirq_to_irq() is 0 and `if ( irq )`
 *  skips xsm_irq_permission, leaving -EPERM. */
function noIrqPermission(cur: Domain, pirq: number, xsa492: boolean): string {
  const head = `${cur.name}'s pirq ${pirq} is mapped to no IRQ`;
  return xsa492
    ? `${head} (domain_pirq_to_irq is 0): \`if ( irq )\` skips xsm_irq_permission and the domctl answers -EPERM, nothing asked (XSA-492's order)`
    : `${head}: pirq_access_permitted(current, pirq) is 0 (as for an IRQ ${cur.name} does not hold), and \`!irq || xsm_irq_permission(...)\` answers -EPERM before XSM is asked (before XSA-492)`;
}

/** XEN_DOMCTL_bind_pt_irq past xsm_bind_pt_irq with no IRQ behind the guest's pirq (0, or the -IRQ
 *  a forced unbind leaves): before XSA-492 `irq <= 0 || !irq_access_permitted(currd, irq)` breaks
 *  with -EPERM; since, `irq <= 0` only sets -EPERM and the domctl goes on to the hold test, which
 *  fails too, so pt_irq_create_bind is not reached. */
function noIrqBind(d: Domain, pirq: number, irq: number, xsa492: boolean): string {
  const head = irq === 0 ? `${d.name}'s pirq ${pirq} is mapped to no IRQ (domain_pirq_to_irq is 0: map_pirq first)` : `${d.name}'s pirq ${pirq} holds -${-irq}, left by a forced unbind (domain_pirq_to_irq < 0)`;
  const held = irq === 0 ? NO_IRQ0 : `irq_caps reads -${-irq} as an unsigned long, past every IRQ`;
  return xsa492
    ? `${head}: since XSA-492 \`irq <= 0\` only sets -EPERM, without a break, and the domctl goes on to irq_access_permitted(currd, ${irq}), which is false (${held}), so -EPERM stands and pt_irq_create_bind is not reached`
    : `${head}: \`irq <= 0 || !irq_access_permitted(currd, irq)\` breaks with -EPERM after xsm_bind_pt_irq (before XSA-492)`;
}

/** XEN_DOMCTL_unbind_pt_irq with no IRQ behind the pirq: before XSA-492 `irq <= 0 ||
 *  !irq_access_permitted(currd, irq)` is -EPERM before xsm_unbind_pt_irq; since, there is no `irq
 *  <= 0` test: XSM is asked, then irq_access_permitted(currd, irq) fails. */
function noIrqUnbind(d: Domain, pirq: number, irq: number, xsa492: boolean): string {
  const head = irq === 0 ? `${d.name}'s pirq ${pirq} is mapped to no IRQ` : `${d.name}'s pirq ${pirq} holds -${-irq}, left by a forced unbind, so the binding cannot be undone this way`;
  const held = irq === 0 ? NO_IRQ0 : `irq_caps reads -${-irq} as an unsigned long, past every IRQ`;
  return xsa492
    ? `${head}: since XSA-492 the domctl has no \`irq <= 0\` test; xsm_unbind_pt_irq was asked, and irq_access_permitted(currd, ${irq}) is false (${held}): -EPERM`
    : `${head}: \`irq <= 0 || !irq_access_permitted(currd, irq)\` answers -EPERM before xsm_unbind_pt_irq is asked (before XSA-492)`;
}

/** d->nr_pirqs. */
function nrPirqs(d: Domain): number {
  return d.hardware ? NR_PIRQS_HWDOM : NR_PIRQS_DOMU;
}
