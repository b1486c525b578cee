// Attribute membership: define_type's attribute list and define_typeattribute run in checkpolicy's
// first pass, in statement order, so declarations.ts collects the members as it reads them (a name
// declared later is an error there); this pass freezes each attribute's sorted member array.
import type { ResolveState } from "./state.js";

export function attributes(st: ResolveState): void {
  st.sym.attrs.forEach((a, i) => (a.members = sortedUnique(st.attrMembers[i])));
}

/** The ids, ascending, each once (a type may join an attribute twice). */
function sortedUnique(ids: readonly number[] | undefined): Int32Array {
  if (ids === undefined) return new Int32Array(0);
  const sorted = Int32Array.from(ids).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
  return n === sorted.length ? sorted : sorted.slice(0, n);
}
