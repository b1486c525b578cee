// Role dominance (policy_parse.y role_dominance, checkpolicy policy_define.c define_role_dom,
// merge_roles_dom, dominate_role_recheck), deprecated but accepted by checkpolicy 3.4. It runs in
// checkpolicy's second pass, in statement order, so a role takes the types the dominated role has
// *by then*:
// - `role R;` inside the braces names a role (declaring it when nothing has, after every role and
//   role attribute of the first pass); with braces, R first dominates what they hold;
// - R's dominates gains the dominated roles' dominates, and R's type set the dominated roles'
//   types, expanded then (type_set_expand), as positive types: one dominated role gives its type
//   set expanded, negations applied; several are merged first (merge_roles_dom), which unions the
//   positive names of their type sets (attributes expanded, negations lost). R's own negations
//   still apply when R's set is expanded at the end;
// - then every other role that already dominates R takes R's dominates and types (one level).
// A role attribute may stand in one too (p_roles holds both): it dominates itself, and what it
// takes goes to its roles when expanded (expand.c role_fix_callback), its value to the roles that
// dominate it. Keys below are role ids, and -(index + 1) for a role attribute.
import type { RoleDomDef, RoleDominance } from "../ast.js";
import { OBJECT_R, type TypeSet } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import { roleTypeSet, roleTypesNow } from "./roles.js";
import type { ResolveState } from "./state.js";

/** merge_roles_dom's temporary role: the dominates and the positive names of the type sets
 *  (types.types: types and attributes) of the roles merged. */
interface Merged {
  dominates: Set<number>;
  types: Set<number>;
  attrs: Set<number>;
}

/** The dominance state of one resolve: each role's dominates (its type set is the resolver's,
 *  st.roleTypeSets, which role dominance adds to). object_r's dominates are kept here, not in the
 *  symbols: libsepol writes object_r without. */
export class RoleDominanceState {
  private readonly held = new Map<number, Set<number>>();

  constructor(private readonly st: ResolveState) {}

  /** A role's dominates: itself at first (object_r: nothing). */
  private of(role: number): Set<number> {
    let h = this.held.get(role);
    if (!h) this.held.set(role, (h = role === OBJECT_R ? new Set() : new Set([role])));
    return h;
  }

  statement(s: RoleDominance): void {
    this.st.report("role-dominance", s.span);
    for (const d of s.roles) this.define(d);
  }


  /** define_role_dom: the role named, after it took what its braces hold; undefined when the
   *  name is not a role (an error was reported). */
  private define(d: RoleDomDef): number | undefined {
    const role = this.roleFor(d);
    if (role === undefined || d.dominated.length === 0) {
      for (const inner of d.dominated) this.define(inner);
      return role;
    }
    // merge_roles_dom, left to right, each dominated role defined before it is merged
    let merged: Merged | number | undefined;
    for (const inner of d.dominated) {
      const r = this.define(inner);
      if (r === undefined) return undefined;
      merged = merged === undefined ? r : this.merge(merged, r);
    }
    const from = merged!;
    const h = this.of(role);
    const dominates = typeof from === "number" ? this.of(from) : from.dominates;
    const types = typeof from === "number" ? roleTypesNow(this.st, from) : this.expandMerged(from);
    for (const r of dominates) h.add(r);
    this.addTypes(role, types);
    // dominate_role_recheck: roles that dominate this one take its dominates and types
    for (const [other, oh] of this.held) {
      if (other === role || !oh.has(role)) continue;
      for (const r of h) oh.add(r);
      this.addTypes(other, roleTypesNow(this.st, role));
    }
    return role;
  }

  private merge(a: Merged | number, b: number): Merged {
    const x = typeof a === "number" ? this.positive(a) : a;
    const y = this.positive(b);
    return {
      dominates: new Set([...x.dominates, ...y.dominates]),
      types: new Set([...x.types, ...y.types]),
      attrs: new Set([...x.attrs, ...y.attrs]),
    };
  }

  /** A role's dominates and the positive names of its type set, as merge_roles_dom reads them. */
  private positive(role: number): Merged {
    const set = this.st.roleTypeSets.get(role);
    return { dominates: this.of(role), types: set?.types ?? new Set(), attrs: set?.attrs ?? new Set() };
  }

  private expandMerged(m: Merged): Int32Array {
    const ts: TypeSet = { types: [...m.types], attrs: [...m.attrs], negTypes: [], negAttrs: [], star: false, complement: false, self: false };
    return expandTypeSet(ts, this.st.sym);
  }

  /** Expanded types join a role's type set as positive types (role->types.types). */
  private addTypes(role: number, types: Int32Array): void {
    const into = roleTypeSet(this.st, role).types;
    for (const t of types) into.add(t);
  }

  /** The role `role NAME` names, declared now when nothing has declared it. */
  private roleFor(d: RoleDomDef): number | undefined {
    const st = this.st;
    const name = d.name.name;
    const attr = st.roleAttrIds.get(name);
    if (attr !== undefined) return -attr - 1;
    const id = st.sym.roleIds.get(name);
    if (id !== undefined) return id;
    const role = { id: st.sym.roles.length, name, types: new Set<number>(), late: true as const };
    st.sym.roles.push(role);
    st.sym.roleIds.set(name, role.id);
    st.plainRoles.add(name);
    return role.id;
  }

  /** Each role's final dominates, into the symbols (only where it is more than itself). */
  finish(): void {
    for (const [role, h] of this.held) {
      // object_r and role attributes are written without dominates (role_write, role_attr_uncount)
      if (role <= OBJECT_R) continue;
      if (h.size !== 1 || !h.has(role)) this.st.sym.roles[role]!.dominates = h;
    }
  }
}
