// Roles, role attributes and users (define_role_types, define_role_allow, define_user): which
// types a role may have, which roles a user may take, and how a role attribute stands for its
// roles (link.c expand_role_attributes, expand.c role_fix_callback and role_set_expand).
import type { Span } from "../../diagnostics/diagnostic.js";
import type { Ident, NameSet } from "../ast.js";
import { OBJECT_R, type TypeSet } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import type { ResolveState, RoleTypeSet } from "./state.js";

/** define_role_types: the statement's names join the role's type set (set_types), which keeps
 *  every statement's positive and negated names; it is expanded once all are read
 *  (finishRoleTypes), so `role r types { a -b }; role r types b;` leaves r without b. */
export function roleTypes(st: ResolveState, names: Names, name: Ident, types: NameSet | undefined): void {
  if (!types) return;
  const attr = st.roleAttrIds.get(name.name);
  if (!st.plainRoles.has(name.name) && attr === undefined) {
    st.err("undeclared", `unknown role ${name.name} (declare it with 'role ${name.name};' before giving it types, as checkpolicy requires)`, name.span);
    return;
  }
  names.shape(types, { exclude: true });
  const ts = names.typeSet(types, false);
  const set = roleTypeSet(st, attr === undefined ? st.sym.roleIds.get(name.name)! : -attr - 1);
  for (const t of ts.types) set.types.add(t);
  for (const a of ts.attrs) set.attrs.add(a);
  for (const t of ts.negTypes) set.negTypes.add(t);
  for (const a of ts.negAttrs) set.negAttrs.add(a);
}

/** The type set of a role key (a role id, a role attribute as -(index + 1)), made empty on first use. */
export function roleTypeSet(st: ResolveState, role: number): RoleTypeSet {
  let set = st.roleTypeSets.get(role);
  if (!set) st.roleTypeSets.set(role, (set = { types: new Set(), attrs: new Set(), negTypes: new Set(), negAttrs: new Set() }));
  return set;
}

/** type_set_expand of a role's type set as it stands now (attributes expanded, negations taken
 *  off): what role dominance reads mid-policy, and each role's types at the end. */
export function roleTypesNow(st: ResolveState, role: number): Int32Array {
  const set = st.roleTypeSets.get(role);
  if (!set) return new Int32Array(0);
  const ts: TypeSet = { types: [...set.types], attrs: [...set.attrs], negTypes: [...set.negTypes], negAttrs: [...set.negAttrs], star: false, complement: false, self: false };
  return expandTypeSet(ts, st.sym);
}

/** expand.c role_copy_callback: each role's types are its type set expanded (object_r keeps
 *  none: libsepol holds no type list for it); a role attribute's go to its roles later
 *  (expandRoleAttributes). */
export function finishRoleTypes(st: ResolveState): void {
  for (const role of st.roleTypeSets.keys()) {
    if (role === OBJECT_R) continue;
    const types = new Set(roleTypesNow(st, role));
    if (role < 0) st.sym.roleAttrs[-role - 1]!.types = types;
    else st.sym.roles[role]!.types = types;
  }
}

/** define_role_allow, expanded as copy_role_allows expands it: role attributes stand for their roles. */
export function roleAllow(st: ResolveState, names: Names, sources: NameSet, targets: NameSet, span: Span): void {
  names.shape(sources, {});
  names.shape(targets, {});
  const roles = [...names.expandedRoleSet(sources)].sort((a, b) => a - b);
  const newRoles = [...names.expandedRoleSet(targets)].sort((a, b) => a - b);
  (st.sym.roleAllows ??= []).push({ span, roles, newRoles });
}

export function defineUser(st: ResolveState, names: Names, name: Ident, roles: NameSet): void {
  const sym = st.sym;
  if (roles.star) {
    st.err("set", "* is not allowed in user declarations", roles.span);
    return;
  }
  names.shape(roles, {});
  let id = sym.userIds.get(name.name);
  if (id === undefined) {
    id = sym.users.length;
    sym.userIds.set(name.name, id);
    sym.users.push({ id, name: name.name, roles: new Set() });
  }
  const user = sym.users[id]!;
  const set = names.roleOrAttrSet(roles);
  for (const r of set.roles) user.roles.add(r);
  if (set.attrs.size > 0) {
    let attrs = st.userRoleAttrs.get(id);
    if (!attrs) st.userRoleAttrs.set(id, (attrs = new Set()));
    for (const a of set.attrs) attrs.add(a);
  }
}

/** link.c expand_role_attributes: once every roleattribute statement is read, a role attribute
 *  holds the roles of the role attributes in it, transitively (a cycle adds nothing more). */
export function flattenRoleAttributes(st: ResolveState): void {
  const attrs = st.sym.roleAttrs;
  const flat = attrs.map((attr, i) => {
    const roles = new Set(attr.roles ?? []);
    const seen = new Set([i]);
    const todo = [...(attr.attrs ?? [])];
    while (todo.length > 0) {
      const sub = todo.pop()!;
      if (seen.has(sub)) continue;
      seen.add(sub);
      for (const r of attrs[sub]!.roles ?? []) roles.add(r);
      todo.push(...(attrs[sub]!.attrs ?? []));
    }
    return roles;
  });
  attrs.forEach((attr, i) => {
    if (flat[i]!.size > 0) attr.roles = flat[i];
  });
}

/** expand.c: each role in a role attribute gets the attribute's types (role_fix_callback), and a
 *  user's role attributes become their roles (user_copy_callback's role_set_expand). Run after the
 *  contexts are checked: checkpolicy checks them on the policy as parsed, where neither holds yet. */
export function expandRoleAttributes(st: ResolveState): void {
  const sym = st.sym;
  for (const attr of sym.roleAttrs) {
    if (!attr.types || !attr.roles) continue;
    for (const r of attr.roles) {
      if (r === OBJECT_R) continue;
      const types = sym.roles[r]!.types;
      for (const t of attr.types) types.add(t);
    }
  }
  for (const [user, attrs] of st.userRoleAttrs) {
    const roles = sym.users[user]!.roles;
    for (const a of attrs) for (const r of sym.roleAttrs[a]!.roles ?? []) roles.add(r);
  }
}
