// Reserved device memory as a run explains it: the scenario's RMRRs (VT-d's DMAR) and IVMD unity
// maps (AMD's IVRS) for the registry (src/hypervisor/rdm.ts), the guests' RAM that identity maps
// find in their way, and the trace's reasons for what an assignment did with them. Read from
// xen/drivers/passthrough/vtd/{dmar.c,iommu.c}, amd/{iommu_acpi.c,pci_amd_iommu.c,iommu_map.c},
// x86/iommu.c, pci.c and arch/x86/mm/p2m.c at RELEASE-4.19.0 .. 4.22.0 and master, and
// tools/libs/light/libxl_pci.c (rdm_policy) and tools/xl/xl_parse.c for how the flag is set.
import type { IvmdEntry, PciRegistry, SbdfInput } from "../hypervisor/index.js";
import { DOM_IO } from "../hypervisor/index.js";
import type { P2mView, RmrrUnit } from "../hypervisor/rdm.js";
import { formatSbdf, parseSbdf, sbdfKey, toSbdfKey } from "../xen/sbdf.js";
import type { Domain, Rc } from "../xsm/types.js";
import type { DomainSpec, IvmdSpec, RdmPolicy, RmrrSpec } from "./scenario.js";
import type { ScenarioXen } from "./xen-release.js";
import { parseNum } from "./validate.js";

type Say = (why: string) => void;

const key = (text: string): number => {
  const p = parseSbdf(text);
  return p.ok ? sbdfKey(p.value) : -1;
};

/** The scenario's RMRRs as acpi_parse_one_rmrr() keeps them (validated: one segment per scope). */
export function rmrrUnits(rmrrs: readonly RmrrSpec[] | undefined): RmrrUnit[] {
  return (rmrrs ?? []).map((r) => {
    const keys = r.scope.map((e) => key(typeof e === "string" ? e : e.bridge));
    return { segment: Math.floor(keys[0]! / 0x10000), base: parseNum(r.base)!, end: parseNum(r.end)!, scope: keys.map((k) => k & 0xffff) };
  });
}

/** The scenario's IVMD blocks as parse_ivmd_block() hands them on (read and write default on). */
export function ivmdEntries(ivmds: readonly IvmdSpec[] | undefined): IvmdEntry[] {
  return (ivmds ?? []).map((m) => {
    const [first, last] = [m.sbdf !== undefined ? key(m.sbdf) : -1, m.last !== undefined ? key(m.last) : -1];
    const bdfs: number[] = [];
    if (first >= 0) for (let k = first; k <= (last >= 0 ? last : first); k++) bdfs.push(k);
    return { base: parseNum(m.base)!, end: parseNum(m.end)!, ...(m.all ? { all: true } : { bdfs }), read: m.read ?? true, write: m.write ?? true };
  });
}

/** The p2m set_identity_p2m_entry() looks into: an HVM guest's RAM from "ram"; another domain's
 *  (PV: not translated) none. */
export function p2mViews(domains: readonly DomainSpec[]): (domid: number) => P2mView | undefined {
  const views = new Map<number, P2mView>();
  for (const d of domains) {
    const ram = (d.ram ?? []).map((r) => ({ gfn: parseNum(r.gfn)!, mfn: parseNum(r.mfn)!, nr: parseNum(r.nr)! }));
    views.set(d.domid, {
      translated: d.hvm === true,
      ram: (gfn) => {
        const r = ram.find((x) => gfn >= x.gfn && gfn < x.gfn + x.nr);
        return r && r.mfn + (gfn - r.gfn);
      },
    });
  }
  return (domid) => views.get(domid);
}

/** The assign domctl's flags from a step's "rdm" (libxl: XEN_DOMCTL_DEV_RDM_RELAXED for relaxed). */
export const assignFlags = (rdm: RdmPolicy | undefined) => ({ relaxed: rdm === "relaxed" });

const hex = (n: number) => `0x${n.toString(16)}`;
const region = (r: { base: number; end: number }) => `${hex(r.base)}-${hex(r.end)}`;

/** Why an assignment of a device with reserved regions did what it did: refused, allowed with a
 *  warning, which identity maps the target holds now. `from`: the owner before the step. */
export function rdmAssignWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, target: Domain, rdm: RdmPolicy | undefined, rc: Rc, from: string | null | undefined, xen: ScenarioXen, maps: (name: string) => string): void {
  const regions = registry.reservedRegions(sbdf);
  if (regions.length === 0) return;
  const k = toSbdfKey(sbdf);
  const dev = k.ok ? formatSbdf(k.value) : String(sbdf);
  const vtd = registry.iommuVendor() === "vtd";
  const what = vtd ? "RMRR" : "IVMD unity map";
  const relaxed = rdm === "relaxed";
  const flag = relaxed ? "XEN_DOMCTL_DEV_RDM_RELAXED (rdm relaxed)" : "no XEN_DOMCTL_DEV_RDM_RELAXED (rdm strict, libxl's default per device)";
  const shared = regions.filter((r) => r.shared);
  if (vtd && shared.length > 0) {
    const scope = shared.map((r) => `${region(r)} (scope ${r.scope!.join(", ")})`).join("; ");
    say(
      relaxed || rc !== "-EPERM"
        ? `${dev} shares an RMRR with other scope entries, ${scope}: intel_iommu_assign_device warns "It's risky" and goes on under ${flag}; the devices sharing it can now DMA into memory another domain may own (Xen's TODO: "group device assignment")`
        : `${dev} shares an RMRR with other scope entries, ${scope} (rmrr->scope.devices_cnt > 1): intel_iommu_assign_device refuses it -EPERM under ${flag}, before it maps anything; rdm relaxed (xl.cfg pci = [ 'SBDF,rdm_policy=relaxed' ]) makes it a warning`,
    );
  }
  if (target === DOM_IO) {
    if (rc === 0) say(quarantineWhy(registry, sbdf, dev));
    return;
  }
  if (rc === 0) {
    const kept = from && from !== target.name && !registry.isXenHardwareDomain(from) ? `; ${from} let go of them (reassign_device_ownership: a source other than Xen's hardware_domain unmaps the device's regions)` : from && registry.isXenHardwareDomain(from) ? `; ${from}, Xen's hardware_domain, keeps its own ("BIOS may use RMRR at booting time")` : "";
    say(`${dev}'s ${what}${regions.length > 1 ? "s" : ""} ${regions.map(region).join(", ")} ${regions.length > 1 ? "are" : "is"} mapped 1:1 in ${target.name}'s IOMMU page tables (iommu_identity_mapping, ${flag}): ${target.name} holds ${maps(target.name)}${kept}`);
    return;
  }
  if (rc === "-EBUSY") say(`${target.name}'s p2m has RAM where ${dev}'s ${what} is (set_identity_p2m_entry: "Cannot setup identity map"): -EBUSY under ${flag}; rdm relaxed leaves the RAM there and goes on, libxl's rdm strategy=host keeps the range out of the guest's memory map instead${xen.identityTracking === "map-first" ? `. Xen ${xen.release ?? "(map-first)"} maps the pages before the failing one and keeps no record of them (before XSA-460, beadd68b54, 4.19.1): ${target.name} keeps them mapped 1:1 after the failure` : ""}`);
  else if (rc === "-EADDRINUSE") say(`${target.name} already holds an identity map that overlaps ${dev}'s ${what} but is not the same range (or not the same access): iommu_identity_mapping is -EADDRINUSE`);
  else if (rc === "-EOPNOTSUPP" && vtd) say(`${dev} is a conventional PCI device with an RMRR behind a bridge, and its context entry is present: domain_context_mapping refuses to move it to another domain (-EOPNOTSUPP: "Strictly speaking if the device is the only one behind this bridge ... it could be allowed"), and puts its entries back`);
}

/** Why a deassignment (or a teardown) left the device's regions where they are now. */
export function rdmDeassignWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, from: string, rc: Rc, maps: (name: string) => string): void {
  const regions = registry.reservedRegions(sbdf);
  if (regions.length === 0) return;
  const k = toSbdfKey(sbdf);
  const dev = k.ok ? formatSbdf(k.value) : String(sbdf);
  if (rc === "-EOPNOTSUPP" && registry.iommuVendor() === "vtd") {
    say(`${dev} is a conventional PCI device with an RMRR behind a bridge, and its context entry is present: domain_context_mapping refuses to map it for another domain (-EOPNOTSUPP), so deassign_device fails and it stays with ${from}`);
    return;
  }
  if (rc !== 0) return;
  const now = registry.device(sbdf)?.owner ?? null;
  const held = registry.isXenHardwareDomain(from) ? `${from}, Xen's hardware_domain, keeps its identity maps` : `${from} let go of ${dev}'s regions (reassign_device_ownership); it holds ${maps(from)}`;
  const where = now === DOM_IO.name ? quarantineWhy(registry, sbdf, dev) : `${now ?? "no one"} gets no new mapping: reassign_device_ownership maps only for an assignment, and Xen's hardware_domain holds every RMRR from boot (setup_hwdom_rmrr)`;
  say(`${held}; ${where}`);
}

/** What quarantine does with a device with reserved regions: its own page tables hold them 1:1 on
 *  VT-d; AMD's hold nothing of them ("if ( d == dom_io ) return 0;"). */
function quarantineWhy(registry: PciRegistry, sbdf: SbdfInput, dev: string): string {
  const mode = registry.quarantine();
  if (mode === "none") return `with iommu=no-quarantine iommu_quarantine_dev_init makes no page tables: ${dev}'s context entry is cleared in dom_io, so its DMA to its reserved regions faults too`;
  if (registry.iommuVendor() === "vtd") {
    return `intel_iommu_quarantine_init gave ${dev} page tables of its own with its RMRRs mapped 1:1 (rmrr_found${mode === "basic" ? ", so even iommu=quarantine=basic keeps them" : ", and the scratch page behind the rest"}): its context entry points there, not cleared, so its firmware-owned DMA goes on in dom_io`;
  }
  return `amd_iommu_quarantine_init gave ${dev} page tables of its own (it has a unity map), but amd_iommu_reserve_domain_unity_map returns at once for dom_io, so they hold none of it: its DMA to its IVMD ranges faults in quarantine${mode === "scratch-page" ? " (the scratch page catches the rest)" : ""}`;
}

/** "[0x7d000000-0x7d0fffff x1, ...]" or "no identity maps". */
export function identityText(maps: readonly { base: number; end: number; count: number; access: string }[]): string {
  return maps.length ? maps.map((m) => `${region(m)} (${m.access}, held ${m.count}x)`).join(", ") : "no identity maps";
}
