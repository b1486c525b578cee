// What pci_remove_device() does when asked to remove a PF whose VFs are still present: every answer
// given in the xen-devel thread "[PATCH v6 2/3] xen/pci: introduce PF<->VF links" (Oct-Nov 2024).
// The registry has already passed xsm_resource_unplug_pci on the PF and found it has linked VFs;
// a strategy decides the rest. Names are the thread's proposals as README lists them (src/hypervisor/types.ts
// STRATEGIES), and `pre-links`, what Xen 4.19.0 did before the series.
import type { Rc } from "../xen/errno.js";
import type { PfRemovalKind } from "./types.js";
import { type Pdev, vfList } from "./pdev.js";
import { formatSbdf } from "../xen/sbdf.js";

/** What a strategy may do to the registry; the registry implements it. */
export interface PfRemovalOps {
  /** xsm_resource_unplug_pci(current, machine_bdf) for another device than the one asked for. */
  unplugCheck(pdev: Pdev): Rc;
  /** pci_remove_device()'s removal: unlink, leave the owner's list, log "PCI remove device %pp", free_pdev(). */
  free(pdev: Pdev): void;
  /** v6: list_del(vf_list), pf_pdev = NULL, broken = true; the VF stays, naming its PF. */
  unlinkStale(vf: Pdev): void;
  /** Xen 4.19.0: the VF loses its PF with nothing marked (there was no link to break); it still
   *  names its PF's SBDF (info.physfn), where a PF added later is found again. */
  forget(vf: Pdev): void;
  /** Take the PF out of the visible registry (and its owner's list) while its VFs keep the record alive. */
  hide(pf: Pdev): void;
  /** printk, built only when someone listens. */
  printk(line: () => string): void;
}

export type PfRemoval = (ops: PfRemovalOps, pf: Pdev) => Rc;

/** How each strategy shapes the registry, for the invariants and for pci_add_device. */
export interface StrategyTraits {
  /** Unlinked (stale, broken) VFs may exist. */
  readonly staleVfs: boolean;
  /** Adding a PF re-links the stale VFs that name it and clears their broken flag. */
  readonly relinkOnPfAdd: boolean;
  /** A removed PF's record may outlive its visibility. */
  readonly hiddenPfs: boolean;
  /** No links at all (Xen 4.19.0): a VF's PF is whatever non-VF device is at its physfn SBDF, so a
   *  VF may have none without being broken, and a PF added there is its PF again, silently. */
  readonly pfBySbdf: boolean;
}

const stillPresent = (pf: Pdev) => `Attempted to remove PCI SR-IOV PF ${formatSbdf(pf.key)} with VFs still present`;
const removedWith = (pf: Pdev) => `PCI SR-IOV PF ${formatSbdf(pf.key)} removed with VFs still present`;

/**
 * `upstream` — what Xen does today (Stewart Hildebrand's v7/v8, merged). Stewart proposed keeping
 * the PF and returning an error ("the consensus is leaning toward keeping the PF and returning an
 * error"); Roger asked "Do you need to mark the devices as broken?", Jan answered that depends on
 * "Dom0 kernels then actually respecting the error", and Stewart showed Linux only warns ("I think
 * it's appropriate to mark them broken"). So: VFs and PF marked broken, -EBUSY, nothing removed.
 */
const upstream: PfRemoval = (ops, pf) => {
  for (const vf of vfList(pf)) vf.broken = true;
  pf.broken = true;
  ops.printk(() => stillPresent(pf));
  return "-EBUSY";
};

/**
 * `unlink-broken` — v6 as posted by Stewart Hildebrand: "During PF removal, unlink VF from PF and
 * mark the VF broken. As before, VFs may exist without a corresponding PF, although now only with
 * pdev->broken = true", with a warning "in case a PF is removed with associated VFs still present".
 * The PF goes, 0. Jan objected: "I'm instead actively concerned of the resulting behavior."
 */
const unlinkBroken: PfRemoval = (ops, pf) => {
  for (const vf of vfList(pf)) ops.unlinkStale(vf);
  ops.printk(() => removedWith(pf));
  ops.free(pf);
  return 0;
};

/**
 * `cascade` — v4, and Stewart's preferred answer to Jan (Nov 1): "Remove the VFs right away during
 * PF removal, so that we don't end up with stale VFs. Regarding XSM, assume that a domain with
 * permission to remove the PF is also allowed to remove the VFs. We should probably also return an
 * error ... (and still perform the removals despite returning an error)". Only the PF's unplug
 * check is made; Daniel Smith doubted that assumption for SVP, Jan said "going back is not an option".
 */
const cascade: PfRemoval = (ops, pf) => {
  ops.printk(() => stillPresent(pf));
  for (const vf of vfList(pf)) ops.free(vf);
  ops.free(pf);
  return "-EBUSY";
};

/**
 * `refuse` — Roger Pau Monné (Nov 8): "Returning error from pci_remove_device() and doing nothing
 * would seem fine to me. There should be no stale PF or VFs in that case, as the caller has been
 * notified the device has failed to be removed, so should treat the device as still present."
 * -EBUSY, no change at all (the warning is upstream's text).
 */
const refuse: PfRemoval = (ops, pf) => {
  ops.printk(() => stillPresent(pf));
  return "-EBUSY";
};

/**
 * `reassociate` — Jan Beulich (Nov 4): "Re-associate stale VFs with their PF, once the PF is
 * re-reported", because "Leaving stale VFs around forever isn't, imo, any better than trying to
 * reuse their structs"; Stewart: "I'll plan on this approach for v7". Removal is v6's (VFs unlinked
 * and broken, PF removed, 0); pci_add_device of a PF at that SBDF re-links them and clears broken.
 * Alejandro objected it "sounds like trying to turn a bug into a feature".
 */
const reassociate: PfRemoval = unlinkBroken;

/**
 * `refcount` — Jan Beulich (Nov 11): "Imo really that's another case that would best be addressed
 * by proper ref-counting. Each VF would hold a ref to its PF, and hence the PF would go away when
 * the last VF is removed, or when PF removal is (properly) last." The PF leaves the visible registry
 * and its owner, 0; its record (and the VFs' links) lives until its last VF is removed.
 */
const refcount: PfRemoval = (ops, pf) => {
  ops.printk(() => `${removedWith(pf)}; its record lives until its last VF is removed`);
  ops.hide(pf);
  return 0;
};

/**
 * `authority` — Alejandro Vallejo (Nov 4), after Daniel Smith's SVP case (a VF labelled for a
 * guest VP's hardware domain, its PF for the supervisor's): "If the caller has the (XSM-checked)
 * authority to remove _BOTH_ PF and VFs, remove all. If it doesn't have authority to remove the VFs
 * then early exit with an error, leaving the PF behind as well"; Daniel: "I would agree that is
 * reasonable". Every VF's unplug check is made before anything changes; the first denial is returned.
 */
const authority: PfRemoval = (ops, pf) => {
  for (const vf of vfList(pf)) {
    const rc = ops.unplugCheck(vf);
    if (rc !== 0) return rc;
  }
  for (const vf of vfList(pf)) ops.free(vf);
  ops.free(pf);
  return 0;
};

/**
 * `pre-links` — Xen 4.19.0 (RELEASE-4.19.0's xen/drivers/passthrough/pci.c), before the series:
 * struct pci_dev has no vf_list and no pf_pdev, so pci_remove_device() does to a PF what it does to
 * any device (after xsm_resource_unplug_pci: leave the owner's list, pci_cleanup_msi,
 * iommu_remove_device, "PCI remove device %pp", free_pdev) and returns 0. Its VFs are not looked
 * at: not marked broken, still assignable, each keeping info.physfn, the PF's bus/devfn; what
 * needs the PF later looks it up there (msix_capability_init's read_pci_mem_bar: pci_get_pdev),
 * finds none until a PF is added at that SBDF, and then finds that one. This is what the thread
 * set out to change (v6's cover: "VFs may exist without a corresponding PF").
 */
const preLinks: PfRemoval = (ops, pf) => {
  for (const vf of vfList(pf)) ops.forget(vf);
  ops.free(pf);
  return 0;
};

export const PF_REMOVAL: Readonly<Record<PfRemovalKind, PfRemoval>> = {
  upstream,
  "unlink-broken": unlinkBroken,
  cascade,
  refuse,
  reassociate,
  refcount,
  authority,
  "pre-links": preLinks,
};

const plain: StrategyTraits = { staleVfs: false, relinkOnPfAdd: false, hiddenPfs: false, pfBySbdf: false };

export const STRATEGY_TRAITS: Readonly<Record<PfRemovalKind, StrategyTraits>> = {
  upstream: plain,
  "unlink-broken": { ...plain, staleVfs: true },
  cascade: plain,
  refuse: plain,
  reassociate: { ...plain, staleVfs: true, relinkOnPfAdd: true },
  refcount: { ...plain, hiddenPfs: true },
  authority: plain,
  "pre-links": { ...plain, pfBySbdf: true },
};
