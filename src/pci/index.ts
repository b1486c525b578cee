// The PCI registry's public surface (a model of xen/drivers/passthrough/pci.c).
export { PciRegistry, domainTable, type SbdfInput } from "./registry.js";
export { parseSbdf, formatSbdf, sbdfKey, sbdfFromKey, toSbdfKey, devfn, type Sbdf, type Parsed } from "../xen/sbdf.js";
export { PF_REMOVAL, STRATEGY_TRAITS, type StrategyTraits } from "./strategies.js";
export * from "./types.js";
