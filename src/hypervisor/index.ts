// The hypervisor layer's public surface: the PCI registry (xen/drivers/passthrough/pci.c) and the
// domains' I/O capabilities, MSI-X and event channels it holds.
export { PciRegistry, domainTable, type SbdfInput } from "./registry.js";
export { parseSbdf, formatSbdf, sbdfKey, sbdfFromKey, toSbdfKey, devfn, type Sbdf, type Parsed } from "../xen/sbdf.js";
export { PF_REMOVAL, STRATEGY_TRAITS, type StrategyTraits } from "./strategies.js";
export * from "./types.js";
export type { IdentityMap, IdentityTracking, P2mAccess, P2mView, RmrrUnit, UnityMap } from "./rdm.js";
