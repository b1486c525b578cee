// What the page knows of the open policy after a compile or a load: its diagnostics and, when it
// compiles, the policy with the names the explorer and the grid ask by. A compiled binary policy
// loads as xsm simulate loads it (src/binary/load.ts, what Xen refuses an error) into the same
// decisions, its names from the tables it was rebuilt into (compiled-index.ts).
import { error, PolicyError, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { loadPolicyBytes } from "../../binary/load.js";
import type { CompiledPolicy } from "../../policy/types.js";
import { indexCompiled } from "./compiled-index.js";
import type { PolicyIndex } from "./symbols.js";

export interface PolicyState {
  file: string;
  diagnostics: Diagnostic[];
  policy?: CompiledPolicy;
  index?: PolicyIndex;
  /** A compiled binary policy: its rule listing (what its diagnostics and reasons point into). */
  listing?: string;
}

/** What xsm simulate says of an empty policy file (src/io/read.ts), which the page says too. */
export const EMPTY_POLICY = "file is empty, expected a policy file";

/** An empty policy file, refused as xsm simulate refuses it. */
export function emptyState(file: string): PolicyState {
  return { file, diagnostics: [error("input", EMPTY_POLICY)] };
}

/** A binary policy's bytes: its decisions and names, or why Xen's loader refuses it. */
export function binaryState(bytes: Uint8Array, file: string): PolicyState {
  try {
    const loaded = loadPolicyBytes(bytes, file, { asXen: true });
    const index = indexCompiled(loaded.symbols, { expanded: loaded.expanded, declared: loaded.declared });
    return { file, diagnostics: loaded.warnings, policy: loaded.policy, index, listing: loaded.text };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return { file, diagnostics: err.diagnostics };
  }
}
