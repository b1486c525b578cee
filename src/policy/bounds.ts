// Type bounds, as libsepol's hierarchy.c bounds_check_types checks them after expand (checkpolicy
// then refuses the policy): a bounded type may be allowed nothing its parent is not. The parent's
// permissions are its unconditional rules plus, per conditional, those both branches give
// (bounds_expand_parent_rules); a child's rule in a branch may also use the parent's rules of that
// branch. A target that is itself bounded is compared by its parent (bounds_check_rule). Roles and
// users named PARENT.CHILD may hold no type (role) or role (user) their parent does not
// (bounds_check_roles, bounds_check_users).
import { AvKind, EMPTY, type AvList, type AvTab } from "./avtab.js";
import { error, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type { Expanded } from "./expand.js";
import { OBJECT_R, parentName, typeParent, type Symbols } from "./symbols.js";

export { typeParent };

/** (type, target type, class) -> permissions, for one source type. */
class PermMap {
  readonly map = new Map<number, number>();
  constructor(private readonly nc: number) {}
  key(t: number, c: number): number {
    return t * this.nc + c;
  }
  or(t: number, c: number, mask: number): void {
    const k = this.key(t, c);
    this.map.set(k, ((this.map.get(k) ?? 0) | mask) >>> 0);
  }
  get(t: number, c: number): number {
    return this.map.get(this.key(t, c)) ?? 0;
  }
}

interface Entry {
  s: number;
  t: number;
  c: number;
  mask: number;
}

function tableEntries(tab: AvTab): Entry[] {
  const out: Entry[] = [];
  for (let h = 0; h < tab.keys.length; h++) {
    const key = tab.keys[h]!;
    if (key === EMPTY || (tab.kinds[h]! & (1 << AvKind.Allow)) === 0) continue;
    const [s, t, c] = tab.decode(key);
    out.push({ s, t, c, mask: tab.allow[h]! });
  }
  return out;
}

function listEntries(list: AvList | undefined, tab: AvTab): Entry[] {
  const out: Entry[] = [];
  if (!list) return out;
  for (let i = 0; i < list.length; i++) {
    if (list.kinds[i] !== AvKind.Allow) continue;
    const [s, t, c] = tab.decode(list.keys[i]!);
    out.push({ s, t, c, mask: list.masks[i]! });
  }
  return out;
}

export function checkBounds(sym: Symbols, ex: Expanded): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const nt = sym.types.length;
  const parents: (number | undefined)[] = sym.types.map((t) => typeParent(sym, t.id));
  if (parents.some((p) => p !== undefined)) diags.push(...typeBounds(sym, ex, parents, nt));
  diags.push(...roleUserBounds(sym));
  return diags;
}

function typeBounds(sym: Symbols, ex: Expanded, parents: (number | undefined)[], nt: number): Diagnostic[] {
  const nc = ex.base.nclasses;
  const members = (id: number): ArrayLike<number> => (id < nt ? [id] : sym.attrs[id - nt]!.members);
  const has = (id: number, type: number): boolean => (id < nt ? id === type : sym.attrs[id - nt]!.members.includes(type));
  const base = tableEntries(ex.base);
  const nodes = ex.condLists.length / 2;
  const branches: [Entry[], Entry[]][] = [];
  for (let n = 0; n < nodes; n++) branches.push([listEntries(ex.condLists[n * 2], ex.base), listEntries(ex.condLists[n * 2 + 1], ex.base)]);
  const diags: Diagnostic[] = [];
  for (let child = 0; child < nt; child++) {
    const parent = parents[child];
    if (parent === undefined) continue;
    // bounds_expand_parent_rules
    const expandInto = (into: PermMap, entries: Entry[]) => {
      for (const e of entries) if (has(e.s, parent)) for (const t of Array.from(members(e.t))) into.or(t, e.c, e.mask);
    };
    const global = new PermMap(nc);
    expandInto(global, base);
    const local = branches.map(([yes, no]) => {
      const y = new PermMap(nc);
      const n = new PermMap(nc);
      expandInto(y, yes);
      expandInto(n, no);
      // what both branches give the parent is as good as unconditional
      for (const [k, m] of n.map) {
        const both = (y.map.get(k) ?? 0) & m;
        if (both) global.map.set(k, ((global.map.get(k) ?? 0) | both) >>> 0);
      }
      return [y, n] as const;
    });
    // bounds_check_child_rules
    const bad = new Map<number, number>(); // target * nc + class -> permissions beyond the parent
    const checkAll = (entries: Entry[], cur: PermMap | undefined) => {
      for (const e of entries) {
        if (!has(e.s, child)) continue;
        for (const t of Array.from(members(e.t))) {
          const cmp = parents[t] ?? t;
          const extra = (e.mask & ~global.get(cmp, e.c) & ~(cur?.get(cmp, e.c) ?? 0)) >>> 0;
          if (extra) bad.set(t * nc + e.c, ((bad.get(t * nc + e.c) ?? 0) | extra) >>> 0);
        }
      }
    };
    checkAll(base, undefined);
    branches.forEach(([yes, no], n) => {
      checkAll(yes, local[n]![0]);
      checkAll(no, local[n]![1]);
    });
    if (bad.size === 0) continue;
    const childName = sym.types[child]!.name;
    const notes = [...bad]
      .sort((a, b) => a[0] - b[0])
      .slice(0, MAX_NOTES)
      .map(([k, m]) => {
        const t = Math.floor(k / nc);
        const c = k % nc;
        return { message: `allow ${childName} ${sym.types[t]!.name}:${sym.classes[c]!.name} { ${permNames(sym, c, m)} }, which ${sym.types[parent]!.name} is not allowed, granted by this rule`, span: grantingRule(ex, child, t, c, m) };
      });
    const type = sym.types[child]!;
    diags.push(error("bounds", `child type ${childName} exceeds bounds of parent ${sym.types[parent]!.name} in ${bad.size} rule(s) (libsepol bounds_check_types)`, type.boundsSpan ?? type.span, notes));
  }
  return diags;
}

/** Enough to act on. */
const MAX_NOTES = 20;

/** The first allow rule that grants part of `mask` on (child, target, class). */
function grantingRule(ex: Expanded, child: number, target: number, tclass: number, mask: number): Span | undefined {
  const includes = (a: Int32Array, v: number) => a.includes(v);
  for (const r of ex.rules) {
    if (r.kind !== "allow" || !includes(r.sources, child)) continue;
    if (!includes(r.targets, target) && !(r.self && target === child)) continue;
    const i = r.classes.indexOf(tclass);
    if (i >= 0 && (r.masks[i]! & mask) !== 0) return r.span;
  }
  return undefined;
}

function permNames(sym: Symbols, tclass: number, mask: number): string {
  return sym.classes[tclass]!.perms.filter((_, bit) => mask & (1 << bit)).join(" ");
}

function dottedParent<T extends { name: string }>(items: T[], ids: Map<string, number>, item: T): T | undefined {
  const parent = parentName(item.name);
  const p = parent === undefined ? undefined : ids.get(parent);
  return p === undefined ? undefined : items[p];
}

function roleUserBounds(sym: Symbols): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const role of sym.roles) {
    if (role.id === OBJECT_R) continue;
    // the parent may be a role attribute (hierarchy_add_role_callback searches p_roles), whose
    // own types are those `role A types` gave it
    const name = parentName(role.name);
    const attr = name === undefined || sym.roleIds.has(name) ? undefined : sym.roleAttrs.find((a) => a.name === name);
    const parent = attr ? { name: attr.name, types: attr.types ?? new Set<number>() } : dottedParent(sym.roles, sym.roleIds, role);
    if (!parent) continue;
    if ([...role.types].some((t) => !parent.types.has(t))) diags.push(error("bounds", `role bounds violation, ${role.name} exceeds ${parent.name} (it has types ${parent.name} does not)`));
  }
  for (const user of sym.users) {
    const parent = dottedParent(sym.users, sym.userIds, user);
    if (!parent) continue;
    if ([...user.roles].some((r) => !parent.roles.has(r))) diags.push(error("bounds", `user bounds violation, ${user.name} exceeds ${parent.name} (it has roles ${parent.name} does not)`));
  }
  return diags;
}
