// Role dominance (policy_parse.y role_dominance, checkpolicy policy_define.c define_role_dom,
// merge_roles_dom, dominate_role_recheck), deprecated but accepted by checkpolicy 3.4. It runs in
// checkpolicy's second pass, in statement order, so a role takes the types the dominated role has
// *by then*:
// - `role R;` inside the braces names a role (declaring it when nothing has, after every role and
//   role attribute of the first pass); with braces, R first dominates what they hold;
// - R's dominates gains the dominated roles' dominates, and R's types the dominated roles' types,
//   expanded then (type_set_expand): one dominated role gives its whole type set, negations
//   included; several are merged first (merge_roles_dom), which unions the positive names of
//   their type sets (attributes expanded, negations and `*`/`~` lost);
// - then every other role that already dominates R takes R's dominates and types (one level).
// A role attribute may stand in one too (p_roles holds both): it dominates itself, and what it
// takes goes to its roles when expanded (expand.c role_fix_callback), its value to the roles that
// dominate it. Keys below are role ids, and -(index + 1) for a role attribute.
import type { RoleDomDef, RoleDominance } from "../ast.js";
import { OBJECT_R, type TypeSet } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { ResolveState } from "./state.js";

/** What a role's parse-time record holds for dominance: its dominates and the positive names of
 *  its type set (types.types: types and attributes). object_r's are kept here, not in the
 *  symbols: libsepol writes object_r with neither. */
interface Held {
  dominates: Set<number>;
  types: Set<number>;
  attrs: Set<number>;
}

/** The dominance state of one resolve: the roles' held records, filled by roleTypes too. */
export class RoleDominanceState {
  private readonly held = new Map<number, Held>();

  constructor(private readonly st: ResolveState) {}

  private of(role: number): Held {
    let h = this.held.get(role);
    if (!h) this.held.set(role, (h = { dominates: role === OBJECT_R ? new Set() : new Set([role]), types: new Set(), attrs: new Set() }));
    return h;
  }

  /** define_role_types' set_types: the positive names of `role R types SET` (for merging). */
  roleTypes(role: number, ts: TypeSet): void {
    if (ts.star) return;
    const h = this.of(role);
    for (const t of ts.types) h.types.add(t);
    for (const a of ts.attrs) h.attrs.add(a);
  }

  statement(s: RoleDominance): void {
    this.st.report("role-dominance", s.span);
    for (const d of s.roles) this.define(d);
  }

  /** The role's types now: what the resolver gave it (object_r: what dominance gave it; a role
   *  attribute: its own `role A types`). */
  private typesOf(role: number): Iterable<number> {
    if (role < 0) return this.st.sym.roleAttrs[-role - 1]!.types ?? [];
    return role === OBJECT_R ? this.of(role).types : this.st.sym.roles[role]!.types;
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
    let merged: Held | number | undefined;
    for (const inner of d.dominated) {
      const r = this.define(inner);
      if (r === undefined) return undefined;
      merged = merged === undefined ? r : this.merge(merged, r);
    }
    const from = merged!;
    const h = this.of(role);
    const dominates = typeof from === "number" ? this.of(from).dominates : from.dominates;
    const types = typeof from === "number" ? [...this.typesOf(from)] : this.expandHeld(from);
    for (const r of dominates) h.dominates.add(r);
    this.addTypes(role, types);
    // dominate_role_recheck: roles that dominate this one take its dominates and types
    for (const [other, oh] of this.held) {
      if (other === role || !oh.dominates.has(role)) continue;
      for (const r of h.dominates) oh.dominates.add(r);
      this.addTypes(other, [...this.typesOf(role)]);
    }
    return role;
  }

  private merge(a: Held | number, b: number): Held {
    const x = typeof a === "number" ? this.of(a) : a;
    const y = this.of(b);
    return {
      dominates: new Set([...x.dominates, ...y.dominates]),
      types: new Set([...x.types, ...y.types]),
      attrs: new Set([...x.attrs, ...y.attrs]),
    };
  }

  private expandHeld(h: Held): number[] {
    const ts: TypeSet = { types: [...h.types], attrs: [...h.attrs], negTypes: [], negAttrs: [], star: false, complement: false, self: false };
    return [...expandTypeSet(ts, this.st.sym)];
  }

  private addTypes(role: number, types: readonly number[]): void {
    const h = this.of(role);
    const into = role < 0 ? (this.st.sym.roleAttrs[-role - 1]!.types ??= new Set()) : role === OBJECT_R ? h.types : this.st.sym.roles[role]!.types;
    for (const t of types) {
      into.add(t);
      h.types.add(t);
    }
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
      if (h.dominates.size !== 1 || !h.dominates.has(role)) this.st.sym.roles[role]!.dominates = h.dominates;
    }
  }
}
