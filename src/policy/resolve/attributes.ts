// Pass 2, attribute membership (define_type's attribute list, define_typeattribute): collected as
// sets, frozen into each attribute's sorted member array once every statement is in.
import type { Ident } from "../ast.js";
import type { ResolveState } from "./state.js";

export function attributes(st: ResolveState): void {
  const sym = st.sym;
  const members = sym.attrs.map(() => new Set<number>());
  const add = (type: Ident, attr: Ident): void => {
    const tid = sym.typeIds.get(type.name);
    const aid = sym.attrIds.get(attr.name);
    if (tid === undefined) {
      st.err("undeclared", sym.attrIds.has(type.name) ? `${type.name} is an attribute, not a type` : `unknown type ${type.name}`, type.span);
      return;
    }
    if (aid === undefined) {
      st.err("undeclared", sym.typeIds.has(attr.name) ? `${attr.name} is a type, not an attribute` : `unknown attribute ${attr.name}`, attr.span);
      return;
    }
    members[aid]!.add(tid);
  };
  for (const s of st.ast.statements) {
    if (s.kind === "type") for (const a of s.attributes) add(s.name, a);
    else if (s.kind === "typeattribute") for (const a of s.attributes) add(s.type, a);
  }
  sym.attrs.forEach((a, i) => (a.members = Int32Array.from(members[i]!).sort()));
}
