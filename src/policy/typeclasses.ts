// The allowed masks of a table over classes of types rather than types: the table a decision reads
// when the expansion to type pairs is too big for a flat array (typeattr.ts allowedLookup).
//
// A decision ORs the entries of every (source key, target key) the two types map to
// (services.c context_struct_compute_av over type_attr_map). So two types whose source keys (the
// type itself where some entry names it, and its attributes that some entry has as source) are the
// same have the same row as a source, for every target; likewise as a target. Types fall into few
// such classes, because rules are mostly written on attributes: the 3005-type SVP policy has ~500
// source and ~750 target classes against 9M type pairs, the one-attribute policy one of each at any
// N. A decision is then two class lookups, one cell of the (source class, target class) table and one
// row of distinct masks (one per object class), all branch-free loads.
//
// `self` (and any rule naming a type as both its source and target) writes entries (x, x) that would
// make x a class of its own on both sides. Such a key is left out of the classes when all its
// entries are (x, x): it matters only to the question (x, x), which reads a row of its own
// (`diagRow`, the full walk of that type pair).
import { EMPTY } from "./avtab.js";
import type { AvTab } from "./avtab.js";

/** What the classes are made from: per type, the key ids a decision walks on each side (CSR, as
 *  typeattr.ts TypeAttrMap keeps them), and the walk itself for the pairs left out of the classes. */
export interface TypeKeys {
  readonly ntypes: number;
  readonly sourceStart: Int32Array;
  readonly sourceIds: Int32Array;
  readonly targetStart: Int32Array;
  readonly targetIds: Int32Array;
  allowed(tab: AvTab, s: number, t: number, c: number): number;
}

export interface ClassTable<Rows extends Uint8Array | Uint16Array = Uint8Array | Uint16Array> {
  /** Per type, its source class times the number of target classes. */
  srcRow: Int32Array;
  /** Per type, its target class. */
  tgtCol: Int32Array;
  /** Per (source class, target class), the row of masks that pair is allowed. */
  pair: Rows;
  /** Per type x, the row of (x, x). */
  diagRow: Rows;
  /** Distinct rows, `nclasses` masks each; row 0 allows nothing. */
  rows: Uint32Array;
  sourceClasses: number;
  targetClasses: number;
}

/** Up to this many (source class, target class) cells the class table is made (16 MB of
 *  Uint16 at most); past it the caller keeps its other forms. */
export const CLASS_PAIR_LIMIT = 1 << 23;

/** The class table of the allow masks of `tab`, or undefined when the classes are too many (more
 *  than `limit` class pairs, or more than 2^16 distinct rows). Row numbers are bytes where they fit,
 *  unless `narrow` is false (tests check both widths). */
export function classTable(tab: AvTab, tam: TypeKeys, { limit = CLASS_PAIR_LIMIT, narrow = true } = {}): ClassTable | undefined {
  const nt = tam.ntypes;
  const { nids, nclasses: nc, keys, allow } = tab;

  // the entries with allowed permissions, grouped by source key (CSR)
  const esrc: number[] = [];
  const etgt: number[] = [];
  const ecls: number[] = [];
  const emask: number[] = [];
  // a key is kept on a side when some entry uses it there other than as (x, x) of a type x
  const keepSource = new Uint8Array(nids);
  const keepTarget = new Uint8Array(nids);
  const selfOnly = new Uint8Array(nt);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === EMPTY || allow[i] === 0) continue;
    const c = key % nc;
    const pairKey = (key - c) / nc;
    const t = pairKey % nids;
    const s = (pairKey - t) / nids;
    esrc.push(s);
    etgt.push(t);
    ecls.push(c);
    emask.push(allow[i]!);
    if (s === t && s < nt) {
      selfOnly[s] = 1;
    } else {
      keepSource[s] = 1;
      keepTarget[t] = 1;
    }
  }
  const bySource = groupBy(esrc, nids);

  const [srcClass, srcKeys] = classesOf(tam.sourceStart, tam.sourceIds, keepSource, nt);
  const [tgtClass, tgtKeys] = classesOf(tam.targetStart, tam.targetIds, keepTarget, nt);
  const nS = srcKeys.length;
  const nT = tgtKeys.length;
  if (nS * nT > limit) return undefined;

  // per target key, the target classes whose keys hold it (CSR)
  const tgtKeyOf: number[] = [];
  const tgtClassOf: number[] = [];
  tgtKeys.forEach((ks, T) => {
    for (const k of ks) {
      tgtKeyOf.push(k);
      tgtClassOf.push(T);
    }
  });
  const byTarget = groupBy(tgtKeyOf, nids);

  const rows = new RowSet(nc);
  const pair = new Uint16Array(nS * nT);
  const scratch = new Uint32Array(nT * nc);
  const touched = new Uint8Array(nT);
  const touchedList: number[] = [];
  for (let S = 0; S < nS; S++) {
    for (const k1 of srcKeys[S]!) {
      for (let e = bySource.start[k1]!; e < bySource.start[k1 + 1]!; e++) {
        const i = bySource.items[e]!;
        const k2 = etgt[i]!;
        for (let f = byTarget.start[k2]!; f < byTarget.start[k2 + 1]!; f++) {
          const T = tgtClassOf[byTarget.items[f]!]!;
          const cell = T * nc + ecls[i]!;
          scratch[cell] = (scratch[cell]! | emask[i]!) >>> 0;
          if (touched[T] === 0) {
            touched[T] = 1;
            touchedList.push(T);
          }
        }
      }
    }
    for (const T of touchedList) {
      const row = rows.intern(scratch, T * nc);
      if (row < 0) return undefined;
      pair[S * nT + T] = row;
      scratch.fill(0, T * nc, T * nc + nc);
      touched[T] = 0;
    }
    touchedList.length = 0;
  }

  const srcRow = new Int32Array(nt);
  const tgtCol = new Int32Array(nt);
  const diagRow = new Uint16Array(nt);
  const own = new Uint32Array(nc);
  for (let x = 0; x < nt; x++) {
    srcRow[x] = srcClass[x]! * nT;
    tgtCol[x] = tgtClass[x]!;
    if (selfOnly[x] === 0 || (keepSource[x] === 1 && keepTarget[x] === 1)) {
      diagRow[x] = pair[srcRow[x]! + tgtCol[x]!]!;
      continue;
    }
    // x's (x, x) entries are outside the classes: walk that pair whole
    for (let c = 0; c < nc; c++) own[c] = tam.allowed(tab, x, x, c);
    const row = rows.intern(own, 0);
    if (row < 0) return undefined;
    diagRow[x] = row;
  }
  // row numbers in bytes where they fit: the 3005-type SVP policy's cells then take 380 KB, inside a
  // 512 KB L2 cache, and a varied stream of decisions costs half as much as with 760 KB
  const bytes = narrow && rows.size <= 256;
  return {
    srcRow,
    tgtCol,
    pair: bytes ? Uint8Array.from(pair) : pair,
    diagRow: bytes ? Uint8Array.from(diagRow) : diagRow,
    rows: rows.table(),
    sourceClasses: nS,
    targetClasses: nT,
  };
}

/** Classes of types by their kept keys on one side (tam's CSR, filtered): per type its class, and
 *  per class its keys. */
function classesOf(start: Int32Array, ids: Int32Array, keep: Uint8Array, nt: number): [Int32Array, number[][]] {
  const classOf = new Int32Array(nt);
  // a type with one key or none (most of them, where rules are on attributes) is looked up by that
  // key's number; only longer key lists are made into text
  const byKey = new Map<number, number>();
  const byKeys = new Map<string, number>();
  const keysOf: number[][] = [];
  const ks: number[] = [];
  for (let x = 0; x < nt; x++) {
    ks.length = 0;
    for (let i = start[x]!; i < start[x + 1]!; i++) if (keep[ids[i]!] === 1) ks.push(ids[i]!);
    // tam lists a type's keys in one order (the type, then its attributes by id): equal sets, equal lists
    const one = ks.length === 0 ? -1 : ks.length === 1 ? ks[0]! : undefined;
    const text = one === undefined ? ks.join(",") : "";
    let cls = one === undefined ? byKeys.get(text) : byKey.get(one);
    if (cls === undefined) {
      cls = keysOf.length;
      if (one === undefined) byKeys.set(text, cls);
      else byKey.set(one, cls);
      keysOf.push(ks.slice());
    }
    classOf[x] = cls;
  }
  return [classOf, keysOf];
}

function groupBy(of: readonly number[], n: number): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(n + 1);
  for (const k of of) start[k + 1]!++;
  for (let k = 0; k < n; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, n);
  const items = new Int32Array(of.length);
  of.forEach((k, i) => (items[fill[k]!++] = i));
  return { start, items };
}

/** Distinct rows of `width` masks, each numbered once (row 0: all zero), in an open-addressed set. */
class RowSet {
  private data: Uint32Array;
  private count = 0;
  private slots: Int32Array = new Int32Array(64).fill(-1);

  constructor(private readonly width: number) {
    this.data = new Uint32Array(width * 16);
    this.intern(this.data, 0);
  }

  /** The number of the row at src[from .. from + width), or -1 past 2^16 rows. */
  intern(src: Uint32Array, from: number): number {
    const w = this.width;
    const h = this.hash(src, from);
    const m = this.slots.length - 1;
    for (let p = h & m; ; p = (p + 1) & m) {
      const r = this.slots[p]!;
      if (r < 0) break;
      let same = true;
      for (let j = 0; j < w && same; j++) same = this.data[r * w + j] === src[from + j];
      if (same) return r;
    }
    if (this.count === 1 << 16) return -1;
    const r = this.count++;
    if (r * w + w > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(src.subarray(from, from + w), r * w);
    this.insert(r, h);
    return r;
  }

  get size(): number {
    return this.count;
  }

  table(): Uint32Array {
    return this.data.slice(0, this.count * this.width);
  }

  private hash(src: Uint32Array, from: number): number {
    let h = 0x811c9dc5;
    for (let j = 0; j < this.width; j++) h = Math.imul(h ^ src[from + j]!, 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  private insert(r: number, h: number): void {
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
      for (let q = 0; q < this.count; q++) if (q !== r) this.place(q, this.hash(this.data, q * this.width));
    }
    this.place(r, h);
  }

  private place(r: number, h: number): void {
    const m = this.slots.length - 1;
    let p = h & m;
    while (this.slots[p]! >= 0) p = (p + 1) & m;
    this.slots[p] = r;
  }
}
