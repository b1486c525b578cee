// The contract of the PCI registry (a model of xen/drivers/passthrough/pci.c) for its callers:
// the simulator, the CLI and the library API.
import type { Rc } from "../xen/errno.js";
import type { Domain } from "../xsm/types.js";
import { DOMID_IO } from "../xsm/security.js";
import type { PhantomDev } from "../xen/pci-phantom.js";
import type { IdentityTracking, P2mView, RmrrUnit } from "./rdm.js";

export type { PhantomDev };

/** PF-removal strategies from the xen-devel thread "xen/pci: introduce PF<->VF links" (see strategies.ts). */
export const STRATEGIES = ["upstream", "unlink-broken", "cascade", "refuse", "reassociate", "refcount", "authority"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** How a PF is removed: a strategy of the thread, or `pre-links`, what Xen 4.19.0 did before the
 *  series (no PF<->VF links: the PF goes, its VFs stay unmarked with no PF; a PF added at that SBDF
 *  is theirs again). `pre-links` is a release's behaviour, not a proposal: scenarios and --strategy
 *  name only STRATEGIES, a run on Xen 4.19.0 gets it (src/sim/xen-release.ts). */
export const PF_REMOVALS = [...STRATEGIES, "pre-links"] as const;
export type PfRemovalKind = (typeof PF_REMOVALS)[number];

/** A proposal of the thread, which a scenario and --strategy may name (pre-links is none). */
export const isStrategy = (name: string): name is Strategy => (STRATEGIES as readonly string[]).includes(name);

/** What pci_add_device does with a VF whose PF is not present: `reject` (-ENODEV after the VF's
 *  plug check: Xen 4.20.0 on, 8fe330a4da), `add-pf` (after the VF's plug check, add the PF through
 *  its own, its error failing the VF: v6, and Xen 4.19.1-4.19.6 through the backport f67d770d86),
 *  `add-pf-first` (add the PF first, through its own plug check, ignore its error, then the VF,
 *  with no PF when the PF's add failed: Xen 4.19.0). */
export const VF_WITHOUT_PF = ["reject", "add-pf", "add-pf-first"] as const;
export type VfWithoutPf = (typeof VF_WITHOUT_PF)[number];

/** How a toolstack domain without pirqs of its own (a PVH dom0) gets a guest a device's legacy IRQ:
 *  `gsi`, Xen 4.20.0 on (the series "Support device passthrough when dom0 is PVH"): by its GSI,
 *  XEN_DOMCTL_gsi_permission (d6e9a2aab3), with PHYSDEVOP_{,un}map_pirq open to any HVM caller
 *  (035baa203b) and libxl's libxl__arch_hvm_map_gsi (f97f885c71); `none`, Xen 4.19: domctl 88 is
 *  no command (do_domctl's xsm_domctl, then arch_do_domctl's -ENOSYS), hvm_physdev_op refuses
 *  those physdev ops -ENOSYS to an HVM caller without has_pirq, and libxl takes the pirq path. */
export const PVH_IRQS = ["gsi", "none"] as const;
export type PvhIrqs = (typeof PVH_IRQS)[number];

/** What XEN_DOMCTL_memory_mapping's removal asks of the frames, in XSA-492's order (before it both
 *  holds are tested first, for either form): `guest-granted`, every release before 4.22.0 — the
 *  caller must hold them and the guest must have been granted them (iomem_access_permitted(d)),
 *  as for an addition; `caller-held`, 4.22.0 on (6df6f24251, "restrict permission check for
 *  XEN_DOMCTL_memory_mapping's remove form", not backported) — the caller's hold alone. */
export const MMIO_REMOVALS = ["guest-granted", "caller-held"] as const;
export type MmioRemoval = (typeof MMIO_REMOVALS)[number];

/** What XEN_DOMCTL_ioport_mapping does with the guest's port rights (arch/x86/domctl.c), past the
 *  caller's hold and XSM: `grants`, every release tag 4.19.0 .. 4.22.0 — an addition grants the
 *  guest the ports (ioports_permit_access), a removal revokes them (ioports_deny_access); entries
 *  are found by their first machine port alone, an addition there replaces its guest port and
 *  length, others are added without an overlap test, a removal finding none still revokes;
 *  `guest-granted`, master after 4.22.0 (3845d3854d "don't imply I/O port permissions from I/O port
 *  mapping", fa61af950b "more checking"): the guest must hold the ports already (-EPERM), entries
 *  are found by first port and length, an overlapping or touching one is -EBUSY, a removal finding
 *  none -ENOENT, and no right is granted or revoked. */
export const IOPORT_MAPPINGS = ["grants", "guest-granted"] as const;
export type IoportMapping = (typeof IOPORT_MAPPINGS)[number];

export type DeviceKind = "device" | "extfn" | "pf" | "vf";

/** A device as reports show it (the --json document's `state.devices[]`). */
export interface DeviceState {
  sbdf: string; // "0000:03:10.1"
  kind: DeviceKind;
  physfn: string | null; // a VF's current PF link; null when unlinked or not a VF
  broken: boolean;
  owner: string | null; // domain name
  /** Only present (as false) after hot_unplug: the hardware vanished but Xen still holds the record. */
  present?: false;
  /** Its phantom functions (pdev->phantom_stride), by SBDF; only present for a device that has some. */
  phantoms?: string[];
  /** Its MSI-X record (src/hypervisor/msix.ts), added by the simulator once Xen looked at it. */
  msix?: { entries: number; used: number; table?: { start: number; end: number }; pba?: { start: number; end: number }; maskall?: true };
}

/** Extra information for pci_add_device (struct pci_dev_info). */
export interface AddDeviceInfo {
  /** For a VF: its PF's SBDF text or key. */
  physfn?: string;
  /** An extended function (ARI). */
  extfn?: boolean;
}

/** The registry's view of domains: it needs to find a device owner's domain and the hardware domains. */
export interface DomainTable {
  byDomid(domid: number): Domain | undefined;
  /** Xen's global `hardware_domain`: pci_add_device() gives a new pdev to it whoever the caller is,
   *  so a device added by a non-hardware caller is owned by this one (by no one when undefined). */
  hardwareDomain?(): Domain | undefined;
  /** A domain killed and not yet freed (d->is_dying): `byDomid` leaves it out, Xen's
   *  rcu_lock_domain_by_id still finds it. */
  dying?(domid: number): Domain | undefined;
}

/** Xen's iommu=[no-]quarantine and iommu=quarantine=scratch-page (iommu_quarantine): with `basic`
 *  or `scratch-page`, deassign_device() hands a device leaving a domain to dom_io, whose IOMMU
 *  context faults its DMA (scratch-page: reads hit a scratch page), instead of the hardware domain.
 *  `none` sends it to the hardware domain, unless it was quarantined by an assignment to DOMID_IO
 *  (pdev->quarantine). Kconfig's default is IOMMU_QUARANTINE_BASIC in every release modelled. */
export const QUARANTINE_MODES = ["none", "basic", "scratch-page"] as const;
export type Quarantine = (typeof QUARANTINE_MODES)[number];

/** Where deassign_device() sends a device it does not quarantine (a deassignment with
 *  iommu=no-quarantine, one from dom_io, a domain's teardown through pci_release_devices):
 *  `hardware_domain`, Xen's one global hardware_domain, whoever added the device ("target =
 *  hardware_domain" in pci.c at every release tag 4.19.0 .. 4.22.0 and master); `adding-hwdom`, an
 *  SVP extension: back to the hardware domain that added it (its Guest VP's), if it still exists,
 *  else to hardware_domain. */
export const DEASSIGN_TARGETS = ["hardware_domain", "adding-hwdom"] as const;
export type DeassignTo = (typeof DEASSIGN_TARGETS)[number];

/** Whom pci_add_device() gives a new device: `hardware_domain`, Xen's one global hardware domain,
 *  whoever adds it ("pdev->domain = hardware_domain" in pci.c at every release tag 4.19.0 .. 4.22.0
 *  and master); `adding-hwdom`, an SVP extension: the hardware domain that adds it keeps it (a
 *  caller that is no hardware domain still gives it to hardware_domain). */
export const ADD_OWNERS = ["hardware_domain", "adding-hwdom"] as const;
export type AddTo = (typeof ADD_OWNERS)[number];

/** dom_io (DOMID_IO): the owner of quarantined devices (xen/common/domain.c). Not in any domain
 *  table (rcu_lock_domain_by_id finds no system domain); the assignment domctls name it by id.
 *  flask labels it with the domio initial SID. */
export const DOM_IO: Domain = Object.freeze({ domid: DOMID_IO, name: "dom_io", control: false, hardware: false });

/** pdev_type() of a bridge alloc_pdev() records in bus2bridge (pci.c): DEV_TYPE_PCIe2PCI_BRIDGE,
 *  DEV_TYPE_PCI2PCIe_BRIDGE or DEV_TYPE_LEGACY_PCI_BRIDGE. VT-d maps (secondary bus, devfn 0)
 *  with a conventional PCI device behind a PCIe-to-PCI bridge (domain_context_mapping). */
export const BRIDGE_TYPES = ["pcie-to-pci", "pci-to-pcie", "legacy-pci"] as const;
export type BridgeType = (typeof BRIDGE_TYPES)[number];

/** pdev_type() of a device that is no PCI-to-PCI bridge: DEV_TYPE_PCIe_ENDPOINT (it has a PCI
 *  Express capability), DEV_TYPE_PCI (conventional PCI), which VT-d maps with the requester IDs of
 *  the bridge above it (domain_context_mapping), or DEV_TYPE_PCI_HOST_BRIDGE (class 0x0600), which
 *  VT-d maps for no one and refuses to any domain but the hardware domain, and which
 *  amd_iommu_add_device lets the hardware domain keep without an IOMMU. */
export const DEVICE_TYPES = ["pcie-endpoint", "pci", "host-bridge"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** A PCI-to-PCI bridge Xen records in bus2bridge (alloc_pdev(): a PCIe-to-PCI, PCI-to-PCIe or
 *  legacy PCI bridge): the bus range behind it, from its config space. Devices behind it reach the
 *  IOMMU with its requester ID. */
/** What alloc_pdev() does with a PCI-to-PCIe bridge (DEV_TYPE_PCI2PCIe_BRIDGE): `recorded` in
 *  bus2bridge as the other two kinds, from cd2b9f0b19 ("PCI: handle PCI->PCIe bridges as well in
 *  alloc_pdev()", 4.22.0 and master; free_pdev's alike, 74f984159f); `unknown-type` before it
 *  (4.19.0 .. 4.21.x): the switch's default warns "%pp: unknown type 4" and records nothing, so
 *  devices behind it reach the IOMMU as if it were not there. */
export type Pci2PcieBridges = "recorded" | "unknown-type";

export interface PciBridge {
  secondary: number;
  subordinate: number;
  /** Default `pcie-to-pci`. */
  type?: BridgeType;
}

/** A VT-d context entry a device's (re)mapping wrote or cleared that is shared:
 *  domain_context_mapping() of a conventional PCI device maps the topmost bridge above it
 *  (`bridge`) and, when that is a PCIe-to-PCI bridge, (its secondary bus, devfn 0) (`secbus`);
 *  domain_context_unmap() clears the same. A device's own entry (`device`) is reported when it is
 *  another device's `secbus`. */
export interface ContextChange {
  /** The device being mapped or unmapped, machine_bdf. */
  device: number;
  /** The topmost bridge above it (find_upstream_bridge), machine_bdf. */
  bridge: number;
  /** The requester ID of the entry, machine_bdf. */
  rid: number;
  via: "device" | "bridge" | "secbus" | "phantom";
  /** Whose page tables the entry pointed at (a domid; DOMID_IO: the device's quarantine tables), null: not present. */
  from: number | null;
  /** Whose it points at now; null: cleared. */
  to: number | null;
}

/** XEN_DOMCTL_get_device_group's answer (iommu_get_device_group with VT-d's intel_iommu_group_id). */
export interface DeviceGroup {
  rc: Rc;
  /** is_iommu_enabled(d) (the host's IOMMU and d's XEN_DOMCTL_CDF_iommu): false is -EOPNOTSUPP, nothing listed. */
  iommu: boolean;
  /** The group: the bdf of the requester ID the device's DMA carries (its own; VT-d: the bridge's
   *  it sits behind, find_upstream_bridge; AMD: its IVRS alias, get_dma_requestor_id). Undefined
   *  when the XSM check or the domain refused first. */
  groupId?: number;
  /** The devices of the domain in that group, machine_bdf keys, in the order Xen lists them
   *  (d->pdev_list, newest first), at most max_sdevs. Xen hands each back as (bus << 16) | (devfn << 8). */
  sdevs: number[];
  /** Devices of the domain in the segment that xsm_get_device_group refused: skipped, not an error. */
  refused: number[];
  /** Members past max_sdevs: not listed, not counted. */
  truncated: number;
}

/** Whose IOMMU the host has, which says what XEN_DOMCTL_get_device_group groups by (the
 *  get_device_group_id op): VT-d's intel_iommu_group_id (the requester ID behind PCI bridges,
 *  bus2bridge) or AMD's amd_iommu_group_id (the requester ID the ACPI IVRS table gives,
 *  get_dma_requestor_id). */
export const IOMMU_VENDORS = ["vtd", "amd"] as const;
export type IommuVendor = (typeof IOMMU_VENDORS)[number];

/** An IVHD device entry of the ACPI IVRS table (add_ivrs_mapping_entry), machine_bdf keys: the
 *  device's DMA carries requester ID `alias` (ivrs_mappings[bdf].dte_requestor_id; absent, a
 *  select entry: the device's own), ivrs_mappings[alias].valid is set, and the device has an
 *  IOMMU (ivrs_mappings[bdf].iommu). With `last`, a range entry (parse_ivhd_device_range, or
 *  _alias_range with `alias`): every bdf from `bdf` to `last`, in its segment, above `bdf` (Xen
 *  refuses the table otherwise: "IVHD: invalid range: Last Dev_Id"). */
export interface IvrsEntry {
  bdf: number;
  alias?: number;
  last?: number;
}

export interface RegistryOptions {
  strategy: PfRemovalKind;
  vfWithoutPf: VfWithoutPf;
  /** Xen's printk: every log line the registry emits, e.g. "Attempted to remove PCI SR-IOV PF ... with VFs still present". */
  log?: (line: string) => void;
  /** A device is removed, by machine_bdf: pci_remove_device()'s pci_cleanup_msi(), before free_pdev()
   *  (a `refcount` PF's record outlives this call). */
  onFree?: (machineBdf: number) => void;
  /** A device is being assigned to a domain (assign_device's pdev_msix_assign, before the IOMMU
   *  moves it): 0, or the error that fails the assignment (pci_reset_msix_state's -EBUSY). */
  onAssign?: (domid: number, machineBdf: number) => Rc;
  /** iommu_quarantine; default `basic`, Xen's. */
  quarantine?: Quarantine;
  /** Where a device deassign_device() does not quarantine goes; default `hardware_domain`, Xen's. */
  deassignTo?: DeassignTo;
  /** Whom pci_add_device() gives a new device; default `hardware_domain`, Xen's. */
  addTo?: AddTo;
  /** is_iommu_enabled(): an IOMMU is in use (every domain has one then, dom_io included); default true. */
  iommu?: boolean;
  /** A new record's config space says it is a bridge Xen records (alloc_pdev): its bus range. */
  pciBridge?: (machineBdf: number) => PciBridge | undefined;
  /** What alloc_pdev() does with a PCI-to-PCIe bridge; default `recorded`, 4.22.0's. */
  pci2pcieBridges?: Pci2PcieBridges;
  /** pdev_type() of a device that is no bridge; default `pcie-endpoint`. */
  pdevType?: (machineBdf: number) => DeviceType | undefined;
  /** VT-d: a device's mapping rewrote or cleared a context entry of a requester ID it shares. */
  onContext?: (change: ContextChange) => void;
  /** A PCIe endpoint's Device Capabilities Phantom Functions Supported field (0..3), which
   *  alloc_pdev() reads for a new record: stride 8 >> field, none when the function is at or past it. */
  devcapPhantom?: (machineBdf: number) => number | undefined;
  /** pci-phantom= (parse_phantom_dev's accepted entries, in order): the stride of a PCIe endpoint
   *  whose DEVCAP says nothing, for the slot's functions below the stride. */
  pciPhantom?: readonly PhantomDev[];
  /** Whether a function answers config reads (its vendor and device IDs are not all ones): a
   *  pci-phantom= stride that would cover it is doubled ("looks to be a real device"). Default none. */
  functionPresent?: (machineBdf: number) => boolean;
  /** The IOMMU's vendor; default `vtd`. */
  iommuVendor?: IommuVendor;
  /** With `amd`: the IVRS device entries, in the table's order (a later entry for a bdf wins).
   *  Given, pci_add_device fails -ENODEV for a device no entry covers (amd_iommu_add_device);
   *  absent, the table is not modelled: every device as if a select entry named it. */
  ivrs?: readonly IvrsEntry[];
  /** VT-d: the DMAR table's RMRRs, in its order (src/hypervisor/rdm.ts). */
  rmrrs?: readonly RmrrUnit[];
  /** AMD: the IVRS table's IVMD unity maps, in its order. */
  ivmds?: readonly IvmdEntry[];
  /** How iommu_identity_mapping() records a range (XSA-460); default `track-first`. */
  identityTracking?: IdentityTracking;
  /** A domain's p2m as set_identity_p2m_entry() sees it (its RAM); default a PV domain's (none to find). */
  p2m?: (domid: number) => P2mView | undefined;
}

/** An IVMD block (parse_ivmd_block) with the unity flag: a byte range (inclusive end) the devices
 *  it names keep mapped 1:1. `bdfs`: a select (one) or range block's bdfs, segment 0 (Xen's IVMD
 *  parsing knows no other: "int seg = 0; XXX"); `all`: a type 20h block, every bdf below
 *  ivrs_bdf_entries. */
export interface IvmdEntry {
  base: number;
  end: number;
  bdfs?: readonly number[];
  all?: boolean;
  read: boolean;
  write: boolean;
}

/** The assign domctl's flags: XEN_DOMCTL_DEV_RDM_RELAXED (libxl's rdm_policy=relaxed). */
export interface AssignFlags {
  relaxed?: boolean;
}
