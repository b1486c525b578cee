// The access vector table, as libsepol's avtab.c: a hash table on integer keys
// (source type, target type, class) holding the allow / auditallow / dontaudit masks.
// Open addressing (linear probing) over typed arrays, so a decision is a hash, a compare and a
// mask, and memory grows with the rules, not with ntypes^2.

/** Which mask of an entry a rule feeds. */
export const enum AvKind {
  Allow = 0,
  AuditAllow = 1,
  DontAudit = 2,
}

const EMPTY = -1;
const MIN_CAPACITY = 16;

export class AvTab {
  /** (stype * ntypes + ttype) * nclasses + tclass, or EMPTY. A double: exact up to 2^53. */
  keys: Float64Array;
  allow: Uint32Array;
  auditallow: Uint32Array;
  /** Union of the dontaudit rules' permissions (Xen's auditdeny is its complement). */
  dontaudit: Uint32Array;
  size = 0;
  /** 32 - log2(capacity): the Fibonacci hash keeps the top bits. */
  shift: number;
  /** While expand counts entries (startCounting): per slot, a bit per AvKind whose statistics
   *  key (the same (s, t, c), unconditional) was seen; see Expander.count. */
  private counted: Uint8Array | undefined;
  /** Counted keys that have no slot (an auditdeny rule that audits every permission adds none). */
  private orphans: Set<number> | undefined;
  /** Keys counted per AvKind while counting. */
  readonly countedKeys = [0, 0, 0];

  constructor(
    readonly ntypes: number,
    readonly nclasses: number,
    expected = 0,
  ) {
    let cap = MIN_CAPACITY;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.allow = new Uint32Array(cap);
    this.auditallow = new Uint32Array(cap);
    this.dontaudit = new Uint32Array(cap);
    this.shift = 32 - Math.log2(cap);
  }

  key(stype: number, ttype: number, tclass: number): number {
    return (stype * this.ntypes + ttype) * this.nclasses + tclass;
  }

  /** Fibonacci hashing on the key's low 32 bits (avtab_hash mixes the three ids the same way). */
  private home(key: number): number {
    return Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
  }

  /** Slot of `key`, or -1. */
  find(key: number): number {
    const keys = this.keys;
    const m = keys.length - 1;
    let h = this.home(key);
    for (;;) {
      const k = keys[h]!;
      if (k === key) return h;
      if (k === EMPTY) return -1;
      h = (h + 1) & m;
    }
  }

  /** Is every bit of `mask` allowed? The hot path of every decision. */
  allows(stype: number, ttype: number, tclass: number, mask: number): boolean {
    const key = (stype * this.ntypes + ttype) * this.nclasses + tclass;
    const keys = this.keys;
    const m = keys.length - 1;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[h]!;
      if (k === key) return (this.allow[h]! & mask) === mask;
      if (k === EMPTY) return false;
      h = (h + 1) & m;
    }
  }

  add(key: number, kind: AvKind, mask: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const m = keys.length - 1;
    let h = this.home(key);
    for (;;) {
      const k = keys[h]!;
      if (k === key) break;
      if (k === EMPTY) {
        keys[h] = key;
        this.size++;
        break;
      }
      h = (h + 1) & m;
    }
    const masks = kind === AvKind.Allow ? this.allow : kind === AvKind.AuditAllow ? this.auditallow : this.dontaudit;
    masks[h] = (masks[h]! | mask) >>> 0;
  }

  /** ORs `mask` into every (s, t, tclass) for s in sources and t in targets (and (s, s) with
   *  `self`): the inner loop of expand_rule_helper, kept tight because attribute rules make
   *  hundreds of thousands of cells. */
  addPairs(sources: Int32Array, targets: Int32Array, self: boolean, tclass: number, kind: AvKind, mask: number, count = false): void {
    const nt = this.ntypes;
    const nc = this.nclasses;
    let keys = this.keys;
    let masks = this.masksOf(kind);
    let m = keys.length - 1;
    let shift = this.shift;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      const row = s * nt;
      for (let j = self ? -1 : 0; j < targets.length; j++) {
        const key = (row + (j < 0 ? s : targets[j]!)) * nc + tclass;
        let h = Math.imul(key | 0, 0x9e3779b1) >>> shift;
        for (;;) {
          const k = keys[h]!;
          if (k === key) break;
          if (k === EMPTY) {
            if ((this.size + 1) * 2 > keys.length) {
              this.grow();
              keys = this.keys;
              masks = this.masksOf(kind);
              m = keys.length - 1;
              shift = this.shift;
              h = Math.imul(key | 0, 0x9e3779b1) >>> shift;
              continue;
            }
            keys[h] = key;
            this.size++;
            break;
          }
          h = (h + 1) & m;
        }
        masks[h] = (masks[h]! | mask) >>> 0;
        // the slot is in cache now: counting here costs no probe of another table
        if (count) this.markSlot(h, key, kind);
      }
    }
  }

  startCounting(): void {
    this.counted = new Uint8Array(this.keys.length);
  }

  /** Ends counting; the keys counted per AvKind. */
  stopCounting(): number[] {
    this.counted = undefined;
    this.orphans = undefined;
    return this.countedKeys;
  }

  /** Counts the statistics key of (key, kind) unless already counted. */
  markCounted(key: number, kind: AvKind): void {
    const h = this.find(key);
    if (h >= 0) {
      this.markSlot(h, key, kind);
      return;
    }
    this.orphans ??= new Set();
    const orphan = key * 3 + kind;
    if (!this.orphans.has(orphan)) {
      this.orphans.add(orphan);
      this.countedKeys[kind]!++;
    }
  }

  private markSlot(h: number, key: number, kind: AvKind): void {
    const counted = this.counted!;
    const bit = 1 << kind;
    if ((counted[h]! & bit) !== 0) return;
    counted[h] = counted[h]! | bit;
    // counted already while it had no slot
    if (this.orphans !== undefined && this.orphans.has(key * 3 + kind)) return;
    this.countedKeys[kind]!++;
  }

  private masksOf(kind: AvKind): Uint32Array {
    return kind === AvKind.Allow ? this.allow : kind === AvKind.AuditAllow ? this.auditallow : this.dontaudit;
  }

  private grow(): void {
    const old = { keys: this.keys, allow: this.allow, auditallow: this.auditallow, dontaudit: this.dontaudit, counted: this.counted };
    this.allocate(old.keys.length * 2);
    if (old.counted !== undefined) this.counted = new Uint8Array(this.keys.length);
    this.size = 0;
    for (let i = 0; i < old.keys.length; i++) {
      const k = old.keys[i]!;
      if (k === EMPTY) continue;
      const h = this.put(k, old.allow[i]!, old.auditallow[i]!, old.dontaudit[i]!);
      if (old.counted !== undefined) this.counted![h] = old.counted[i]!;
    }
  }

  private allocate(cap: number): void {
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.allow = new Uint32Array(cap);
    this.auditallow = new Uint32Array(cap);
    this.dontaudit = new Uint32Array(cap);
    this.shift = 32 - Math.log2(cap);
  }

  /** Inserts a key known to be absent, with all three masks (rehashing: one probe, not three). */
  put(key: number, allow: number, auditallow: number, dontaudit: number): number {
    const keys = this.keys;
    const m = keys.length - 1;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
    while (keys[h] !== EMPTY) h = (h + 1) & m;
    keys[h] = key;
    this.allow[h] = allow;
    this.auditallow[h] = auditallow;
    this.dontaudit[h] = dontaudit;
    this.size++;
    return h;
  }

  /** A copy sized for `extra` more entries (conditional rules are added on top of the base table). */
  cloneWithRoom(extra: number): AvTab {
    if ((this.size + extra) * 2 <= this.keys.length) {
      const t = new AvTab(this.ntypes, this.nclasses);
      t.keys = this.keys.slice();
      t.allow = this.allow.slice();
      t.auditallow = this.auditallow.slice();
      t.dontaudit = this.dontaudit.slice();
      t.size = this.size;
      t.shift = this.shift;
      return t;
    }
    const t = new AvTab(this.ntypes, this.nclasses, this.size + extra);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY) t.put(k, this.allow[i]!, this.auditallow[i]!, this.dontaudit[i]!);
    }
    return t;
  }

  forEach(fn: (key: number, allow: number, auditallow: number, dontaudit: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY) fn(k, this.allow[i]!, this.auditallow[i]!, this.dontaudit[i]!);
    }
  }

  /** Split a key back into its ids. */
  decode(key: number): [stype: number, ttype: number, tclass: number] {
    const tclass = key % this.nclasses;
    const pair = (key - tclass) / this.nclasses;
    const ttype = pair % this.ntypes;
    return [(pair - ttype) / this.ntypes, ttype, tclass];
  }
}

/** Expansion into flat arrays indexed by the avtab key, for policies whose ntypes^2 * nclasses
 *  cells fit (DENSE_LIMIT): an attribute-heavy policy ORs the same few cells hundreds of thousands
 *  of times, and an index beats a hash probe for each. `finish` packs the cells into an AvTab. */
export class DenseAvBuilder {
  private readonly masks: (Uint32Array | undefined)[] = [undefined, undefined, undefined];
  /** Per cell, a bit per AvKind whose statistics key was counted (as AvTab's). */
  private counted: Uint8Array | undefined;
  readonly countedKeys = [0, 0, 0];

  constructor(
    readonly ntypes: number,
    readonly nclasses: number,
  ) {}

  static fits(ntypes: number, nclasses: number): boolean {
    return ntypes * ntypes * nclasses <= DENSE_LIMIT;
  }

  /** As AvTab.addPairs. */
  addPairs(sources: Int32Array, targets: Int32Array, self: boolean, tclass: number, kind: AvKind, mask: number, count = false): void {
    const nt = this.ntypes;
    const nc = this.nclasses;
    const masks = (this.masks[kind] ??= new Uint32Array(nt * nt * nc));
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      const row = s * nt;
      if (self) {
        const key = (row + s) * nc + tclass;
        masks[key] = (masks[key]! | mask) >>> 0;
        if (count) this.markCounted(key, kind);
      }
      for (let j = 0; j < targets.length; j++) {
        const key = (row + targets[j]!) * nc + tclass;
        masks[key] = (masks[key]! | mask) >>> 0;
        if (count) this.markCounted(key, kind);
      }
    }
  }

  startCounting(): void {
    this.counted = new Uint8Array(this.ntypes * this.ntypes * this.nclasses);
  }

  stopCounting(): number[] {
    this.counted = undefined;
    return this.countedKeys;
  }

  /** Counts the statistics key of (key, kind) unless already counted (every cell exists here). */
  markCounted(key: number, kind: AvKind): void {
    const counted = this.counted!;
    const bit = 1 << kind;
    if ((counted[key]! & bit) !== 0) return;
    counted[key] = counted[key]! | bit;
    this.countedKeys[kind]!++;
  }

  /** The entries as an AvTab with room for `extra` more (the conditional lists, added on top by
   *  cloneWithRoom without a rehash). */
  finish(extra = 0): AvTab {
    const cells = this.ntypes * this.ntypes * this.nclasses;
    const [allow, auditallow, dontaudit] = [0, 1, 2].map((k) => this.masks[k] ?? new Uint32Array(cells)) as [Uint32Array, Uint32Array, Uint32Array];
    let count = 0;
    for (let key = 0; key < cells; key++) if ((allow[key]! | auditallow[key]! | dontaudit[key]!) !== 0) count++;
    const tab = new AvTab(this.ntypes, this.nclasses, count + extra);
    for (let key = 0; key < cells; key++) {
      if ((allow[key]! | auditallow[key]! | dontaudit[key]!) !== 0) tab.put(key, allow[key]!, auditallow[key]!, dontaudit[key]!);
    }
    return tab;
  }
}

/** Up to this many (stype, ttype, class) cells a flat Uint32Array of allowed masks is cheaper
 *  than hashing (4 MB); past it (a few thousand types) only the hashed avtab scales. */
export const DENSE_LIMIT = 1 << 20;

/** The allowed masks as a flat array indexed by the avtab key, or null when too large. */
export function denseAllowed(tab: AvTab): Uint32Array | null {
  const cells = tab.ntypes * tab.ntypes * tab.nclasses;
  if (cells > DENSE_LIMIT) return null;
  const dense = new Uint32Array(cells);
  const keys = tab.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) dense[keys[i]!] = tab.allow[i]!;
  return dense;
}

/** A decision function over one table, its arrays and sizes captured as constants of the closure
 *  (V8 keeps them in registers where it would reload an object's fields on every call). */
export function allowedLookup(tab: AvTab): (stype: number, ttype: number, tclass: number, mask: number) => boolean {
  const nt = tab.ntypes;
  const nc = tab.nclasses;
  const dense = denseAllowed(tab);
  if (dense !== null) return (stype, ttype, tclass, mask) => (dense[(stype * nt + ttype) * nc + tclass]! & mask) === mask;
  const packed = packedAllowed(tab);
  if (packed !== null) {
    // key and mask side by side: a probe reads one cache line, not one in each of two arrays
    const { cells, shift } = packed;
    const m = (cells.length >> 1) - 1;
    return (stype, ttype, tclass, mask) => {
      const key = (stype * nt + ttype) * nc + tclass;
      let h = Math.imul(key, 0x9e3779b1) >>> shift;
      for (;;) {
        const k = cells[h << 1]!;
        if (k === key) return (cells[(h << 1) + 1]! & mask) === mask;
        if (k === EMPTY) return mask === 0;
        h = (h + 1) & m;
      }
    };
  }
  const keys = tab.keys;
  const allow = tab.allow;
  const shift = tab.shift;
  const m = keys.length - 1;
  return (stype, ttype, tclass, mask) => {
    const key = (stype * nt + ttype) * nc + tclass;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> shift;
    for (;;) {
      const k = keys[h]!;
      if (k === key) return (allow[h]! & mask) === mask;
      if (k === EMPTY) return mask === 0;
      h = (h + 1) & m;
    }
  };
}

/** Up to this many entries with allowed permissions the packed table (8 bytes a slot, half full)
 *  stays within about 1 MB, where keeping key and mask on one line pays; a bigger one misses the
 *  cache either way and would only cost its build (~100 ns an entry) at every compile. */
const PACKED_LIMIT = 1 << 16;

/** The entries with allowed permissions, as (key, mask) pairs in one Int32Array hashed on the key
 *  (the decision side of the avtab: auditallow and dontaudit are not asked there), or null when
 *  there are more than PACKED_LIMIT or a key does not fit 31 bits (over ~23,000 types). */
function packedAllowed(tab: AvTab): { cells: Int32Array; shift: number } | null {
  if (tab.ntypes * tab.ntypes * tab.nclasses > 0x7fffffff || tab.size > 4 * PACKED_LIMIT) return null;
  const keys = tab.keys;
  const allow = tab.allow;
  let n = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY && allow[i] !== 0) n++;
  if (n > PACKED_LIMIT) return null;
  let cap = MIN_CAPACITY;
  while (cap < n * 2) cap *= 2;
  const shift = 32 - Math.log2(cap);
  const m = cap - 1;
  const cells = new Int32Array(cap * 2).fill(EMPTY);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === EMPTY || allow[i] === 0) continue;
    let h = Math.imul(key, 0x9e3779b1) >>> shift;
    while (cells[h << 1] !== EMPTY) h = (h + 1) & m;
    cells[h << 1] = key;
    cells[(h << 1) + 1] = allow[i]!;
  }
  return { cells, shift };
}

/** The entries one branch of a conditional contributes (libsepol's cond_av_list_t). */
export class AvList {
  keys: number[] = [];
  kinds: AvKind[] = [];
  masks: number[] = [];
  push(key: number, kind: AvKind, mask: number): void {
    this.keys.push(key);
    this.kinds.push(kind);
    this.masks.push(mask);
  }
  get length(): number {
    return this.keys.length;
  }
  addPairs(sources: Int32Array, targets: Int32Array, self: boolean, nt: number, nc: number, tclass: number, kind: AvKind, mask: number): void {
    for (const s of sources) {
      if (self) this.push((s * nt + s) * nc + tclass, kind, mask);
      for (const t of targets) this.push((s * nt + t) * nc + tclass, kind, mask);
    }
  }
  addTo(tab: AvTab): void {
    for (let i = 0; i < this.keys.length; i++) tab.add(this.keys[i]!, this.kinds[i]!, this.masks[i]!);
  }
}

/** A set of avtab keys (open addressing, like AvTab without the masks): counts distinct entries. */
export class KeySet {
  private keys: Float64Array;
  private shift: number;
  size = 0;

  constructor(expected = 0) {
    let cap = MIN_CAPACITY;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.shift = 32 - Math.log2(cap);
  }

  add(key: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const m = keys.length - 1;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[h]!;
      if (k === key) return;
      if (k === EMPTY) {
        keys[h] = key;
        this.size++;
        return;
      }
      h = (h + 1) & m;
    }
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Float64Array(old.length * 2).fill(EMPTY);
    this.shift--;
    this.size = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== EMPTY) this.add(old[i]!);
  }
}
