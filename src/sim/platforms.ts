// A scenario policy's SVP platforms, whichever form the file holds: a source's `platform` blocks as
// written (the compiled policy keeps only what they desugar to), a binary's rebuilt from the
// attributes and pcidevicecon entries they compiled to (src/policy/rebuild-platforms.ts). The
// simulator's topology and `xsm scaffold` read them here, so a binary draws and scaffolds as its
// source does; what the binary cannot tell comes back as a note to print.
import type { PolicyInput } from "../binary/load.js";
import { rebuildPlatforms, unplacedNote } from "../policy/rebuild-platforms.js";
import { platformsOf, type PlatformInfo } from "./topology.js";

export interface PolicyPlatforms {
  platforms: PlatformInfo[];
  /** Set when the policy is a binary that does not hold where each platform nests. */
  note?: string;
}

/** A source's from the AST its load parsed (its text is not parsed again), a binary's rebuilt. */
export function policyPlatforms(loaded: Pick<PolicyInput, "ast" | "symbols">): PolicyPlatforms {
  if (loaded.ast !== undefined) return { platforms: platformsOf(loaded.ast.statements) };
  const rebuilt = rebuildPlatforms(loaded.symbols);
  const note = unplacedNote(rebuilt.unplaced);
  // a span points into the binary's listing: the topology has no use for it
  const platforms = rebuilt.platforms.map(({ span: _span, ...p }) => p);
  return { platforms, ...(note !== undefined ? { note } : {}) };
}
