// What the toolstack does around a passed-through device (tools/libs/light/libxl_pci.c): the
// hypercalls `xl pci-attach` (and `xl create` with pci = [...]) and `xl pci-detach` make for a
// device's BARs and legacy IRQ, as sysfs shows them (the scenario's `devices`), in libxl's order.
import type { IoCaps } from "../hypervisor/iocaps.js";
import type { AssignFlags, PciRegistry, PvhIrqs } from "../hypervisor/index.js";
import type { Domain, Rc } from "../xsm/types.js";
import type { DeviceSpec } from "./scenario.js";
import { parseNum } from "./validate.js";

/** XC_PAGE_SHIFT. */
const PAGE_SHIFT = 12;
/** libxl_pci.c's PCI_IRQ_LINE_LIMIT: an irq file value at or above it is no legacy IRQ. */
const PCI_IRQ_LINE_LIMIT = 0xff;

export interface Toolstack {
  io: IoCaps;
  registry: PciRegistry;
  /** The device's resources from the scenario, by machine_bdf. */
  device(sbdf: number): DeviceSpec | undefined;
  /** An explanation line in the trace (what libxl logged, why it stopped). */
  why(text: string): void;
  /** The release's libxl: `none` (4.19) has no GSI path and maps the legacy IRQ by pirq from any
   *  toolstack domain. */
  pvhIrqs: PvhIrqs;
}

interface Bar {
  io: boolean;
  start: number;
  size: number;
}

function bars(spec: DeviceSpec | undefined): Bar[] {
  return (spec?.bars ?? []).map((b) => ({ io: b.io !== undefined, start: parseNum(b.io ?? b.mem)!, size: parseNum(b.size)! }));
}

/** A memory BAR's frames as libxl asks for them: start >> XC_PAGE_SHIFT, the size rounded up to pages. */
const frames = (b: Bar) => ({ first: Math.floor(b.start / 2 ** PAGE_SHIFT), nr: Math.ceil(b.size / 2 ** PAGE_SHIFT) });

const legacyIrq = (spec: DeviceSpec | undefined) => (spec?.irq !== undefined && spec.irq > 0 && spec.irq < PCI_IRQ_LINE_LIMIT ? spec.irq : undefined);

/** libxl__arch_local_domain_has_pirq_notion() (f97f885c71, 4.20.0): a PV toolstack domain, or an
 *  HVM one with XEN_X86_EMU_USE_PIRQ, has pirqs; a PVH dom0 has none and takes the GSI path. The
 *  libxl of 4.19 asks nothing of the kind: every toolstack domain takes the pirq path. */
const gsiPath = (t: Toolstack, as: Domain) => t.pvhIrqs === "gsi" && as.hvm === true && as.hvmPirq !== true;

/**
 * pci_add_dm_done(): xc_domain_ioport_permission / xc_domain_iomem_permission for each BAR with a
 * non-zero start, then for the legacy IRQ xc_physdev_map_pirq(domid, irq, &pirq = irq) and
 * xc_domain_irq_permission(domid, pirq), then xc_assign_device. The first failure ends it; what
 * was granted before stays granted (libxl does not revoke it). From a toolstack domain without
 * pirqs (PVH dom0) the IRQ goes by its GSI instead (libxl__arch_hvm_map_gsi):
 * xc_physdev_map_pirq_gsi(domid, gsi, &pirq = -1), then xc_domain_gsi_permission(GRANT).
 */
export function pciAttach(t: Toolstack, as: Domain, d: Domain, sbdf: number, flags: AssignFlags = {}): Rc {
  const spec = t.device(sbdf);
  for (const b of bars(spec)) {
    if (b.start === 0) continue;
    const rc = b.io ? t.io.ioportPermission(as, d, b.start, b.size, true) : t.io.iomemPermission(as, d, frames(b).first, frames(b).nr, true);
    if (rc !== 0) return stop(t, rc, `libxl: ${b.io ? "xc_domain_ioport_permission" : "xc_domain_iomem_permission"} 0x${b.start.toString(16)}/0x${b.size.toString(16)} failed: the device is not attached`);
  }
  const irq = legacyIrq(spec);
  if (gsiPath(t, as)) {
    // xc_pcidev_get_gsi(): no GSI (ENOENT) is no IRQ to map
    const gsi = spec?.irq !== undefined && spec.irq > 0 ? spec.irq : undefined;
    if (gsi !== undefined) {
      const mapped = t.io.mapPirq(as, d, { gsi }, -1);
      if (mapped.rc !== 0) return stop(t, mapped.rc, `libxl: xc_physdev_map_pirq_gsi gsi=${gsi} failed (libxl__arch_hvm_map_gsi): the device is not attached`);
      const rc = t.io.gsiPermission(as, d, gsi, 1);
      if (rc !== 0) return stop(t, rc, `libxl: xc_domain_gsi_permission gsi=${gsi} failed (libxl__arch_hvm_map_gsi): the device is not attached`);
    }
  } else if (irq !== undefined) {
    const mapped = t.io.mapPirq(as, d, { gsi: irq }, irq);
    if (mapped.rc !== 0) return stop(t, mapped.rc, `libxl: xc_physdev_map_pirq irq=${irq} failed: the device is not attached`);
    const rc = t.io.irqPermission(as, d, mapped.pirq!, true);
    if (rc !== 0) return stop(t, rc, `libxl: xc_domain_irq_permission irq=${mapped.pirq} failed: the device is not attached`);
  }
  // xc_assign_device's flag: XEN_DOMCTL_DEV_RDM_RELAXED unless the device's rdm_policy is strict
  const rc = t.registry.assignDevice(as, d, sbdf, flags);
  return rc === 0 ? 0 : stop(t, rc, "libxl: xc_assign_device failed: the device is not attached (what was granted for it stays)");
}

/**
 * pci_remove_detached(): revoke each BAR, xc_physdev_unmap_pirq and xc_domain_irq_permission(.., 0)
 * for the legacy IRQ, then xc_deassign_device. libxl logs each failure and carries on; it returns 0.
 * From a toolstack domain without pirqs, libxl__arch_hvm_unmap_gsi: xc_physdev_map_pirq_gsi with
 * pirq -1 to learn the guest's pirq, xc_physdev_unmap_pirq, xc_domain_gsi_permission(REVOKE); a
 * failure there ends the removal (goto out): the device stays assigned and the error is returned.
 */
export function pciDetach(t: Toolstack, as: Domain, d: Domain, sbdf: number): Rc {
  const spec = t.device(sbdf);
  const logged = (rc: Rc, call: string) => {
    if (rc !== 0) t.why(`libxl: ${call} failed (${rc}); libxl logs it and carries on`);
  };
  for (const b of bars(spec)) {
    if (b.start === 0) continue;
    if (b.io) logged(t.io.ioportPermission(as, d, b.start, b.size, false), `xc_domain_ioport_permission 0x${b.start.toString(16)}/0x${b.size.toString(16)}`);
    else logged(t.io.iomemPermission(as, d, frames(b).first, frames(b).nr, false), `xc_domain_iomem_permission 0x${b.start.toString(16)}/0x${b.size.toString(16)}`);
  }
  const irq = legacyIrq(spec);
  if (gsiPath(t, as)) {
    const gsi = spec?.irq !== undefined && spec.irq > 0 ? spec.irq : undefined;
    if (gsi !== undefined) {
      const mapped = t.io.mapPirq(as, d, { gsi }, -1);
      if (mapped.rc !== 0) return stop(t, mapped.rc, `libxl: xc_physdev_map_pirq_gsi gsi=${gsi} failed (libxl__arch_hvm_unmap_gsi): the device stays assigned`);
      const rc = t.io.unmapPirq(as, d, mapped.pirq!);
      if (rc !== 0) return stop(t, rc, `libxl: xc_physdev_unmap_pirq gsi=${gsi} failed (libxl__arch_hvm_unmap_gsi): the device stays assigned`);
      const rc2 = t.io.gsiPermission(as, d, gsi, 0);
      if (rc2 !== 0) return stop(t, rc2, `libxl: xc_domain_gsi_permission gsi=${gsi} failed (libxl__arch_hvm_unmap_gsi): the device stays assigned`);
    }
  } else if (irq !== undefined) {
    logged(t.io.unmapPirq(as, d, irq), `xc_physdev_unmap_pirq irq=${irq}`);
    logged(t.io.irqPermission(as, d, irq, false), `xc_domain_irq_permission irq=${irq}`);
  }
  logged(t.registry.deassignDevice(as, d, sbdf), "xc_deassign_device");
  return 0;
}

function stop(t: Toolstack, rc: Rc, why: string): Rc {
  t.why(why);
  return rc;
}
