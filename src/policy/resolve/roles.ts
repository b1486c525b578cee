// Roles, role attributes and users (define_role_types, define_role_allow, define_user): which
// types a role may have, which roles a user may take, and how a role attribute stands for its
// roles (link.c expand_role_attributes, expand.c role_fix_callback and role_set_expand).
import type { Span } from "../../diagnostics/diagnostic.js";
import type { Ident, NameSet } from "../ast.js";
import { OBJECT_R, type TypeSet } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

/** define_role_types; returns the role (a role attribute: -(index + 1)) and its set as written,
 *  for role dominance. */
export function roleTypes(st: ResolveState, names: Names, name: Ident, types: NameSet | undefined): { role: number; ts: TypeSet } | undefined {
  if (!types) return undefined;
  const sym = st.sym;
  const attr = st.roleAttrIds.get(name.name);
  if (!st.plainRoles.has(name.name) && attr === undefined) {
    st.err("undeclared", `unknown role ${name.name} (declare it with 'role ${name.name};' before giving it types, as checkpolicy requires)`, name.span);
    return undefined;
  }
  names.shape(types, { exclude: true });
  const ts = names.typeSet(types, false);
  // a role attribute's types go to its roles when expanded (expandRoleAttributes)
  const into = attr !== undefined ? (sym.roleAttrs[attr]!.types ??= new Set()) : sym.roles[sym.roleIds.get(name.name)!]!.types;
  // object_r holds every type implicitly; libsepol keeps no type list for it
  if (attr === undefined && sym.roleIds.get(name.name) === OBJECT_R) return { role: OBJECT_R, ts };
  for (const t of expandTypeSet(ts, sym)) into.add(t);
  // a role attribute's key in role dominance (resolve/dominance.ts)
  return { role: attr === undefined ? sym.roleIds.get(name.name)! : -attr - 1, ts };
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
