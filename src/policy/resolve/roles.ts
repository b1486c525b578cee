// Roles and users (define_role_types, define_role_allow, define_user): which types a role may
// have, which roles a user may take.
import type { Ident, NameSet } from "../ast.js";
import { OBJECT_R } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

export function roleTypes(st: ResolveState, names: Names, name: Ident, types: NameSet | undefined): void {
  if (!types) return;
  const sym = st.sym;
  if (!st.plainRoles.has(name.name)) {
    st.err("undeclared", `unknown role ${name.name} (declare it with 'role ${name.name};' before giving it types, as checkpolicy requires)`, name.span);
    return;
  }
  const role = sym.roles[sym.roleIds.get(name.name)!]!;
  names.shape(types, { exclude: true });
  const ts = names.typeSet(types, false);
  // object_r holds every type implicitly; libsepol keeps no type list for it
  if (role.id === OBJECT_R) return;
  for (const t of expandTypeSet(ts, sym)) role.types.add(t);
}

export function roleAllow(names: Names, sources: NameSet, targets: NameSet): void {
  // Xen's policy has no role transitions to check; the names still have to exist
  names.roleSet(sources);
  names.roleSet(targets);
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
  for (const r of names.roleSet(roles)) user.roles.add(r);
}
