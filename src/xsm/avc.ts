// The access vector cache (xen/xsm/flask/avc.c): decisions of the security server cached per
// (ssid, tsid, tclass). Xen chains 512 hash slots; here one open-addressing table on integer keys,
// with entries in typed arrays so a hit allocates nothing.
import type { AvDecision } from "../policy/types.js";

/** security_compute_av() as the AVC sees it: asked on a miss. */
export type ComputeAv = (ssid: number, tsid: number, tclass: number) => AvDecision;

/** Xen's struct avc_cache_stats (FLASK_AVC_STATS), plus the live entry count. */
export interface AvcStats {
  lookups: number;
  hits: number;
  misses: number;
  allocations: number;
  entries: number;
  /** avc_ss_reset() calls: policy loads, boolean commits, switches to enforcing. */
  resets: number;
}

const INITIAL_CAPACITY = 256; // a power of two

export class Avc {
  private capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;
  // Keys; ssid 0 marks an empty slot (SIDs start at 1, as in Xen).
  private ssids = new Int32Array(INITIAL_CAPACITY);
  private tsids = new Int32Array(INITIAL_CAPACITY);
  private tclasses = new Int32Array(INITIAL_CAPACITY);
  // struct av_decision of each entry.
  allowed = new Int32Array(INITIAL_CAPACITY);
  auditallow = new Int32Array(INITIAL_CAPACITY);
  auditdeny = new Int32Array(INITIAL_CAPACITY);
  /** AVD_FLAGS_PERMISSIVE: the source type is `permissive` (security_compute_av). */
  permissive = new Uint8Array(INITIAL_CAPACITY);
  /** Bits added by avc_update_node(AVC_CALLBACK_GRANT) when permissive mode let a denial through. */
  granted = new Int32Array(INITIAL_CAPACITY);

  private lookups = 0;
  private hits = 0;
  private misses = 0;
  private allocations = 0;
  private resets = 0;

  constructor(private readonly compute: ComputeAv) {}

  /**
   * avc_lookup(), and on a miss security_compute_av() + avc_insert(): the slot of the entry for
   * (ssid, tsid, tclass), whose decision is read from `allowed`, `auditallow`, `auditdeny`, `granted`.
   * A slot stays valid until the next lookup or reset.
   */
  lookup(ssid: number, tsid: number, tclass: number): number {
    this.lookups++;
    let slot = hash(ssid, tsid, tclass) & this.mask;
    for (;;) {
      const s = this.ssids[slot]!;
      if (s === 0) break;
      if (s === ssid && this.tsids[slot] === tsid && this.tclasses[slot] === tclass) {
        this.hits++;
        return slot;
      }
      slot = (slot + 1) & this.mask;
    }
    this.misses++;
    return this.insert(slot, ssid, tsid, tclass);
  }

  /** avc_ss_reset(): drop every entry (policy load, boolean commit, switch to enforcing). */
  reset(): void {
    this.ssids.fill(0);
    this.count = 0;
    this.resets++;
  }

  stats(): AvcStats {
    return {
      lookups: this.lookups,
      hits: this.hits,
      misses: this.misses,
      allocations: this.allocations,
      entries: this.count,
      resets: this.resets,
    };
  }

  private insert(slot: number, ssid: number, tsid: number, tclass: number): number {
    const avd = this.compute(ssid, tsid, tclass);
    if ((this.count + 1) * 2 > this.capacity) {
      this.grow();
      slot = this.freeSlot(ssid, tsid, tclass);
    }
    this.ssids[slot] = ssid;
    this.tsids[slot] = tsid;
    this.tclasses[slot] = tclass;
    this.allowed[slot] = avd.allowed | 0;
    this.auditallow[slot] = avd.auditallow | 0;
    this.auditdeny[slot] = avd.auditdeny | 0;
    this.permissive[slot] = avd.permissive === true ? 1 : 0;
    this.granted[slot] = 0;
    this.count++;
    this.allocations++;
    return slot;
  }

  private freeSlot(ssid: number, tsid: number, tclass: number): number {
    let slot = hash(ssid, tsid, tclass) & this.mask;
    while (this.ssids[slot] !== 0) slot = (slot + 1) & this.mask;
    return slot;
  }

  private grow(): void {
    const old = {
      ssids: this.ssids,
      tsids: this.tsids,
      tclasses: this.tclasses,
      allowed: this.allowed,
      auditallow: this.auditallow,
      auditdeny: this.auditdeny,
      permissive: this.permissive,
      granted: this.granted,
    };
    const capacity = this.capacity * 2;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.ssids = new Int32Array(capacity);
    this.tsids = new Int32Array(capacity);
    this.tclasses = new Int32Array(capacity);
    this.allowed = new Int32Array(capacity);
    this.auditallow = new Int32Array(capacity);
    this.auditdeny = new Int32Array(capacity);
    this.permissive = new Uint8Array(capacity);
    this.granted = new Int32Array(capacity);
    for (let i = 0; i < old.ssids.length; i++) {
      const ssid = old.ssids[i]!;
      if (ssid === 0) continue;
      const slot = this.freeSlot(ssid, old.tsids[i]!, old.tclasses[i]!);
      this.ssids[slot] = ssid;
      this.tsids[slot] = old.tsids[i]!;
      this.tclasses[slot] = old.tclasses[i]!;
      this.allowed[slot] = old.allowed[i]!;
      this.auditallow[slot] = old.auditallow[i]!;
      this.auditdeny[slot] = old.auditdeny[i]!;
      this.permissive[slot] = old.permissive[i]!;
      this.granted[slot] = old.granted[i]!;
    }
  }
}

/** Mixes the three keys (Xen's avc_hash() is ssid ^ tsid<<2 ^ tclass<<4 over 512 slots). */
function hash(ssid: number, tsid: number, tclass: number): number {
  let h = Math.imul(ssid, 0x9e3779b1) ^ Math.imul(tsid, 0x85ebca77) ^ Math.imul(tclass, 0xc2b2ae3d);
  h ^= h >>> 15;
  return h;
}
