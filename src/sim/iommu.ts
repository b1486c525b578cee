// The IOMMU side of passthrough as a run explains it: XEN_DOMCTL_get_device_group (iommu_get_device_group
// over VT-d's requester IDs) and quarantine (dom_io, deassign_device's destination). Read from
// xen/drivers/passthrough/pci.c, iommu.c, vtd/iommu.c, xen/xsm/flask/hooks.c, xen/include/xsm/dummy.h
// and xen/common/domctl.c at RELEASE-4.19.0 .. RELEASE-4.22.0 and master: the quarantine code is the
// same in all of them; where XEN_DOMCTL_get_device_group asks XSM moved with XSA-492.
import { DOM_IO, type PciRegistry, type SbdfInput } from "../hypervisor/index.js";
import type { ContextChange } from "../hypervisor/types.js";
import { formatSbdf, toSbdfKey } from "../xen/sbdf.js";
import type { Domain, Rc } from "../xsm/types.js";
import type { Scenario, Step } from "./scenario.js";
import { xenLabel, type ScenarioXen } from "./xen-release.js";

/** What tools/python's xc.get_device_group gives as sdev_array's room (libxl does not call it). */
export const MAX_SDEVS = 1024;

type Say = (why: string) => void;

/** An assign_device or deassign_device naming "dom_io": the domctl's domain is DOMID_IO, which
 *  do_domctl turns into dom_io without looking it up. */
export function namesDomIo(step: Step): boolean {
  return (step.op === "assign_device" || step.op === "deassign_device") && step.domain === DOM_IO.name;
}

/** The iommu_quarantine mode in words. */
function quarantineMode(registry: PciRegistry): string {
  const mode = registry.quarantine();
  return mode === "basic" ? "iommu=quarantine, Xen's default (IOMMU_QUARANTINE_BASIC)" : mode === "scratch-page" ? "iommu=quarantine=scratch-page" : "iommu=no-quarantine";
}

/** Why deassign_device() sends `sbdf` to dom_io now. */
export function quarantineText(registry: PciRegistry, sbdf: SbdfInput): string {
  return registry.quarantineOf(sbdf) === "pdev->quarantine" ? `it was quarantined by an assignment to dom_io (pdev->quarantine), though ${quarantineMode(registry)}` : quarantineMode(registry);
}

/** A successful assign_device: to dom_io, or out of it (the owner before the step: `from`). */
export function assignWhy(say: Say, scenario: Scenario, target: Domain, from: string | null | undefined): void {
  const flask = scenario.xsm === "flask";
  if (target === DOM_IO) {
    const checks = flask
      ? "flask_assign_device asked current -> dom_io (the domio initial SID) resource:add, current -> device add_device and dom_io -> device use_*, as for any domain"
      : "the dummy module asked what it asks for any domain";
    say(`the device is quarantined in dom_io (XEN_DOMCTL_assign_device with DOMID_IO, as xl pci-assignable-add makes): ${checks}; assign_device marks it (pdev->quarantine), so deassign_device sends it back to dom_io after a guest even with iommu=no-quarantine`);
    return;
  }
  if (from !== DOM_IO.name) return;
  const checks = flask
    ? "flask_assign_device's checks are current -> the target resource:add, current -> device add_device and the target -> device use_*: none names dom_io or the device's owner (no domain_target, no domio_t question)"
    : "the dummy module does not look at the owner either";
  say(`the device comes out of quarantine: device_assigned() takes a device held by dom_io as one held by the hardware domain, and ${checks}`);
}

/** A successful deassign_device: where the device went and why (`reason`: quarantineOf before the step). */
export function deassignWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, target: Domain, reason: ReturnType<PciRegistry["quarantineOf"]>): void {
  if (target === DOM_IO) {
    say(`"De-assignment from dom_io should de-quarantine the device": deassign_device gives it ${hardwareDomainText(registry, sbdf)} and clears pdev->quarantine`);
    return;
  }
  if (reason === "iommu_quarantine") say(`deassign_device sends the device to dom_io, not back to a hardware domain: ${quarantineMode(registry)}, the same in every release modelled; its DMA now faults in dom_io's IOMMU context until an assignment or a deassign from dom_io moves it`);
  else if (reason === "pdev->quarantine") say(`deassign_device sends the device back to dom_io: it was quarantined by an assignment to dom_io (pdev->quarantine), though ${quarantineMode(registry)}`);
  else say(`deassign_device gives the device ${hardwareDomainText(registry, sbdf)}`);
}

/** Where deassign_device() sent a device it did not quarantine, now that it is there: Xen's one
 *  hardware_domain ("target = hardware_domain", pci.c at every release modelled), which in an SVP
 *  need not be the hardware domain that added it; or, with deassignTo adding-hwdom, that one. */
export function hardwareDomainText(registry: PciRegistry, sbdf: SbdfInput): string {
  const now = registry.device(sbdf)?.owner ?? null;
  const [adder, hwdom] = [registry.addedBy(sbdf) ?? null, registry.hardwareDomain()];
  if (now === null) return "to no one: there is no hardware_domain (target = hardware_domain, NULL)";
  if (registry.deassignTarget() === "adding-hwdom") {
    return now === hwdom
      ? `to ${now}, which added it and is Xen's hardware_domain (deassignTo adding-hwdom and Xen's target = hardware_domain agree here)`
      : `back to ${now}, which added it (deassignTo adding-hwdom, an SVP extension): every release modelled gives such a device to its one hardware_domain, ${hwdom ?? "none"} (target = hardware_domain)`;
  }
  const xen = `to Xen's hardware_domain, ${now} (target = hardware_domain, in every release modelled)`;
  if (adder === null || adder === now) return xen;
  return `${xen}, not back to ${adder}, the hardware domain that added it: Xen has one hardware_domain, so with several (SVP) ${adder} loses the device to ${now} ("deassignTo": "adding-hwdom" models the SVP extension that returns it)`;
}

/** XEN_DOMCTL_get_device_group as the step runs it: the registry's answer, the trace's reasons. */
export function deviceGroup(as: Domain, d: Domain, sbdf: SbdfInput, maxSdevs: number, registry: PciRegistry, scenario: Scenario, xen: ScenarioXen, say: Say, group: (sdevs: string[]) => void): Rc {
  const g = registry.getDeviceGroup(as, d, sbdf, maxSdevs);
  if (xen.release !== undefined && g.iommu) say(askedWhy(xen, scenario));
  const noIommu = noIommuWhy("get_device_group", g.rc, xen, scenario.xsm, noIommuCause(registry, d));
  if (noIommu !== undefined) say(noIommu);
  if (g.rc !== 0 && g.rc !== "-ENODEV") return g.rc; // the XSM check (or the SBDF) refused: its decision says why
  group(g.sdevs.map((k) => formatSbdf(k)));
  const key = toSbdfKey(sbdf);
  const k = key.ok ? key.value : 0;
  if (g.rc === "-ENODEV" && registry.iommuVendor() === "amd") {
    say(`no IVHD block of the IVRS table covers segment ${formatSbdf(k).slice(0, 4)}, and ${formatSbdf(k).slice(5)} is below ivrs_bdf_entries: amd_iommu_group_id's get_dma_requestor_id would read that segment's ivrs_mappings, which do not exist (get_ivrs_mappings: NULL; Xen dereferences it, a host crash, modelled as -ENODEV)`);
    return g.rc;
  }
  if (g.rc === "-ENODEV") {
    say(`segment ${formatSbdf(k).slice(0, 4)} is not one Xen knows and the bus is not 0: find_upstream_bridge finds no pci_seg, so intel_iommu_group_id is -ENODEV; num_sdevs is 0 and the error comes back through the domctl`);
    return g.rc;
  }
  const gid = k - (k & 0xffff) + g.groupId!; // the group is a bdf in the device's segment
  const own = gid === k;
  if (!registry.device(sbdf)) say(`${formatSbdf(k)} is no device Xen knows: iommu_get_device_group does not look it up, only its requester ID`);
  say(groupWhy(registry, k, gid));
  const listed = g.sdevs.length ? `${g.sdevs.map((x) => formatSbdf(x)).join(", ")} (sdev_array entries ${g.sdevs.map((x) => `0x${(((x >> 8) & 0xff) << 16 | (x & 0xff) << 8).toString(16)}`).join(", ")}: (bus << 16) | (devfn << 8), no segment)` : "none";
  say(`of ${d.name}'s devices (for_each_pdev(d), newest first, the segment's only), in the group: ${listed}`);
  if (g.refused.length) say(`xsm_get_device_group refused ${g.refused.map((x) => formatSbdf(x)).join(", ")}: skipped, not an error (iommu_get_device_group asks before it compares groups)`);
  if (g.truncated) say(`${g.truncated} more in the group past max_sdevs ${maxSdevs}: neither listed nor counted in num_sdevs`);
  return g.rc;
}

/** Why the device's group is `gid` (a machine_bdf key in its segment): VT-d's bridge, AMD's IVRS alias. */
function groupWhy(registry: PciRegistry, k: number, gid: number): string {
  const [dev, id] = [formatSbdf(k), formatSbdf(gid)];
  if (registry.iommuVendor() === "amd") {
    const alias = registry.ivrsAlias(k);
    if (gid !== k) return `${dev}'s group is requester ID ${id}, its alias in the IVRS table (amd_iommu_group_id: get_dma_requestor_id, ivrs_mappings[bdf].dte_requestor_id): devices IVRS gives the same alias share it, and its DMA uses that ID's device table entry`;
    if (alias !== undefined && alias !== k) return `${dev}'s group is its own requester ID: IVRS gives it the alias ${formatSbdf(alias)}, but has entries for both (ivrs_mappings[].valid), so get_dma_requestor_id keeps the device's own ("Some devices will use alias id and original device id")`;
    return `${dev}'s group is its own requester ID: no IVRS entry gives it an alias (amd_iommu_group_id: get_dma_requestor_id); an AMD IOMMU does not look at bridges (bus2bridge)`;
  }
  return gid === k ? `${dev}'s group is its own requester ID: no bridge Xen recorded (bus2bridge) is above its bus` : `${dev}'s group is the requester ID of ${id}, the topmost PCI bridge above it (find_upstream_bridge): devices behind a PCIe-to-PCI or PCI bridge share it`;
}

/** AMD: why pci_add_device's iommu_add_device refused the device, or took function 0's IVRS
 *  mapping for it (find_iommu_for_device); undefined when IVRS named it. */
export function ivrsAddWhy(registry: PciRegistry, sbdf: string, rc: Rc, covered: ReturnType<PciRegistry["ivrsCovers"]>): string | undefined {
  if (registry.iommuVendor() !== "amd") return vtdAddWhy(registry, sbdf, rc);
  if (rc === "-ENODEV" && !covered.covered && registry.iommuRefused(sbdf)) {
    const where = covered.segment
      ? `no entry of the IVRS table names ${sbdf} or its function 0 (find_iommu_for_device: ivrs_mappings[bdf].iommu NULL)`
      : `no IVHD block of the IVRS table covers segment ${sbdf.slice(0, 4)} (find_iommu_for_device: get_ivrs_mappings is NULL)`;
    return `${where}, so amd_iommu_add_device has no IOMMU to give it to: -ENODEV. pci_add_device takes it off the hardware domain's list and keeps the pdev, owned by no one: assigning it is -EBUSY (device_assigned), removing it frees it with -EINVAL (iommu_remove_device), adding it again tries again`;
  }
  if (rc === 0 && covered.via === "function 0") {
    const r = registry.requesterId(sbdf);
    return `no IVRS entry names ${sbdf}, but one names its function 0: find_iommu_for_device copies function 0's ivrs_mappings entry to it (requester ID ${r?.id ?? "its own"}) and uses function 0's IOMMU`;
  }
  return undefined;
}

/** VT-d: why pci_add_device's iommu_add_device refused a PCI-to-PCIe bridge. */
function vtdAddWhy(registry: PciRegistry, sbdf: string, rc: Rc): string | undefined {
  if (rc !== "-EINVAL" || registry.bridgeType(sbdf) !== "pci-to-pcie" || !registry.iommuRefused(sbdf)) return undefined;
  return `${sbdf} is a PCI-to-PCIe bridge (DEV_TYPE_PCI2PCIe_BRIDGE), for which VT-d's domain_context_mapping has no case: its default makes intel_iommu_add_device -EINVAL (a debug build logs "unknown(4)"). pci_add_device takes it off the hardware domain's list and keeps the pdev, owned by no one: assigning it is -EBUSY (device_assigned), removing it frees it with -EINVAL (iommu_remove_device)`;
}

/** A device pci_add_device kept with no owner after iommu_add_device refused it (pdev->domain
 *  NULL), and what an assignment domctl or a removal makes of it (pci.c, every release modelled). */
export function iommuRefusedWhy(sbdf: string, op: "assign" | "test_assign" | "remove"): string {
  const why = {
    assign: "device_assigned finds its domain neither hardware_domain nor dom_io: -EBUSY",
    test_assign: `device_assigned finds its domain neither hardware_domain nor dom_io, so XEN_DOMCTL_test_assign_device logs "${sbdf} already assigned, or non-existent" and returns -EINVAL`,
    remove: "pci_remove_device frees it all the same, and returns iommu_remove_device's -EINVAL for a pdev with no domain",
  }[op];
  return `${sbdf} is the pdev pci_add_device kept when the IOMMU refused it (pdev->domain NULL): ${why}`;
}

/** AMD: a device moving into or out of dom_io shares its requester ID with others (an IVRS alias):
 *  amd_iommu_setup_domain_device() writes the device table entry of that ID, which theirs is too. */
export function sharedDteWhy(registry: PciRegistry, sbdf: SbdfInput, to: string): string | undefined {
  if (registry.iommuVendor() !== "amd") return undefined;
  const r = registry.requesterId(sbdf);
  if (r === undefined || r.shared.length === 0) return undefined;
  const key = toSbdfKey(sbdf);
  const dev = key.ok ? formatSbdf(key.value) : String(sbdf);
  const how = to === DOM_IO.name ? (registry.quarantine() === "scratch-page" ? "points it at the device's own quarantine page tables (amd_iommu_setup_domain_device)" : "aborts its DMA (no quarantine page tables without scratch-page or a unity map: amd_iommu_disable_domain_device)") : `points it at ${to}'s page tables (amd_iommu_setup_domain_device)`;
  return `${dev}'s DMA carries requester ID ${r.id} (IVRS), as ${r.shared.join(", ")} ${r.shared.length === 1 ? "does" : "do"}: reassign_device rewrites the device table entry of ${r.id}, which their DMA goes through too, and ${how}, whoever owns them (Xen moves only ${dev})`;
}

const BRIDGE_NAMES = { "pcie-to-pci": "PCIe-to-PCI bridge", "pci-to-pcie": "PCI-to-PCIe bridge", "legacy-pci": "legacy PCI bridge" } as const;

/** VT-d: a device's mapping rewrote or cleared a context entry it shares with the bridge above it
 *  (domain_context_mapping / domain_context_unmap, vtd/iommu.c at RELEASE-4.19.0 .. 4.22.0 and
 *  master, the same in all): which entry, whose it was and is, and whose DMA goes through it.
 *  `name`: a domid's domain name. */
export function contextWhy(registry: PciRegistry, c: ContextChange, name: (domid: number) => string): string {
  const [dev, rid, bridge] = [formatSbdf(c.device), formatSbdf(c.rid), formatSbdf(c.bridge)];
  if (c.via === "phantom") return phantomContextWhy(registry, c, dev, rid, name);
  const kind = BRIDGE_NAMES[registry.bridgeType(c.bridge) ?? "pcie-to-pci"];
  const id = c.via === "bridge" ? `the bridge's own requester ID, ${rid},` : `${rid}, the bridge's secondary bus with devfn 0 ("Devices behind PCIe-to-PCI/PCIx bridge may generate different requester-id"),`;
  const head =
    c.via === "device"
      ? `${dev}'s own requester ID is also (secondary bus, devfn 0) behind the ${kind} ${bridge}, which VT-d maps with each conventional PCI device there`
      : `${dev} is a conventional PCI device (DEV_TYPE_PCI: no PCI Express capability) behind the ${kind} ${bridge}, so VT-d maps ${id} with it`;
  const tables = (domid: number) => (domid === DOM_IO.domid ? "the device's quarantine page tables in dom_io (scratch-page, its pseudo domain ID)" : `${name(domid)}'s page tables`);
  const users = registry.contextUsers(c.rid, c.device).map((u) => `${u} (${registry.device(u)?.owner ?? "no one"}'s)`);
  if (c.to !== null) {
    const rewrite = c.via === "device" ? "" : ", and domain_context_mapping_one rewrites an entry another domain holds without a refusal (no -EBUSY, no device-group check)";
    const before = c.from === null ? "it was not present" : `it pointed at ${tables(c.from)}${rewrite}`;
    const dma = users.length ? `: the DMA of ${users.join(", ")} carrying that ID now goes through ${tables(c.to)}` : "";
    return `${head}: domain_context_mapping points that context entry at ${tables(c.to)}${c.via === "device" ? " with the device's" : ""}; ${before}${dma}`;
  }
  const was = c.from === null ? "" : ` (it pointed at ${tables(c.from)})`;
  const dma = users.length ? `: the DMA of ${users.join(", ")} carrying that ID now faults, whoever holds ${users.length === 1 ? "it" : "them"}` : "";
  return `${head}: domain_context_unmap clears that context entry${c.via === "device" ? "" : " with the device's own"}${was}${dma}`;
}

/** VT-d: a device's phantom function's context entry, which another record also maps (a pdev
 *  pci_add_device made at that devfn, or a bridge alias), was rewritten or cleared with the device. */
function phantomContextWhy(registry: PciRegistry, c: ContextChange, dev: string, rid: string, name: (domid: number) => string): string {
  const tables = (domid: number) => (domid === DOM_IO.domid ? "the device's quarantine page tables in dom_io (scratch-page, its pseudo domain ID)" : `${name(domid)}'s page tables`);
  const users = registry.contextUsers(c.rid, c.device).map((u) => `${u} (${registry.device(u)?.owner ?? "no one"}'s)`);
  const what = c.to === null ? `domain_context_unmap clears it${c.from === null ? "" : ` (it pointed at ${tables(c.from)})`}` : `domain_context_mapping points it at ${tables(c.to)}${c.from === null ? "" : `; it pointed at ${tables(c.from)}`}`;
  return `${rid} is a phantom function of ${dev}, so the IOMMU maps its context entry with ${dev}, and ${what}; ${users.join(", ")} map${users.length === 1 ? "s" : ""} that requester ID too, and ${users.length === 1 ? "its" : "their"} DMA carrying it goes where ${dev}'s phantom function's does`;
}

/** VT-d: why assign_device refused a host bridge (vtd/iommu.c, RELEASE-4.19.0 .. 4.22.0 and master). */
export function hostBridgeWhy(sbdf: string, target: string, quarantine: string): string {
  const why = target === DOM_IO.name ? `dom_io has quarantine page tables (${quarantine}), so reassign_device_ownership maps it there` : "reassign_device_ownership maps it for the new domain";
  return `${sbdf} is a host bridge (DEV_TYPE_PCI_HOST_BRIDGE): ${why}, and domain_context_mapping maps a host bridge for no one and answers -EPERM for a domain other than the hardware domain ("Hostbridge: skip map"); assign_device logs the failure, after pdev_msix_assign`;
}

/** VT-d: why deassign_device (a domctl's, or pci_release_devices' at a teardown: `teardown`) refused
 *  to move a host bridge to dom_io under scratch-page (pci.c and vtd/iommu.c, RELEASE-4.19.0 ..
 *  4.22.0 and master). */
export function hostBridgeDeassignWhy(sbdfs: string[], from: string, teardown: boolean): string {
  const list = sbdfs.join(", ");
  const one = sbdfs.length === 1;
  const head = `${list} ${one ? "is a host bridge" : "are host bridges"} (DEV_TYPE_PCI_HOST_BRIDGE) and the quarantine is scratch-page: deassign_device sends ${one ? "it" : "them"} to dom_io, iommu_quarantine_dev_init gives ${one ? "it" : "each"} quarantine page tables, so reassign_device_ownership does not skip the move (QUARANTINE_SKIP is false) and domain_context_mapping refuses a host bridge to any domain but the hardware domain: -EPERM ("%pd: deassign (%pp) failed (-1)"), ${one ? "the device stays" : "they stay"} with ${from}`;
  if (!teardown) return `${head}; deassign from dom_io or a no-quarantine host would return ${one ? "it" : "them"} to the hardware domain instead`;
  return `${head}. pci_release_devices deassigns ${from}'s other devices, puts ${one ? "this one" : "these"} back on its list and returns -EPERM, so domain_relinquish_resources stops and domain_kill with it: XEN_DOMCTL_destroydomain is -EPERM and ${from} stays dying (DOMDYING_dying), holding ${list}; a destroydomain again fails the same way`;
}

/** The IOMMU domctls iommu_do_domctl answers. */
export type IommuDomctl = "assign_device" | "deassign_device" | "test_assign_device" | "get_device_group";

/**
 * Why one of them failed where the domain has no IOMMU to use (`cause`: the host has none,
 * RegistryOptions.iommu false, or the domain was created without XEN_DOMCTL_CDF_iommu):
 * iommu_do_domctl's first test, `!(d ? is_iommu_enabled(d) : iommu_enabled)`, -EOPNOTSUPP in every
 * release, and what XSM asked before it in this release; or XSM refused first. Undefined without a
 * cause or when neither applies. `named`: test_assign_device names a domain (d is not NULL), so
 * its hook is flask_assign_device with that d.
 */
export function noIommuWhy(op: IommuDomctl, rc: Rc, xen: ScenarioXen, module: "flask" | "dummy", cause: string | undefined, named = op !== "test_assign_device"): string | undefined {
  if (cause === undefined) return undefined;
  const xsa492 = xen.assignCheck === "xsm_domctl";
  const label = xenLabel(xen, xsa492 ? "assignCheck xsm_domctl" : "the model's defaults");
  const flask = module === "flask";
  const hook = op === "test_assign_device" && !named ? "flask_test_assign_device" : op === "deassign_device" ? "flask_deassign_device" : "flask_assign_device";
  if (rc === "-EACCES" || rc === "-EPERM") return `${cause}, but XSM refused first: iommu_do_domctl's -EOPNOTSUPP comes after do_domctl's xsm_domctl${xsa492 && op !== "get_device_group" && flask ? `, which asks ${hook}'s checks in ${label} (XSA-492)` : ""}`;
  if (rc !== "-EOPNOTSUPP") return undefined;
  const test = named ? "!is_iommu_enabled(d)" : "!iommu_enabled: the domctl names no domain";
  const head = `${cause}: iommu_do_domctl answers XEN_DOMCTL_${op} -EOPNOTSUPP (${test}) before iommu_do_pci_domctl looks at it, in every release`;
  if (op === "get_device_group") {
    return xsa492
      ? `${head}; ${label} hands the domctl to it before xsm_domctl (XSA-492) and xsm_get_device_group is iommu_do_pci_domctl's, so nothing was asked`
      : `${head}; in ${label} do_domctl's xsm_domctl came first (${flask ? "flask_domctl asks nothing for it" : "dummy.h's XSM_PRIV, current -> the domain"}), xsm_get_device_group is not reached (since XSA-492 nothing is asked)`;
  }
  return xsa492
    ? `${head}; in ${label} xsm_domctl asked first (XSA-492: ${flask ? `${hook}'s checks` : "dummy.h's XSM_PRIV"}), so a policy that denies them answers instead`
    : `${head}; in ${label} only do_domctl's xsm_domctl came first (${flask ? "flask_domctl asks nothing for it" : "dummy.h's XSM_PRIV"}): iommu_do_pci_domctl's ${op === "deassign_device" ? "xsm_deassign_device" : "xsm_assign_device"} is not reached (since XSA-492 ${flask ? `${hook}'s checks come` : "nothing more comes"} before the -EOPNOTSUPP)`;
}

/** Why is_iommu_enabled(d) is false for the domctl's domain (`d`; undefined: it names none, and
 *  iommu_enabled is asked), or undefined when it is true. */
export function noIommuCause(registry: PciRegistry, d: Domain | undefined): string | undefined {
  if (registry.iommuEnabled(d)) return undefined;
  if (!registry.iommuEnabled()) return "no IOMMU (iommu none)";
  return `${d!.name} was created without XEN_DOMCTL_CDF_iommu (xl.cfg passthrough="disabled": libxl's default for a guest configured without pci devices), though the host has an IOMMU`;
}

/** Where the domctl asks XSM in the scenario's release (said only when it names one). */
function askedWhy(xen: ScenarioXen, scenario: Scenario): string {
  const flask = scenario.xsm === "flask";
  if (xen.assignCheck === "xsm_domctl") {
    return `Xen ${xen.release}: do_domctl hands XEN_DOMCTL_get_device_group to iommu_do_domctl before xsm_domctl (XSA-492), so xsm_get_device_group is the only check: ${flask ? "flask_get_device_group, current -> device stat_device" : "dummy.h's XSM_PRIV"}, for the device and for each other device of the domain in its segment`;
  }
  return `Xen ${xen.release}: do_domctl's xsm_domctl comes first (${flask ? "flask_domctl asks nothing for it" : "dummy.h's XSM_PRIV, current -> the domain"}), then xsm_get_device_group (${flask ? "flask_get_device_group, current -> device stat_device" : "dummy.h's XSM_HOOK"}), for the device and for each other device of the domain in its segment; since XSA-492 (4.19.6, 4.20.4, 4.21.2, 4.22.0) only the hook, XSM_PRIV in dummy.h`;
}
