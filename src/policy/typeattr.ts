// Decisions on the attribute-keyed access vector table (avtab.ts), as Xen's
// services.c context_struct_compute_av makes them: for a source type s and a target type t, OR the
// entries of every (s', t') with s' in type_attr_map[s] (s itself and its attributes) and t' in
// type_attr_map[t]. Only the ids some entry uses as a source (resp. target) key are walked, so a
// type with ten attributes of which one has rules costs one or two probes, not eleven.
//
// The hot path (allowedLookup) expands the table where that pays: with few types, to a flat array
// over type pairs (one index); otherwise to a table over classes of types that no rule tells apart
// (typeclasses.ts: two class lookups, a cell and a row, at 3005 types or at 20,000 types in one
// attribute alike). Only where even the classes are too many does it fall back to a packed hash of
// the expansion to type pairs, or past EXPAND_LIMIT to the walk over the attributes with a small
// direct-mapped cache of recent answers.
import { AvKind, AvTab, EMPTY, avHash, avKey } from "./avtab.js";
import type { AvList } from "./avtab.js";
import type { Expanded } from "./expand.js";
import type { Symbols } from "./symbols.js";
import { type ClassTable, classTable } from "./typeclasses.js";

/** The map over every table of an expansion (its base and all conditional lists), made once and
 *  shared by the neverallow check and the image, which read the same tables. */
const mapsOf = new WeakMap<Expanded, TypeAttrMap>();
export function typeAttrMap(sym: Symbols, ex: Expanded): TypeAttrMap {
  let tam = mapsOf.get(ex);
  if (tam === undefined) mapsOf.set(ex, (tam = new TypeAttrMap(sym, [ex.base, ...ex.condLists])));
  return tam;
}

/** Per key id (each type, then each attribute), the key ids a decision probes on each side
 *  (CSR: ids[start[id] .. start[id + 1])): Xen's type_attr_map, less the ids no entry uses. */
export class TypeAttrMap {
  readonly ntypes: number;
  readonly sourceStart: Int32Array;
  readonly sourceIds: Int32Array;
  readonly targetStart: Int32Array;
  readonly targetIds: Int32Array;

  /** @param tables every table a decision may read (the base and all conditional lists). */
  constructor(
    private readonly sym: Symbols,
    tables: readonly (AvTab | AvList)[],
  ) {
    const nt = sym.types.length;
    this.ntypes = nt;
    const nids = nt + sym.attrs.length;
    const usedSource = new Uint8Array(nids);
    const usedTarget = new Uint8Array(nids);
    for (const tab of tables) {
      if (tab instanceof AvTab && tab.usedKnown && tab.usedSource.length === nids) {
        for (let i = 0; i < nids; i++) {
          usedSource[i] = usedSource[i]! | tab.usedSource[i]!;
          usedTarget[i] = usedTarget[i]! | tab.usedTarget[i]!;
        }
        continue;
      }
      const keys = tab.keys;
      const nc = tab.nclasses;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (key === EMPTY) continue;
        const pair = Math.floor(key / nc);
        usedTarget[pair % nids] = 1;
        usedSource[Math.floor(pair / nids)] = 1;
      }
    }
    // a row per key id, as Xen's type_attr_map has one per p_types value: a type's holds the type
    // and its attributes; an attribute's (read by a context a reload left with an attribute as its
    // type) holds the attribute itself (checkpolicy writes it, policydb_read sets it again), or
    // nothing under `expandattribute A true` (checkpolicy writes it empty and keys no rule on A)
    const keysOf: number[][] = Array.from({ length: nids }, (_, id) => (id < nt || sym.attrs[id - nt]!.expand !== true ? [id] : []));
    sym.attrs.forEach((a, i) => {
      for (const t of a.members) keysOf[t]!.push(nt + i);
    });
    [this.sourceStart, this.sourceIds] = csr(keysOf, usedSource);
    [this.targetStart, this.targetIds] = csr(keysOf, usedTarget);
  }

  /** The type ids a key id stands for. */
  members(id: number): ArrayLike<number> {
    return id < this.ntypes ? [id] : this.sym.attrs[id - this.ntypes]!.members;
  }

  /** The three masks of (s, t, c) in `tab`: allow, auditallow, dontaudit ORed over the walk. */
  masks(tab: AvTab, s: number, t: number, c: number): [allow: number, auditallow: number, dontaudit: number] {
    let allow = 0;
    let auditallow = 0;
    let dontaudit = 0;
    for (let i = this.sourceStart[s]!; i < this.sourceStart[s + 1]!; i++) {
      const si = this.sourceIds[i]!;
      for (let j = this.targetStart[t]!; j < this.targetStart[t + 1]!; j++) {
        const h = tab.find(tab.key(si, this.targetIds[j]!, c));
        if (h < 0) continue;
        allow |= tab.allow[h]!;
        auditallow |= tab.auditallow[h]!;
        dontaudit |= tab.dontaudit[h]!;
      }
    }
    return [allow >>> 0, auditallow >>> 0, dontaudit >>> 0];
  }

  /** The allow mask of (s, t, c) in `tab` (masks()[0] without the other two). */
  allowed(tab: AvTab, s: number, t: number, c: number): number {
    let allow = 0;
    for (let i = this.sourceStart[s]!; i < this.sourceStart[s + 1]!; i++) {
      const si = this.sourceIds[i]!;
      for (let j = this.targetStart[t]!; j < this.targetStart[t + 1]!; j++) {
        const h = tab.find(tab.key(si, this.targetIds[j]!, c));
        if (h >= 0) allow |= tab.allow[h]!;
      }
    }
    return allow >>> 0;
  }

  /** The table over type pairs only: every entry's masks ORed into each (type, type) it covers. */
  expandToTypes(tab: AvTab): AvTab {
    const out = new AvTab(this.ntypes, tab.nclasses, tab.size);
    const { keys } = tab;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      const [s, t, c] = tab.decode(keys[i]!);
      const sources = this.members(s);
      const targets = this.members(t);
      const masks = [tab.allow[i]!, tab.auditallow[i]!, tab.dontaudit[i]!];
      for (const kind of [AvKind.Allow, AvKind.AuditAllow, AvKind.DontAudit]) if (masks[kind] !== 0) out.addPairs(sources, targets, false, c, kind, masks[kind]!);
    }
    return out;
  }

  /** How many type-pair cells the table's allow entries cover (an upper bound of the expansion). */
  expandedCells(tab: AvTab): number {
    let n = 0;
    const { keys } = tab;
    const { nids, nclasses } = tab;
    const nt = this.ntypes;
    const attrs = this.sym.attrs;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === EMPTY || tab.allow[i] === 0) continue;
      // (decode() without its tuple: this runs over the whole table when a view is made)
      const pair = (key - (key % nclasses)) / nclasses;
      const t = pair % nids;
      const s = (pair - t) / nids;
      n += (s < nt ? 1 : attrs[s - nt]!.members.length) * (t < nt ? 1 : attrs[t - nt]!.members.length);
    }
    return n;
  }
}

function csr(keysOf: readonly number[][], used: Uint8Array): [Int32Array, Int32Array] {
  const start = new Int32Array(keysOf.length + 1);
  const ids: number[] = [];
  keysOf.forEach((keys, row) => {
    for (const k of keys) if (used[k]) ids.push(k);
    start[row + 1] = ids.length;
  });
  return [start, Int32Array.from(ids)];
}

/** Up to this many (stype, ttype, class) cells a flat Uint32Array of allowed masks (4 MB) is
 *  cheaper than hashing. */
const DENSE_LIMIT = 1 << 20;

/** Up to this many type-pair cells the expansion is made for the hot path (a packed table of
 *  about 16 MB at most, built in tens of ms); past it the walk over attributes is cheaper to keep. */
const EXPAND_LIMIT = 1 << 20;

/** Slots of the walk's answer cache (a power of two). */
const CACHE_SLOTS = 1 << 12;

export type AllowedLookup = (stype: number, ttype: number, tclass: number, mask: number) => boolean;

/** The same decision as an object whose class is its form: what allows(names) calls (view.ts). A
 *  program with several policies calls one site with several of them: a method of up to five
 *  classes is inlined at that site per class, where a call of their closures (each form its own
 *  literal) is not inlined once it has seen two (47 vs 37 ns a question by names at 3005 types
 *  after a 101-type policy asked at the same site; docs/performance.md). */
export interface Decider {
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean;
}

class DenseDecider implements Decider {
  constructor(
    readonly dense: Uint32Array,
    readonly nt: number,
    readonly nc: number,
  ) {}
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean {
    return (this.dense[avKey(stype, ttype, tclass, this.nt, this.nc)]! & mask) === mask;
  }
}

/** Two class lookups, a cell and a row (typeclasses.ts); Uint8Array rows and pairs. */
class ClassDecider implements Decider {
  readonly srcRow: Int32Array;
  readonly tgtCol: Int32Array;
  readonly pair: Uint8Array;
  readonly diagRow: Uint8Array;
  readonly rows: Uint32Array;
  constructor(
    ct: ClassTable<Uint8Array>,
    readonly nc: number,
  ) {
    ({ srcRow: this.srcRow, tgtCol: this.tgtCol, pair: this.pair, diagRow: this.diagRow, rows: this.rows } = ct);
  }
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean {
    const row = stype === ttype ? this.diagRow[stype]! : this.pair[this.srcRow[stype]! + this.tgtCol[ttype]!]!;
    return (this.rows[row * this.nc + tclass]! & mask) === mask;
  }
}

/** The class form with row numbers of 16 bits (a class of its own: V8 specialises each method to
 *  the typed arrays it sees). */
class WideClassDecider implements Decider {
  constructor(
    readonly ct: ClassTable,
    readonly nc: number,
  ) {}
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean {
    const { srcRow, tgtCol, pair, diagRow, rows } = this.ct;
    const row = stype === ttype ? diagRow[stype]! : pair[srcRow[stype]! + tgtCol[ttype]!]!;
    return (rows[row * this.nc + tclass]! & mask) === mask;
  }
}

/** A hash of the expansion to type pairs: key and mask side by side, so a probe reads one cache
 *  line, not one in each of two arrays. */
class PackedDecider implements Decider {
  readonly slots: Int32Array;
  readonly shift: number;
  readonly m: number;
  constructor(
    tab: AvTab,
    readonly nt: number,
    readonly nc: number,
  ) {
    ({ slots: this.slots, shift: this.shift } = packedAllowed(tab));
    this.m = (this.slots.length >> 1) - 1;
  }
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean {
    const slots = this.slots;
    const key = avKey(stype, ttype, tclass, this.nt, this.nc);
    let h = avHash(key, this.shift);
    for (;;) {
      const k = slots[h << 1]!;
      if (k === key) return (slots[(h << 1) + 1]! & mask) === mask;
      if (k === EMPTY) return mask === 0;
      h = (h + 1) & this.m;
    }
  }
}

/** The walk (TypeAttrMap.allowed, written out over the map's arrays), with the last answer per
 *  cache slot (type-pair key -> allowed mask). */
class WalkDecider implements Decider {
  readonly cacheKeys = new Float64Array(CACHE_SLOTS).fill(EMPTY);
  readonly cacheMasks = new Uint32Array(CACHE_SLOTS);
  readonly shift = 32 - Math.log2(CACHE_SLOTS);
  constructor(
    readonly tab: AvTab,
    readonly tam: TypeAttrMap,
    readonly nc: number,
  ) {}
  allowed(stype: number, ttype: number, tclass: number, mask: number): boolean {
    const { sourceStart, sourceIds, targetStart, targetIds, ntypes } = this.tam;
    const { keys, allow, nids, shift: tshift } = this.tab;
    const nc = this.nc;
    const tm = keys.length - 1;
    const key = avKey(stype, ttype, tclass, ntypes, nc);
    const h = avHash(key, this.shift);
    if (this.cacheKeys[h] !== key) {
      let allowed = 0;
      for (let i = sourceStart[stype]!; i < sourceStart[stype + 1]!; i++) {
        const si = sourceIds[i]!;
        for (let j = targetStart[ttype]!; j < targetStart[ttype + 1]!; j++) {
          const k = avKey(si, targetIds[j]!, tclass, nids, nc);
          let p = avHash(k, tshift);
          for (;;) {
            const x = keys[p]!;
            if (x === k) {
              allowed |= allow[p]!;
              break;
            }
            if (x === EMPTY) break;
            p = (p + 1) & tm;
          }
        }
      }
      this.cacheKeys[h] = key;
      this.cacheMasks[h] = allowed;
    }
    return (this.cacheMasks[h]! & mask) === mask;
  }
}

/** The decider for one table: with few types, a flat array over type pairs; otherwise the table
 *  over classes of types, then (where the classes are too many) the packed hash of the expansion,
 *  or past EXPAND_LIMIT the walk. Its tables (up to 16 MB, tens of ms at 3000 types) are built
 *  here: the view asks at its first decision (view.ts), so `xsm compile` and the tools that only
 *  read rules never pay for them. `how` forces one form (tests check that they agree). */
export function decider(tab: AvTab, tam: TypeAttrMap, how?: "dense" | "classes" | "packed" | "walk"): Decider {
  const nt = tam.ntypes;
  const nc = tab.nclasses;
  if (how === "dense" || (how === undefined && nt * nt * nc <= DENSE_LIMIT && tam.expandedCells(tab) <= EXPAND_LIMIT)) {
    return new DenseDecider(denseAllowed(tab, tam), nt, nc);
  }
  if (how === "classes" || how === undefined) {
    // On the 3005-type SVP policy, 16,384 varied questions: 8-14 ns a decision, where the packed
    // hash of the type pairs took 20-46 ns.
    const ct = classTable(tab, tam);
    if (ct === undefined) return decider(tab, tam, tam.expandedCells(tab) <= EXPAND_LIMIT ? "packed" : "walk");
    if (!(ct.pair instanceof Uint8Array && ct.diagRow instanceof Uint8Array)) return new WideClassDecider(ct, nc);
    return new ClassDecider(ct as ClassTable<Uint8Array>, nc);
  }
  // (a packed key must fit 31 bits: up to ~23,000 types)
  if (how !== "walk" && nt * nt * nc <= 0x7fffffff) return new PackedDecider(tam.expandToTypes(tab), nt, nc);
  return new WalkDecider(tab, tam, nc);
}

/** A decision function over one decider's tables (view.ts allowsIds). Its arrays and sizes are
 *  const variables of the closure (V8 keeps them in registers, or folds them into a caller that
 *  inlines the function, where it would reload an object's fields on every call). Each form is its
 *  own function literal, so a caller's loop sees one target and V8 inlines it (a shared wrapper
 *  calling whichever form was built made allowsIds 4x slower at 101 types). */
export function lookupOf(d: Decider): AllowedLookup {
  if (d instanceof DenseDecider) {
    const { dense, nt, nc } = d;
    return (stype, ttype, tclass, mask) => (dense[avKey(stype, ttype, tclass, nt, nc)]! & mask) === mask;
  }
  if (d instanceof ClassDecider) {
    const { srcRow, tgtCol, pair, diagRow, rows, nc } = d;
    return (stype, ttype, tclass, mask) => {
      const row = stype === ttype ? diagRow[stype]! : pair[srcRow[stype]! + tgtCol[ttype]!]!;
      return (rows[row * nc + tclass]! & mask) === mask;
    };
  }
  if (d instanceof WideClassDecider) {
    const { srcRow, tgtCol, pair, diagRow, rows } = d.ct;
    const nc = d.nc;
    return (stype, ttype, tclass, mask) => {
      const row = stype === ttype ? diagRow[stype]! : pair[srcRow[stype]! + tgtCol[ttype]!]!;
      return (rows[row * nc + tclass]! & mask) === mask;
    };
  }
  // the packed hash and the walk cost tens of ns a decision: their methods, called from a literal each
  if (d instanceof PackedDecider) return (stype, ttype, tclass, mask) => d.allowed(stype, ttype, tclass, mask);
  return (stype, ttype, tclass, mask) => d.allowed(stype, ttype, tclass, mask);
}

/** decider + lookupOf: one form's decision function over a table (tests force each form). */
export function allowedLookup(tab: AvTab, tam: TypeAttrMap, how?: "dense" | "classes" | "packed" | "walk"): AllowedLookup {
  return lookupOf(decider(tab, tam, how));
}

/** The allowed masks of every type pair as a flat array indexed by avKey over types. */
function denseAllowed(tab: AvTab, tam: TypeAttrMap): Uint32Array {
  const nt = tam.ntypes;
  const nc = tab.nclasses;
  const dense = new Uint32Array(nt * nt * nc);
  const { keys, allow } = tab;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === EMPTY || allow[i] === 0) continue;
    const [s, t, c] = tab.decode(keys[i]!);
    const sources = tam.members(s);
    const targets = tam.members(t);
    for (let a = 0; a < sources.length; a++) {
      for (let b = 0; b < targets.length; b++) {
        const k = avKey(sources[a]!, targets[b]!, c, nt, nc);
        dense[k] = (dense[k]! | allow[i]!) >>> 0;
      }
    }
  }
  return dense;
}

/** The entries of a type-pair table with allowed permissions, as (key, mask) pairs in one
 *  Int32Array hashed on the key (every key fits 31 bits: allowedLookup checks). */
function packedAllowed(tab: AvTab): { slots: Int32Array; shift: number } {
  const { keys, allow } = tab;
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY && allow[i] !== 0) n++;
  let cap = 16;
  while (cap < n * 2) cap *= 2;
  const shift = 32 - Math.log2(cap);
  const m = cap - 1;
  const slots = new Int32Array(cap * 2).fill(EMPTY);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === EMPTY || allow[i] === 0) continue;
    let h = avHash(key, shift);
    while (slots[h << 1] !== EMPTY) h = (h + 1) & m;
    slots[h << 1] = key;
    slots[(h << 1) + 1] = allow[i]!;
  }
  return { slots, shift };
}
