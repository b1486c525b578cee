// What a policy tree's m4 interfaces answer to a denial: src/build/interfaces.ts finds the calls
// that would grant it, src/analysis/audit2.ts writes them as `audit2allow -R` would. The two may
// not import each other (ARCHITECTURE.md's layers), so the answer they hand over through the CLI
// is defined here, once.

export interface InterfaceGrant {
  /** The call as a module writes it: `use_device_iommu(dom0_t, device_t)`. */
  call: string;
  /** The interface's definition (file as the tree names it). */
  name: string;
  file: string;
  /** How many allow rules the call expands to, and the permissions they name in all: the
   *  fewer, the less it grants beyond the denial. */
  rules: number;
  perms: number;
  /** audit2allow -R's distance of the call from the denial (src/analysis/interface-match.ts),
   *  when ranked so. */
  distance?: number;
  /** The types and attributes the call declares (`device_model`'s `T_target`), when it does: it
   *  compiles only where none exists yet. */
  declares?: string[];
  /** An interface of three parameters: the one the denial does not name, the type given it, and
   *  why that type. */
  chosen?: ChosenArgument;
  /** The call declares names a call proposed for an earlier rule declares (src/build/proposal.ts):
   *  beside it, the module would not compile, so it is not offered. */
  clash?: { call: string; names: string[] };
}

export interface ChosenArgument {
  /** The parameter as the interface's comment names it (`destination`), else `$N`. */
  parameter: string;
  argument: string;
  reason: string;
}

/** A three-parameter interface that grants the denial with any of more types for the parameter
 *  the denial leaves open than xsm guesses among: not offered, but said. */
export interface UndecidedCall {
  /** The call with the open parameter written as its name in capitals:
   *  `create_channel(domU_t, DESTINATION, prot_domU_t_channel)`. */
  call: string;
  name: string;
  file: string;
  parameter: string;
  /** How many types tie for it, the first few of them (by the policy's order), and what they
   *  have alike. */
  types: number;
  examples: string[];
  reason: string;
  /** audit2allow -R's distance of the call, one of the tied types standing for the parameter,
   *  when ranked so. */
  distance?: number;
  /** As InterfaceGrant's. */
  declares?: string[];
  clash?: { call: string; names: string[] };
}

/** What the tree's interfaces answer to one query: the calls that grant it, nearest first, and
 *  the interfaces left out because the denial does not determine one of their parameters. */
export interface InterfaceAnswer {
  grants: InterfaceGrant[];
  undecided: UndecidedCall[];
  /** The calls proposed for earlier rules that grant this one already (src/build/proposal.ts). */
  above?: string[];
}
