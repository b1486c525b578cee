// The PCI device registry: a model of xen/drivers/passthrough/pci.c (pci_add_device,
// pci_remove_device, iommu_do_pci_domctl's assign/deassign, pci_release_devices) plus the
// physdev setup path, with the PF<->VF links of Stewart Hildebrand's series and every PF-removal
// strategy of its review thread (strategies.ts). Every operation is called as a domain and first
// passes the XSM hook Xen calls at that point; a failed operation changes nothing unless its
// strategy marks devices broken.
//
// Where the model knowingly departs from pci.c (each time because Xen would corrupt its lists or
// because the piece is hardware the model does not have):
// - Re-adding an existing device keeps its record as it is (kind included); Xen overwrites
//   pdev->info, which can turn a PF with VFs into a "VF" and break its vf_list.
// - A VF add that fails never frees an existing record: v8 3/3's free_pdev() on a re-added stale VF
//   would leave it on its domain's pdev_list.
// - A VF naming a VF as its PF, or itself, or a PF in another segment is -EINVAL (Xen would
//   list_add one VF onto another's list; physdev_pci_device_add has no PF segment).
// - With no hardware domain at all, a device added by a non-hardware caller is owned by no one
//   (Xen would dereference a NULL hardware_domain).
// - Phantom functions (pdev->phantom_stride; RELEASE-4.19.0 .. 4.22.0 and master, the same in all):
//   alloc_pdev() gives a new PCIe endpoint the stride its DEVCAP Phantom Functions field says
//   (RegistryOptions.devcapPhantom), else the first pci-phantom= entry for its slot whose stride is
//   above its function (pciPhantom), doubled with a "looks to be a real device" warning while a
//   function it would cover answers config reads (functionPresent). pci_add_device prints "PCI
//   phantom %pp" for each after "PCI add", on every successful add. iommu_add_device,
//   assign_device, deassign_device (phantoms first) and iommu_remove_device call the IOMMU for
//   each phantom devfn too, so VT-d maps their context entries with the function's; XSM is asked
//   about the function alone. No hypercall looks a phantom function up: pci_get_pdev() has no
//   phantom handling (pci_get_real_pdev(), which has, serves only the AMD IOMMU's event log), so
//   an op naming one finds no pdev (-ENODEV), and pci_add_device of one makes a record of its own
//   whose context entry the two then overwrite in turn. On AMD with an IVRS table a phantom
//   function no entry makes valid gets iommu_add_device's "IOMMU: add %pp failed (-1)" warning
//   (amd_iommu_add_device's -EPERM) and the device is added; AMD's device table is not modelled.
//   Reserved regions are looked up for the function's own bdf alone, so a phantom devfn's
//   assignment cannot fail here and assign_device's rollback of one that did ("Device with phantom
//   functions that failed to both assign and rollback") is not reached (an RMRR or IVMD naming a
//   phantom devfn is not modelled).
// - Several hardware domains (SVP): where Xen compares with its one hardware_domain
//   (device_assigned(), assign_device()'s broken test), any domain marked hardware counts.
//   pci_add_device() gives a new device to Xen's one hardware_domain, as Xen does, whoever adds
//   it, unless RegistryOptions.addTo asks for the SVP extension (`adding-hwdom`: the adding
//   hardware domain keeps it); deassign_device() sends a device it does not quarantine to
//   hardware_domain too, unless RegistryOptions.deassignTo asks for the SVP extension
//   (`adding-hwdom`: back to the hardware domain that added it).
// - vPCI and MSI setup never fail here, nor does memory run out, so pci_add_device's -ENOMEM and
//   vPCI errors do not occur; iommu_add_device fails only on AMD, for a device no IVRS entry
//   covers (below). Quarantine (dom_io) is modelled as ownership: where deassign_device() sends a
//   device, not the IOMMU contexts.
// - Without an IOMMU (RegistryOptions.iommu false: iommu=0, or a host without one) iommu_do_domctl
//   refuses XEN_DOMCTL_{,test_,de}assign_device and get_device_group -EOPNOTSUPP
//   (!is_iommu_enabled(d); !iommu_enabled for test_assign with no domain), the same in every
//   release, after do_domctl's xsm_domctl (and, since XSA-492, flask's assignment checks) and before
//   iommu_do_pci_domctl's refusals and hooks. Nothing goes to dom_io (whose quarantine context
//   iommu_setup() makes only with an IOMMU). With an IOMMU, a domain created without
//   XEN_DOMCTL_CDF_iommu (Domain.iommu false) is refused the same way, at the same place, for the
//   domctls naming it (test_assign_device only when it names one).
// - VT-d context entries (vtd/iommu.c, RELEASE-4.19.0 .. 4.22.0 and master): a device's own, and for
//   a conventional PCI device (DEV_TYPE_PCI) behind a bridge in bus2bridge also the topmost
//   bridge's and, behind a PCIe-to-PCI bridge, (secondary bus, devfn 0)'s, each pointing at the
//   domain domain_context_mapping() last mapped there: domain_context_mapping_one() rewrites an
//   entry another domain holds without a refusal (no -EBUSY), and domain_context_unmap() clears
//   them whoever holds them now. A host bridge (DEV_TYPE_PCI_HOST_BRIDGE) has no entry, and its
//   assignment to a domain other than a hardware domain is -EPERM (domain_context_mapping's
//   "Hostbridge: skip map"), after pdev_msix_assign, as in Xen; its move to dom_io is refused alike
//   only under scratch-page (dom_io has page tables for it then: QUARANTINE_SKIP is false), on
//   assign_device, deassign_device ("%pd: deassign (%pp) failed (-1)": the device stays with its
//   domain) and so at a teardown, where pci_release_devices moves the domain's other devices, keeps
//   the host bridge on its list and returns -EPERM: domain_kill stops, the domain stays dying.
//   Neither PCIe ports (mapped as endpoints here), the -ENXIO of a bus2bridge cycle (a scenario
//   cannot make one), nor the non-CX16 context update ("reassignment may cause %pd data
//   corruption", 4.19.x only: 3fc44151d8 made CMPXCHG16B a requirement in 4.20.0) are modelled.
// - Reserved device memory (rdm.ts; RELEASE-4.19.0 .. 4.22.0 and master, the same in all but
//   XSA-460): VT-d RMRRs (RegistryOptions.rmrrs, acpi_rmrr_units) and AMD IVMD unity maps
//   (RegistryOptions.ivmds, ivrs_mappings[].unity_map). Xen's hardware_domain maps every RMRR at
//   boot (setup_hwdom_rmrr, once per scope entry) and a new device's regions for its domain
//   (intel_iommu_add_device / amd_iommu_add_device). intel_iommu_assign_device refuses a device
//   whose RMRR's scope has more than one entry, a bridge entry counting as one and naming only the
//   bridge (Xen does not expand it), -EPERM ("It's disallowed to assign %pp with shared RMRR at %lx
//   for %pd.") unless the domctl carries XEN_DOMCTL_DEV_RDM_RELAXED ("It's risky ..."), before
//   anything is mapped; AMD has no such test. Then the regions are mapped 1:1 in the target
//   (iommu_identity_mapping: counted per domain, -EADDRINUSE for an overlapping or differently
//   accessed range; set_identity_p2m_entry finds an HVM guest's RAM in the way: "Cannot setup
//   identity map", -EBUSY, or kept under the relaxed flag); a failure ("[VT-D]%pd: cannot map
//   reserved region [%lx,%lx]: %d") unwinds every region of the device in the target unless it is
//   Xen's hardware_domain, holds it did not take included, as Xen does. After the context move a
//   source other than Xen's hardware_domain (is_hardware_domain: an SVP's other hardware domains
//   are not) drops its holds, at assignment, deassignment and teardown alike; the hardware
//   domain keeps its own ("BIOS may use RMRR at booting time"). iommu_remove_device drops the
//   device's domain's holds, the hardware domain's too. Quarantine: iommu_quarantine_dev_init gives
//   a device page tables of its own under scratch-page, and under basic when it has an RMRR or a
//   unity map: its context entry then points at dom_io's tables instead of being cleared (VT-d,
//   RMRR mapped 1:1 there; AMD maps nothing for dom_io: "if ( d == dom_io ) return 0;"). A
//   conventional PCI device with an RMRR behind a recorded bridge whose own entry is present cannot
//   go to another domain: domain_context_mapping's -EOPNOTSUPP, entries put back, on assign,
//   deassign and teardown. Before XSA-460 (4.19.0: RegistryOptions.identityTracking map-first) a
//   mapping failing part-way leaves the pages before it mapped and untracked. domain_crash() of a
//   target whose unwind fails, and the guest p2m's MMIO mappings (memory_mapping) in an identity
//   map's way, are not modelled.
// - PCI-to-PCIe bridges (DEV_TYPE_PCI2PCIe_BRIDGE): alloc_pdev records one in bus2bridge from 4.22.0
//   (cd2b9f0b19); before, its type falls to the switch's default ("%pp: unknown type 4") and
//   devices behind it reach the IOMMU as if it were not there (RegistryOptions.pci2pcieBridges).
//   On VT-d its own add fails -EINVAL at every tag (domain_context_mapping has no case for it):
//   pci_add_device keeps the pdev, owned by no one, as for AMD's -ENODEV below (iommuRefused).
// - XEN_DOMCTL_get_device_group's groups are the IOMMU's get_device_group_id: VT-d's
//   intel_iommu_group_id (the requester ID behind PCI bridges) by default, or AMD's
//   amd_iommu_group_id (the IVRS alias, get_dma_requestor_id) from the IVRS entries given; the
//   IOMMU hardware, its device table and interrupt remapping are not modelled (so neither is
//   amd_iommu_add_device's test for the IOMMU's own function; its filter of a host bridge no IVRS
//   entry covers, kept by the hardware domain, is). amd_iommu_group_id itself has no filter at any
//   tag: get_dma_requestor_id below ivrs_bdf_entries, the bdf past it. Asked about a device of a segment no IVHD block covers, below
//   ivrs_bdf_entries, get_device_group is -ENODEV: Xen's get_dma_requestor_id would dereference
//   that segment's NULL ivrs_mappings.
// - AMD with an IVRS table (RELEASE-4.19.0 .. 4.22.0 and master, pci_amd_iommu.c): a new device
//   no entry covers (find_iommu_for_device: no ivrs_mappings for its segment, a bdf at or past
//   ivrs_bdf_entries, or neither it nor its function 0 named) makes amd_iommu_add_device
//   -ENODEV ("no IOMMU for %pp; cannot be handed to %pd"); pci_add_device then takes the device
//   off the hardware domain's list and returns it, the pdev kept, owned by no one (iommuRefused).
//   pci_get_pdev() still finds that pdev, so a VF naming it as its PF is added, linked to it, in
//   every release (4.20.0 on: no "without PF" refusal; 4.19.1's add-pf does not add it again).
//   A PF that XSM refused is not kept: 4.19.0 (add-pf-first) adds its VFs without it, 4.19.1
//   (add-pf) fails them with the PF's error, 4.20.0 on (reject) with -ENODEV.
import type { Domain, Rc, XsmDomainHooks, XsmModule } from "../xsm/types.js";
import type { AddDeviceInfo, AddTo, AssignFlags, IvmdEntry, BridgeType, ContextChange, DeassignTo, DeviceGroup, DeviceKind, DeviceState, DeviceType, DomainTable, IommuVendor, IvrsEntry, Pci2PcieBridges, PfRemovalKind, PhantomDev, Quarantine, RegistryOptions } from "./types.js";
import { DOM_IO, PF_REMOVALS } from "./types.js";
import { DOMID_IO } from "../xsm/security.js";
import { type Parsed, formatSbdf, toSbdfKey } from "../xen/sbdf.js";
import { errnoValue } from "../xen/errno.js";
import { type Pdev, newPdev, phantomKeys, vfList } from "./pdev.js";
import { PF_REMOVAL, type PfRemovalOps, STRATEGY_TRAITS } from "./strategies.js";
import { IdentityMaps, type IdentityMap, type P2mView, type RmrrUnit, type UnityMap, regionText, rmrrShared, rmrrsOf, scopeWalk } from "./rdm.js";

export type SbdfInput = string | number;

/** A pci_seg: its devices by 16-bit bdf (Xen: alldevs_list; a map keeps lookups O(1)). */
interface PciSeg {
  readonly nr: number;
  readonly pdevs: Map<number, Pdev>;
  /** bus2bridge: the bus behind a recorded bridge -> that bridge's bus and devfn. */
  readonly bus2bridge: Map<number, { bus: number; devfn: number }>;
}

const pp = formatSbdf;
const pd = (d: Domain | number) => {
  const domid = typeof d === "number" ? d : d.domid;
  return domid === DOMID_IO ? "d[IO]" : `d${domid}`; // %pd
};
/** MAX_BUSES: find_upstream_bridge() gives up after this many hops (a bus2bridge cycle). */
const MAX_BUSES = 256;

/**
 * A DomainTable from a list of domains: found by domid; Xen's `hardware_domain` is the domain that
 * is both control and hardware, else the first hardware domain. A table is returned as it is; anything
 * else is a caller's mistake, reported here rather than deep inside the first hypercall.
 */
function isDomainHooks(xsm: XsmModule): xsm is XsmModule & XsmDomainHooks {
  return typeof (xsm as Partial<XsmDomainHooks>).domainStarted === "function";
}

export function domainTable(domains: DomainTable | readonly Domain[]): DomainTable {
  if (Array.isArray(domains)) {
    const list = domains as readonly Domain[];
    const byId = new Map(list.map((d) => [d.domid, d]));
    const hwdom = list.find((d) => d.hardware && d.control) ?? list.find((d) => d.hardware);
    return { byDomid: (id) => byId.get(id), hardwareDomain: () => hwdom };
  }
  if (typeof (domains as Partial<DomainTable> | null)?.byDomid !== "function") {
    throw new TypeError("PciRegistry: domains must be an array of Domain or a DomainTable { byDomid(domid), hardwareDomain?() }");
  }
  return domains as DomainTable;
}

export class PciRegistry {
  private strategy: PfRemovalKind;
  private readonly vfWithoutPf: RegistryOptions["vfWithoutPf"];
  private readonly log: ((line: string) => void) | undefined;
  private readonly onFree: RegistryOptions["onFree"];
  private readonly onAssign: RegistryOptions["onAssign"];
  private readonly quarantineMode: Quarantine;
  private readonly deassignTo: DeassignTo;
  private readonly addTo: AddTo;
  private readonly iommu: boolean;
  private readonly pciBridge: RegistryOptions["pciBridge"];
  private readonly pci2pcieBridges: Pci2PcieBridges;
  private readonly pdevType: RegistryOptions["pdevType"];
  private readonly onContext: RegistryOptions["onContext"];
  private readonly devcapPhantom: RegistryOptions["devcapPhantom"];
  private readonly pciPhantom: readonly PhantomDev[];
  private readonly functionPresent: RegistryOptions["functionPresent"];
  /** Whether any record was given a phantom stride (the phantom bookkeeping costs nothing otherwise). */
  private anyPhantom = false;
  /** Phantom requester IDs whose context entry another record's mapping wrote or cleared: Xen lets a
   *  record at a phantom devfn (or a bridge's alias) fight over it, so the entry need not be the
   *  function's there (checkInvariants). */
  private readonly clobbered = new Set<number>();
  /** VT-d: the present context entries, requester ID (machine_bdf) -> the domain whose page tables
   *  they point at (DOMID_IO: a quarantined device's own tables, its pseudo_domid). */
  private readonly contexts = new Map<number, number>();
  private readonly vendor: IommuVendor;
  /** VT-d: acpi_rmrr_units, in the DMAR's order (rmrrsOf walks them as Xen's list does). */
  private readonly rmrrs: readonly RmrrUnit[];
  /** AMD: the IVMD blocks' unity maps, in the table's order, each with the bdfs (segment 0) whose
   *  ivrs_mappings[].unity_map list reserve_unity_map_for_device put it on. */
  private readonly unity: Array<{ map: UnityMap; bdfs: Set<number> | "all" }> = [];
  /** hd->arch.identity_maps of every domain, and the identity pages they hold. */
  private readonly identity: IdentityMaps;
  private readonly p2mOf: RegistryOptions["p2m"];
  /** AMD: ivrs_mappings[bdf].dte_requestor_id by machine_bdf, where IVRS gives one. */
  private readonly dteRequestorId = new Map<number, number>();
  /** AMD: ivrs_mappings[bdf].valid: the bdfs an IVRS entry names as requester ID. */
  private readonly ivrsValid = new Set<number>();
  /** AMD: ivrs_mappings[bdf].iommu set: the bdfs an IVRS entry names, by machine_bdf. */
  private readonly ivrsIommu = new Set<number>();
  /** AMD: the segments get_ivrs_mappings() finds (an IVHD block's); undefined: IVRS not modelled. */
  private readonly ivrsSegs: Set<number> | undefined;
  /** AMD: ivrs_bdf_entries, amd_iommu_get_ivrs_dev_entries(): (the last bdf any entry names | 7) + 1. */
  private ivrsBdfEntries = 0x10000;
  /** pci_segments (a radix tree in Xen). */
  private readonly segments = new Map<number, PciSeg>();
  /** d->pdev_list for every domain holding devices. */
  private readonly byOwner = new Map<number, Set<Pdev>>();
  /** Unlinked VFs by the PF key they name: what `reassociate` re-links, kept for every strategy. */
  private readonly stale = new Map<number, Set<Pdev>>();
  private readonly removalOps: PfRemovalOps;
  /** The caller of the removal in progress (`authority` checks its permissions). */
  private current: Domain | undefined;

  private readonly domains: DomainTable;

  /** `domains`: a DomainTable, or simply the domains (see domainTable() for what that picks). Given
   *  as an array, the domains exist from now on: an XSM module with domain hooks labels each as
   *  created before it (domainStarted), under the policy and booleans in force now. A DomainTable's
   *  domains are the caller's to announce. */
  constructor(
    private readonly xsm: XsmModule,
    domains: DomainTable | readonly Domain[],
    opts: RegistryOptions,
  ) {
    this.domains = domainTable(domains);
    if (Array.isArray(domains) && isDomainHooks(xsm)) {
      for (const d of domains as readonly Domain[]) xsm.domainStarted(d, d.target !== undefined ? this.domains.byDomid(d.target) : undefined);
    }
    this.strategy = opts.strategy;
    this.vfWithoutPf = opts.vfWithoutPf;
    this.log = opts.log;
    this.onFree = opts.onFree;
    this.onAssign = opts.onAssign;
    this.quarantineMode = opts.quarantine ?? "basic";
    this.deassignTo = opts.deassignTo ?? "hardware_domain";
    this.addTo = opts.addTo ?? "hardware_domain";
    this.iommu = opts.iommu ?? true;
    this.pciBridge = opts.pciBridge;
    this.pci2pcieBridges = opts.pci2pcieBridges ?? "recorded";
    this.pdevType = opts.pdevType;
    this.onContext = opts.onContext;
    this.devcapPhantom = opts.devcapPhantom;
    this.pciPhantom = opts.pciPhantom ?? [];
    this.functionPresent = opts.functionPresent;
    this.vendor = opts.iommuVendor ?? "vtd";
    this.rmrrs = opts.rmrrs ?? [];
    this.identity = new IdentityMaps(opts.identityTracking ?? "track-first", (line) => this.printk(() => line));
    this.p2mOf = opts.p2m;
    if (opts.ivrs !== undefined) {
      this.ivrsSegs = new Set();
      this.ivrsBdfEntries = 0;
      // amd_iommu_get_ivrs_dev_entries() reads the whole table first; an alias past it is refused
      for (const e of opts.ivrs) this.ivrsBdfEntries = Math.max(this.ivrsBdfEntries, (((e.last ?? e.bdf) & 0xffff) | 7) + 1);
      for (const e of opts.ivrs) this.ivrsEntry(e);
    }
    for (const e of opts.ivmds ?? []) this.ivmdEntry(e);
    this.setupHwdomRmrr();
    this.removalOps = {
      unplugCheck: (pdev) => this.xsm.resourceUnplugPci(this.current!, pdev.key),
      free: (pdev) => this.free(pdev),
      unlinkStale: (vf) => this.unlinkStale(vf),
      forget: (vf) => this.forget(vf),
      hide: (pf) => this.hide(pf),
      printk: (line) => this.printk(line),
    };
  }

  /** parse_ivhd_device_{select,alias,range,alias_range}() -> add_ivrs_mapping_entry() for each
   *  bdf: setup requestor id, mark the alias valid, assign the IOMMU. */
  private ivrsEntry(e: IvrsEntry): void {
    const seg = Math.floor(e.bdf / 0x10000);
    const last = e.last ?? e.bdf;
    const sameSeg = (k: number) => Math.floor(k / 0x10000) === seg;
    const alias = e.alias ?? e.bdf;
    const aliasOut = (alias & 0xffff) >= this.ivrsBdfEntries; // "IVHD: invalid Alias Dev_Id"
    if (!sameSeg(alias) || !sameSeg(last) || (e.last !== undefined && last <= e.bdf) || aliasOut) {
      const range = e.last !== undefined ? `..${pp(last)}` : "";
      throw new RangeError(`PciRegistry: invalid IVRS entry ${pp(e.bdf)}${range}${e.alias !== undefined ? ` (alias ${pp(alias)})` : ""}`);
    }
    this.ivrsSegs!.add(seg);
    for (let k = e.bdf; k <= last; k++) {
      const req = e.alias ?? k; // a select range: add_ivrs_mapping_entry(bdf, bdf, ...)
      this.dteRequestorId.set(k, req);
      this.ivrsValid.add(req);
      this.ivrsIommu.add(k);
    }
  }

  /** parse_ivmd_block() of a unity block: reserve_unity_map_for_device() puts the map on each bdf's
   *  list and on that bdf's dte_requestor_id's (register_range_for_device), or on every bdf below
   *  ivrs_bdf_entries (register_range_for_all_devices, type 20h). */
  private ivmdEntry(e: IvmdEntry): void {
    const access = e.read && e.write ? "rw" : e.read ? "r" : e.write ? "w" : "n";
    const map: UnityMap = { base: e.base, end: e.end, access };
    if (e.all) {
      this.unity.push({ map, bdfs: "all" });
      return;
    }
    const bdfs = new Set<number>();
    for (const k of e.bdfs ?? []) bdfs.add(k).add(this.dteRequestorId.get(k) ?? k);
    this.unity.push({ map, bdfs });
  }

  /** setup_hwdom_rmrr() (VT-d, intel_iommu_hwdom_init): Xen's hardware_domain maps every RMRR, once
   *  per scope entry for_each_rmrr_device visits, with flag 0 ("there shouldn't be a conflict"). */
  private setupHwdomRmrr(): void {
    const hwdom = this.domains.hardwareDomain?.();
    if (this.vendor !== "vtd" || !hwdom || !this.iommuEnabled(hwdom)) return;
    const p2m = this.p2m(hwdom.domid);
    for (const r of [...this.rmrrs].reverse()) for (const _ of scopeWalk(r)) this.identity.map(hwdom.domid, p2m, r.base, r.end, "rw", false);
  }

  /** Xen's is_hardware_domain(): its one hardware_domain (sched.h, every release modelled), not any
   *  domain the scenario marks hardware. */
  private isXenHwdom(domid: number | null): boolean {
    return domid !== null && domid === this.domains.hardwareDomain?.()?.domid;
  }

  private p2m(domid: number): P2mView {
    const d = domid === DOMID_IO ? undefined : (this.domains.byDomid(domid) ?? this.domains.dying?.(domid));
    return this.p2mOf?.(domid) ?? { translated: d?.hvm === true, ram: () => undefined };
  }

  /** The reserved regions the IOMMU maps for a requester ID of the device: VT-d, the RMRRs whose
   *  scope names it (for_each_rmrr_device, one per RMRR); AMD, the unity_map list of the ID
   *  ivrs_mappings gives it (`dte`: ivrs_mappings[bdf].dte_requestor_id, as amd_iommu_add_device and
   *  amd_iommu_remove_device read it; `dma`: get_dma_requestor_id(), as assign and reassign do),
   *  newest IVMD first (each is put at the head of the list). */
  private reserved(key: number, id: "dte" | "dma" = "dma"): Array<UnityMap & { rmrr?: RmrrUnit }> {
    if (!this.iommu) return [];
    if (this.vendor === "vtd") return rmrrsOf(this.rmrrs, Math.floor(key / 0x10000), key & 0xffff).map((r) => ({ base: r.base, end: r.end, access: "rw" as const, rmrr: r }));
    if (Math.floor(key / 0x10000) !== 0 || this.unity.length === 0) return [];
    const req = (id === "dte" ? (this.dteRequestorId.get(key) ?? key) : this.dmaRequestorId(key)) & 0xffff;
    const out: UnityMap[] = [];
    for (const u of [...this.unity].reverse()) {
      const on = u.bdfs === "all" ? req < this.ivrsBdfEntries : u.bdfs.has(req);
      // reserve_unity_map_for_device: an exact duplicate is not listed twice
      if (on && !out.some((m) => m.base === u.map.base && m.end === u.map.end && m.access === u.map.access)) out.push(u.map);
    }
    return out;
  }

  /** Whether the device has page tables of its own in quarantine (pdev->arch.vtd.pgd_maddr, AMD's
   *  root_table): iommu_quarantine_dev_init() makes them under scratch-page, and under basic for a
   *  device with an RMRR (intel_iommu_quarantine_init keeps them when rmrr_found) or an IVMD unity
   *  map (amd_iommu_quarantine_init); with iommu=no-quarantine it makes none. */
  quarantineTables(sbdf: SbdfInput): boolean {
    const key = this.key(sbdf, false);
    if (key < 0 || this.quarantineMode === "none" || !this.iommu) return false;
    return this.quarantineMode === "scratch-page" || this.reserved(key).length > 0;
  }

  /** The IOMMU's assign_device hook for the device's own devfn, up to the context move: VT-d's
   *  shared-RMRR refusal and RMRR identity maps (intel_iommu_assign_device), AMD's unity maps
   *  (amd_iommu_assign_device). 0, or the error, after unwinding the maps made. */
  private reserveForAssign(pdev: Pdev, target: Domain, flags: AssignFlags): Rc {
    const regions = this.reserved(pdev.key);
    if (regions.length === 0) return 0;
    const relaxed = flags.relaxed === true;
    if (this.vendor === "vtd") {
      for (const r of regions) {
        if (!rmrrShared(r.rmrr!)) continue;
        this.printk(() => `[VT-D] It's ${relaxed ? "risky" : "disallowed"} to assign ${pp(pdev.key)} with shared RMRR at ${r.base.toString(16)} for ${pd(target)}.`);
        if (!relaxed) return "-EPERM";
      }
    }
    // iommu_identity_mapping() into dom_io is for quarantine_init's tables alone; AMD's unity map
    // helpers skip dom_io outright ("if ( d == dom_io ) return 0;")
    if (target.domid === DOMID_IO) return 0;
    const p2m = this.p2m(target.domid);
    for (const r of regions) {
      const rc = this.identity.map(target.domid, p2m, r.base, r.end, r.access, relaxed);
      if (rc === 0) continue;
      if (this.vendor === "vtd") this.printk(() => `[VT-D]${pd(target)}: cannot map reserved region ${regionText(r)}: ${errnoValue(rc)}`);
      return rc;
    }
    return 0;
  }

  /** The failed assignment's unwind (intel_iommu_assign_device's second loop, amd_iommu_assign_device's
   *  unity unmap), unless the target is Xen's hardware_domain: every region of the device is
   *  unmapped, made by this assignment or not. */
  private unreserveAfterFailure(pdev: Pdev, target: Domain): void {
    if (this.isXenHwdom(target.domid) || target.domid === DOMID_IO) return;
    const p2m = this.p2m(target.domid);
    const regions = this.reserved(pdev.key);
    for (const r of regions) {
      const rc = this.identity.unmap(target.domid, p2m, r.base, r.end);
      if (rc === 0 || rc === "-ENOENT") continue;
      // Xen then domain_crash()es the target, which the model does not
      if (this.vendor === "vtd") this.printk(() => `[VT-D]${pd(target)}: cannot unmap reserved region ${regionText(r)}: ${errnoValue(rc)}`);
      else this.printk(() => `AMD-Vi: unity-unmap for ${pd(target)}/${pp(pdev.key)} failed (${errnoValue(rc)})`);
      if (this.vendor === "vtd") break;
    }
  }

  /** reassign_device_ownership()'s tail (VT-d) and reassign_device()'s (AMD): a source other than
   *  Xen's hardware_domain drops its holds on the device's regions ("BIOS may use RMRR at booting
   *  time": the hardware domain keeps them). The first error other than -ENOENT is the answer. */
  private unreserveSource(pdev: Pdev, source: number | null): Rc {
    if (source === null || this.isXenHwdom(source) || source === DOMID_IO) return 0;
    const p2m = this.p2m(source);
    let first: Rc = 0;
    for (const r of this.reserved(pdev.key)) {
      const rc = this.identity.unmap(source, p2m, r.base, r.end);
      if (rc === 0 || rc === "-ENOENT") continue;
      if (this.vendor === "vtd") return rc;
      if (first === 0) first = rc;
    }
    return first;
  }

  /** intel_iommu_add_device() / amd_iommu_add_device(): the new device's domain maps its regions,
   *  flag 0; a failure is only reported (VT-d's is a dprintk, in debug builds alone). */
  private reserveForAdd(pdev: Pdev, domid: number): void {
    const p2m = this.p2m(domid);
    for (const r of this.reserved(pdev.key, "dte")) {
      const rc = this.identity.map(domid, p2m, r.base, r.end, r.access, false);
      if (rc === 0) continue;
      if (this.vendor === "amd") {
        this.printk(() => `AMD-Vi: Warning: ${pd(domid)}: unity mapping failed for ${pp(pdev.key)}`);
        return;
      }
    }
  }

  /** intel_iommu_remove_device() / amd_iommu_remove_device(): the device's domain drops its holds,
   *  the hardware domain's included. */
  private unreserveForRemove(pdev: Pdev, domid: number): void {
    const p2m = this.p2m(domid);
    let failed = false;
    for (const r of this.reserved(pdev.key, "dte")) {
      const rc = this.identity.unmap(domid, p2m, r.base, r.end);
      if (rc !== 0 && rc !== "-ENOENT") failed = true;
    }
    if (failed && this.vendor === "amd") this.printk(() => `AMD-Vi: Warning: ${pd(domid)}: unity unmapping failed for ${pp(pdev.key)}`);
  }

  /** VT-d domain_context_mapping() of a conventional PCI device (DEV_TYPE_PCI) with an RMRR behind a
   *  recorded bridge, for a domain other than its owner while its own context entry is present
   *  (prev_present && MAP_WITH_RMRR && domain != pdev->domain): -EOPNOTSUPP, the entries put back as
   *  they were ("Strictly speaking if the device is the only one behind this bridge ..."). */
  private rmrrBridgeRefused(pdev: Pdev, to: number): boolean {
    if (this.vendor !== "vtd" || (this.pdevType?.(pdev.key) ?? "pcie-endpoint") !== "pci" || to === pdev.owner) return false;
    if (to === DOMID_IO && !this.quarantineTables(pdev.key)) return false; // QUARANTINE_SKIP: domain_context_unmap instead
    if (!this.contexts.has(pdev.key) || this.reserved(pdev.key).length === 0) return false;
    const up = this.upstreamBridge(Math.floor(pdev.key / 0x10000), pdev.key & 0xffff);
    return up !== 0 && up !== -1;
  }

  /** VT-d: the RMRRs whose scope names the device (by SBDF), each with the scope's size; AMD: the
   *  unity maps of its requester ID. [] for none or a malformed SBDF. */
  reservedRegions(sbdf: SbdfInput): Array<{ base: number; end: number; access: string; shared?: boolean; scope?: string[] }> {
    const key = this.key(sbdf, false);
    if (key < 0) return [];
    return this.reserved(key).map((r) => ({
      base: r.base,
      end: r.end,
      access: r.access,
      ...(r.rmrr ? { shared: rmrrShared(r.rmrr), scope: r.rmrr.scope.map((b) => pp(r.rmrr!.segment * 0x10000 + b)) } : {}),
    }));
  }

  /** The identity maps a domain's IOMMU holds (hd->arch.identity_maps), with their counts. */
  identityMaps(domid: number): IdentityMap[] {
    return this.identity.entries(domid);
  }

  /** The gfns a domain has mapped 1:1 for reserved regions, tracked or not (a failure before
   *  XSA-460 leaves some untracked), as inclusive page ranges. */
  identityPages(domid: number): Array<{ start: number; end: number }> {
    return this.identity.identityPages(domid).list();
  }

  getStrategy(): PfRemovalKind {
    return this.strategy;
  }

  /** Switch strategy; refused when the registry holds state the new strategy cannot (stale VFs, hidden
   *  PFs, VFs without a PF where the strategy has links; under `pre-links`, VFs not linked to the PF at their SBDF). */
  setStrategy(strategy: PfRemovalKind): Parsed<PfRemovalKind> {
    if (!PF_REMOVALS.includes(strategy)) return { ok: false, error: `unknown strategy '${strategy}'` };
    const traits = STRATEGY_TRAITS[strategy];
    for (const pdev of this.allPdevs()) {
      if (!traits.staleVfs && pdev.virtfn && !pdev.pf && !pdev.orphan)
        return { ok: false, error: `${strategy} does not allow the stale VF ${pp(pdev.key)}` };
      if (pdev.orphan && !traits.pfBySbdf && this.vfWithoutPf !== "add-pf-first")
        return { ok: false, error: `${strategy} does not allow the VF ${pp(pdev.key)} without its PF` };
      if (pdev.orphan && traits.pfBySbdf && this.pfAt(pdev.physfnKey))
        return { ok: false, error: `${strategy} would find ${pp(pdev.physfnKey)} as the PF of the VF ${pp(pdev.key)}, which is not linked to it` };
      if (!traits.hiddenPfs && pdev.hidden)
        return { ok: false, error: `${strategy} does not allow the removed PF ${pp(pdev.key)} still referenced by its VFs` };
    }
    this.strategy = strategy;
    return { ok: true, value: strategy };
  }

  // ---- operations --------------------------------------------------------------------------

  /** Mirrors pci_add_device() (PHYSDEVOP_pci_device_add / _manage_pci_add_ext). */
  addDevice(cur: Domain, sbdf: SbdfInput, info?: AddDeviceInfo): Rc {
    return this.add(cur, sbdf, info, false);
  }

  /** `forVf`: the PF's add a VF's makes (add-pf, add-pf-first), its VFs on in the hardware. */
  private add(cur: Domain, sbdf: SbdfInput, info: AddDeviceInfo | undefined, forVf: boolean): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    let physfnKey = -1;
    if (info?.physfn !== undefined) {
      physfnKey = this.key(info.physfn);
      if (physfnKey < 0) return "-EINVAL";
      // struct physdev_pci_device_add carries only physfn.bus/devfn: the PF is in the VF's segment.
      if (Math.floor(physfnKey / 0x10000) !== Math.floor(key / 0x10000) || physfnKey === key) {
        this.printk(() => `PCI add virtual function ${pp(key)}: invalid physfn ${pp(physfnKey)}`);
        return "-EINVAL";
      }
    }
    const type = !info ? "device" : physfnKey >= 0 ? "virtual function" : info.extfn ? "extended function" : "device";

    // Xen 4.19.0: a missing PF is added first, as a device of its own (pci_add_device(seg, physfn,
    // NULL)), and its result ignored; the VF's own plug check comes after, so a refused VF may
    // leave its PF added
    if (physfnKey >= 0 && this.vfWithoutPf === "add-pf-first" && !this.visible(physfnKey)) this.add(cur, physfnKey, undefined, true);

    const rc = this.xsm.resourcePlugPci(cur, key);
    if (rc !== 0) return rc;

    let pf: Pdev | undefined;
    if (physfnKey >= 0) {
      pf = this.visible(physfnKey);
      if (pf?.virtfn) {
        // Xen would list_add one VF onto another's vf_list; we refuse the corruption.
        this.printk(() => `PCI add virtual function ${pp(key)}: physfn ${pp(physfnKey)} is itself a VF`);
        return "-EINVAL";
      }
      if (!pf && this.vfWithoutPf !== "add-pf-first") {
        if (this.vfWithoutPf === "reject") {
          // Stewart's v8 3/3 "remove logic catering to adding VF without PF".
          this.printk(() => `Attempted to add SR-IOV VF ${pp(key)} without PF ${pp(physfnKey)}`);
          return "-ENODEV";
        }
        // v6 as posted (and v8 1/3, backported to 4.19.1): after the VF's plug check, add the PF
        // through its own; its error fails the VF
        const pfRc = this.add(cur, physfnKey, undefined, true);
        if (pfRc !== 0) {
          this.printk(() => `Failed to add SR-IOV device PF ${pp(physfnKey)} for VF ${pp(key)}`);
          return pfRc;
        }
        pf = this.visible(physfnKey)!;
      }
    }

    // alloc_pdev(): an existing record is returned as it is (a hidden `refcount` PF included).
    let pdev = this.record(key);
    if (!pdev) {
      pdev = newPdev(key, physfnKey >= 0, !!info?.extfn, physfnKey);
      this.segment(key).pdevs.set(key & 0xffff, pdev);
      this.recordBridge(pdev);
      pdev.phantomStride = this.phantomStride(key);
      if (pdev.phantomStride) this.anyPhantom = true;
      if (pdev.virtfn && !pf) this.orphan(pdev); // add-pf-first: its PF's add was refused
    }
    pdev.present = true;
    if (!pdev.virtfn && !pdev.vfRlen) this.sizeVfBars(pdev, forVf);
    if (pdev.virtfn && pf && !pdev.pf && pdev.physfnKey === pf.key) this.link(pdev, pf); // v8: "if ( !pdev->pf_pdev )"
    if (pdev.hidden) pdev.hidden = false;
    if (pdev.owner === null) {
      // `pdev->domain = hardware_domain`, then iommu_add_device(), whose failure undoes the former
      const to = this.hwdomFor(cur);
      const rc = to === null ? 0 : this.iommuAdd(pdev, to);
      pdev.iommuRefused = rc !== 0;
      if (rc !== 0) return rc;
      if (pdev.hwdom === null && cur.hardware) pdev.hwdom = cur.domid; // who added it (adding-hwdom)
      // intel_iommu_add_device()'s domain_context_mapping(pdev->domain), if that domain uses the IOMMU
      if (to !== null && this.iommuEnabled(this.domains.byDomid(to))) {
        this.amdPhantomAdds(pdev);
        this.reserveForAdd(pdev, to);
        this.mapContexts(pdev, to);
      }
      this.setOwner(pdev, to);
    }
    if (!pdev.virtfn && STRATEGY_TRAITS[this.strategy].relinkOnPfAdd) this.reassociate(pdev);
    if (!pdev.virtfn && STRATEGY_TRAITS[this.strategy].pfBySbdf) this.adopt(pdev);

    this.printk(() => `PCI add ${type} ${pp(key)}`);
    for (const k of phantomKeys(pdev)) this.printk(() => `PCI phantom ${pp(k)}`);
    return 0;
  }

  /** alloc_pdev()'s phantom_stride for a new record: a PCIe endpoint's DEVCAP field (stride 8 >>
   *  field, 0 when the function is at or past it), else the first pci-phantom= entry for its slot
   *  with a stride above its function, doubled while a function it would cover answers config
   *  reads ("looks to be a real device"), kept only below 8 (PCI_FUNC(stride)). */
  private phantomStride(key: number): number {
    if (this.pciBridge?.(key) || (this.pdevType?.(key) ?? "pcie-endpoint") !== "pcie-endpoint") return 0;
    const fn = key & 7;
    const field = this.devcapPhantom?.(key) ?? 0;
    if (field !== 0) {
      const stride = 8 >> field;
      return fn >= stride ? 0 : stride;
    }
    const [seg, bus, slot] = [Math.floor(key / 0x10000), (key >> 8) & 0xff, (key >> 3) & 0x1f];
    const entry = this.pciPhantom.find((p) => p.seg === seg && p.bus === bus && p.slot === slot && p.stride > fn);
    if (!entry) return 0;
    let stride = entry.stride;
    // sbdf.fn is 3 bits: the walk wraps, and ends at the function itself once the stride is 8
    for (let f = (fn + stride) & 7; f > fn; f = (f + stride) & 7) {
      const at = key - fn + f;
      if (!this.functionPresent?.(at)) continue;
      stride <<= 1;
      const s = stride;
      this.printk(() => `${pp(at)} looks to be a real device; bumping ${seg.toString(16).padStart(4, "0")}:${bus.toString(16).padStart(2, "0")}:${slot.toString(16).padStart(2, "0")} stride to ${s}`);
      f = fn;
    }
    return stride & 7 ? stride : 0;
  }

  /** AMD with an IVRS table: iommu_add_device()'s amd_iommu_add_device for each phantom function,
   *  which is -EPERM when the requester ID IVRS gives that bdf is not valid (no entry names it);
   *  iommu_add_device only warns, the device is added all the same. */
  private amdPhantomAdds(pdev: Pdev): void {
    if (this.vendor !== "amd" || this.ivrsSegs === undefined) return;
    for (const k of phantomKeys(pdev)) {
      if (!this.ivrsValid.has(this.dteRequestorId.get(k) ?? k)) this.printk(() => `IOMMU: add ${pp(k)} failed (${errnoValue("-EPERM")})`);
    }
  }

  /** The device's phantom functions (pdev->phantom_stride), by SBDF; [] for none or no device. */
  phantoms(sbdf: SbdfInput): string[] {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    return pdev ? phantomKeys(pdev).map((k) => pp(k)) : [];
  }

  /** pci_get_real_pdev(): the device whose phantom function `sbdf` is, when no record is at
   *  `sbdf` itself; only the AMD IOMMU's event and PPR logs ask it. No hypercall does:
   *  pci_get_pdev() finds a record at the exact SBDF or none, in every release modelled. */
  realDevice(sbdf: SbdfInput): string | undefined {
    const key = this.key(sbdf, false);
    if (key < 0) return undefined;
    if (this.visible(key)) return pp(key);
    // sbdf.devfn loses each stride bit in turn, whether or not a record there matched
    let k = key;
    for (let stride = 4; stride; stride >>= 1) {
      if (!(k & stride)) continue;
      k -= stride;
      const pdev = this.visible(k);
      if (pdev && pdev.phantomStride === stride) return pp(pdev.key);
    }
    return undefined;
  }

  /** iommu_add_device() of a new device for `domid`: 0, amd_iommu_add_device's -ENODEV when
   *  find_iommu_for_device() finds no IOMMU for it (only a given IVRS table refuses devices), or
   *  VT-d's -EINVAL for a PCI-to-PCIe bridge. */
  private iommuAdd(pdev: Pdev, domid: number): Rc {
    if (!this.iommuEnabled(this.domains.byDomid(domid))) return 0; // !is_iommu_enabled(pdev->domain)
    // VT-d: domain_context_mapping's switch has no case for DEV_TYPE_PCI2PCIe_BRIDGE at any tag, so
    // intel_iommu_add_device gets its default's -EINVAL (a debug build's "unknown(4)")
    if (this.vendor === "vtd") return this.pciBridge?.(pdev.key)?.type === "pci-to-pcie" ? "-EINVAL" : 0;
    if (this.ivrsSegs === undefined) return 0;
    if (this.findIommu(pdev.key)) return 0;
    // "Filter bridge devices.": a host bridge stays with the hardware domain, unmapped
    if (this.pdevType?.(pdev.key) === "host-bridge" && this.domains.byDomid(domid)?.hardware) return 0;
    this.printk(() => `AMD-Vi: Warning: no IOMMU for ${pp(pdev.key)}; cannot be handed to ${pd(domid)}`);
    return "-ENODEV";
  }

  /** find_iommu_for_device(): an IVRS entry names the bdf, or, after init, its function 0, whose
   *  mapping it then copies (dte_requestor_id its own where function 0's was function 0's own; the
   *  valid flag function 0's) and keeps. */
  private findIommu(key: number): boolean {
    if (!this.ivrsSegs?.has(Math.floor(key / 0x10000)) || (key & 0xffff) >= this.ivrsBdfEntries) return false;
    if (this.ivrsIommu.has(key)) return true;
    const bd0 = key - (key & 7);
    if (!this.ivrsIommu.has(bd0)) return false;
    const req = this.dteRequestorId.get(bd0) ?? bd0;
    this.dteRequestorId.set(key, req === bd0 ? key : req);
    if (this.ivrsValid.has(bd0)) this.ivrsValid.add(key);
    else this.ivrsValid.delete(key);
    this.ivrsIommu.add(key);
    this.printk(() => `${pp(key)} not found in ACPI tables; using same IOMMU as function 0`);
    return true;
  }

  /** Whether an IOMMU covers the device as find_iommu_for_device() would answer now (AMD with an
   *  IVRS table; any device otherwise), without its function-0 copy. */
  ivrsCovers(sbdf: SbdfInput): { covered: boolean; via?: "function 0"; segment: boolean } {
    const key = this.key(sbdf, false);
    if (key < 0) return { covered: false, segment: false };
    if (this.vendor !== "amd" || this.ivrsSegs === undefined) return { covered: true, segment: true };
    const segment = this.ivrsSegs.has(Math.floor(key / 0x10000));
    if (!segment || (key & 0xffff) >= this.ivrsBdfEntries) return { covered: false, segment };
    if (this.ivrsIommu.has(key)) return { covered: true, segment };
    return this.ivrsIommu.has(key - (key & 7)) ? { covered: true, via: "function 0", segment } : { covered: false, segment };
  }

  /** The device is in the registry with no owner because iommu_add_device refused it. */
  iommuRefused(sbdf: SbdfInput): boolean {
    const key = this.key(sbdf, false);
    return key >= 0 && this.visible(key)?.iommuRefused === true;
  }

  /** Mirrors pci_remove_device() (PHYSDEVOP_pci_device_remove); a PF with VFs goes to the strategy. */
  removeDevice(cur: Domain, sbdf: SbdfInput): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    const rc = this.xsm.resourceUnplugPci(cur, key);
    if (rc !== 0) return rc;
    const pdev = this.visible(key);
    if (!pdev) return "-ENODEV";
    if (!pdev.virtfn && pdev.vfs.size > 0) {
      this.current = cur;
      try {
        return PF_REMOVAL[this.strategy](this.removalOps, pdev);
      } finally {
        this.current = undefined;
      }
    }
    this.free(pdev);
    // iommu_remove_device(): "if ( !pdev->domain ) return -EINVAL;", after the pdev is off its lists
    return pdev.iommuRefused ? "-EINVAL" : 0;
  }

  /** Mirrors XEN_DOMCTL_assign_device in iommu_do_pci_domctl(), device_assigned() and assign_device().
   *  `flags`: the domctl's XEN_DOMCTL_DEV_RDM_RELAXED (libxl's rdm_policy=relaxed); default none (strict). */
  assignDevice(cur: Domain, target: Domain, sbdf: SbdfInput, flags: AssignFlags = {}): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    if (target.domid !== DOMID_IO && !this.found(target.domid)) return "-ESRCH"; // rcu_lock_domain_by_id() in do_domctl; DOMID_IO is dom_io
    // iommu_do_pci_domctl(): "Don't support self-assignment of devices." and d->is_dying are
    // -EINVAL; the XSM module makes them where its Xen does (AssignCheck: before or after XSA-492)
    const refusal = (): Rc => this.noIommu(target) || (target.domid === cur.domid || this.domains.dying?.(target.domid) ? "-EINVAL" : 0);
    const rc = this.domctl(refusal, (refuse) => this.xsm.assignDevice(cur, target, key, refuse));
    if (rc !== 0) return rc;
    const pdev = this.visible(key);
    if (!pdev) return "-ENODEV";
    if (!this.assignable(pdev)) return "-EBUSY"; // device_assigned()
    if (pdev.broken && !target.hardware && target.domid !== DOMID_IO) {
      // assign_device(): "Do not allow broken devices to be assigned to guests."
      this.printk(() => `${pd(target)}: assign (${pp(key)}) failed (${errnoValue("-EBADF")})`);
      return "-EBADF";
    }
    // pdev_msix_assign(): a failure ends assign_device before the IOMMU moves the device
    const msix = this.onAssign?.(target.domid, key) ?? 0;
    if (msix !== 0) {
      this.printk(() => `${pd(target)}: assign (${pp(key)}) failed (${errnoValue(msix)})`);
      return msix;
    }
    // the IOMMU's assign_device: reserved regions (rdm.ts), then reassign_device_ownership()
    const source = pdev.owner;
    const failed = (rc: Rc, unwind: boolean): Rc => {
      if (unwind) this.unreserveAfterFailure(pdev, target);
      this.printk(() => `${pd(target)}: assign (${pp(key)}) failed (${errnoValue(rc as Exclude<Rc, 0>)})`);
      return rc;
    };
    const reserved = this.reserveForAssign(pdev, target, flags);
    if (reserved !== 0) return failed(reserved, reserved !== "-EPERM");
    if (this.hostBridgeRefused(pdev, target)) return failed("-EPERM", true);
    if (this.rmrrBridgeRefused(pdev, target.domid)) return failed("-EOPNOTSUPP", true);
    this.mapContexts(pdev, target.domid);
    this.setOwner(pdev, target.domid);
    const dropped = this.unreserveSource(pdev, source);
    if (dropped !== 0) return failed(dropped, true); // the device has moved all the same
    if (target.domid === DOMID_IO) pdev.quarantine = true; // "assigned to dom_io so mark it as quarantined"
    return 0;
  }

  /** VT-d: domain_context_mapping() of a host bridge for a domain other than the hardware domain is
   *  -EPERM; a move to dom_io without quarantine page tables unmaps it from the hardware domain
   *  instead, which is allowed. */
  private hostBridgeRefused(pdev: Pdev, target: Domain): boolean {
    if (this.vendor !== "vtd" || this.pdevType?.(pdev.key) !== "host-bridge" || target.hardware) return false;
    return target.domid !== DOMID_IO || this.quarantineTables(pdev.key);
  }

  /** device_assigned(): owned by a hardware domain or dom_io (or, in the model, by no one); else
   *  assigned to a guest. */
  private assignable(pdev: Pdev): boolean {
    if (pdev.iommuRefused) return false; // NULL pdev->domain is not hardware_domain
    return pdev.owner === null || pdev.owner === DOMID_IO || this.domains.byDomid(pdev.owner)?.hardware === true;
  }

  /** An assignment domctl's XSM call with iommu_do_pci_domctl's refusals where the module puts
   *  them (between xsm_domctl and the hook); a module that does not take them gets them after. */
  private domctl(refusal: () => Rc, call: (refuse: () => Rc) => Rc): Rc {
    // (iommu_do_domctl's test for an IOMMU comes first among the refusals: noIommu)
    let asked = false;
    const rc = call(() => {
      asked = true;
      return refusal();
    });
    return rc !== 0 || asked ? rc : refusal();
  }

  /** Mirrors XEN_DOMCTL_test_assign_device: the XSM check, then device_assigned(), whose failure
   *  (no such device, or assigned to a domain other than the hardware domain) Xen logs and makes -EINVAL.
   *  `d`: the domain the domctl names (libxl names the guest); without, DOMID_INVALID (d NULL). A
   *  named domain shares XEN_DOMCTL_assign_device's path: its IOMMU test, the self-assignment
   *  refusal and xsm_assign_device(d) (flask_assign_device's checks), not the dying test. */
  testAssignDevice(cur: Domain, sbdf: SbdfInput, d?: Domain): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    const rc =
      d === undefined
        ? this.domctl(() => this.noIommu(), (refuse) => this.xsm.testAssignDevice(cur, key, refuse))
        : this.domctl(() => this.noIommu(d) || (d.domid === cur.domid ? "-EINVAL" : 0), (refuse) => this.xsm.assignDevice(cur, d, key, refuse));
    if (rc !== 0) return rc;
    const pdev = this.visible(key);
    if (pdev && this.assignable(pdev)) return 0;
    this.printk(() => `${pp(key)} already assigned, or non-existent`);
    return "-EINVAL";
  }

  /** iommu_do_domctl(): `!(d ? is_iommu_enabled(d) : iommu_enabled)` is -EOPNOTSUPP before
   *  iommu_do_pci_domctl looks at the command; 0 (go on) with an IOMMU the domain uses. */
  private noIommu(d?: Domain): Rc {
    return this.iommuEnabled(d) ? 0 : "-EOPNOTSUPP";
  }

  /** is_iommu_enabled(d), or iommu_enabled without a domain: dom_io has the IOMMU whenever the
   *  host has one (iommu_setup), any other domain unless created without XEN_DOMCTL_CDF_iommu. */
  iommuEnabled(d?: Domain): boolean {
    return this.iommu && d?.iommu !== false;
  }

  /** rcu_lock_domain_by_id(): a live domain, or a dying one not yet freed. */
  private found(domid: number): boolean {
    return this.domains.byDomid(domid) !== undefined || this.domains.dying?.(domid) !== undefined;
  }

  /** Mirrors XEN_DOMCTL_deassign_device and deassign_device(): to dom_io under quarantine (see
   *  quarantineOf), else (and from dom_io, DOM_IO) to Xen's hardware_domain, or with `adding-hwdom`
   *  back to the hardware domain that added it (returnTo). */
  deassignDevice(cur: Domain, target: Domain, sbdf: SbdfInput): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    if (target.domid !== DOMID_IO && !this.found(target.domid)) return "-ESRCH";
    // "Don't support self-deassignment of devices.", where the XSM module's Xen makes it (AssignCheck)
    const refusal = (): Rc => this.noIommu(target) || (target.domid === cur.domid ? "-EINVAL" : 0);
    const rc = this.domctl(refusal, (refuse) => this.xsm.deassignDevice(cur, target, key, refuse));
    if (rc !== 0) return rc;
    const pdev = this.visible(key);
    if (!pdev || pdev.owner !== target.domid) return "-ENODEV"; // pci_get_pdev(d, sbdf)
    return this.deassign(pdev, -1);
  }

  /** deassign_device()'s move: "De-assignment from dom_io should de-quarantine the device". A
   *  host bridge VT-d will not map for dom_io's quarantine page tables (scratch-page) fails it
   *  -EPERM, logged, the device left where it is. */
  private deassign(pdev: Pdev, gone: number): Rc {
    const source = pdev.owner!;
    const failed = (rc: Exclude<Rc, 0>): Rc => {
      this.printk(() => `${pd(source)}: deassign (${pp(pdev.key)}) failed (${errnoValue(rc)})`);
      return rc;
    };
    const quarantine = this.quarantineFor(pdev) !== undefined;
    const to = quarantine ? DOMID_IO : this.returnTo(pdev, gone);
    if (quarantine && this.hostBridgeRefused(pdev, DOM_IO)) return failed("-EPERM");
    if (to !== null && this.rmrrBridgeRefused(pdev, to)) return failed("-EOPNOTSUPP");
    this.mapContexts(pdev, to, true);
    this.setOwner(pdev, to);
    // reassign_device_ownership()'s last act: the source lets go of the device's reserved regions
    const dropped = this.unreserveSource(pdev, source);
    if (dropped !== 0) return failed(dropped);
    if (!quarantine && to !== null && this.domains.byDomid(to)?.hardware) pdev.quarantine = false;
    return 0;
  }

  /** Why deassign_device() would send the device to dom_io now: iommu_quarantine, or the device's
   *  own quarantine mark; undefined when it goes to the hardware domain (it is in dom_io already, or
   *  neither applies). */
  quarantineOf(sbdf: SbdfInput): "iommu_quarantine" | "pdev->quarantine" | undefined {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    return pdev && this.quarantineFor(pdev);
  }

  private quarantineFor(pdev: Pdev): "iommu_quarantine" | "pdev->quarantine" | undefined {
    if (pdev.owner === DOMID_IO || !this.iommu) return undefined;
    if (this.quarantineMode !== "none") return "iommu_quarantine";
    return pdev.quarantine ? "pdev->quarantine" : undefined;
  }

  /** The iommu_quarantine mode this registry models. */
  quarantine(): Quarantine {
    return this.quarantineMode;
  }

  /**
   * Mirrors XEN_DOMCTL_get_device_group: xsm_get_device_group on the device asked about, then
   * iommu_get_device_group(): the devices of `d` (same segment, not the device itself) whose group
   * (intel_iommu_group_id) is the device's, each passing xsm_get_device_group (a refusal skips
   * it), at most `maxSdevs`. The device itself need not exist. `d` is a live or dying domain (the
   * caller found it: rcu_lock_domain_by_id).
   */
  getDeviceGroup(cur: Domain, d: Domain, sbdf: SbdfInput, maxSdevs: number): DeviceGroup {
    const none = (rc: Rc): DeviceGroup => ({ rc, iommu: this.iommuEnabled(d), sdevs: [], refused: [], truncated: 0 });
    const key = this.key(sbdf);
    if (key < 0) return none("-EINVAL");
    const rc = this.domctl(() => this.noIommu(d), (refuse) => this.xsm.getDeviceGroup(cur, d, key, false, refuse));
    if (rc !== 0) return none(rc);
    const seg = Math.floor(key / 0x10000);
    const groupId = this.groupId(seg, key & 0xffff);
    if (groupId < 0) return none("-ENODEV");
    const out: DeviceGroup = { rc: 0, iommu: true, groupId, sdevs: [], refused: [], truncated: 0 };
    // for_each_pdev(d): d->pdev_list, each device list_add()ed at its head when it came
    for (const pdev of [...(this.byOwner.get(d.domid) ?? [])].reverse()) {
      if (Math.floor(pdev.key / 0x10000) !== seg || pdev.key === key) continue;
      if (this.xsm.getDeviceGroup(cur, d, pdev.key, true) !== 0) {
        out.refused.push(pdev.key);
        continue;
      }
      if (this.groupId(seg, pdev.key & 0xffff) !== groupId) continue;
      if (out.sdevs.length < maxSdevs) out.sdevs.push(pdev.key);
      else out.truncated++;
    }
    return out;
  }

  /** The IOMMU's get_device_group_id: intel_iommu_group_id() or amd_iommu_group_id(). */
  private groupId(seg: number, bdf: number): number {
    return this.vendor === "amd" ? this.amdGroupId(seg, bdf) : this.vtdGroupId(seg, bdf);
  }

  /** amd_iommu_group_id(): get_dma_requestor_id() below ivrs_bdf_entries, else the bdf; -1 where
   *  Xen would read the NULL ivrs_mappings of a segment no IVHD block covers. */
  private amdGroupId(seg: number, bdf: number): number {
    if (bdf >= this.ivrsBdfEntries) return bdf;
    if (this.ivrsSegs !== undefined && !this.ivrsSegs.has(seg)) return -1;
    return this.dmaRequestorId(seg * 0x10000 + bdf) & 0xffff;
  }

  /** get_dma_requestor_id(): the requester ID IVRS gives the device, its own when its own entry
   *  and its alias's are both valid ("Some devices will use alias id and original device id").
   *  amd_iommu_group_id() asks it of every bdf below ivrs_bdf_entries, others being themselves,
   *  as a bdf no IVRS entry names is. */
  private dmaRequestorId(key: number): number {
    const req = this.dteRequestorId.get(key) ?? key;
    return this.ivrsValid.has(key) && this.ivrsValid.has(req) ? key : req;
  }

  /** The requester ID the device's DMA carries (its group, as get_device_group computes it) and
   *  the other devices in the visible registry that carry it too, by SBDF; undefined when the
   *  group cannot be computed (-ENODEV). */
  requesterId(sbdf: SbdfInput): { id: string; shared: string[] } | undefined {
    const key = this.key(sbdf, false);
    if (key < 0) return undefined;
    const seg = Math.floor(key / 0x10000);
    const id = this.groupId(seg, key & 0xffff);
    if (id < 0) return undefined;
    const shared: number[] = [];
    for (const pdev of this.segments.get(seg)?.pdevs.values() ?? []) {
      if (pdev.hidden || pdev.key === key) continue;
      if (this.groupId(seg, pdev.key & 0xffff) === id) shared.push(pdev.key);
    }
    return { id: pp(seg * 0x10000 + id), shared: shared.sort((a, b) => a - b).map((k) => pp(k)) };
  }

  /** AMD: the alias IVRS gives the device (dte_requestor_id), whether or not get_dma_requestor_id
   *  takes it; undefined when no entry names the device. */
  ivrsAlias(sbdf: SbdfInput): number | undefined {
    const key = this.key(sbdf, false);
    return key < 0 ? undefined : this.dteRequestorId.get(key);
  }

  /** The IOMMU's vendor this registry models. */
  iommuVendor(): IommuVendor {
    return this.vendor;
  }

  /** intel_iommu_group_id(): the bdf find_upstream_bridge() leaves (the topmost recorded bridge
   *  above the device, or the device), -1 for -ENODEV (no such segment off bus 0, or a bus2bridge
   *  cycle). pci_segments_init() makes segment 0 at boot; others come with their first device. */
  private vtdGroupId(seg: number, bdf: number): number {
    const up = this.upstreamBridge(seg, bdf);
    return up === -1 ? -1 : up === 0 ? bdf : (up.bus << 8) | up.devfn;
  }

  /** find_upstream_bridge(): 0 when no recorded bridge is above the bus (bus 0 included), -1 for
   *  no such segment off bus 0 or a bus2bridge cycle, else the topmost bridge and the bus below it
   *  on the way up (secbus). */
  private upstreamBridge(seg: number, bdf: number): { bus: number; devfn: number; secbus: number } | 0 | -1 {
    let bus = bdf >> 8;
    let devfn = bdf & 0xff;
    if (bus === 0) return 0;
    const pseg = this.segments.get(seg);
    if (!pseg) return seg === 0 ? 0 : -1;
    let secbus = -1;
    for (let hops = 0; ; hops++) {
      const up = pseg.bus2bridge.get(bus);
      if (!up) return secbus < 0 ? 0 : { bus, devfn, secbus };
      if (hops >= MAX_BUSES) return -1;
      secbus = bus;
      ({ bus, devfn } = up);
    }
  }

  /** The requester IDs domain_context_mapping() maps for a device, as machine_bdf keys: none for a
   *  bridge Xen records; its own; for a conventional PCI device (DEV_TYPE_PCI) behind a recorded
   *  bridge also the topmost bridge's ("Mapping a bridge should, if anything, pass the struct
   *  pci_dev of that bridge") and, behind a PCIe-to-PCI bridge, (secbus, 0), unless that is the
   *  device ("Devices behind PCIe-to-PCI/PCIx bridge may generate different requester-id"). */
  private contextIds(pdev: Pdev): Array<{ rid: number; via: ContextChange["via"]; bridge: number }> {
    if (this.vendor !== "vtd" || pdev.bridge || this.pdevType?.(pdev.key) === "host-bridge") return [];
    const seg = Math.floor(pdev.key / 0x10000);
    const up = this.upstreamBridge(seg, pdev.key & 0xffff);
    // -1: Xen's -ENXIO (a bus2bridge cycle), which no scenario can reach
    const bridge = up === 0 || up === -1 ? -1 : seg * 0x10000 + ((up.bus << 8) | up.devfn);
    const ids: Array<{ rid: number; via: ContextChange["via"]; bridge: number }> = [{ rid: pdev.key, via: "device", bridge }];
    // iommu_add_device / assign_device / deassign_device / iommu_remove_device call the IOMMU for
    // each phantom devfn too: a PCIe endpoint's, so domain_context_mapping maps (bus, devfn) alone
    for (const rid of phantomKeys(pdev)) ids.push({ rid, via: "phantom", bridge });
    if (up === 0 || up === -1 || (this.pdevType?.(pdev.key) ?? "pcie-endpoint") !== "pci") return ids;
    ids.push({ rid: bridge, via: "bridge", bridge });
    const secbus = seg * 0x10000 + (up.secbus << 8);
    if ((this.pciBridge?.(bridge)?.type ?? "pcie-to-pci") === "pcie-to-pci" && secbus !== pdev.key) ids.push({ rid: secbus, via: "secbus", bridge });
    return ids;
  }

  /** reassign_device_ownership() or intel_iommu_add_device() of a device for `to`: to dom_io
   *  without quarantine page tables (QUARANTINE_SKIP: not scratch-page) domain_context_unmap()
   *  clears its entries, as it does with no domain to go to; otherwise domain_context_mapping()
   *  points them at `to`, whoever's they were. Only with an IOMMU (VT-d). */
  private mapContexts(pdev: Pdev, to: number | null, phantomsFirst = false): void {
    if (!this.iommu) return;
    const skip = to === null || (to === DOMID_IO && !this.quarantineTables(pdev.key));
    this.setContexts(pdev, skip ? null : to, phantomsFirst);
  }

  /** intel_iommu_remove_device(): domain_context_unmap(pdev->domain), for a device with a domain
   *  that uses the IOMMU (iommu_remove_device). */
  private removeContexts(pdev: Pdev): void {
    if (pdev.owner === null || pdev.iommuRefused || !this.iommuEnabled(this.domains.byDomid(pdev.owner) ?? this.domains.dying?.(pdev.owner))) return;
    this.setContexts(pdev, null, true);
    this.unreserveForRemove(pdev, pdev.owner);
  }

  /** `phantomsFirst`: deassign_device() and iommu_remove_device() visit the phantom functions
   *  before the function itself; iommu_add_device() and assign_device() after. */
  private setContexts(pdev: Pdev, to: number | null, phantomsFirst = false): void {
    const ids = this.contextIds(pdev);
    if (phantomsFirst) ids.sort((a, b) => Number(b.via === "phantom") - Number(a.via === "phantom"));
    for (const { rid, via, bridge } of ids) {
      if (this.anyPhantom && (via === "phantom" ? this.record(rid) !== undefined : this.phantomOf(rid, pdev) !== undefined)) this.clobbered.add(rid);
      const from = this.contexts.get(rid) ?? null;
      if (to === null) this.contexts.delete(rid);
      else this.contexts.set(rid, to);
      if (from === to || !this.onContext) continue;
      if (via === "device" && !this.secbusOfOthers(pdev, bridge)) continue;
      if (via === "phantom" && this.ridUsers(rid, pdev.key).length === 0) continue;
      this.onContext?.({ device: pdev.key, bridge, rid, via, from, to });
    }
  }

  /** The record, other than `except`, whose phantom function `rid` is. */
  private phantomOf(rid: number, except: Pdev): Pdev | undefined {
    for (let f = 1; f <= (rid & 7); f++) {
      const q = this.visible(rid - f);
      if (q && q !== except && q.phantomStride && f % q.phantomStride === 0) return q;
    }
    return undefined;
  }

  /** Whether the device's own requester ID is (secbus, 0) behind the PCIe-to-PCI bridge above it
   *  for a conventional PCI device there (without a scan where it cannot be). */
  private secbusOfOthers(pdev: Pdev, bridge: number): boolean {
    if ((pdev.key & 0xff) !== 0 || bridge < 0 || (this.pciBridge?.(bridge)?.type ?? "pcie-to-pci") !== "pcie-to-pci") return false;
    return this.ridUsers(pdev.key, pdev.key).length > 0;
  }

  /** The devices of the visible registry but `except` whose mapping includes requester ID `rid`. */
  private ridUsers(rid: number, except: number): number[] {
    const users: number[] = [];
    for (const pdev of this.allPdevs()) {
      if (pdev.hidden || pdev.key === except) continue;
      if (this.contextIds(pdev).some((c) => c.rid === rid)) users.push(pdev.key);
    }
    return users.sort((a, b) => a - b);
  }

  /** VT-d: whose page tables the context entry of a requester ID points at (a domain's name,
   *  "dom_io"), null when it is not present; undefined for a malformed SBDF. */
  contextOwner(rid: SbdfInput): string | null | undefined {
    const key = this.key(rid, false);
    if (key < 0) return undefined;
    const domid = this.contexts.get(key);
    return domid === undefined ? null : this.domainName(domid);
  }

  /** VT-d: the devices of the visible registry (but `except`) whose mapping includes requester ID
   *  `rid` (contextIds), sorted by SBDF. */
  contextUsers(rid: SbdfInput, except?: SbdfInput): string[] {
    const key = this.key(rid, false);
    if (key < 0) return [];
    return this.ridUsers(key, except === undefined ? -1 : this.key(except, false)).map((k) => pp(k));
  }

  /** pdev_type() of a bridge the registry was told of (RegistryOptions.pciBridge), undefined for another device. */
  bridgeType(sbdf: SbdfInput): BridgeType | undefined {
    const key = this.key(sbdf, false);
    const b = key < 0 ? undefined : this.pciBridge?.(key);
    return b && (b.type ?? "pcie-to-pci");
  }

  /** The pdev_type() the registry was given for a device: `pcie-endpoint` unless told otherwise. */
  deviceType(sbdf: SbdfInput): DeviceType | undefined {
    const key = this.key(sbdf, false);
    return key < 0 ? undefined : (this.pdevType?.(key) ?? "pcie-endpoint");
  }

  /** alloc_pdev(): a bridge's secondary..subordinate buses map to it; before 4.22.0 a PCI-to-PCIe
   *  bridge's type falls to the switch's default (DEV_TYPE_PCI2PCIe_BRIDGE is 4 in pdev_type's enum). */
  private recordBridge(pdev: Pdev): void {
    const b = this.pciBridge?.(pdev.key);
    if (!b) return;
    if (b.type === "pci-to-pcie" && this.pci2pcieBridges === "unknown-type") {
      this.printk(() => `${pp(pdev.key)}: unknown type 4`);
      return;
    }
    pdev.bridge = { secondary: b.secondary, subordinate: b.subordinate };
    const seg = this.segment(pdev.key);
    const at = { bus: (pdev.key >> 8) & 0xff, devfn: pdev.key & 0xff };
    for (let bus = b.secondary; bus <= b.subordinate; bus++) seg.bus2bridge.set(bus, at);
  }

  /** free_pdev(): the bridge's buses map to what its own bus maps to. */
  private forgetBridge(pdev: Pdev): void {
    if (!pdev.bridge) return;
    const seg = this.segment(pdev.key);
    const parent = seg.bus2bridge.get((pdev.key >> 8) & 0xff);
    for (let bus = pdev.bridge.secondary; bus <= pdev.bridge.subordinate; bus++) {
      if (parent) seg.bus2bridge.set(bus, parent);
      else seg.bus2bridge.delete(bus);
    }
  }

  /** Mirrors PHYSDEVOP_prepare_msix/pci_device_reset: xsm_resource_setup_pci, then the device must be there. */
  setupDevice(cur: Domain, sbdf: SbdfInput): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    const rc = this.xsm.resourceSetupPci(cur, key);
    if (rc !== 0) return rc;
    const pdev = this.visible(key);
    // Vanished hardware reads as all-ones: pci_find_cap_offset() finds no MSI-X capability.
    return pdev && pdev.present ? 0 : "-ENODEV";
  }

  /**
   * The hardware vanishes (surprise removal): no hypercall, no XSM check, Xen learns nothing. The
   * records stay until someone removes them; a PF takes its VFs with it. Re-adding the SBDF (new
   * hardware) finds the old record, as alloc_pdev() does.
   */
  hotUnplug(sbdf: SbdfInput): Rc {
    const key = this.key(sbdf);
    if (key < 0) return "-EINVAL";
    const pdev = this.visible(key);
    if (!pdev) return "-ENODEV";
    pdev.present = false;
    for (const vf of pdev.vfs) vf.present = false;
    return 0;
  }

  /**
   * Domain teardown, as pci_release_devices() does: every device the domain holds is deassigned
   * (deassign_device: to dom_io under quarantine, else to Xen's hardware_domain, or back to the
   * hardware domain that added it with `adding-hwdom`; no XSM check: Xen itself does it). Devices the
   * domain added, if it was a hardware domain, fall to Xen's hardware_domain or to no one.
   * Without an IOMMU for the domain, deassign_device() is -EINVAL before it looks at a device
   * ("if ( !is_iommu_enabled(d) ) return -EINVAL;", RELEASE-4.19.0 .. 4.22.0 and master), so
   * every device stays on the domain's list (pci_release_devices splices the failed ones back) and
   * the first error is returned, and nothing changes (the model's record of who added a device
   * included: Xen has none, so a refused teardown leaves it to the retry). Call before the domain
   * leaves the DomainTable, or again while it is dying (a retried XEN_DOMCTL_destroydomain).
   */
  removeDomain(domid: number): Rc {
    const d = this.domains.byDomid(domid) ?? this.domains.dying?.(domid);
    const held = [...(this.byOwner.get(domid) ?? [])].reverse();
    if (held.length > 0 && !this.iommuEnabled(d)) return "-EINVAL";
    for (const pdev of this.allPdevs()) {
      if (pdev.hwdom === domid) pdev.hwdom = this.fallbackHwdom(domid);
    }
    // pci_release_devices(): a device deassign_device() fails stays on the domain's list, the
    // others go; the first error is the answer
    let rc: Rc = 0;
    for (const pdev of held) {
      const r = this.deassign(pdev, domid);
      if (rc === 0) rc = r;
    }
    // the domain's destruction frees its IOMMU state (iommu_identity_map_teardown)
    if (rc === 0) this.identity.teardown(domid);
    return rc;
  }

  // ---- state -------------------------------------------------------------------------------

  /** The visible registry, sorted by SBDF (the --json document's state.devices). */
  devices(): DeviceState[] {
    const out: Array<[number, DeviceState]> = [];
    for (const pdev of this.allPdevs()) if (!pdev.hidden) out.push([pdev.key, this.state(pdev)]);
    out.sort((a, b) => a[0] - b[0]);
    return out.map(([, s]) => s);
  }

  /** One device's state, or undefined when not in the visible registry. */
  device(sbdf: SbdfInput): DeviceState | undefined {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    return pdev && this.state(pdev);
  }

  /** A PF's linked VFs in the order strategies visit them (authority's check order): its vf_list, newest first. */
  linkedVfs(sbdf: SbdfInput): string[] {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.record(key);
    return pdev ? vfList(pdev).map((v) => pp(v.key)) : [];
  }

  /** The PF a VF names (info.physfn), linked or not; undefined for any other device. */
  physfnOf(sbdf: SbdfInput): string | undefined {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    return pdev?.virtfn ? pp(pdev.physfnKey) : undefined;
  }

  /** Whether pci_add_device sized a PF's VF BARs (pdev->vf_rlen[]); undefined for a VF or no device. */
  vfBarsSized(sbdf: SbdfInput): boolean | undefined {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    return pdev && !pdev.virtfn ? pdev.vfRlen : undefined;
  }

  /** PFs `refcount` took out of the visible registry whose record lives on for their VFs, by SBDF. */
  hiddenPfs(): string[] {
    const keys: number[] = [];
    for (const pdev of this.allPdevs()) if (pdev.hidden) keys.push(pdev.key);
    return keys.sort((a, b) => a - b).map((k) => pp(k));
  }

  /** Number of device records, hidden `refcount` PFs included. */
  recordCount(): number {
    let n = 0;
    for (const seg of this.segments.values()) n += seg.pdevs.size;
    return n;
  }

  /** The registry's invariants (ARCHITECTURE.md, "Invariants"): every violation, as text; empty when the registry is sound. */
  checkInvariants(): string[] {
    const errors: string[] = [];
    const traits = STRATEGY_TRAITS[this.strategy];
    for (const pdev of this.allPdevs()) {
      const at = pp(pdev.key);
      if (this.record(pdev.key) !== pdev) errors.push(`${at}: filed under the wrong key`);
      if (pdev.virtfn) {
        if (pdev.vfs.size > 0) errors.push(`VF ${at} lists VFs of its own`);
        if (pdev.pf) {
          if (this.record(pdev.pf.key) !== pdev.pf) errors.push(`VF ${at} links to PF ${pp(pdev.pf.key)}, which is not in the registry`);
          else if (pdev.pf.hidden && !traits.hiddenPfs) errors.push(`VF ${at} links to removed PF ${pp(pdev.pf.key)}`);
          if (!pdev.pf.vfs.has(pdev)) errors.push(`PF ${pp(pdev.pf.key)} does not list its VF ${at}`);
          if (pdev.pf.key !== pdev.physfnKey) errors.push(`VF ${at} names PF ${pp(pdev.physfnKey)} but links to ${pp(pdev.pf.key)}`);
          if (pdev.orphan) errors.push(`linked VF ${at} still marked as added without its PF`);
        } else {
          // a VF added without its PF (add-pf-first) was never linked: no strategy unlinked it;
          // under pre-links a PF's removal leaves its VFs so too, and a PF at their SBDF is theirs
          if (pdev.orphan) {
            if (this.vfWithoutPf !== "add-pf-first" && !traits.pfBySbdf) errors.push(`VF ${at} without its PF under vfWithoutPf ${this.vfWithoutPf} and strategy ${this.strategy}`);
            if (traits.pfBySbdf && this.pfAt(pdev.physfnKey)) errors.push(`VF ${at} has no PF though ${pp(pdev.physfnKey)} is in the registry`);
            if (pdev.broken) errors.push(`VF ${at} without its PF is broken: nothing marks one`);
          } else if (!traits.staleVfs) errors.push(`unlinked VF ${at} under strategy ${this.strategy}`);
          else if (!pdev.broken) errors.push(`unlinked VF ${at} is not broken`);
          if (!this.stale.get(pdev.physfnKey)?.has(pdev)) errors.push(`unlinked VF ${at} missing from the stale index`);
        }
      } else {
        if (pdev.pf) errors.push(`non-VF ${at} links to a PF`);
        for (const vf of pdev.vfs) if (vf.pf !== pdev) errors.push(`PF ${at} lists ${pp(vf.key)}, which does not link back`);
        if (pdev.hidden && (!traits.hiddenPfs || pdev.vfs.size === 0)) errors.push(`removed PF ${at} still has a record`);
      }
      if (pdev.hidden && pdev.owner !== null) errors.push(`removed PF ${at} still owned by ${pd(pdev.owner)}`);
      if (pdev.owner !== null) {
        if (pdev.owner !== DOMID_IO && !this.found(pdev.owner)) errors.push(`${at} owned by ${pd(pdev.owner)}, which does not exist`);
        if (!this.byOwner.get(pdev.owner)?.has(pdev)) errors.push(`${at} missing from ${pd(pdev.owner)}'s device list`);
      }
    }
    // every phantom function's context entry is its function's, unless another record's mapping
    // wrote it (pci_add_device makes a record at a phantom devfn, with an entry of its own)
    for (const pdev of this.allPdevs()) {
      if (pdev.hidden) continue;
      const own = this.contexts.get(pdev.key);
      for (const k of phantomKeys(pdev)) {
        if (this.clobbered.has(k) || this.contexts.get(k) === own) continue;
        errors.push(`phantom function ${pp(k)}'s context entry (${this.contexts.has(k) ? pd(this.contexts.get(k)!) : "none"}) is not ${pp(pdev.key)}'s (${own === undefined ? "none" : pd(own)})`);
      }
    }
    for (const [domid, set] of this.byOwner)
      for (const pdev of set)
        if (pdev.owner !== domid || this.record(pdev.key) !== pdev) errors.push(`${pd(domid)}'s device list holds ${pp(pdev.key)}, not its own`);
    for (const [pfKey, set] of this.stale)
      for (const vf of set)
        if (vf.pf || vf.physfnKey !== pfKey || this.record(vf.key) !== vf) errors.push(`stale index holds ${pp(vf.key)} wrongly`);
    return errors;
  }

  // ---- internals ---------------------------------------------------------------------------

  private printk(line: () => string): void {
    if (this.log) this.log(line());
  }

  /** Parse an SBDF argument; a malformed one is logged and the caller returns -EINVAL. */
  private key(sbdf: SbdfInput, logErrors = true): number {
    const k = toSbdfKey(sbdf);
    if (k.ok) return k.value;
    if (logErrors) this.printk(() => k.error);
    return -1;
  }

  private segment(key: number): PciSeg {
    const nr = Math.floor(key / 0x10000);
    let seg = this.segments.get(nr); // alloc_pseg()
    if (!seg) {
      seg = { nr, pdevs: new Map(), bus2bridge: new Map() };
      this.segments.set(nr, seg);
    }
    return seg;
  }

  /** The record at key, hidden or not. */
  private record(key: number): Pdev | undefined {
    return this.segments.get(Math.floor(key / 0x10000))?.pdevs.get(key & 0xffff);
  }

  /** What pci_get_pdev() finds: hidden `refcount` PFs are gone for every caller. */
  private visible(key: number): Pdev | undefined {
    const pdev = this.record(key);
    return pdev && !pdev.hidden ? pdev : undefined;
  }

  private *allPdevs(): Iterable<Pdev> {
    for (const seg of this.segments.values()) yield* seg.pdevs.values();
  }

  private state(pdev: Pdev): DeviceState {
    const kind: DeviceKind = pdev.virtfn ? "vf" : pdev.sriov ? "pf" : pdev.extfn ? "extfn" : "device";
    const s: DeviceState = {
      sbdf: pp(pdev.key),
      kind,
      physfn: pdev.pf ? pp(pdev.pf.key) : null,
      broken: pdev.broken,
      owner: pdev.owner === null ? null : this.domainName(pdev.owner),
    };
    if (!pdev.present) s.present = false;
    if (pdev.phantomStride) s.phantoms = phantomKeys(pdev).map((k) => pp(k));
    return s;
  }

  /** A domain's name (dom_io's for DOMID_IO), live or dying; null when there is none. */
  private domainName(domid: number): string | null {
    return domid === DOMID_IO ? DOM_IO.name : ((this.domains.byDomid(domid) ?? this.domains.dying?.(domid))?.name ?? null);
  }

  /** pci_add_device(): `pdev->domain = hardware_domain`; with `adding-hwdom` (several hardware
   *  domains, SVP) the adding hardware domain keeps what it adds. */
  private hwdomFor(cur: Domain): number | null {
    if (cur.hardware && this.addTo === "adding-hwdom") return cur.domid;
    return this.domains.hardwareDomain?.()?.domid ?? null;
  }

  /** Whom pci_add_device gives a new device (RegistryOptions.addTo). */
  addTarget(): AddTo {
    return this.addTo;
  }

  private fallbackHwdom(gone: number): number | null {
    const hw = this.domains.hardwareDomain?.();
    return hw && hw.domid !== gone ? hw.domid : null;
  }

  /** Where deassign_device() sends a device it does not quarantine: Xen's hardware_domain ("target =
   *  hardware_domain", every release); with `adding-hwdom` its adding hardware domain, if that still
   *  exists. */
  private returnTo(pdev: Pdev, gone: number): number | null {
    if (this.deassignTo === "adding-hwdom" && pdev.hwdom !== null && pdev.hwdom !== gone && this.domains.byDomid(pdev.hwdom)) return pdev.hwdom;
    return this.fallbackHwdom(gone);
  }

  /** The hardware domain that added the device (the first hardware domain to own it; when that one
   *  is destroyed, Xen's hardware_domain), by name; null for none, undefined for no such device. */
  addedBy(sbdf: SbdfInput): string | null | undefined {
    const key = this.key(sbdf, false);
    const pdev = key < 0 ? undefined : this.visible(key);
    if (!pdev) return undefined;
    return pdev.hwdom === null ? null : (this.domains.byDomid(pdev.hwdom)?.name ?? null);
  }

  /** Whether `name` is Xen's one hardware_domain (is_hardware_domain()). */
  isXenHardwareDomain(name: string): boolean {
    return this.hardwareDomain() === name;
  }

  /** Xen's hardware_domain, by name; null when there is none. */
  hardwareDomain(): string | null {
    return this.domains.hardwareDomain?.()?.name ?? null;
  }

  /** Where a device deassign_device() does not quarantine goes (RegistryOptions.deassignTo). */
  deassignTarget(): DeassignTo {
    return this.deassignTo;
  }

  private setOwner(pdev: Pdev, domid: number | null): void {
    if (pdev.owner !== null) this.byOwner.get(pdev.owner)?.delete(pdev);
    pdev.owner = domid;
    if (domid === null) return;
    if (pdev.hwdom === null && this.domains.byDomid(domid)?.hardware) pdev.hwdom = domid;
    let set = this.byOwner.get(domid);
    if (!set) {
      set = new Set();
      this.byOwner.set(domid, set);
    }
    set.add(pdev);
  }

  private link(vf: Pdev, pf: Pdev): void {
    this.stale.get(vf.physfnKey)?.delete(vf);
    vf.orphan = false;
    vf.pf = pf;
    vf.extfn = pf.extfn;
    pf.vfs.add(vf);
    pf.sriov = true;
  }

  private unlinkStale(vf: Pdev): void {
    vf.pf?.vfs.delete(vf);
    vf.pf = null;
    vf.broken = true;
    this.indexStale(vf);
  }

  /** pci_add_device()'s SR-IOV BAR sizing: only with the VFs off. They are on when a VF's add adds
   *  the PF, or when a VF naming it is there (Xen is not told when VFs go off; the VFs' removal
   *  says so). The control word is Linux's sriov_enable()'s, VFE | MSE. */
  private sizeVfBars(pdev: Pdev, forVf: boolean): void {
    const named = [...pdev.vfs, ...(this.stale.get(pdev.key) ?? [])];
    if (forVf || named.some((vf) => vf.present)) {
      this.printk(() => `SR-IOV device ${pp(pdev.key)} has its virtual functions already enabled (0009)`);
      return;
    }
    pdev.vfRlen = true;
  }

  /** `pre-links` (Xen 4.19.0): a removed PF's VF keeps its physfn and nothing else. */
  private forget(vf: Pdev): void {
    vf.pf?.vfs.delete(vf);
    vf.pf = null;
    this.orphan(vf);
  }

  /** A non-VF device at `key`: what Xen 4.19.0's pci_get_pdev(physfn) finds for a VF naming it. */
  private pfAt(key: number): Pdev | undefined {
    const pdev = this.visible(key);
    return pdev && !pdev.virtfn ? pdev : undefined;
  }

  /** `pre-links`: a device added at the SBDF VFs without a PF name is their PF (Xen 4.19.0 looks it
   *  up by that SBDF); Xen prints nothing, there being no link to make. */
  private adopt(pf: Pdev): void {
    const set = this.stale.get(pf.key);
    if (!set) return;
    // Xen 4.19.0 keeps no list; the model's is reassociate's order (forgotten newest first, linked back oldest first)
    for (const vf of [...set].reverse()) if (vf.orphan) this.link(vf, pf);
    if (set.size === 0) this.stale.delete(pf.key);
  }

  /** add-pf-first: a new VF whose PF's add was refused has no PF; indexed as the stale VFs are, so
   *  `reassociate` and `pre-links` link it when its PF comes. Not broken: Xen 4.19.0 marked nothing. */
  private orphan(vf: Pdev): void {
    vf.orphan = true;
    this.indexStale(vf);
  }

  private indexStale(vf: Pdev): void {
    let set = this.stale.get(vf.physfnKey);
    if (!set) {
      set = new Set();
      this.stale.set(vf.physfnKey, set);
    }
    set.add(vf);
  }

  /** `reassociate`: a PF reported again takes back the stale VFs naming it, no longer broken. */
  private reassociate(pf: Pdev): void {
    const set = this.stale.get(pf.key);
    if (!set || set.size === 0) return;
    const n = set.size;
    // unlinked newest first, re-linked oldest first: each list_add() at the head, the list as it was
    for (const vf of [...set].reverse()) {
      this.link(vf, pf);
      vf.broken = false;
    }
    this.stale.delete(pf.key);
    this.printk(() => `PCI SR-IOV PF ${pp(pf.key)} re-associated with ${n} stale VFs`);
  }

  /** `refcount`: the PF leaves its owner and the visible registry; the last VF frees it. Only
   *  free_pdev() waits: pci_remove_device()'s pci_cleanup_msi() runs now, as for any removal. */
  private hide(pf: Pdev): void {
    this.removeContexts(pf);
    this.setOwner(pf, null);
    this.onFree?.(pf.key);
    pf.hidden = true;
    this.printk(() => `PCI remove device ${pp(pf.key)}`);
  }

  /** pci_remove_device()'s removal and free_pdev(): "PCI remove device %pp". */
  private free(pdev: Pdev): void {
    if (pdev.virtfn) {
      const pf = pdev.pf;
      if (pf) {
        pf.vfs.delete(pdev);
        if (pf.hidden && pf.vfs.size === 0) this.drop(pf); // the last reference to a removed PF
      } else {
        const set = this.stale.get(pdev.physfnKey);
        set?.delete(pdev);
        if (set?.size === 0) this.stale.delete(pdev.physfnKey);
      }
      pdev.pf = null;
    }
    this.removeContexts(pdev);
    this.setOwner(pdev, null);
    this.onFree?.(pdev.key); // pci_cleanup_msi() before the record goes
    this.printk(() => `PCI remove device ${pp(pdev.key)}`);
    this.drop(pdev);
  }

  private drop(pdev: Pdev): void {
    this.forgetBridge(pdev);
    const seg = this.segments.get(Math.floor(pdev.key / 0x10000));
    seg?.pdevs.delete(pdev.key & 0xffff);
  }
}
