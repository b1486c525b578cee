// The access vector cache as Xen bounds it (xen/xsm/flask/avc.c): decisions of the security server
// cached per (ssid, tsid, tclass) in AVC_CACHE_SLOTS hash chains hashed by avc_hash(); when an
// allocation takes the live node count past AVC_CACHE_THRESHOLD, avc_reclaim_node() frees
// AVC_CACHE_RECLAIM nodes, walking the chains from a rotating lru_hint and taking each chain from
// its head (the newest node, avc_insert() adds at the head). So a long scenario's statistics
// (lookups, hits, misses, allocations, reclaims, frees) come out as Xen's would. Nodes live in
// typed arrays, so a hit allocates nothing.
import type { AvDecision } from "../policy/types.js";

/** security_compute_av() as the AVC sees it: asked on a miss. */
export type ComputeAv = (ssid: number, tsid: number, tclass: number) => AvDecision;

/** Xen's struct avc_cache_stats (FLASK_AVC_STATS: lookups, hits, misses, allocations, reclaims,
 *  frees), plus the live node count and the number of resets. */
export interface AvcStats {
  lookups: number;
  hits: number;
  misses: number;
  allocations: number;
  /** Nodes avc_reclaim_node() freed to stay under the threshold. */
  reclaims: number;
  /** Nodes freed: reclaimed, or flushed by a reset. */
  frees: number;
  /** Live nodes (avc_cache.active_nodes). */
  entries: number;
  /** avc_ss_reset() calls: policy loads, boolean commits, switches to enforcing. */
  resets: number;
}

/** avc.c's bounds. */
export const AVC_CACHE_SLOTS = 512;
export const AVC_CACHE_THRESHOLD = 512;
export const AVC_CACHE_RECLAIM = 16;

const NIL = -1;

export class Avc {
  /** Node pool capacity: the threshold, the node being added, room to spare before growing. */
  private capacity = 64;
  // chain heads per slot and each node's successor (hlist)
  private readonly heads = new Int32Array(AVC_CACHE_SLOTS).fill(NIL);
  private next = new Int32Array(this.capacity);
  private freeList: number = NIL;
  private used = 0; // nodes ever taken from the pool's end
  private active = 0;
  private lruHint = 0;
  // keys and struct av_decision of each node
  private ssids = new Int32Array(this.capacity);
  private tsids = new Int32Array(this.capacity);
  private tclasses = new Int32Array(this.capacity);
  allowed = new Int32Array(this.capacity);
  auditallow = new Int32Array(this.capacity);
  auditdeny = new Int32Array(this.capacity);
  /** AVD_FLAGS_PERMISSIVE: the source type is `permissive` (security_compute_av). */
  permissive = new Uint8Array(this.capacity);
  /** Bits added by avc_update_node(AVC_CALLBACK_GRANT) when permissive mode let a denial through. */
  granted = new Int32Array(this.capacity);

  private lookups = 0;
  private hits = 0;
  private misses = 0;
  private allocations = 0;
  private reclaims = 0;
  private frees = 0;
  private resets = 0;

  constructor(
    private readonly compute: ComputeAv,
    private readonly threshold = AVC_CACHE_THRESHOLD,
  ) {}

  /**
   * avc_lookup(), and on a miss security_compute_av() + avc_insert(): the node of the entry for
   * (ssid, tsid, tclass), whose decision is read from `allowed`, `auditallow`, `auditdeny`, `granted`.
   * A node index stays valid until the next lookup or reset.
   */
  lookup(ssid: number, tsid: number, tclass: number): number {
    this.lookups++;
    const slot = avcHash(ssid, tsid, tclass);
    for (let n = this.heads[slot]!; n !== NIL; n = this.next[n]!) {
      if (this.ssids[n] === ssid && this.tsids[n] === tsid && this.tclasses[n] === tclass) {
        this.hits++;
        return n;
      }
    }
    this.misses++;
    return this.insert(slot, ssid, tsid, tclass);
  }

  /** avc_ss_reset() -> avc_flush(): every node freed. */
  reset(): void {
    for (let s = 0; s < AVC_CACHE_SLOTS; s++) {
      for (let n = this.heads[s]!; n !== NIL; ) {
        const following = this.next[n]!;
        this.release(n);
        n = following;
      }
      this.heads[s] = NIL;
    }
    this.resets++;
  }

  stats(): AvcStats {
    return {
      lookups: this.lookups,
      hits: this.hits,
      misses: this.misses,
      allocations: this.allocations,
      reclaims: this.reclaims,
      frees: this.frees,
      entries: this.active,
      resets: this.resets,
    };
  }

  // avc_insert(): avc_alloc_node() (which may reclaim first), fill it, add it at the chain's head
  private insert(slot: number, ssid: number, tsid: number, tclass: number): number {
    const avd = this.compute(ssid, tsid, tclass);
    const n = this.allocNode();
    this.ssids[n] = ssid;
    this.tsids[n] = tsid;
    this.tclasses[n] = tclass;
    this.allowed[n] = avd.allowed | 0;
    this.auditallow[n] = avd.auditallow | 0;
    this.auditdeny[n] = avd.auditdeny | 0;
    this.permissive[n] = avd.permissive === true ? 1 : 0;
    this.granted[n] = 0;
    this.next[n] = this.heads[slot]!;
    this.heads[slot] = n;
    return n;
  }

  // avc_alloc_node(): count the node, and past the threshold reclaim before using it
  private allocNode(): number {
    this.allocations++;
    if (++this.active > this.threshold) this.reclaimNodes();
    let n = this.freeList;
    if (n !== NIL) this.freeList = this.next[n]!;
    else {
      if (this.used === this.capacity) this.grow();
      n = this.used++;
    }
    return n;
  }

  // avc_reclaim_node(): from the slot after lru_hint on, delete chain heads until AVC_CACHE_RECLAIM are gone
  private reclaimNodes(): void {
    let freed = 0;
    for (let tried = 0; tried < AVC_CACHE_SLOTS; tried++) {
      this.lruHint = (this.lruHint + 1) & (AVC_CACHE_SLOTS - 1);
      const slot = this.lruHint;
      while (this.heads[slot] !== NIL) {
        const n = this.heads[slot]!;
        this.heads[slot] = this.next[n]!;
        this.release(n);
        this.reclaims++;
        if (++freed >= AVC_CACHE_RECLAIM) return;
      }
    }
  }

  // avc_node_delete() -> avc_node_free()
  private release(n: number): void {
    this.next[n] = this.freeList;
    this.freeList = n;
    this.active--;
    this.frees++;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.next = widen(this.next);
    this.ssids = widen(this.ssids);
    this.tsids = widen(this.tsids);
    this.tclasses = widen(this.tclasses);
    this.allowed = widen(this.allowed);
    this.auditallow = widen(this.auditallow);
    this.auditdeny = widen(this.auditdeny);
    this.granted = widen(this.granted);
    const permissive = new Uint8Array(capacity);
    permissive.set(this.permissive);
    this.permissive = permissive;
    this.capacity = capacity;
  }
}

/** avc.c avc_hash(): (ssid ^ (tsid << 2) ^ (tclass << 4)) & (AVC_CACHE_SLOTS - 1). */
export function avcHash(ssid: number, tsid: number, tclass: number): number {
  return (ssid ^ (tsid << 2) ^ (tclass << 4)) & (AVC_CACHE_SLOTS - 1);
}
