// The access vector table, as libsepol's avtab.c: a hash table on integer keys
// (source, target, class) holding the allow / auditallow / dontaudit masks.
//
// Keys are in libsepol's expanded-policy id space: a source or target is a type id (0..ntypes-1)
// or an attribute, id ntypes + attribute id. An AV rule keeps its attributes as keys unless its
// set has `-`, `*`, `~` or the rule has `self` (expand.ts), so the table grows with the rules,
// not with ntypes^2. A decision ORs the entries of every (source key, target key) pair a type
// pair maps to (typeattr.ts, as services.c context_struct_compute_av walks type_attr_map).
//
// Shape, for whoever consumes it (matrix, neverallow check, decisions): `keys[i]` is avKey(s, t, c)
// or EMPTY; `allow[i]`, `auditallow[i]`, `dontaudit[i]` are that key's masks (dontaudit is the
// union of the dontaudit rules' permissions: Xen's auditdeny is its complement); `kinds[i]` has
// bit 1 << AvKind for each kind of rule that wrote the key, even with an empty mask (setools
// counts such a key; avstats.ts). decode(key) gives (s, t, c) back.

/** Which mask of an entry a rule feeds. */
export const enum AvKind {
  Allow = 0,
  AuditAllow = 1,
  DontAudit = 2,
}

export const EMPTY = -1;
const MIN_CAPACITY = 16;

// The key and the hash, written once. Both are tiny on purpose: V8 inlines a function this small
// at every call site in optimised code, so the probes in the hot loops below and in typeattr.ts
// cost what hand-inlined arithmetic would, and the table and its readers cannot disagree on the
// layout. A key is a double: (nids^2 * nclasses) may pass 2^32, and stays exact up to 2^53.

/** The avtab key of (source id, target id, class) among `nids` ids and `nc` classes. */
export function avKey(s: number, t: number, c: number, nids: number, nc: number): number {
  return (s * nids + t) * nc + c;
}

/** Fibonacci hashing of the key's low 32 bits into a table of 2^(32 - shift) slots (avtab_hash
 *  mixes the three ids into a bucket the same way; the multiplier spreads consecutive keys). */
export function avHash(key: number, shift: number): number {
  return Math.imul(key | 0, 0x9e3779b1) >>> shift;
}

export class AvTab {
  // (the slots and their count are set by clear(), from the constructor and every rehash)
  /** avKey(s, t, c), or EMPTY. */
  keys!: Float64Array;
  allow!: Uint32Array;
  auditallow!: Uint32Array;
  dontaudit!: Uint32Array;
  /** Per slot, bit 1 << AvKind for each kind that wrote the key. */
  kinds!: Uint8Array;
  size = 0;
  /** 32 - log2(capacity). */
  shift!: number;
  /** Per key id, 1 when some entry has it as its source (resp. target): what a decision walks
   *  (typeattr.ts). Kept as addPairs writes entries, so nobody scans the whole table for it;
   *  exact while every entry came through addPairs (`usedKnown`), else read off the keys. */
  usedSource: Uint8Array;
  usedTarget: Uint8Array;
  usedKnown = true;
  /** Per AvKind, the keys that kind wrote (avstats.ts counts them without a walk). */
  kindCounts = [0, 0, 0];

  /** @param nids key ids: types, then attributes (libsepol's type/attribute value space). */
  constructor(
    readonly nids: number,
    readonly nclasses: number,
    expected = 0,
  ) {
    let cap = MIN_CAPACITY;
    while (cap < expected * 2) cap *= 2;
    this.clear(cap);
    this.usedSource = new Uint8Array(nids);
    this.usedTarget = new Uint8Array(nids);
  }

  key(s: number, t: number, tclass: number): number {
    return avKey(s, t, tclass, this.nids, this.nclasses);
  }

  /** The slot holding `key`, else the empty slot where it would go (linear probing). */
  private probe(key: number): number {
    const keys = this.keys;
    const m = keys.length - 1;
    let h = avHash(key, this.shift);
    for (;;) {
      const k = keys[h]!;
      if (k === key || k === EMPTY) return h;
      h = (h + 1) & m;
    }
  }

  /** Slot of `key`, or -1. */
  find(key: number): number {
    const h = this.probe(key);
    return this.keys[h] === key ? h : -1;
  }

  /** The slot of `key`, made when absent (find_avtab_node). */
  private slot(key: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.allocate(this.keys.length * 2);
    const h = this.probe(key);
    if (this.keys[h] !== key) {
      this.keys[h] = key;
      this.size++;
    }
    return h;
  }

  /** ORs `mask` into the key's `kind` mask (an empty mask still records the key). */
  add(key: number, kind: AvKind, mask: number): void {
    this.usedKnown = false;
    this.addEntry(key, kind, mask);
  }

  private addEntry(key: number, kind: AvKind, mask: number): void {
    const h = this.slot(key);
    const masks = kind === AvKind.Allow ? this.allow : kind === AvKind.AuditAllow ? this.auditallow : this.dontaudit;
    masks[h] = (masks[h]! | mask) >>> 0;
    const had = this.kinds[h]!;
    if ((had & (1 << kind)) === 0) {
      this.kinds[h] = had | (1 << kind);
      this.kindCounts[kind] = this.kindCounts[kind]! + 1;
    }
  }

  /** add() for every (s, t) with s in sources and t in targets, and (s, s) with `self`
   *  (expand_rule_helper's loops: source, then `self`, then targets). */
  addPairs(sources: ArrayLike<number>, targets: ArrayLike<number>, self: boolean, tclass: number, kind: AvKind, mask: number): void {
    if (sources.length === 0 || (targets.length === 0 && !self)) return;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      this.usedSource[s] = 1;
      if (self) {
        this.usedTarget[s] = 1;
        this.addEntry(this.key(s, s, tclass), kind, mask);
      }
      for (let j = 0; j < targets.length; j++) this.addEntry(this.key(s, targets[j]!, tclass), kind, mask);
    }
    for (let j = 0; j < targets.length; j++) this.usedTarget[targets[j]!] = 1;
  }

  /** `cap` empty slots (a power of two). */
  private clear(cap: number): void {
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.allow = new Uint32Array(cap);
    this.auditallow = new Uint32Array(cap);
    this.dontaudit = new Uint32Array(cap);
    this.kinds = new Uint8Array(cap);
    this.shift = 32 - Math.log2(cap);
    this.size = 0;
  }

  /** Rehashes into `cap` slots (a power of two). */
  private allocate(cap: number): void {
    const { keys, allow, auditallow, dontaudit, kinds } = this;
    this.clear(cap);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== EMPTY) this.put(keys[i]!, allow[i]!, auditallow[i]!, dontaudit[i]!, kinds[i]!);
    }
  }

  /** Inserts a key known to be absent, with its masks (rehashing: one probe, not three). */
  private put(key: number, allow: number, auditallow: number, dontaudit: number, kinds: number): void {
    const h = this.probe(key);
    this.keys[h] = key;
    this.allow[h] = allow;
    this.auditallow[h] = auditallow;
    this.dontaudit[h] = dontaudit;
    this.kinds[h] = kinds;
    this.size++;
  }

  /** A copy with room for `extra` more entries (conditional lists are added on top of the base). */
  cloneWithRoom(extra: number): AvTab {
    const t = new AvTab(this.nids, this.nclasses);
    t.keys = this.keys.slice();
    t.allow = this.allow.slice();
    t.auditallow = this.auditallow.slice();
    t.dontaudit = this.dontaudit.slice();
    t.kinds = this.kinds.slice();
    t.size = this.size;
    t.shift = this.shift;
    t.usedSource = this.usedSource.slice();
    t.usedTarget = this.usedTarget.slice();
    t.usedKnown = this.usedKnown;
    t.kindCounts = this.kindCounts.slice();
    let cap = t.keys.length;
    while ((t.size + extra) * 2 > cap) cap *= 2;
    if (cap !== t.keys.length) t.allocate(cap);
    return t;
  }

  /** Split a key back into its ids. */
  decode(key: number): [s: number, t: number, tclass: number] {
    const tclass = key % this.nclasses;
    const pair = (key - tclass) / this.nclasses;
    const t = pair % this.nids;
    return [(pair - t) / this.nids, t, tclass];
  }
}

/** The entries one branch of a conditional contributes (libsepol's cond_av_list_t), keyed as AvTab. */
export class AvList {
  keys: number[] = [];
  kinds: AvKind[] = [];
  masks: number[] = [];
  constructor(
    readonly nids: number,
    readonly nclasses: number,
  ) {}
  push(key: number, kind: AvKind, mask: number): void {
    this.keys.push(key);
    this.kinds.push(kind);
    this.masks.push(mask);
  }
  get length(): number {
    return this.keys.length;
  }
  /** As AvTab.addPairs. */
  addPairs(sources: ArrayLike<number>, targets: ArrayLike<number>, self: boolean, tclass: number, kind: AvKind, mask: number): void {
    const { nids, nclasses } = this;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      if (self) this.push(avKey(s, s, tclass, nids, nclasses), kind, mask);
      for (let j = 0; j < targets.length; j++) this.push(avKey(s, targets[j]!, tclass, nids, nclasses), kind, mask);
    }
  }
  addTo(tab: AvTab): void {
    for (let i = 0; i < this.keys.length; i++) tab.add(this.keys[i]!, this.kinds[i]!, this.masks[i]!);
  }
}
