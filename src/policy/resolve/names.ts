// Sets of names -> ids, for every kind of name a rule can list (libsepol set_types, and
// define_te_avtab_helper / define_user / define_constraint for classes, roles and users). One
// resolution for include/exclude/`*`/`~` over a symbol table (idSet), used by every caller.
import type { Ident, NameSet } from "../ast.js";
import { OneName, ScannedSet, excludeNames, includeNames } from "../nodes.js";
import type { ClassSym, TypeSet } from "../symbols.js";
import { keepShape } from "../shapes.js";
import { ResolveState } from "./state.js";

/** include minus exclude over one table; `*` starts from `universe`, `~` complements against it.
 *  `unknown` is told of each name the table lacks, in the order the set lists them. */
export function idSet(
  set: NameSet,
  lookup: (name: string) => number | undefined,
  unknown: (id: Ident) => void,
  universe?: () => Iterable<number>,
): Set<number> {
  const ids = new Set<number>(set.star && universe ? universe() : []);
  const include = includeNames(set);
  for (let k = 0; k < include.length; k++) {
    const v = lookup(include[k]!);
    if (v === undefined) unknown(set.include[k]!);
    else ids.add(v);
  }
  const exclude = excludeNames(set);
  for (let k = 0; k < exclude.length; k++) {
    const v = lookup(exclude[k]!);
    if (v === undefined) unknown(set.exclude[k]!);
    else ids.delete(v);
  }
  if (!set.complement || !universe) return ids;
  const out = new Set<number>();
  for (const v of universe()) if (!ids.has(v)) out.add(v);
  return out;
}

/** The shared empty list of the one-name type sets; never written. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

function oneName(set: NameSet): string | undefined {
  // (the parser's one-name node answers without making its include list)
  if (set instanceof OneName) return set.name;
  if (set instanceof ScannedSet) return !set.complement && set.excludeNames.length === 0 && set.names.length === 1 ? set.names[0] : undefined;
  return !set.star && !set.complement && set.exclude.length === 0 && set.include.length === 1 ? set.include[0]!.name : undefined;
}

/** The set `self` (targets only), shared and never written (not frozen: one hidden class with the others). */
const SELF: TypeSet = { types: NONE, attrs: NONE, negTypes: NONE, negAttrs: NONE, star: false, complement: false, self: true };

/** A copy of exactly the list's size (NONE when empty). */
function exactIds(list: readonly number[]): number[] {
  return list.length === 0 ? NONE : list.slice();
}

/** `ts` with its lists cut to size (a pushed-to array reserves 17 slots; rules keep their sets). */
function exactTypeSet(ts: TypeSet): TypeSet {
  ts.types = exactIds(ts.types);
  ts.attrs = exactIds(ts.attrs);
  ts.negTypes = exactIds(ts.negTypes);
  ts.negAttrs = exactIds(ts.negAttrs);
  return ts;
}

/** What shape() allows in a set of classes, users' roles, constraint names: none of `*`, `~`, `-`. */
const PLAIN = Object.freeze({});

export class Names {
  /** One shared (never written) set per type and per attribute for the one-name sets. */
  private typeSets: TypeSet[] = [];
  private attrSets: TypeSet[] = [];
  private classLists: number[][] = [];

  constructor(private readonly st: ResolveState) {}

  /** checkpolicy accepts `*`, `~` and `-x` only in some sets: `*`/`~` on types only in neverallow
   *  (define_te_avtab_helper), never on classes, users' roles or constraint names. */
  shape(set: NameSet, ok: { star?: boolean; complement?: boolean; exclude?: boolean }): void {
    if (set instanceof OneName) return;
    if (set instanceof ScannedSet) {
      if (set.complement && !ok.complement) this.st.err("set", "~ not allowed in this type of rule", set.span);
      if (set.excludeNames.length > 0 && !ok.exclude) this.st.err("set", "- not allowed in this type of rule", set.exclude[0]!.span);
      return;
    }
    if (set.star && !ok.star) this.st.err("set", "* not allowed in this type of rule", set.span);
    if (set.complement && !ok.complement) this.st.err("set", "~ not allowed in this type of rule", set.span);
    if (set.exclude.length > 0 && !ok.exclude) this.st.err("set", "- not allowed in this type of rule", set.exclude[0]!.span);
  }

  /** typeSet of the set of one plain name `name` when it names a type or an attribute, else
   *  undefined (the caller then asks typeSet, which reports it). */
  oneTypeSet(name: string): TypeSet | undefined {
    const sym = this.st.sym;
    const t = sym.typeIds.get(name);
    if (t !== undefined) return (this.typeSets[t] ??= { types: [t], attrs: NONE, negTypes: NONE, negAttrs: NONE, star: false, complement: false, self: false });
    const a = sym.attrIds.get(name);
    if (a !== undefined) return (this.attrSets[a] ??= { types: NONE, attrs: [a], negTypes: NONE, negAttrs: NONE, star: false, complement: false, self: false });
    return undefined;
  }

  /** typeSet of a plain `{ ... }` of names (no `-`, `~`, `*`; in `pool` at `at`: the count,
   *  then the names) when each is a type, an attribute or (`allowSelf`) `self`; else undefined
   *  (the caller then asks typeSet, which reports). The lists are exactly as long as they need to be, the empty ones shared: a rule
   *  keeps its type sets as long as the compiled policy. */
  namesTypeSet(pool: readonly (string | number)[], at: number, allowSelf: boolean): TypeSet | undefined {
    const sym = this.st.sym;
    const types = this.scratchTypes;
    const attrs = this.scratchAttrs;
    types.length = 0;
    attrs.length = 0;
    let self = false;
    const end = at + 1 + (pool[at] as number);
    for (let k = at + 1; k < end; k++) {
      const name = pool[k] as string;
      const t = sym.typeIds.get(name);
      if (t !== undefined) {
        types.push(t);
        continue;
      }
      const a = sym.attrIds.get(name);
      if (a !== undefined) attrs.push(a);
      else if (name === "self" && allowSelf) self = true;
      else return undefined;
    }
    return { types: exactIds(types), attrs: exactIds(attrs), negTypes: NONE, negAttrs: NONE, star: false, complement: false, self };
  }

  private readonly scratchTypes: number[] = [];
  private readonly scratchAttrs: number[] = [];

  /** oneTypeSet for a rule's targets, where `self` is allowed. */
  oneTargetSet(name: string): TypeSet | undefined {
    return this.oneTypeSet(name) ?? (name === "self" ? SELF : undefined);
  }

  /** classSet of the set of one plain name when it names a class, else undefined. */
  oneClassSet(name: string): number[] | undefined {
    const c = this.st.sym.classIds.get(name);
    return c === undefined ? undefined : (this.classLists[c] ??= [c]);
  }

  /** A type set (libsepol set_types): types, attributes, aliases, `*`, `~`, `-x`, and `self` when allowed.
   *  Kept symbolic: expand.ts (or typeset.ts) turns it into types. */
  typeSet(set: NameSet, allowSelf: boolean): TypeSet {
    const sym = this.st.sym;
    // Most sets are one plain name: share the empty lists (a large policy has 100k rules)
    const one = oneName(set);
    if (one !== undefined) {
      const ts = this.oneTypeSet(one);
      if (ts !== undefined) return ts;
    }
    const ts: TypeSet = { types: [], attrs: [], negTypes: [], negAttrs: [], star: set.star, complement: set.complement, self: false };
    if (set instanceof ScannedSet) {
      const include = set.names;
      for (let k = 0; k < include.length; k++) this.addToTypeSet(ts, include[k]!, set, k, false, allowSelf);
      const exclude = set.excludeNames;
      for (let k = 0; k < exclude.length; k++) this.addToTypeSet(ts, exclude[k]!, set, k, true, allowSelf);
      return exactTypeSet(ts);
    }
    for (let k = 0; k < set.include.length; k++) this.addToTypeSet(ts, set.include[k]!.name, set, k, false, allowSelf);
    for (let k = 0; k < set.exclude.length; k++) this.addToTypeSet(ts, set.exclude[k]!.name, set, k, true, allowSelf);
    return exactTypeSet(ts);
  }

  /** Adds `name`, the k-th of the set's include (or, `neg`, exclude) list. */
  private addToTypeSet(ts: TypeSet, name: string, set: NameSet, k: number, neg: boolean, allowSelf: boolean): void {
    const t = this.st.sym.typeIds.get(name);
    if (t !== undefined) {
      (neg ? ts.negTypes : ts.types).push(t);
      return;
    }
    const a = this.st.sym.attrIds.get(name);
    if (a !== undefined) {
      (neg ? ts.negAttrs : ts.attrs).push(a);
      return;
    }
    const id = (neg ? set.exclude : set.include)[k]!;
    if (name === "self") {
      if (allowSelf && !neg) ts.self = true;
      else this.st.report("self", id.span, neg);
      return;
    }
    this.st.unknown(`unknown type ${name}`, id.span, name, this.typeOrAttrNames());
  }

  /** What a rule's type position may name: types, aliases and attributes (for "did you mean"). */
  private *typeOrAttrNames(): Iterable<string> {
    yield* this.st.sym.typeIds.keys();
    yield* this.st.sym.attrIds.keys();
  }

  /** Class ids, sorted. */
  classSet(set: NameSet): number[] {
    this.shape(set, PLAIN);
    const sym = this.st.sym;
    const one = oneName(set);
    if (one !== undefined) {
      const cs = this.oneClassSet(one);
      if (cs !== undefined) return cs;
    }
    const ids = idSet(
      set,
      (name) => sym.classIds.get(name),
      (id) => this.st.unknown(`unknown class ${id.name}`, id.span, id.name, sym.classIds.keys()),
      () => sym.classes.map((c) => c.id),
    );
    return [...ids].sort((a, b) => a - b);
  }

  /** Permission mask of a perm set for one class (define_te_avtab_helper: `*` is every
   *  permission, `~` complements; a name the class lacks is an error). */
  permMask(set: NameSet, cls: ClassSym): number {
    if (set instanceof OneName) {
      const m = cls.permMask.get(set.name);
      if (m !== undefined) return m;
    }
    // (a `-perm` in the set was reported once by shape(); it still removes the permission here)
    let mask = 0;
    if (set.star) mask = cls.allMask;
    const include = set instanceof ScannedSet ? set.names : null;
    const n = include === null ? set.include.length : include.length;
    for (let k = 0; k < n; k++) {
      const name = include === null ? set.include[k]!.name : include[k]!;
      const m = cls.permMask.get(name);
      if (m === undefined) this.st.unknown(`permission ${name} is not defined for class ${cls.name}`, set.include[k]!.span, name, cls.permMask.keys());
      else mask |= m;
    }
    const exclude = excludeNames(set);
    for (let k = 0; k < exclude.length; k++) {
      const m = cls.permMask.get(exclude[k]!);
      if (m === undefined) this.st.unknown(`permission ${exclude[k]} is not defined for class ${cls.name}`, set.exclude[k]!.span, exclude[k]!, cls.permMask.keys());
      else mask &= ~m;
    }
    // libsepol complements all 32 bits: `~{ every perm }` still makes an (empty-looking) entry
    if (set.complement) mask = ~mask;
    return mask >>> 0;
  }

  /** Role ids (`*` and `~` were refused by shape() where checkpolicy refuses them). */
  roleSet(set: NameSet): Set<number> {
    const sym = this.st.sym;
    return idSet(set, (name) => sym.roleIds.get(name), (id) => this.st.unknown(`unknown role ${id.name}`, id.span, id.name, sym.roleIds.keys()));
  }

  /** Roles and role attributes, as role_set_t holds them before role_set_expand: role ids and
   *  role attribute indices. */
  roleOrAttrSet(set: NameSet): { roles: Set<number>; attrs: Set<number> } {
    const sym = this.st.sym;
    // role attributes as -1 - index, so one pass keeps include/exclude in order
    const ids = idSet(
      set,
      (name) => sym.roleIds.get(name) ?? (this.st.roleAttrIds.has(name) ? -1 - this.st.roleAttrIds.get(name)! : undefined),
      (id) => this.st.unknown(`unknown role ${id.name}`, id.span, id.name, [...sym.roleIds.keys(), ...this.st.roleAttrIds.keys()], "role or attribute"),
    );
    const roles = new Set<number>();
    const attrs = new Set<number>();
    for (const v of ids) (v >= 0 ? roles : attrs).add(v >= 0 ? v : -1 - v);
    return { roles, attrs };
  }

  /** Role ids with every role attribute replaced by its roles (role_set_expand). */
  expandedRoleSet(set: NameSet): Set<number> {
    const { roles, attrs } = this.roleOrAttrSet(set);
    for (const a of attrs) for (const r of this.st.sym.roleAttrs[a]!.roles ?? []) roles.add(r);
    return roles;
  }

  /** User ids, for constraint names. */
  userSet(set: NameSet): Set<number> {
    const sym = this.st.sym;
    return idSet(set, (name) => sym.userIds.get(name), (id) => this.st.unknown(`unknown user ${id.name}`, id.span, id.name, sym.userIds.keys()));
  }
}

// (sample instances of Names and of ResolveState: see shapes.ts)
keepShape(new Names(new ResolveState({ file: "", statements: [] })));
