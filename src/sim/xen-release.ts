// Which Xen a scenario models (its "xen"): the releases of xen.git whose PCI code the model tells
// apart, and what each does where they differ. Read from the release tags (RELEASE-4.19.0 ..
// RELEASE-4.22.0) and master as of 2026-08-20:
// - a VF reported before its PF (pci_add_device): 4.19.0 adds the PF first and ignores its error;
//   4.19.1-4.19.6 carry f67d770d86 (the backport of "xen/pci: introduce PF<->VF links", without the
//   series' last patch): the PF after the VF's plug check, its error failing the VF; 4.20.0 on
//   carry 8fe330a4da ("remove logic catering to adding VF without PF"): -ENODEV.
// - where XEN_DOMCTL_{,test_,de}assign_device ask XSM: iommu_do_pci_domctl's xsm_{,de}assign_device
//   until XSA-492's eab54f074f (4.22.0), backported as 923d69856a (4.19.6), 324d0ee554 (4.20.4)
//   and 1ea57a5866 (4.21.2); from then on flask_domctl / dummy.h's xsm_domctl. The same patches
//   (XSA-492's others: a5b7170c3b, 17bce447ad and the "without acquiring domctl lock" ones) hand
//   the resource domctls (irq/iomem/ioport/gsi_permission, memory/ioport_mapping, {,un}bind_pt_irq,
//   get_device_group, set_target) on before xsm_domctl, whose dummy.h action moves into each hook
//   (XSM_HOOK before), and test the caller's holds after the hook instead of before it: before, the
//   grants' `!held || xsm_...()` made a refusal -EPERM (flask's -EACCES too) and asked nothing of
//   what the caller lacks. The locks they take instead of the domctl lock no scenario can see.
// - what XEN_DOMCTL_memory_mapping's removal asks (6df6f24251, 4.22.0, not backported): before,
//   the guest must have been granted the frames, as for an addition; from then on the caller's hold.
// - a PF removed with VFs present (pci_remove_device): 4.19.0 has no PF<->VF links and removes it
//   as any device, its VFs left with no PF (`pre-links`); 4.19.1 on (f67d770d86, and the series
//   itself from 4.20.0) mark PF and VFs broken and return -EBUSY (`upstream`).
// - a VF's MSI-X table with no PF to read it through (msix_capability_init): 4.19.0 looks the PF up
//   by the VF's physfn SBDF (read_pci_mem_bar's pci_get_pdev) and, finding none, reads no address:
//   -ENXIO unless map_pirq gave a table_base; 4.19.1 on follow pdev->pf_pdev (ASSERT only).
// - a domctl naming no domain (do_domctl's rcu_lock_domain_by_id, before xsm_domctl): -ESRCH to
//   every caller until a89ca78901 ("domctl: error code adjustment for unpriv callers", 4.22.0, not
//   backported), then -ESRCH to the control domain and -EPERM to any other caller, as the XSM
//   check would answer it. PHYSDEVOP_{,un}map_pirq and the event channel ops look the domain up with
//   rcu_lock_domain_by_any_id before their XSM checks and say -ESRCH to anyone, in every release.
// - a PVH dom0's passthrough of a legacy IRQ (the series "Support device passthrough when dom0 is
//   PVH", 4.20.0, not backported): XEN_DOMCTL_gsi_permission (d6e9a2aab3), PHYSDEVOP_{,un}map_pirq
//   from an HVM caller without pirqs (035baa203b), libxl's GSI path (f97f885c71). On 4.19 domctl 88
//   is no command (xsm_domctl: flask's avc_unknown_permission, dummy's XSM_PRIV; then
//   arch_do_domctl's -ENOSYS), hvm_physdev_op says -ENOSYS, libxl maps by pirq.
// - what XEN_DOMCTL_ioport_mapping does with the guest's port rights: every tag grants them with the
//   mapping and revokes them with its removal (ioports_{permit,deny}_access), entries keyed by first
//   machine port; master after 4.22.0 (3845d3854d, fa61af950b) asks that the guest holds them, keys
//   entries by port and length, refuses overlaps (-EBUSY) and a removal of none (-ENOENT).
// - a PCI-to-PCIe bridge (alloc_pdev): recorded in bus2bridge from cd2b9f0b19 (4.22.0, not
//   backported); before, "%pp: unknown type 4" and not recorded (VT-d refuses its own add in every
//   release: domain_context_mapping has no case for it).
// A scenario without "xen" runs the model's defaults (reject, xsm_assign_device, upstream, gsi,
// guest-granted, grants, unknown-type):
// 4.20.0-4.20.3 and 4.21.0-4.21.1 behave so.
import { PF_REMOVALS, isStrategy, type IoportMapping, type MmioRemoval, type Pci2PcieBridges, type PfRemovalKind, type PvhIrqs, type Strategy, type VfWithoutPf } from "../hypervisor/types.js";
import type { AssignCheck } from "../xsm/types.js";
import type { IdentityTracking } from "../hypervisor/rdm.js";

export const XEN_RELEASES = [
  "4.19.0",
  "4.19.1",
  "4.19.2",
  "4.19.3",
  "4.19.4",
  "4.19.5",
  "4.19.6",
  "4.20.0",
  "4.20.1",
  "4.20.2",
  "4.20.3",
  "4.20.4",
  "4.21.0",
  "4.21.1",
  "4.21.2",
  "4.22.0",
  "master",
] as const;
export type XenRelease = (typeof XEN_RELEASES)[number];

/** What do_domctl answers a caller when rcu_lock_domain_by_id finds no domain: -ESRCH to anyone
 *  (`esrch`), or -ESRCH to the control domain and -EPERM to others (`eperm-unprivileged`, a89ca78901). */
export type DomctlNoDomain = "esrch" | "eperm-unprivileged";

/** What a release does where the model offers a choice. */
export interface XenBehaviour {
  vfWithoutPf: VfWithoutPf;
  assignCheck: AssignCheck;
  domctlNoDomain: DomctlNoDomain;
  /** What pci_remove_device does to a PF with VFs: the release's, or the scenario's strategy. */
  pfRemoval: PfRemovalKind;
  /** Whether a PVH dom0 can pass a legacy IRQ through (XEN_DOMCTL_gsi_permission and its kin). */
  pvhIrqs: PvhIrqs;
  /** What XEN_DOMCTL_memory_mapping's removal asks of the frames (6df6f24251, 4.22.0). */
  mmioRemoval: MmioRemoval;
  /** What XEN_DOMCTL_ioport_mapping does with the guest's port rights (3845d3854d, master only). */
  ioportMapping: IoportMapping;
  /** What alloc_pdev does with a PCI-to-PCIe bridge (cd2b9f0b19, 4.22.0). */
  pci2pcieBridges: Pci2PcieBridges;
  /** How iommu_identity_mapping() records a reserved region: XSA-460 (beadd68b54; 4.19.1 on). */
  identityTracking: IdentityTracking;
}

/** The first release of each stable line with XSA-492's order (the backports, and 4.22.0). */
const XSA_492: Readonly<Record<string, number>> = { "4.19": 6, "4.20": 4, "4.21": 2, "4.22": 0 };

export function xenBehaviour(release: XenRelease): XenBehaviour {
  if (release === "master") return { vfWithoutPf: "reject", assignCheck: "xsm_domctl", domctlNoDomain: "eperm-unprivileged", pfRemoval: "upstream", pvhIrqs: "gsi", mmioRemoval: "caller-held", ioportMapping: "guest-granted", pci2pcieBridges: "recorded", identityTracking: "track-first" };
  const [line, point] = [release.slice(0, 4), Number(release.slice(5))];
  const vfWithoutPf: VfWithoutPf = line !== "4.19" ? "reject" : point === 0 ? "add-pf-first" : "add-pf";
  const pfRemoval: PfRemovalKind = release === "4.19.0" ? "pre-links" : "upstream";
  const domctlNoDomain: DomctlNoDomain = line === "4.22" ? "eperm-unprivileged" : "esrch";
  const pvhIrqs: PvhIrqs = line === "4.19" ? "none" : "gsi";
  const mmioRemoval: MmioRemoval = line === "4.22" ? "caller-held" : "guest-granted";
  const pci2pcieBridges: Pci2PcieBridges = line === "4.22" ? "recorded" : "unknown-type";
  // XSA-460 (beadd68b54 on master, in 4.20.0; the 4.19 backport is in 4.19.1)
  const identityTracking: IdentityTracking = release === "4.19.0" ? "map-first" : "track-first";
  return { vfWithoutPf, assignCheck: point >= XSA_492[line]! ? "xsm_domctl" : "xsm_assign_device", domctlNoDomain, pfRemoval, pvhIrqs, mmioRemoval, ioportMapping: "grants", pci2pcieBridges, identityTracking };
}

/** The behaviour a scenario runs: its "xen"'s, with its own "vfWithoutPf" and "strategy" over that
 *  (proposals on top of a release); the model's defaults without "xen". */
export interface ScenarioXen extends XenBehaviour {
  release: XenRelease | undefined;
  /** The scenario's vfWithoutPf differs from its release's: that release's, for the notes. */
  releaseVfWithoutPf: VfWithoutPf | undefined;
  /** The run's strategy differs from its release's PF removal: that release's, for the notes. */
  releasePfRemoval: PfRemovalKind | undefined;
  /** Run as another release than the file's (`xsm simulate --xen`): the file's, null when it names none. */
  fileRelease?: XenRelease | null;
}

/** What of a scenario says which Xen it runs. */
export interface XenFields {
  xen?: XenRelease | undefined;
  /** Reserved regions (RMRRs, IVMDs): with none, XSA-460 changes nothing a run shows. */
  rmrrs?: readonly unknown[] | undefined;
  ivmds?: readonly unknown[] | undefined;
  vfWithoutPf?: VfWithoutPf | undefined;
  strategy?: Strategy | undefined;
}

/** `release`: run the scenario as that release instead of its own "xen"; `strategy`: remove PFs so
 *  instead of the scenario's strategy (--strategy). The scenario's vfWithoutPf and strategy win
 *  over the release's. */
export function scenarioXen(s: XenFields, release?: XenRelease, strategy?: PfRemovalKind): ScenarioXen {
  const xen = release ?? s.xen;
  const base: XenBehaviour = xen !== undefined ? xenBehaviour(xen) : MODEL_DEFAULTS;
  const vfWithoutPf = s.vfWithoutPf ?? base.vfWithoutPf;
  const pfRemoval = strategy ?? s.strategy ?? base.pfRemoval;
  return {
    release: xen,
    vfWithoutPf,
    assignCheck: base.assignCheck,
    domctlNoDomain: base.domctlNoDomain,
    pfRemoval,
    pvhIrqs: base.pvhIrqs,
    mmioRemoval: base.mmioRemoval,
    ioportMapping: base.ioportMapping,
    pci2pcieBridges: base.pci2pcieBridges,
    // XSA-460 shows only where an identity map can fail part-way: a scenario with reserved regions
    identityTracking: s.rmrrs?.length || s.ivmds?.length ? base.identityTracking : "track-first",
    releaseVfWithoutPf: xen !== undefined && vfWithoutPf !== base.vfWithoutPf ? base.vfWithoutPf : undefined,
    releasePfRemoval: xen !== undefined && pfRemoval !== base.pfRemoval ? base.pfRemoval : undefined,
    ...(release !== undefined && release !== s.xen ? { fileRelease: s.xen ?? null } : {}),
  };
}

/** The columns of `xsm simulate --compare` (and the studio's table): every strategy of the thread,
 *  and the release's own PF removal when it is none of them (4.19.0's pre-links); `own` is the
 *  file's (its strategy, else its release's), whose run the table's notes are. `release`: run as
 *  that release instead of the file's (--xen). */
export function compareRemovals(s: XenFields, release?: XenRelease): { removals: PfRemovalKind[]; own: PfRemovalKind } {
  const releaseRemoval = scenarioXen({ xen: s.xen }, release).pfRemoval;
  const removals = PF_REMOVALS.filter((r) => isStrategy(r) || r === releaseRemoval);
  return { removals, own: s.strategy ?? releaseRemoval };
}

const MODEL_DEFAULTS: XenBehaviour = { vfWithoutPf: "reject", assignCheck: "xsm_assign_device", domctlNoDomain: "esrch", pfRemoval: "upstream", pvhIrqs: "gsi", mmioRemoval: "guest-granted", ioportMapping: "grants", pci2pcieBridges: "unknown-type", identityTracking: "track-first" };

/** Xen 4.19.0's msi.c finds a VF's PF by the VF's physfn SBDF (read_pci_mem_bar: pci_get_pdev);
 *  later releases follow pdev->pf_pdev, as the model's defaults do. */
export function pfBySbdf(x: ScenarioXen): boolean {
  return x.release === "4.19.0";
}

/** "Xen 4.19.0", or the option's name when the scenario names no release. */
export function xenLabel(x: ScenarioXen, option: string): string {
  return x.release !== undefined ? `Xen ${x.release}` : option;
}

const VF_TEXT: Record<VfWithoutPf, string> = {
  reject: "a VF reported before its PF is -ENODEV after the VF's plug check",
  "add-pf": "a VF reported before its PF adds the PF after the VF's plug check, through its own, and the PF's error fails the VF",
  "add-pf-first": "a VF reported before its PF adds the PF first, through its own plug check, and ignores its error: the VF is added all the same, with no PF when the PF's add failed",
};

/** The trace's notes for a scenario that names its Xen: what the release does where it matters. */
export function xenNotes(x: ScenarioXen): string[] {
  return x.release === undefined ? [] : [behaviourNote(x)];
}

const REMOVAL_TEXT: Partial<Record<PfRemovalKind, string>> = {
  "pre-links": "a PF is removed as any device, its VFs not looked at, there being no PF<->VF links: they stay, unmarked and assignable, with no PF until one is added at their PF's SBDF, where msix_capability_init looks for it; without it a VF's MSI-X table has no address, -ENXIO unless map_pirq gave a table_base",
  upstream: "a PF with VFs is not removed: PF and VFs are marked broken, -EBUSY",
};

/** What the run does to a PF with VFs where that is news: the release's when not upstream's (the
 *  model's default), the run's strategy when not the release's. */
function removalText(x: ScenarioXen): string {
  if (x.releasePfRemoval !== undefined) return `; a PF's removal is strategy ${x.pfRemoval}'s, where Xen ${x.release}'s is ${x.releasePfRemoval}: ${REMOVAL_TEXT[x.releasePfRemoval]}`;
  return x.pfRemoval === "upstream" ? "" : `; ${REMOVAL_TEXT[x.pfRemoval]}`;
}

/** What the release does (xenNotes' first note); a table of releases says it per column instead. */
export function behaviourNote(x: ScenarioXen): string {
  const own = x.releaseVfWithoutPf !== undefined ? ` (the scenario's vfWithoutPf ${x.vfWithoutPf}; Xen ${x.release} does ${x.releaseVfWithoutPf})` : "";
  const instead = x.fileRelease === undefined ? "" : x.fileRelease === null ? ", where the file names no release" : `, in place of the file's ${x.fileRelease}`;
  const assign =
    x.assignCheck === "xsm_domctl"
      ? "XEN_DOMCTL_{,test_,de}assign_device ask XSM from xsm_domctl (XSA-492), before iommu_do_pci_domctl refuses self-assignment or a dying domain; the resource domctls skip xsm_domctl, ask their own hooks first and answer what they answer"
      : "XEN_DOMCTL_{,test_,de}assign_device ask xsm_{,de}assign_device in iommu_do_pci_domctl, after it refuses self-assignment or a dying domain; the resource domctls ask xsm_domctl first, then their hooks (XSM_HOOK) after the caller's holds, -EPERM for any refusal (before XSA-492)";
  const lookup = x.domctlNoDomain === "esrch" ? "" : "; a domctl naming no domain is -EPERM to a caller that is not the control domain, -ESRCH to the control domain (a89ca78901)";
  const mmio = x.mmioRemoval === "caller-held" || x.assignCheck !== "xsm_domctl" ? "" : "; memory_mapping's removal asks that the guest was granted the frames, as an addition does (4.22.0 asks the caller's hold alone, 6df6f24251)";
  const ports = x.ioportMapping === "grants" ? "" : "; ioport_mapping asks that the guest holds the ports it maps and neither grants nor revokes them (3845d3854d, fa61af950b, after 4.22.0; every release tag grants them with the mapping)";
  const pvh = x.pvhIrqs === "gsi" ? "" : "; no XEN_DOMCTL_gsi_permission (4.20.0): domctl 88 is unknown to it (xsm_domctl asks as for any such command, then -ENOSYS), and a PVH dom0 may not map_pirq (-ENOSYS), so it cannot pass a device's IRQ through";
  return `Xen ${x.release}${instead}: ${VF_TEXT[x.vfWithoutPf]}${own}; ${assign}${mmio}${ports}${lookup}${pvh}${removalText(x)}`;
}

/** Why a "xen" value the schema refuses is not a release, when there is more to say than the list. */
export function xenValueHint(value: unknown): string {
  if (typeof value !== "string") return "";
  const tag = /^RELEASE-(.*)$/.exec(value);
  if (tag && (XEN_RELEASES as readonly string[]).includes(tag[1]!)) return ` (the release, without RELEASE-: "${tag[1]}")`;
  const line = XEN_RELEASES.filter((r) => r.startsWith(`${value}.`));
  if (line.length > 1) return ` (Xen ${value}'s stable releases differ here: name one, ${line[0]} to ${line[line.length - 1]})`;
  return "";
}

/** A column of `xsm simulate --compare-xen`: a release, what it does for this scenario, and the
 *  releases that do the same (itself only, when the releases were named). */
export interface XenColumn {
  release: XenRelease;
  behaviour: XenBehaviour;
  standsFor: XenRelease[];
  /** The release removing PFs as it does itself, beside its column under the scenario's strategy:
   *  a removal no strategy names (4.19.0's pre-links), which that strategy would hide. */
  asItself?: true;
}

/** A column's name in the table: the release, and its own PF removal when it runs as itself. */
export const columnLabel = (c: XenColumn): string => (c.asItself ? `${c.release} ${c.behaviour.pfRemoval}` : c.release);

/**
 * The releases to run side by side: those named, in release order; or one per distinct behaviour
 * for this scenario (its own vfWithoutPf or strategy leaves the others to differ). A group's
 * column is the first of `prefer` in it (the release that sets the exit status, the file's), else
 * its newest tag (master only alone).
 */
export function xenColumns(s: XenFields, named: readonly XenRelease[] | undefined, prefer: readonly XenRelease[] = []): XenColumn[] {
  const behaviour = (r: XenRelease): XenBehaviour => behaviourOf(scenarioXen(s, r));
  if (named !== undefined) return withOwnRemovals(s, XEN_RELEASES.filter((r) => named.includes(r)).map((r) => ({ release: r, behaviour: behaviour(r), standsFor: [r] })));
  const groups = new Map<string, XenRelease[]>();
  for (const r of XEN_RELEASES) {
    const key = JSON.stringify(behaviour(r));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const columns = [...groups.values()].map((members) => {
    const tagged = members.filter((r) => r !== "master");
    const release = prefer.find((r) => members.includes(r)) ?? tagged[tagged.length - 1] ?? members[0]!;
    return { release, behaviour: behaviour(release), standsFor: members };
  });
  return withOwnRemovals(s, columns.sort((a, b) => XEN_RELEASES.indexOf(a.release) - XEN_RELEASES.indexOf(b.release)));
}

/**
 * Under a strategy (the scenario's, --strategy) every column removes PFs its way; a release whose
 * own removal no strategy names (4.19.0's pre-links) gets a column of its own before that one, as
 * itself, as --compare adds it beside the seven: neither hides the other. A release whose own
 * removal is a strategy (upstream) shows it under that strategy, or with none.
 */
function withOwnRemovals(s: XenFields, columns: XenColumn[]): XenColumn[] {
  if (s.strategy === undefined) return columns;
  return columns.flatMap((c) => {
    const own = c.standsFor.filter((r) => {
      const removal = xenBehaviour(r).pfRemoval;
      return !isStrategy(removal) && removal !== c.behaviour.pfRemoval;
    });
    const itself = own.map((r): XenColumn => ({ release: r, behaviour: behaviourOf(scenarioXen({ ...s, strategy: undefined }, r, xenBehaviour(r).pfRemoval)), standsFor: [r], asItself: true }));
    return [...itself, c];
  });
}

/** What a run does where releases differ, without which release it is (a column's key). */
function behaviourOf(x: XenBehaviour): XenBehaviour {
  return { vfWithoutPf: x.vfWithoutPf, assignCheck: x.assignCheck, domctlNoDomain: x.domctlNoDomain, pfRemoval: x.pfRemoval, pvhIrqs: x.pvhIrqs, mmioRemoval: x.mmioRemoval, ioportMapping: x.ioportMapping, pci2pcieBridges: x.pci2pcieBridges, identityTracking: x.identityTracking };
}

/** Two runs do the same where releases differ. */
export const sameBehaviour = (a: XenBehaviour, b: XenBehaviour): boolean => JSON.stringify(behaviourOf(a)) === JSON.stringify(behaviourOf(b));

/** "4.20.0-4.20.3, 4.21.0-4.21.1, master": runs of consecutive point releases of one stable line. */
export function releaseRanges(releases: readonly XenRelease[]): string {
  const parts: string[] = [];
  let start = 0;
  releases.forEach((r, i) => {
    const next = releases[i + 1];
    const consecutive = next !== undefined && r !== "master" && next.slice(0, 4) === r.slice(0, 4) && XEN_RELEASES.indexOf(next) === XEN_RELEASES.indexOf(r) + 1;
    if (consecutive) return;
    parts.push(i > start ? `${releases[start]}-${r}` : r);
    start = i + 1;
  });
  return parts.join(", ");
}

/** A --compare-xen list: releases, stable lines ("4.20": each of its releases) and "all", comma
 *  separated; what is not one of them is returned as the error. */
export function parseXenList(text: string): { releases: XenRelease[] } | { bad: string } {
  const out = new Set<XenRelease>();
  for (const item of text.split(",").map((t) => t.trim())) {
    const line = XEN_RELEASES.filter((r) => r.startsWith(`${item}.`));
    const match = item === "all" ? [...XEN_RELEASES] : (XEN_RELEASES as readonly string[]).includes(item) ? [item as XenRelease] : line;
    if (match.length === 0) return { bad: item };
    for (const r of match) out.add(r);
  }
  return { releases: XEN_RELEASES.filter((r) => out.has(r)) };
}
