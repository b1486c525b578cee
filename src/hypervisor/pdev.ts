// struct pci_dev as the registry keeps it (xen/include/xen/pci.h), reduced to what the PF<->VF
// discussion is about: identity, the PF<->VF links, broken, and which domain holds the device.

export interface Pdev {
  /** machine_bdf: (seg << 16) | (bus << 8) | devfn. */
  readonly key: number;
  /** info.is_virtfn. */
  readonly virtfn: boolean;
  /** info.is_extfn; a VF inherits its PF's (pci_add_device: "VF inherits its 'is_extfn' from PF"). */
  extfn: boolean;
  /** info.physfn: the PF a VF names, kept after unlinking so `reassociate` can find it again; -1 for a non-VF. */
  readonly physfnKey: number;
  /** pf_pdev: a VF's link to its PF; null when unlinked (stale). */
  pf: Pdev | null;
  /** vf_list: a PF's linked VFs, kept in the order they were linked; walk it with vfList(). */
  readonly vfs: Set<Pdev>;
  /** Has had VFs linked: Xen has no PF flag (Roger: "we have no field to mark a device as a PF"); reports call it "pf". */
  sriov: boolean;
  broken: boolean;
  /** pdev->domain as a domid (DOMID_IO: dom_io, quarantined); null = no owner. */
  owner: number | null;
  /** The hardware domain it was given to at add: where deassign_device() returns it. */
  hwdom: number | null;
  /** False after hot_unplug: the hardware is gone, Xen does not know. */
  present: boolean;
  /** `refcount` only: removed from the visible registry, kept alive by its VFs' references. */
  hidden: boolean;
  /** A VF added with no PF to link to (vfWithoutPf add-pf-first, its PF's add refused): unlinked
   *  from the start, not broken, under any strategy; false once it is linked. */
  orphan: boolean;
  /** pdev->quarantine: assigned to dom_io by XEN_DOMCTL_assign_device (xl pci-assignable-add), so
   *  deassign_device() returns it there even without iommu=quarantine; cleared when it reaches the
   *  hardware domain. */
  quarantine: boolean;
  /** The bus range behind it, when it is a bridge alloc_pdev() recorded in bus2bridge. */
  bridge: { secondary: number; subordinate: number } | null;
  /** A non-VF's pdev->vf_rlen[] (its SR-IOV BARs' sizes) filled: pci_add_device sizes them only
   *  while its VFs are off ("SR-IOV device %pp has its virtual functions already enabled"
   *  otherwise), and a VF's MSI-X table is read through them. */
  vfRlen: boolean;
  /** pci_add_device()'s iommu_add_device failed (AMD: no IVRS entry covers it): Xen keeps the
   *  pdev, pdev->domain NULL, on no domain's list, so device_assigned() finds it busy (-EBUSY) and
   *  pci_remove_device() frees it with iommu_remove_device's -EINVAL; a later add tries again. */
  iommuRefused: boolean;
  /** pdev->phantom_stride, set by alloc_pdev() for a PCIe endpoint (DEVCAP or pci-phantom=): the
   *  functions key + stride, + 2 * stride, ... in its slot carry its DMA too; 0: none. */
  phantomStride: number;
}

export function newPdev(key: number, virtfn: boolean, extfn: boolean, physfnKey: number): Pdev {
  return {
    key,
    virtfn,
    extfn,
    physfnKey,
    pf: null,
    vfs: new Set(),
    sriov: false,
    broken: false,
    owner: null,
    hwdom: null,
    present: true,
    hidden: false,
    orphan: false,
    quarantine: false,
    bridge: null,
    vfRlen: false,
    iommuRefused: false,
    phantomStride: 0,
  };
}

/** The phantom functions' machine_bdf keys, in the order Xen's loops visit them (devfn +=
 *  phantom_stride while the slot stays the same). */
export function phantomKeys(pdev: Pdev): number[] {
  const keys: number[] = [];
  if (pdev.phantomStride === 0) return keys;
  for (let fn = (pdev.key & 7) + pdev.phantomStride; fn < 8; fn += pdev.phantomStride) keys.push(pdev.key - (pdev.key & 7) + fn);
  return keys;
}

/** A PF's vf_list as list_for_each_entry() walks it: pci_add_device() links each VF with
 *  list_add(), at the head, so the newest VF comes first. */
export function vfList(pf: Pdev): Pdev[] {
  return [...pf.vfs].reverse();
}
