// What a run says about phantom functions (pdev->phantom_stride): where a device's stride came from
// at its add, that its phantom functions move with it, and why an op naming one finds no device.
// Read from xen/drivers/passthrough/pci.c (alloc_pdev, pci_add_device, iommu_add_device,
// assign_device, deassign_device, pci_get_pdev, pci_get_real_pdev) and vtd/iommu.c at
// RELEASE-4.19.0 .. 4.22.0 and master, where none of it differs.
import type { PciRegistry, SbdfInput } from "../hypervisor/index.js";
import { formatSbdf, toSbdfKey } from "../xen/sbdf.js";
import type { Rc } from "../xsm/types.js";
import type { Scenario } from "./scenario.js";

type Say = (why: string) => void;

const text = (sbdf: SbdfInput): string => {
  const k = toSbdfKey(sbdf);
  return k.ok ? formatSbdf(k.value) : String(sbdf);
};

/** A successful pci_add_device of a device with phantom functions: where its stride came from. */
export function phantomAddWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, devcap: number | undefined): void {
  const phantoms = registry.phantoms(sbdf);
  if (phantoms.length === 0) return;
  const dev = text(sbdf);
  const stride = (toSbdfKey(phantoms[0]!) as { value: number }).value - (toSbdfKey(dev) as { value: number }).value;
  const source =
    devcap !== undefined && devcap !== 0
      ? `its PCI Express Device Capabilities advertise phantom functions (field ${devcap}: stride 8 >> ${devcap} = ${stride})`
      : `pci-phantom= names its slot and its DEVCAP advertises none (stride ${stride})`;
  say(
    `${dev} has phantom functions ${phantoms.join(", ")}: ${source}, so alloc_pdev set pdev->phantom_stride and pci_add_device prints "PCI phantom" for each. Its DMA may carry any of their requester IDs: iommu_add_device, assign_device and deassign_device give the IOMMU each phantom devfn with the device (VT-d maps a context entry for each), while XSM is asked about ${dev} alone`,
  );
}

/** An assign or deassign that moved a device with phantom functions. */
export function phantomMoveWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, op: "assign" | "deassign"): void {
  const phantoms = registry.phantoms(sbdf);
  if (phantoms.length === 0) return;
  const order = op === "assign" ? "after the function itself (assign_device's loop: devfn += pdev->phantom_stride)" : "before the function itself (deassign_device's loop comes first)";
  const owner = registry.device(sbdf)?.owner ?? "no one";
  const entries = registry.iommuVendor() === "vtd" ? `: their context entries now point where ${text(sbdf)}'s does (${registry.contextOwner(phantoms[0]!) ?? "none: unmapped"})` : "";
  say(`${text(sbdf)}'s phantom functions ${phantoms.join(", ")} went with it to ${owner}, each through the IOMMU's reassign ${order}${entries}`);
}

/** An op naming a function that is no device Xen knows but a phantom function of one: -ENODEV
 *  (or test_assign's -EINVAL), as pci_get_pdev() looks no phantom function up. */
export function phantomLookupWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, rc: Rc): void {
  if (rc !== "-ENODEV" && rc !== "-EINVAL") return;
  if (registry.device(sbdf)) return;
  const real = registry.realDevice(sbdf);
  if (real === undefined) return;
  say(
    `${text(sbdf)} is a phantom function of ${real}, not a device of its own: pci_get_pdev() finds a pdev at the exact SBDF or none (it has no phantom handling in any release modelled; pci_get_real_pdev(), which maps a phantom function to its device, serves only the AMD IOMMU's event log), so the op finds nothing. Name ${real}: its phantom functions go with it`,
  );
}

/** A pci_add_device of a function that is another device's phantom function: Xen makes a record
 *  for it all the same. */
export function phantomRecordWhy(say: Say, registry: PciRegistry, sbdf: SbdfInput, rc: Rc, wasPhantomOf: string | undefined): void {
  if (rc !== 0 || wasPhantomOf === undefined) return;
  say(
    `${text(sbdf)} is a phantom function of ${wasPhantomOf}, yet pci_add_device makes a pdev for it (alloc_pdev looks for a record at the exact SBDF only): two records now map that requester ID's context entry, each overwriting the other's as it moves`,
  );
}

/** The SBDFs a scenario's hardware answers at (config reads): its `devices` and every device a
 *  step adds; what the pci-phantom= stride test ("looks to be a real device") reads. */
export function presentFunctions(s: Scenario, key: (sbdf: string) => number): Set<number> {
  const present = new Set<number>();
  for (const d of s.devices ?? []) present.add(key(d.sbdf));
  for (const step of s.steps) if (step.op === "pci_add_device") present.add(key(step.sbdf));
  return present;
}
