// A device's MSI-X capability as Xen tracks it for passthrough (struct arch_msix, arch/x86/msi.c):
// how many entries its table has, where the table and the PBA lie once Xen has located them
// (msix->table, msix->pba: page frames), how many users hold them (used_entries: each mapped entry,
// and PHYSDEVOP_prepare_msix's one), and the frames Xen makes read-only to every domain while
// anyone uses them (mmio_ro_ranges). Pure bookkeeping; IoCaps makes the calls in Xen's order.
import { RangeSet, type Range } from "../xen/rangeset.js";
import { PAGE_SHIFT } from "../xen/machine.js";

/** A device's MSI-X capability as the toolstack would read it: the table's size and the byte
 *  addresses of the table and the PBA (their BAR, a VF's through its PF's SR-IOV BAR, plus the
 *  capability's offsets: what read_pci_mem_bar() + table_offset gives). */
export interface MsixSpec {
  entries: number;
  table: number;
  pba: number;
}

/** PCI_MSIX_ENTRY_SIZE. */
export const PCI_MSIX_ENTRY_SIZE = 16;

const pfn = (addr: number) => Math.floor(addr / 2 ** PAGE_SHIFT);

export interface MsixReport {
  entries: number;
  /** used_entries. */
  used: number;
  /** The frames of the table and the PBA, once located (0 = not located, as Xen's table.first). */
  table?: Range;
  pba?: Range;
  /** The capability's MASKALL bit is set (PCI_MSIX_FLAGS_MASKALL); only when set. */
  maskall?: true;
}

export class Msix {
  used = 0;
  table: Range | null = null;
  pba: Range | null = null;
  /** The control register's MASKALL bit (pdev_msi_init clears it when Xen first sees the device). */
  maskall = false;
  /** msix->host_maskall: Xen itself wants every entry masked. */
  hostMaskall = false;
  /** msix->guest_maskall: the MASKALL the hardware domain last wrote (pci_msi_conf_write_intercept). */
  guestMaskall = false;

  constructor(readonly spec: MsixSpec) {}

  /** msix_capability_init()'s "Locate MSI-X table region": the frames of the table (nr_entries
   *  entries of 16 bytes) and of the PBA (Xen adds BITS_TO_LONGS(nr_entries) - 1 bytes: a count of
   *  longs, not bytes). */
  locate(): void {
    this.locateAt(this.spec.table, this.spec.pba);
  }

  /** The same at other addresses (Xen 4.19.0 with no PF to read a VF's BAR through: table_base's). */
  locateAt(table: number, pba: number): void {
    const { entries } = this.spec;
    this.table = { start: pfn(table), end: pfn(table + entries * PCI_MSIX_ENTRY_SIZE - 1) };
    this.pba = { start: pfn(pba), end: pfn(pba + Math.ceil(entries / 64) - 1) };
  }

  report(): MsixReport {
    return { entries: this.spec.entries, used: this.used, ...(this.table ? { table: { ...this.table } } : {}), ...(this.pba ? { pba: { ...this.pba } } : {}), ...(this.maskall ? { maskall: true as const } : {}) };
  }
}

/** mmio_ro_ranges: frames no domain may write (rangeset_add_range / rangeset_remove_range when a
 *  device's MSI-X gets its first user or loses its last). */
export class MmioRo {
  private readonly set = new RangeSet();
  add(m: Msix): void {
    if (m.table) this.set.add(m.table.start, m.table.end);
    if (m.pba) this.set.add(m.pba.start, m.pba.end);
  }
  remove(m: Msix): void {
    if (m.table) this.set.remove(m.table.start, m.table.end);
    if (m.pba) this.set.remove(m.pba.start, m.pba.end);
  }
  list(): Range[] {
    return this.set.list();
  }
  /** The part of `ranges` that is read-only. */
  within(ranges: readonly Range[]): Range[] {
    const out = new RangeSet();
    for (const r of ranges) for (const ro of this.set.list()) {
      const start = Math.max(r.start, ro.start);
      const end = Math.min(r.end, ro.end);
      if (start <= end) out.add(start, end);
    }
    return out.list();
  }
}
