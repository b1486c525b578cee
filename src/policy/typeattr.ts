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

/** Per type, the key ids a decision probes on each side (CSR: ids[start[t] .. start[t + 1])). */
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
    const attrsOf: number[][] = Array.from({ length: nt }, () => []);
    sym.attrs.forEach((a, i) => {
      for (const t of a.members) attrsOf[t]!.push(nt + i);
    });
    [this.sourceStart, this.sourceIds] = csr(attrsOf, usedSource);
    [this.targetStart, this.targetIds] = csr(attrsOf, usedTarget);
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

function csr(attrsOf: readonly number[][], used: Uint8Array): [Int32Array, Int32Array] {
  const start = new Int32Array(attrsOf.length + 1);
  const ids: number[] = [];
  attrsOf.forEach((attrs, t) => {
    if (used[t]) ids.push(t);
    for (const a of attrs) if (used[a]) ids.push(a);
    start[t + 1] = ids.length;
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

/** A decision function over one table: is every bit of `mask` allowed for (stype, ttype, tclass)?
 *  Its arrays and sizes are const variables of the closure (V8 keeps them in registers, or folds
 *  them into a caller that inlines the function, where it would reload an object's fields, or a
 *  variable filled on the first call, on every call). The tables it reads (up to 16 MB, tens of ms
 *  at 3000 types) are built here: the view calls this at its first decision (view.ts allowsIds),
 *  so `xsm compile` and the tools that only read rules never pay for them. Each form is its own
 *  function literal, so a caller's loop sees one target and V8 inlines it (a shared wrapper calling
 *  whichever form was built made allowsIds 4x slower at 101 types). */
export function allowedLookup(tab: AvTab, tam: TypeAttrMap, how?: "dense" | "classes" | "packed" | "walk"): AllowedLookup {
  const nt = tam.ntypes;
  const nc = tab.nclasses;
  if (how === "dense" || (how === undefined && nt * nt * nc <= DENSE_LIMIT && tam.expandedCells(tab) <= EXPAND_LIMIT)) {
    const dense = denseAllowed(tab, tam);
    return (stype, ttype, tclass, mask) => (dense[avKey(stype, ttype, tclass, nt, nc)]! & mask) === mask;
  }
  if (how === "classes" || how === undefined) {
    // two class lookups, a cell and a row (typeclasses.ts); where the classes are too many, or their
    // rows need 16-bit numbers, another form. On the 3005-type SVP policy, 16,384 varied questions:
    // 8-14 ns a decision, where the packed hash of the type pairs took 20-46 ns.
    const ct = classTable(tab, tam);
    if (ct === undefined) return allowedLookup(tab, tam, tam.expandedCells(tab) <= EXPAND_LIMIT ? "packed" : "walk");
    if (!(ct.pair instanceof Uint8Array && ct.diagRow instanceof Uint8Array)) return wideClassLookup(ct, nc);
    const { srcRow, tgtCol, pair, diagRow, rows } = ct as ClassTable<Uint8Array>;
    return (stype, ttype, tclass, mask) => {
      const row = stype === ttype ? diagRow[stype]! : pair[srcRow[stype]! + tgtCol[ttype]!]!;
      return (rows[row * nc + tclass]! & mask) === mask;
    };
  }
  // `how` forces one form (tests check that they agree)
  const expand = how !== "walk";
  // (a packed key must fit 31 bits: up to ~23,000 types)
  if (expand && nt * nt * nc <= 0x7fffffff) {
    // key and mask side by side: a probe reads one cache line, not one in each of two arrays
    const { slots, shift } = packedAllowed(tam.expandToTypes(tab));
    const m = (slots.length >> 1) - 1;
    return (stype, ttype, tclass, mask) => {
      const key = avKey(stype, ttype, tclass, nt, nc);
      let h = avHash(key, shift);
      for (;;) {
        const k = slots[h << 1]!;
        if (k === key) return (slots[(h << 1) + 1]! & mask) === mask;
        if (k === EMPTY) return mask === 0;
        h = (h + 1) & m;
      }
    };
  }
  // the walk (TypeAttrMap.allowed, written out so its arrays are constants of this closure too),
  // with the last answer per cache slot (type-pair key -> allowed mask)
  const { sourceStart, sourceIds, targetStart, targetIds } = tam;
  const { keys, allow, nids } = tab;
  const tshift = tab.shift;
  const tm = keys.length - 1;
  const cacheKeys = new Float64Array(CACHE_SLOTS).fill(EMPTY);
  const cacheMasks = new Uint32Array(CACHE_SLOTS);
  const shift = 32 - Math.log2(CACHE_SLOTS);
  return (stype, ttype, tclass, mask) => {
    const key = avKey(stype, ttype, tclass, nt, nc);
    const h = avHash(key, shift);
    if (cacheKeys[h] !== key) {
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
      cacheKeys[h] = key;
      cacheMasks[h] = allowed;
    }
    return (cacheMasks[h]! & mask) === mask;
  };
}

/** The class form with row numbers of 16 bits (a literal of its own: V8 specialises each one to
 *  the typed arrays it sees). */
function wideClassLookup(ct: ClassTable, nc: number): AllowedLookup {
  const { srcRow, tgtCol, pair, diagRow, rows } = ct;
  return (stype, ttype, tclass, mask) => {
    const row = stype === ttype ? diagRow[stype]! : pair[srcRow[stype]! + tgtCol[ttype]!]!;
    return (rows[row * nc + tclass]! & mask) === mask;
  };
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
