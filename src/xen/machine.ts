// The example x86 host the passthrough model runs on: the numbers Xen reads from the hardware at
// boot (IO-APIC pins, physical address width, where the APICs sit), fixed here so a scenario's
// IRQs, pages and ports mean the same thing on every run.
import type { Range } from "./rangeset.js";

/** nr_irqs_gsi: two IO-APICs of 24 pins. On x86 nr_static_irqs is nr_irqs_gsi (irq.h): an IRQ
 *  below it is a GSI, labelled by pirqcon; above it an IRQ is made per MSI vector (create_irq). */
export const NR_IRQS_GSI = 48;
/** nr_irqs: the GSIs and the dynamic IRQs create_irq() hands out for MSI. */
export const NR_IRQS = 256;
/** No interrupt source overrides: GSI n is IRQ n (gsi_2_irq, io_apic.c), and GSI 0 (pin 0 of
 *  IO-APIC 0, no IRQ) is -EINVAL there; a GSI above nr_irqs_gsi - 1 (highest_gsi) is -ERANGE. */
export const HIGHEST_GSI = NR_IRQS_GSI - 1;
/** NR_HVM_DOMU_IRQS: an HVM guest's emulated GSIs (the vIO-APIC's 48 pins, VIOAPIC_NUM_PINS). */
export const NR_HVM_DOMU_IRQS = 48;
/** MAX_MSI_IRQS (irq.c): the most vectors an MSI capability offers, so a multi-vector block's limit. */
export const MAX_MSI_IRQS = 32;
/** NR_ISA_IRQS: get_free_pirq() gives GSI pirqs from here up. */
export const NR_ISA_IRQS = 16;
/** d->nr_pirqs of a domU: nr_static_irqs + extra_domU_irqs (32, Xen's default). */
export const NR_PIRQS_DOMU = NR_IRQS_GSI + 32;
/** d->nr_pirqs of the hardware domain: nr_static_irqs + extra_hwdom_irqs, as large as nr_irqs here. */
export const NR_PIRQS_HWDOM = NR_IRQS;
/** paddr_bits: 46 (a common Intel server), so machine frames are 0 .. 2^34 - 1. */
export const PADDR_BITS = 46;
export const PAGE_SHIFT = 12;
export const MAX_MFN = 2 ** (PADDR_BITS - PAGE_SHIFT) - 1;
/** MAX_IOPORTS. */
export const MAX_IOPORTS = 0x10000;

/** What dom0_setup_permissions() (arch/x86/dom0_build.c) takes back from the hardware domain's
 *  full I/O ranges on this host: the PICs and their ELCR, the PIT, port 0x61, A20/INIT, IGNNE#,
 *  reset control and PCI configuration data; the local APIC and the IO-APIC pages. */
export const HWDOM_DENIED_IOPORTS: readonly Range[] = [
  { start: 0x20, end: 0x21 },
  { start: 0xa0, end: 0xa1 },
  { start: 0x4d0, end: 0x4d1 },
  { start: 0x40, end: 0x43 },
  { start: 0x61, end: 0x61 },
  { start: 0x92, end: 0x92 },
  { start: 0xf0, end: 0xf0 },
  { start: 0xcf9, end: 0xcf9 },
  { start: 0xcfc, end: 0xcff },
];
export const HWDOM_DENIED_IOMEM: readonly Range[] = [
  { start: 0xfee00, end: 0xfee00 }, // local APIC, mp_lapic_addr 0xfee00000
  { start: 0xfec00, end: 0xfec00 }, // IO-APIC 0
  { start: 0xfec01, end: 0xfec01 }, // IO-APIC 1
];

/** EVTCHNS_PER_BUCKET: PAGE_SIZE / next_power_of_2(sizeof(struct evtchn)), struct evtchn being
 *  aligned to 64 bytes: a domain's valid ports grow 64 at a time (port_is_valid). */
export const EVTCHNS_PER_BUCKET = 64;
/** max_evtchns(d) of the 2-level ABI on a 64-bit guest (BITS_PER_EVTCHN_WORD squared); the FIFO
 *  ABI (EVTCHNOP_init_control) is not modelled. */
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** libxl's default max_evtchn_port (b_info->event_channels = 1023, libxl_create.c); dom0 is built
 *  with max_evtchn_port -1 (arch/x86/setup.c), so only max_evtchns limits it. */
export const LIBXL_MAX_EVTCHN_PORT = 1023;
