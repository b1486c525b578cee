// The scenario a user writes (src/sim/scenario.schema.json), as load.ts hands it to the runner: validated against
// scenario.schema.json and checked for meaning (known domains, SBDFs, policy files) before anything runs.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { AddTo, DeassignTo, DeviceKind, DeviceType, IommuVendor, PciBridge, Quarantine, Strategy, VfWithoutPf } from "../hypervisor/types.js";
import type { IommuMode, Rc } from "../xsm/types.js";
import type { Gntst } from "../hypervisor/grant.js";
import type { XenRelease } from "./xen-release.js";

export interface DomainSpec {
  name: string;
  domid: number;
  context?: string;
  control?: boolean;
  hardware?: boolean;
  /** Name of the domain this one is the device model for. */
  target?: string;
  xenstore?: boolean;
  /** The SVP platform the domain belongs to (for --dot); guessed from its context type otherwise. */
  platform?: string;
  /** An HVM guest (is_hvm_domain): memory_mapping maps into it, bind_pt_irq binds to it. */
  hvm?: boolean;
  /** has_pirq (xl.cfg hvm_pirq=1): the HVM guest maps its own emulated GSIs to pirqs. */
  hvmPirq?: boolean;
  /** is_hvm_pv_evtchn_domain: a vector callback registered (default true). */
  callbackVector?: boolean;
  /** d->max_evtchn_port: default unlimited for domid 0, libxl's 1023 otherwise. */
  maxEvtchnPort?: number;
  /** max_grant_frames and max_maptrack_frames (xl.cfg): default Xen's 64 and 1024. */
  maxGrantFrames?: number;
  maxMaptrackFrames?: number;
  /** XEN_DOMCTL_CDF_iommu (xl.cfg passthrough): false, created without IOMMU use; default the host's. */
  iommu?: boolean;
  /** An HVM guest's RAM in its p2m: what an identity map of a reserved region finds in its way. */
  ram?: RamSpec[];
}

/** Guest frames gfn..gfn+nr-1 hold RAM, machine frames mfn.. behind them. */
export interface RamSpec {
  gfn: Num;
  mfn: Num;
  nr: Num;
}

/** An RMRR of the DMAR table: its bytes base..end and its device scope, an SBDF per endpoint entry
 *  and { bridge } per bridge entry, in DMAR order (src/hypervisor/rdm.ts). */
export interface RmrrSpec {
  base: Num;
  end: Num;
  scope: (string | { bridge: string })[];
}

/** A unity-map IVMD block of the IVRS table: select (sbdf), range (sbdf..last) or all devices. */
export interface IvmdSpec {
  base: Num;
  end: Num;
  sbdf?: string;
  last?: string;
  all?: boolean;
  read?: boolean;
  write?: boolean;
}

/** The assign domctl's XEN_DOMCTL_DEV_RDM_RELAXED, as libxl's rdm_policy names it. */
export type RdmPolicy = "strict" | "relaxed";

/** An IVHD device entry of the ACPI IVRS table: the device's DMA carries requester ID `alias`
 *  (dte_requestor_id); without `alias`, a select entry (its own ID). With `last`, a range entry
 *  (IVHD start/end): every bdf from `sbdf` to `last`. */
export interface IvrsSpec {
  sbdf: string;
  alias?: string;
  last?: string;
}

/** A number as a scenario writes it: an integer, or a hex string ("0xfebe0"). */
export type Num = number | string;

/** A PCI device's resources as sysfs shows them to the toolstack (`resource`, `irq`): what libxl
 *  grants a guest the device is attached to (pci_attach, create_domain's pci). */
export interface DeviceSpec {
  sbdf: string;
  /** The legacy interrupt line (a GSI); 0 or absent: none. */
  irq?: number;
  /** Base address registers: a memory BAR (`mem`, a byte address) or an I/O BAR (`io`, a port), and its size in bytes or ports. */
  bars?: { mem?: Num; io?: Num; size: Num }[];
  /** The vectors its MSI capability offers (msi_maxvec); 0: none. Default 1. */
  msi?: number;
  /** Its MSI-X capability: table size, byte addresses of the table and the PBA. */
  msix?: { entries: number; table: Num; pba: Num };
  /** A bridge Xen records in bus2bridge (PCIe-to-PCI, PCI-to-PCIe, legacy PCI): the buses behind it. */
  bridge?: PciBridge;
  /** pdev_type() of a device that is no bridge: `pci` (conventional PCI) or `pcie-endpoint`, the default. */
  type?: DeviceType;
  /** A PCIe endpoint's DEVCAP Phantom Functions Supported field (0..3): phantom_stride 8 >> field. */
  devcapPhantom?: number;
}

/** A domain's passthrough resources after a step (src/hypervisor/iocaps.ts); each range list is compared
 *  as a set: ["0xfebe0-0xfebff", 33] */
export interface ResourceCheck {
  domain: string;
  irqs?: Num[];
  iomem?: Num[];
  ioports?: Num[];
  mmio?: Num[];
  /** pirq -> IRQ, every mapped pirq of the domain. */
  pirqs?: Record<string, number>;
  /** pirq -> emulated GSI, every pirq an HVM guest mapped for itself. */
  emuirqs?: Record<string, number>;
  bound?: number[];
  /** The reserved regions its IOMMU maps 1:1 (identity_maps), exact byte ranges, as a set. */
  identityMaps?: Num[];
  /** The part of mmio Xen maps read-only (mmio_ro_ranges). */
  mmioReadOnly?: Num[];
  /** Devices whose MSI-X table accesses Xen emulates for the HVM guest (msixtbl), by SBDF. */
  msixtbl?: string[];
  /** The domain's pirqs bound to event channels. */
  evtchns?: number[];
  /** Event channels by port (only the ports listed are checked). */
  channels?: ChannelCheck[];
  /** Grant table entries by ref (only the refs listed are checked). */
  grants?: GrantCheck[];
  /** Every mapping the domain holds of others' grants (compared as a set). */
  mappings?: MappingCheck[];
  /** nr_grant_frames. */
  grantFrames?: number;
}

export interface GrantCheck {
  ref: number;
  /** The GTF_* flags set, all of them: [] for an entry the guest never wrote or cleared. */
  flags?: ("permit_access" | "readonly" | "reading" | "writing")[];
  /** The domain the entry grants access to. */
  domain?: string;
}

export interface MappingCheck {
  /** The granting domain and its ref. */
  domain: string;
  ref: number;
  readonly?: boolean;
  handle?: number;
}

export interface ChannelCheck {
  port: number;
  state: "free" | "unbound" | "interdomain" | "pirq";
  /** A domain name: unbound, who may bind it; interdomain, the peer. */
  remote?: string;
  remotePort?: number;
  pirq?: number;
  /** flask: a type ("domU_t_channel") or a whole context. */
  label?: string;
  pending?: boolean;
}

export interface DeviceCheck {
  sbdf: string;
  present?: boolean;
  kind?: DeviceKind;
  physfn?: string | null;
  broken?: boolean;
  owner?: string | null;
  unplugged?: boolean;
  /** Users of its MSI-X table (used_entries). */
  msixUsed?: number;
  /** Its MSI-X control register's MASKALL bit. */
  msixMaskall?: boolean;
  /** VT-d: whose page tables its own context entry points at ("dom_io": its quarantine tables); null: none. */
  context?: string | null;
}

export interface Expect {
  rc?: Rc;
  /** A grant op's status (GNTST_*), which it reports while the hypercall returns 0. */
  gntst?: Gntst;
  log?: string | string[];
  noLog?: string | string[];
  audit?: string | string[];
  denied?: string[];
  devices?: DeviceCheck[];
  resources?: ResourceCheck[];
  /** get_device_group: the devices it lists, in order. */
  group?: string[];
}

interface StepBase {
  as?: string;
  note?: string;
  expect?: Expect;
}

export type Step = StepBase &
  (
    | { op: "pci_add_device"; as: string; sbdf: string; physfn?: string; extfn?: boolean }
    | { op: "pci_remove_device"; as: string; sbdf: string }
    | { op: "assign_device"; as: string; sbdf: string; domain: string; rdm?: RdmPolicy }
    | { op: "deassign_device"; as: string; sbdf: string; domain: string }
    | { op: "test_assign_device"; as: string; sbdf: string; domain?: string }
    | { op: "get_device_group"; as: string; sbdf: string; domain: string; max_sdevs?: number }
    | { op: "setup_device"; as: string; sbdf: string }
    | { op: "hot_unplug"; sbdf: string }
    | { op: "create_domain"; as: string; domain: string; pci?: string[] }
    | { op: "destroy_domain"; domain: string }
    | { op: "set_target"; as: string; domain: string; target: string }
    | { op: "set_bool"; name?: string; value?: boolean; bools?: Record<string, boolean> }
    | { op: "load_policy"; policy: string }
    | { op: "set_enforcing"; enforcing: boolean }
    | { op: "irq_permission"; as: string; domain: string; pirq: number; allow: boolean }
    | { op: "gsi_permission"; as: string; domain: string; gsi: number; allow: boolean }
    | { op: "iomem_permission"; as: string; domain: string; first_mfn: Num; nr_mfns: Num; allow: boolean }
    | { op: "ioport_permission"; as: string; domain: string; first_port: Num; nr_ports: Num; allow: boolean }
    | { op: "memory_mapping"; as: string; domain: string; first_gfn: Num; first_mfn: Num; nr_mfns: Num; add: boolean }
    | { op: "ioport_mapping"; as: string; domain: string; first_gport: Num; first_mport: Num; nr_ports: Num; add: boolean }
    | { op: "map_pirq"; as: string; domain: string; gsi?: number; msi?: string; pirq?: number; entry_nr?: number; msix_entry?: number; table_base?: Num }
    | { op: "unmap_pirq"; as: string; domain: string; pirq: number }
    | { op: "bind_pt_irq"; as: string; domain: string; machine_irq: number; device?: number; intx?: number; gtable?: Num }
    | { op: "unbind_pt_irq"; as: string; domain: string; machine_irq: number; device?: number; intx?: number }
    | { op: "pci_attach"; as: string; domain: string; sbdf: string; rdm?: RdmPolicy }
    | { op: "pci_detach"; as: string; domain: string; sbdf: string }
    | { op: "bind_pirq"; as: string; pirq: number; share?: boolean }
    | { op: "evtchn_close"; as: string; port: number }
    | { op: "evtchn_alloc_unbound"; as: string; domain?: string; remote: string }
    | { op: "evtchn_bind_interdomain"; as: string; remote: string; remote_port: number }
    | { op: "evtchn_send"; as: string; port: number }
    | { op: "evtchn_status"; as: string; domain?: string; port: number }
    | { op: "evtchn_reset"; as: string; domain?: string }
    | { op: "unmask_gsi"; as: string; gsi: number }
    | { op: "grant_access"; as: string; ref: number; domain: string; frame: Num; readonly?: boolean }
    | { op: "grant_end_access"; as: string; ref: number }
    | { op: "grant_map"; as: string; domain: string; ref: number; readonly?: boolean }
    | { op: "grant_unmap"; as: string; handle: number }
    | { op: "grant_setup_table"; as: string; domain?: string; nr_frames: number }
    | { op: "grant_query_size"; as: string; domain?: string }
    | { op: "grant_copy"; as: string; source: CopyPtr; dest: CopyPtr; len: number }
    | { op: "prepare_msix"; as: string; sbdf: string }
    | { op: "release_msix"; as: string; sbdf: string }
    | { op: "msix_maskall"; as: string; sbdf: string; maskall: boolean }
  );

/** One side of a grant_copy (struct gnttab_copy_ptr): a grant `ref` of `domain` (GNTCOPY_*_gref),
 *  or a `frame` of the caller's own (no `domain`: DOMID_SELF); `offset` into the page. */
export interface CopyPtr {
  domain?: string;
  ref?: number;
  frame?: Num;
  offset?: number;
}

/** The domains a create_domain step makes: none of them is there before its step runs. */
export function createdLater(s: Scenario): Set<string> {
  return new Set(s.steps.flatMap((step) => (step.op === "create_domain" ? [step.domain] : [])));
}

/** The steps that grant, map and bind a device's resources (src/hypervisor/iocaps.ts). */
export const RESOURCE_OPS = [
  "irq_permission",
  "gsi_permission",
  "iomem_permission",
  "ioport_permission",
  "memory_mapping",
  "ioport_mapping",
  "map_pirq",
  "unmap_pirq",
  "bind_pt_irq",
  "unbind_pt_irq",
  "bind_pirq",
  "evtchn_close",
  "unmask_gsi",
  "evtchn_alloc_unbound",
  "evtchn_bind_interdomain",
  "evtchn_send",
  "evtchn_status",
  "evtchn_reset",
  "grant_access",
  "grant_end_access",
  "grant_map",
  "grant_unmap",
  "grant_setup_table",
  "grant_query_size",
  "grant_copy",
] as const;
export type ResourceOp = (typeof RESOURCE_OPS)[number];

export type Op = Step["op"];

export interface Scenario {
  name: string;
  description?: string;
  policy?: string;
  xsm: "flask" | "dummy";
  enforcing?: boolean;
  /** The policy.conf files are MLS (checkpolicy -M); a binary policy says so itself. */
  mls?: boolean;
  strategy?: Strategy;
  /** The Xen release modelled where releases differ (xen-release.ts); default the model's defaults. */
  xen?: XenRelease;
  vfWithoutPf?: VfWithoutPf;
  iommu?: IommuMode;
  /** iommu_quarantine: where a deassigned device goes; default basic (dom_io). */
  quarantine?: Quarantine;
  /** Where deassign_device sends a device it does not quarantine; default hardware_domain (Xen's). */
  deassignTo?: DeassignTo;
  /** Whom pci_add_device gives a new device; default hardware_domain (Xen's). */
  addTo?: AddTo;
  /** The IOMMU's vendor (what get_device_group groups by); default vtd. */
  iommuVendor?: IommuVendor;
  /** AMD: the IVRS table's device entries, in its order. */
  ivrs?: IvrsSpec[];
  /** VT-d: the DMAR table's RMRRs, in its order. */
  rmrrs?: RmrrSpec[];
  /** AMD: the IVRS table's unity-map IVMD blocks, in its order. */
  ivmds?: IvmdSpec[];
  /** Xen's pci-phantom= occurrences, each "[<seg>:]<bus>:<device>,<stride>" (parse_phantom_dev). */
  pciPhantom?: string[];
  booleans?: Record<string, boolean>;
  /** The resources of PCI devices (BARs, legacy IRQ) libxl grants with them. */
  devices?: DeviceSpec[];
  domains: DomainSpec[];
  steps: Step[];
}

/** A user's mistake in a scenario: the JSON path (`/steps/3/sbdf`) and what was expected there. */
/** A diagnostic located by a JSON pointer into the scenario file ("" = the whole document), and
 *  for a JSON syntax error by its line and column (1-based). */
export type ScenarioError = Diagnostic & { path: string; line?: number; col?: number };
