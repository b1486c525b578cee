// The contract of the PCI registry (a model of xen/drivers/passthrough/pci.c) for its callers:
// the simulator, the CLI and the library API.
import type { Rc } from "../xen/errno.js";
import type { Domain } from "../xsm/types.js";

/** PF-removal strategies from the xen-devel thread "xen/pci: introduce PF<->VF links" (see strategies.ts). */
export const STRATEGIES = ["upstream", "unlink-broken", "cascade", "refuse", "reassociate", "refcount", "authority"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** How a PF is removed: a strategy of the thread, or `pre-links`, what Xen 4.19.0 did before the
 *  series (no PF<->VF links: the PF goes, its VFs stay unmarked with no PF; a PF added at that SBDF
 *  is theirs again). `pre-links` is a release's behaviour, not a proposal: scenarios and --strategy
 *  name only STRATEGIES, a run on Xen 4.19.0 gets it (src/sim/xen-release.ts). */
export const PF_REMOVALS = [...STRATEGIES, "pre-links"] as const;
export type PfRemovalKind = (typeof PF_REMOVALS)[number];

/** What pci_add_device does with a VF whose PF is not present: `reject` (-ENODEV after the VF's
 *  plug check: Xen 4.20.0 on, 8fe330a4da), `add-pf` (after the VF's plug check, add the PF through
 *  its own, its error failing the VF: v6, and Xen 4.19.1-4.19.6 through the backport f67d770d86),
 *  `add-pf-first` (add the PF first, through its own plug check, ignore its error, then the VF,
 *  with no PF when the PF's add failed: Xen 4.19.0). */
export const VF_WITHOUT_PF = ["reject", "add-pf", "add-pf-first"] as const;
export type VfWithoutPf = (typeof VF_WITHOUT_PF)[number];

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
}
