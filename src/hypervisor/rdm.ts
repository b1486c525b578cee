// Reserved device memory: the ranges firmware says a device keeps using for DMA after boot (VT-d
// RMRRs from the ACPI DMAR table, AMD IVMD unity maps from IVRS), and the identity mappings Xen
// makes of them in the IOMMU page tables of the domain that owns the device. Read from
// xen/drivers/passthrough/vtd/{dmar.c,dmar.h,iommu.c}, amd/{iommu_acpi.c,pci_amd_iommu.c,
// iommu_map.c}, x86/iommu.c (iommu_identity_mapping) and arch/x86/mm/{physmap.c,p2m.c}
// (set_identity_p2m_entry) at RELEASE-4.19.0 .. 4.22.0 and master; where they differ, it says so.
import { RangeSet } from "../xen/rangeset.js";
import type { Rc } from "../xen/errno.js";

/** p2m_access_t of an identity map: VT-d maps RMRRs p2m_access_rw; an IVMD unity map gets r and w
 *  from its flags (amd_iommu_reserve_domain_unity_map). */
export type P2mAccess = "rw" | "r" | "w" | "n";

/** An RMRR of the DMAR table as Xen keeps it (struct acpi_rmrr_unit): its segment, byte range
 *  (inclusive end) and scope.devices, the bdf of each scope entry in DMAR order. A bridge entry
 *  puts the bridge's own bdf there; the buses behind it (dmar_scope_add_buses) serve DRHD matching
 *  only, never for_each_rmrr_device: Xen does not expand a bridge scope to the devices behind it. */
export interface RmrrUnit {
  segment: number;
  base: number;
  end: number;
  scope: readonly number[];
}

/** A unity map of an IVMD block (struct ivrs_unity_map), attached to the bdfs it names. */
export interface UnityMap {
  base: number;
  end: number;
  access: P2mAccess;
}

/** One entry of hd->arch.identity_maps: a range mapped 1:1, how, and how many mappings hold it. */
export interface IdentityMap {
  base: number;
  end: number;
  access: P2mAccess;
  count: number;
}

/** A domain's p2m as set_identity_p2m_entry sees it: `translated` (paging_mode_translate: an HVM or
 *  PVH domain) and the machine frame its RAM holds at a gfn, if any. */
export interface P2mView {
  translated: boolean;
  ram(gfn: number): number | undefined;
}

/** How iommu_identity_mapping() records a new range: `map-first` maps every page, then adds the
 *  list entry (RELEASE-4.19.0: a failure part-way leaves the pages before it mapped and untracked);
 *  `track-first` adds the entry first and keeps it unless the first page failed (XSA-460,
 *  beadd68b54 on master and 4.20.0, backported to 4.19.1). */
export type IdentityTracking = "map-first" | "track-first";

const PAGE = 0x1000;
const hex = (n: number) => n.toString(16);

/**
 * Per domain, hd->arch.identity_maps and the identity pages they put into its p2m (or, for a PV
 * domain, its IOMMU page tables: iommu_legacy_map, which has no conflict to find).
 */
export class IdentityMaps {
  private readonly maps = new Map<number, IdentityMap[]>();
  /** gfns set 1:1 (p2m_mmio_direct, or the PV IOMMU's own), per domain. */
  private readonly pages = new Map<number, RangeSet>();

  constructor(
    private readonly tracking: IdentityTracking,
    private readonly log: (line: string) => void,
  ) {}

  /** iommu_identity_mapping(d, p2ma, base, end, flag) with p2ma other than p2m_access_x. */
  map(domid: number, p2m: P2mView, base: number, end: number, access: P2mAccess, relaxed: boolean): Rc {
    const list = this.list(domid);
    for (const m of list) {
      if (m.base === base && m.end === end) {
        if (m.access !== access) return "-EADDRINUSE";
        m.count++;
        return 0;
      }
      if (end >= m.base && m.end >= base) return "-EADDRINUSE";
    }
    const entry: IdentityMap = { base, end, access, count: 1 };
    // base_pfn = base >> PAGE_SHIFT_4K, end_pfn = PAGE_ALIGN_4K(end) >> PAGE_SHIFT_4K (exclusive)
    const [first, last] = [Math.floor(base / PAGE), Math.ceil(end / PAGE) - 1];
    if (this.tracking === "track-first") list.push(entry);
    for (let gfn = first; gfn <= last; gfn++) {
      const rc = this.setIdentity(domid, p2m, gfn, relaxed);
      if (rc === 0) continue;
      if (this.tracking === "track-first" && gfn === first) list.splice(list.indexOf(entry), 1);
      return rc;
    }
    if (this.tracking === "map-first") list.push(entry);
    return 0;
  }

  /** iommu_identity_mapping(d, p2m_access_x, base, end, 0): drop a hold; the last clears the pages.
   *  -ENOENT when nothing of that range is tracked (callers ignore it), -EADDRINUSE for an overlap. */
  unmap(domid: number, p2m: P2mView, base: number, end: number): Rc {
    const list = this.list(domid);
    for (const m of list) {
      if (m.base === base && m.end === end) {
        if (--m.count > 0) return 0;
        for (let gfn = Math.floor(base / PAGE); gfn < Math.ceil(end / PAGE); gfn++) this.clearIdentity(domid, p2m, gfn);
        list.splice(list.indexOf(m), 1);
        return 0;
      }
      if (end >= m.base && m.end >= base) return "-EADDRINUSE";
    }
    return "-ENOENT";
  }

  /** The domain is gone (iommu_identity_map_teardown, from the IOMMU's domain destroy). */
  teardown(domid: number): void {
    this.maps.delete(domid);
    this.pages.delete(domid);
  }

  /** The domain's identity_maps, in list order. */
  entries(domid: number): IdentityMap[] {
    return (this.maps.get(domid) ?? []).map((m) => ({ ...m }));
  }

  /** The gfns the domain has mapped 1:1, tracked or not (a map-first failure leaves some untracked). */
  identityPages(domid: number): RangeSet {
    return this.pages.get(domid)?.clone() ?? new RangeSet();
  }

  private list(domid: number): IdentityMap[] {
    let list = this.maps.get(domid);
    if (!list) this.maps.set(domid, (list = []));
    return list;
  }

  /** set_identity_p2m_entry(): a PV domain's IOMMU maps the page (iommu_legacy_map); a translated
   *  one's p2m takes it where nothing is (p2m_add_identity_entry), keeps an identity page as it is,
   *  and finds RAM in the way: logged, -EBUSY, or ignored with XEN_DOMCTL_DEV_RDM_RELAXED. */
  private setIdentity(domid: number, p2m: P2mView, gfn: number, relaxed: boolean): Rc {
    const pages = this.pages.get(domid) ?? new RangeSet();
    this.pages.set(domid, pages);
    if (p2m.translated && !pages.has(gfn)) {
      const mfn = p2m.ram(gfn);
      if (mfn !== undefined) {
        this.log(`Cannot setup identity map d${domid}:${hex(gfn)}, gfn already mapped to ${hex(mfn)}.`);
        return relaxed ? 0 : "-EBUSY";
      }
    }
    pages.add(gfn, gfn);
    return 0;
  }

  /** clear_identity_p2m_entry(): an identity page goes; RAM a relaxed mapping left is "not
   *  cleared", logged (from XSA-460 on only where something is mapped, so RAM still is). */
  private clearIdentity(domid: number, p2m: P2mView, gfn: number): void {
    const pages = this.pages.get(domid);
    if (pages?.has(gfn)) {
      pages.remove(gfn, gfn);
      return;
    }
    if (!p2m.translated) return;
    const mfn = p2m.ram(gfn);
    if (mfn === undefined && this.tracking === "track-first") return;
    this.log(`non-identity map d${domid}:${hex(gfn)} not cleared (mapped to ${mfn === undefined ? "ffffffffffffffff" : hex(mfn)})`);
  }
}

/** for_each_rmrr_device (vtd/dmar.h): the RMRRs whose scope names `bdf` in `segment`, in list
 *  order (acpi_register_rmrr_unit list_add()s each at the head: the DMAR's last RMRR first). A
 *  scope's walk ends at a bdf of 0 ("assume there never is a bdf == 0"). */
export function rmrrsOf(rmrrs: readonly RmrrUnit[], segment: number, bdf: number): RmrrUnit[] {
  return [...rmrrs].reverse().filter((r) => r.segment === segment && scopeWalk(r).includes(bdf));
}

/** The scope entries for_each_rmrr_device visits: up to the first bdf 0. */
export function scopeWalk(r: RmrrUnit): number[] {
  const zero = r.scope.indexOf(0);
  return zero < 0 ? [...r.scope] : r.scope.slice(0, zero);
}

/** intel_iommu_assign_device's test: an RMRR is shared when its scope has more than one entry
 *  (rmrr->scope.devices_cnt > 1), whatever they are: a bridge entry counts as one. */
export const rmrrShared = (r: RmrrUnit): boolean => r.scope.length > 1;

/** "[7d000000,7d0fffff]", as Xen prints a region. */
export const regionText = (r: { base: number; end: number }): string => `[${hex(r.base)},${hex(r.end)}]`;
