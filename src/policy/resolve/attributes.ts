// Attribute membership: define_type's attribute list and define_typeattribute run in checkpolicy's
// first pass, in statement order, so declarations.ts collects the members as it reads them (a name
// declared later is an error there); this pass freezes each attribute's sorted member array.
import type { ResolveState } from "./state.js";

export function attributes(st: ResolveState): void {
  st.sym.attrs.forEach((a, i) => (a.members = Int32Array.from(st.attrMembers[i] ?? []).sort()));
}
