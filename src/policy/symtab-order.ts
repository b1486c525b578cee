// What libsepol's p_types and p_roles tables hold, which sizes them and so orders them
// (policydb.c symtab_sizes, hashtab_check_resize): values follow hashtab_map order
// (expand.c type_copy_callback, role_copy_callback), and tools that list by value (setools,
// services.c constraint_expr_eval_reason) list in that order. The writer and the analyses that
// mirror those tools read the tables from here, so they count the same entries.
import type { Symbols } from "./symbols.js";
import { SYMTAB_SIZES, hashOrder, hashRank } from "./hashtab.js";

export interface TypeTableEntry {
  name: string;
  kind: "type" | "alias" | "attr";
  /** A type's or attribute's index in its list (an alias: its type's). */
  id: number;
}

/** p_types: types, their aliases (a slot each, no value) and type attributes. */
export function typeTableEntries(sym: Symbols): TypeTableEntry[] {
  const out: TypeTableEntry[] = [];
  for (const t of sym.types) {
    out.push({ name: t.name, kind: "type", id: t.id });
    for (const a of t.aliases) out.push({ name: a, kind: "alias", id: t.id });
  }
  for (const a of sym.attrs) out.push({ name: a.name, kind: "attr", id: a.id });
  return out;
}

export interface RoleTableEntry {
  name: string;
  /** A role's index in sym.roles; -1 for a role attribute. */
  id: number;
  /** A role attribute's index in sym.roleAttrs. */
  attr?: number;
}

/** p_roles: the roles (object_r among them) and the role attributes, which take values though a
 *  Xen binary does not write them (write.c role_attr_uncount). */
export function roleTableEntries(sym: Symbols): RoleTableEntry[] {
  // a role a dominance statement declared comes after them (define_role_dom, second pass)
  const early = sym.roles.filter((r) => !r.late).map((r) => ({ name: r.name, id: r.id }));
  const late = sym.roles.filter((r) => r.late).map((r) => ({ name: r.name, id: r.id }));
  return [...early, ...sym.roleAttrs.map((a, i) => ({ name: a.name, id: -1, attr: i })), ...late];
}

/** The p_types entries in hashtab_map order. */
export function typeTableOrder(sym: Symbols): TypeTableEntry[] {
  return hashOrder(typeTableEntries(sym), (e) => e.name, SYMTAB_SIZES[3]);
}

/** The p_roles entries in hashtab_map order. */
export function roleTableOrder(sym: Symbols): RoleTableEntry[] {
  return hashOrder(roleTableEntries(sym), (e) => e.name, SYMTAB_SIZES[2]);
}

/** Each type, alias and attribute name's place in p_types' order. */
export function typeRanks(sym: Symbols): Map<string, number> {
  return hashRank(typeTableEntries(sym).map((e) => e.name), SYMTAB_SIZES[3]);
}

/** Each role and role attribute name's place in p_roles' order. */
export function roleRanks(sym: Symbols): Map<string, number> {
  return hashRank(roleTableEntries(sym).map((e) => e.name), SYMTAB_SIZES[2]);
}
