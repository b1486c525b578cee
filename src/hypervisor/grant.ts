// Each domain's grant table (common/grant_table.c, version 1 only): the shared entries the
// granting guest writes itself (flags GTF_permit_access / GTF_readonly, the grantee's domid, the
// frame), their active entries (pin counts of host mappings, read-only and writable), and the
// maptrack of the mappings the domain made of others' grants, handed out by the one-vCPU free list
// get_maptrack_handle keeps. The hypercalls are GNTTABOP_map_grant_ref (host mappings),
// unmap_grant_ref (by handle), setup_table and query_size, each with its checks in Xen's order and
// its XSM hook; an error is a GNTST_* in the op's status while the hypercall itself returns 0.
// GNTTABOP_copy checks both sides as Xen claims them (the bytes are not modelled).
// A failed op changes no entry, pin or mapping; as in Xen, a map refused after its maptrack handle
// was taken puts the handle at the tail of the free list (and may have added a maptrack frame).
// What the model leaves out: device (IOMMU) mappings, sub-page and transitive grants, version 2,
// transfers, guest memory (every granted frame is taken to be the granter's RAM, every frame a copy
// names the caller's).
import type { Rc } from "../xen/errno.js";
import type { Domain, XsmGrantHooks } from "../xsm/types.js";

/** GNTST_* (public/grant_table.h): what a grant op reports in op->status. */
export const GNTST = {
  GNTST_okay: 0,
  GNTST_general_error: -1,
  GNTST_bad_domain: -2,
  GNTST_bad_gntref: -3,
  GNTST_bad_handle: -4,
  GNTST_permission_denied: -8,
  GNTST_bad_page: -9,
  GNTST_bad_copy_arg: -10,
  GNTST_no_space: -13,
} as const;
export type Gntst = keyof typeof GNTST;

/** public/grant_table.h's GTF_* flags of a v1 entry. */
export const GTF_permit_access = 1;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
const GTF_type_mask = 3;
const GTF_sub_page = 1 << 8;

/** One side of a GNTTABOP_copy (struct gnttab_copy_ptr): a grant `ref` of domain `domid` (found
 *  as `d`, undefined if there is none), or a `frame` of the caller's own when `self` (DOMID_SELF);
 *  `offset` into the page. `name` names the side in explanations. */
export interface CopySide {
  name: string;
  domid: number;
  d: Domain | undefined;
  self: boolean;
  ref?: number;
  frame?: number;
  offset: number;
}

/** PAGE_SIZE: a copy stays within one page on each side. */
export const PAGE_SIZE = 4096;

/** A v1 entry is 8 bytes: 512 per 4 KiB frame (nr_grant_entries). */
export const GRANT_ENTRIES_PER_FRAME = 512;
/** INITIAL_NR_GRANT_FRAMES (asm/grant_table.h, x86 and Arm). */
export const INITIAL_NR_GRANT_FRAMES = 1;
/** opt_max_grant_frames, opt_max_maptrack_frames: Xen's defaults, which a libxl-built domain gets
 *  (libxl passes -1 unless xl.cfg's max_grant_frames / max_maptrack_frames say otherwise). */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
export const DEFAULT_MAX_MAPTRACK_FRAMES = 1024;
/** struct grant_mapping is 16 bytes: MAPTRACK_PER_PAGE. */
export const MAPTRACK_PER_PAGE = 256;

interface Active {
  /** GNTPIN_hstr / hstw counts: host mappings read-only and writable. */
  hstr: number;
  hstw: number;
  /** act->domid: the domain the entry is pinned for. */
  domid: number;
}

interface Mapping {
  /** The granting domain and its ref. */
  domid: number;
  ref: number;
  readonly: boolean;
}

interface Table {
  readonly domain: Domain;
  /** nr_grant_frames(gt), max_grant_frames, max_maptrack_frames. */
  frames: number;
  readonly maxFrames: number;
  readonly maxMaptrackFrames: number;
  /** The shared v1 entries the guest wrote, by ref (an entry all zero is absent). */
  readonly entries: Map<number, { flags: number; domid: number; frame: number }>;
  readonly active: Map<number, Active>;
  /** maptrack: the live mappings by handle; maptrack_limit; the vCPU's free list, head first. */
  readonly maptrack: Map<number, Mapping>;
  limit: number;
  readonly free: number[];
  /** Killed while others still map its grants (its pages, and so the domain, live on until
   *  unmapped), or while something else holds the dying domain (`held`). */
  dying: boolean;
  /** A reference other than its mapped pages keeps the dying domain (a device model's d->target). */
  held: boolean;
}

/** A domain's grant state in a report (--json, the trace's final state, expect.resources). */
export interface GrantReport {
  /** nr_grant_frames and max_grant_frames. */
  frames: number;
  maxFrames: number;
  /** The entries the guest wrote (flags as GTF_* names: permit_access, readonly, reading, writing). */
  entries: { ref: number; domid: number; frame: number; flags: string[] }[];
  /** Its mappings of others' grants, by handle. */
  mappings: { handle: number; domid: number; ref: number; readonly: boolean }[];
  /** Dead, kept only while its grants stay mapped. */
  dying?: true;
}

export interface GrantOptions {
  log?: (line: string) => void;
  why?: (text: string) => void;
  /** max_grant_frames and max_maptrack_frames as configured (undefined: Xen's defaults). */
  maxFrames?: (d: Domain) => number | undefined;
  maxMaptrackFrames?: (d: Domain) => number | undefined;
  /** A dead domain's last mapped grant was unmapped: its last page reference went, it is freed. */
  freed?: (d: Domain) => void;
}

const FLAG_NAMES: [number, string][] = [
  [GTF_permit_access, "permit_access"],
  [GTF_readonly, "readonly"],
  [GTF_reading, "reading"],
  [GTF_writing, "writing"],
];
const hex = (n: number) => `0x${n.toString(16)}`;

export class GrantTables {
  private readonly tables = new Map<number, Table>();

  constructor(
    private readonly xsm: XsmGrantHooks,
    private readonly options: GrantOptions = {},
  ) {}

  // grant_table_init() at domain creation: the model makes the table on first use
  private table(d: Domain): Table {
    let t = this.tables.get(d.domid);
    if (t === undefined) {
      t = {
        domain: d,
        frames: INITIAL_NR_GRANT_FRAMES,
        maxFrames: this.options.maxFrames?.(d) ?? DEFAULT_MAX_GRANT_FRAMES,
        maxMaptrackFrames: this.options.maxMaptrackFrames?.(d) ?? DEFAULT_MAX_MAPTRACK_FRAMES,
        entries: new Map(),
        active: new Map(),
        maptrack: new Map(),
        limit: 0,
        free: [],
        dying: false,
        held: false,
      };
      this.tables.set(d.domid, t);
    }
    return t;
  }

  private status<T extends Gntst>(s: T, why?: string, log?: string): T {
    if (log !== undefined) this.options.log?.(log);
    if (why !== undefined) this.options.why?.(why);
    return s;
  }

  /** The dead domain `domid` whose grants are still mapped (rcu_lock_domain_by_id still finds it). */
  dying(domid: number): Domain | undefined {
    const t = this.tables.get(domid);
    return t?.dying ? t.domain : undefined;
  }

  /**
   * The granting guest writes its own entry `ref` (no hypercall, no XSM question): access for
   * `grantee` to `frame`, read-only or not; `grantee` undefined clears the entry as Linux's
   * gnttab_end_foreign_access_ref does, which leaves an entry Xen has pinned (GTF_reading or
   * GTF_writing) alone (-EBUSY here). A ref past the frames the guest has is -EINVAL.
   */
  access(d: Domain, ref: number, grantee: number | undefined, frame: number, readonly: boolean): Rc {
    const t = this.table(d);
    if (ref >= t.frames * GRANT_ENTRIES_PER_FRAME) {
      this.options.why?.(`${d.name} has ${t.frames} grant frame(s): refs below ${t.frames * GRANT_ENTRIES_PER_FRAME} (GNTTABOP_setup_table grows the table)`);
      return "-EINVAL";
    }
    const e = t.entries.get(ref);
    const busy = (e?.flags ?? 0) & (GTF_reading | GTF_writing);
    if (grantee === undefined) {
      if (busy) {
        this.options.why?.(`ref ${ref} is in use (${flagNames(e!.flags).join(" ")}): gnttab_end_foreign_access_ref leaves it (the mapping stays until unmapped)`);
        return "-EBUSY";
      }
      t.entries.delete(ref);
      return 0;
    }
    // the guest may rewrite a pinned entry; Xen's GTF_reading/writing stay (guest_cmpxchg)
    t.entries.set(ref, { flags: GTF_permit_access | (readonly ? GTF_readonly : 0) | busy, domid: grantee, frame });
    return 0;
  }

  /**
   * GNTTABOP_map_grant_ref (GNTMAP_host_map, GNTMAP_readonly or not) of `rd`'s `ref` by `ld`:
   * the domain (GNTST_bad_domain), XSM (permission_denied), a maptrack handle (no_space), the ref
   * bound (bad_gntref), the active entry pinned for another domain (general_error), then for an
   * entry not yet pinned the guest's flags and grantee (general_error) and write access to a
   * read-only grant (general_error); a dying granter's unpinned frame is gone (bad_page).
   */
  map(ld: Domain, rd: Domain | undefined, rdomid: number, ref: number, readonly: boolean): { status: Gntst; handle?: number } {
    if (rd === undefined) return { status: this.status("GNTST_bad_domain", `no domain ${rdomid} (rcu_lock_domain_by_id finds none)`, `Could not find domain ${rdomid}`) };
    if (this.xsm.grantMapref(ld, rd, readonly) !== 0) return { status: "GNTST_permission_denied" };
    const lgt = this.table(ld);
    const handle = this.getMaptrackHandle(lgt);
    if (handle === undefined) {
      return { status: this.status("GNTST_no_space", `${ld.name} has no free maptrack handle (${lgt.limit} handles in ${lgt.limit / MAPTRACK_PER_PAGE} of max_maptrack_frames ${lgt.maxMaptrackFrames})`, "Failed to obtain maptrack handle") };
    }
    const fail = (s: Gntst, why: string, log: string) => {
      lgt.free.push(handle); // put_maptrack_handle(): to the tail of the free list
      return { status: this.status(s, why, log) };
    };
    const rgt = this.table(rd);
    const nr = rgt.frames * GRANT_ENTRIES_PER_FRAME;
    if (ref >= nr) return fail("GNTST_bad_gntref", `ref ${ref} is past ${rd.name}'s ${nr} entries (${rgt.frames} frame(s))`, `Bad ref ${hex(ref)} for d${rd.domid}`);
    const act = rgt.active.get(ref);
    const pinned = act !== undefined && act.hstr + act.hstw > 0;
    if (pinned && act.domid !== ld.domid) return fail("GNTST_general_error", `ref ${ref} of ${rd.name} is mapped by d${act.domid}: one domain at a time`, `Bad domain (${act.domid} != ${ld.domid}), or risk of counter overflow ${hex(pinCount(act))}, or subpage 0`);
    const e = rgt.entries.get(ref);
    const flags = e?.flags ?? 0;
    if (!pinned || (!readonly && act.hstw === 0)) {
      // _set_status_v1()
      if (!pinned && ((flags & (GTF_type_mask | GTF_sub_page)) !== GTF_permit_access || e!.domid !== ld.domid)) {
        const what = (flags & GTF_type_mask) !== GTF_permit_access ? `ref ${ref} of ${rd.name} does not permit access` : `ref ${ref} of ${rd.name} is granted to d${e!.domid}, not to ${ld.name}`;
        return fail("GNTST_general_error", what, `Bad flags (${hex(flags)}) or dom (${e?.domid ?? 0}); expected d${ld.domid}`);
      }
      if (!readonly && flags & GTF_readonly) return fail("GNTST_general_error", `ref ${ref} of ${rd.name} is granted read-only: a writable map is refused`, "Attempt to write-pin a r/o grant entry");
      // get_paged_frame(): a dead domain's memory was relinquished; only pinned frames live on
      if (!pinned && rgt.dying) return fail("GNTST_bad_page", `${rd.name} is dead: the frame of ref ${ref} was freed with its memory (check_get_page_from_gfn fails)`, `Could not pin grant frame ${hex(e!.frame)}`);
      e!.flags |= GTF_reading | (readonly ? 0 : GTF_writing);
    }
    const a = act ?? { hstr: 0, hstw: 0, domid: ld.domid };
    a.domid = ld.domid;
    if (readonly) a.hstr++;
    else a.hstw++;
    rgt.active.set(ref, a);
    lgt.maptrack.set(handle, { domid: rd.domid, ref, readonly });
    return { status: "GNTST_okay", handle };
  }

  /**
   * GNTTABOP_copy of `len` bytes by `cur` (gnttab_copy_one): nothing at all for len 0; each side's
   * domain, source then dest (a frame only of the caller's own, DOMID_SELF, else
   * GNTST_permission_denied; no such domain GNTST_bad_domain); XSM on the two
   * (GNTST_permission_denied); then the source and the dest claimed as acquire_grant_for_copy
   * does for a ref, which must be granted to the caller (GNTST_bad_gntref; GNTST_general_error for
   * another domain's pin, the entry's flags or grantee, a read-only grant as the dest; a dying
   * granter's unpinned frame GNTST_bad_page), a frame being the caller's RAM; last, offset + len
   * within the page on each side (GNTST_bad_copy_arg). The pins a copy takes go when it is done
   * (release_grant_for_copy, reduce_status_for_pin): a copy changes no entry, pin or mapping.
   */
  copy(cur: Domain, src: CopySide, dest: CopySide, len: number): { status: Gntst } {
    if (len === 0) return { status: "GNTST_okay" }; // gnttab_copy_one(): nothing to do, nothing asked
    const lock = (s: CopySide, which: string): Gntst | Domain => {
      // gnttab_copy_lock_domain(): "Only DOMID_SELF may reference via frame."
      if (s.ref === undefined && !s.self) return this.status("GNTST_permission_denied", `the ${which} is a frame named with domain ${s.name}: only DOMID_SELF (no domain given) may name a frame, even the caller's own domid may not`);
      if (s.d === undefined) return this.status("GNTST_bad_domain", `no domain ${s.domid} (rcu_lock_domain_by_any_id finds none)`);
      return s.d;
    };
    const sd = lock(src, "source");
    if (typeof sd === "string") return { status: sd };
    const dd = lock(dest, "dest");
    if (typeof dd === "string") return { status: dd };
    if (this.xsm.grantCopy(sd, dd) !== 0) return { status: "GNTST_permission_denied" };
    // gnttab_copy_claim_buf(): the source read-only, then the dest writable; a frame is the
    // caller's RAM (get_paged_frame finds it). The pins are released before the next op, so the
    // model checks without taking them: a same-entry dest sees what the source's pin would show.
    if (src.ref !== undefined) {
      const bad = this.acquireForCopy(cur, sd, src.ref, true, false);
      if (bad !== undefined) return { status: bad };
    }
    if (dest.ref !== undefined) {
      const sameEntry = src.ref === dest.ref && sd.domid === dd.domid;
      const bad = this.acquireForCopy(cur, dd, dest.ref, false, sameEntry);
      if (bad !== undefined) return { status: bad };
    }
    // gnttab_copy_buf()
    const past = [src, dest].find((s) => s.offset + len > PAGE_SIZE);
    if (past !== undefined) return { status: this.status("GNTST_bad_copy_arg", `the ${past === src ? "source" : "dest"}'s offset ${past.offset} + len ${len} goes past the ${PAGE_SIZE}-byte page`, "copy beyond page area") };
    return { status: "GNTST_okay" };
  }

  // acquire_grant_for_copy() of `rd`'s v1 entry `ref` for `ld` (mapflag 0: _set_status_v1 without
  // the sub-page test); `pinnedBySource`: the copy's source pinned this very entry for `ld`
  private acquireForCopy(ld: Domain, rd: Domain, ref: number, readonly: boolean, pinnedBySource: boolean): Gntst | undefined {
    const rgt = this.table(rd);
    const nr = rgt.frames * GRANT_ENTRIES_PER_FRAME;
    if (ref >= nr) return this.status("GNTST_bad_gntref", `ref ${ref} is past ${rd.name}'s ${nr} entries (${rgt.frames} frame(s))`, `Bad grant reference ${hex(ref)}`);
    const act = rgt.active.get(ref);
    const mapped = act !== undefined && act.hstr + act.hstw > 0;
    if (mapped && act.domid !== ld.domid) {
      return this.status("GNTST_general_error", `ref ${ref} of ${rd.name} is pinned for d${act.domid}: one domain at a time`, `Bad domain (${act.domid} != ${ld.domid}), or risk of counter overflow ${pinCount(act).toString(16).padStart(8, "0")}`);
    }
    const pinned = mapped || pinnedBySource;
    const writePinned = mapped && act.hstw > 0;
    if (pinned && (readonly || writePinned)) return undefined;
    const e = rgt.entries.get(ref);
    const flags = e?.flags ?? 0;
    if (!pinned && ((flags & GTF_type_mask) !== GTF_permit_access || e!.domid !== ld.domid)) {
      const what = (flags & GTF_type_mask) !== GTF_permit_access ? `ref ${ref} of ${rd.name} does not permit access` : `ref ${ref} of ${rd.name} is granted to d${e!.domid}, not to ${ld.name}`;
      return this.status("GNTST_general_error", what, `Bad flags (${hex(flags)}) or dom (${e?.domid ?? 0}); expected d${ld.domid}`);
    }
    if (!readonly && flags & GTF_readonly) return this.status("GNTST_general_error", `ref ${ref} of ${rd.name} is granted read-only: a copy cannot write it`, "Attempt to write-pin a r/o grant entry");
    // get_paged_frame(): a dead domain's memory was relinquished; only pinned frames live on
    if (!pinned && rgt.dying) return this.status("GNTST_bad_page", `${rd.name} is dying: the frame of ref ${ref} was freed with its memory (check_get_page_from_gfn fails)`);
    return undefined;
  }

  /**
   * GNTTABOP_unmap_grant_ref of `ld`'s mapping `handle` (its host address as mapped): a handle past
   * maptrack_limit or not in use (GNTST_bad_handle), XSM (permission_denied) on the granting
   * domain, which may be dead; then the pin goes, and with the last pin GTF_reading / GTF_writing.
   */
  unmap(ld: Domain, handle: number): { status: Gntst } {
    const lgt = this.table(ld);
    if (handle >= lgt.limit) return { status: this.status("GNTST_bad_handle", `handle ${handle} is past ${ld.name}'s maptrack (${lgt.limit} handles)`, `Bad d${ld.domid} handle ${hex(handle)}`) };
    const map = lgt.maptrack.get(handle);
    if (map === undefined) return { status: this.status("GNTST_bad_handle", `handle ${handle} of ${ld.name} maps nothing`, `Zero flags for d${ld.domid} handle ${hex(handle)}`) };
    // the granter is live or dying: its pages (and the domain) live while mapped
    const rgt = this.tables.get(map.domid)!;
    if (this.xsm.grantUnmapref(ld, rgt.domain) !== 0) return { status: "GNTST_permission_denied" };
    lgt.maptrack.delete(handle);
    lgt.free.push(handle);
    this.unpin(rgt, map);
    return { status: "GNTST_okay" };
  }

  // unmap_common_complete() / gnttab_release_mappings(): the pin goes, reduce_status_for_pin()
  private unpin(rgt: Table, map: Mapping): void {
    const act = rgt.active.get(map.ref)!;
    if (map.readonly) act.hstr--;
    else act.hstw--;
    const e = rgt.entries.get(map.ref);
    if (e) {
      if (act.hstr + act.hstw === 0) e.flags &= ~GTF_reading;
      if (!map.readonly && act.hstw === 0) e.flags &= ~GTF_writing;
    }
    if (act.hstr + act.hstw === 0) rgt.active.delete(map.ref);
    if (rgt.dying && !rgt.held && rgt.active.size === 0) {
      this.tables.delete(rgt.domain.domid); // complete_domain_destroy(): grant_table_destroy
      this.options.freed?.(rgt.domain);
    }
  }

  /**
   * GNTTABOP_setup_table of `d`'s table (the caller's own, or another's: XSM decides) to
   * `nrFrames` frames: the domain (GNTST_bad_domain), XSM (permission_denied), max_grant_frames
   * (general_error); the table grows, never shrinks.
   */
  setupTable(cur: Domain, d: Domain | undefined, domid: number, nrFrames: number): { status: Gntst; frames?: number } {
    if (d === undefined) return { status: this.status("GNTST_bad_domain", `no domain ${domid} (rcu_lock_domain_by_any_id finds none)`) };
    if (this.xsm.grantSetup(cur, d) !== 0) return { status: "GNTST_permission_denied" };
    const t = this.table(d);
    if (nrFrames > t.maxFrames) return { status: this.status("GNTST_general_error", `${d.name}'s max_grant_frames is ${t.maxFrames}`, `d${d.domid} is limited to ${t.maxFrames} grant-table frames`) };
    if (nrFrames > t.frames) t.frames = nrFrames; // gnttab_grow_table()
    return { status: "GNTST_okay", frames: t.frames };
  }

  /** GNTTABOP_query_size of `d`'s table: the domain, XSM, then nr_frames and max_nr_frames. */
  querySize(cur: Domain, d: Domain | undefined, domid: number): { status: Gntst; frames?: number; maxFrames?: number } {
    if (d === undefined) return { status: this.status("GNTST_bad_domain", `no domain ${domid} (rcu_lock_domain_by_any_id finds none)`) };
    if (this.xsm.grantQuerySize(cur, d) !== 0) return { status: "GNTST_permission_denied" };
    const t = this.table(d);
    return { status: "GNTST_okay", frames: t.frames, maxFrames: t.maxFrames };
  }

  /**
   * domain_kill() of `d`: gnttab_release_mappings() drops every mapping it made, from the top
   * handle down, with no XSM question (a dead granter whose last pin goes is freed); then its
   * own table goes with it, unless others still map its grants or `held` (something else holds
   * the dying domain): then it stays, dying, with the entries its guest wrote, until they unmap
   * (and `release`). Returns whether it stays.
   */
  destroy(d: Domain, held = false): boolean {
    const t = held ? this.table(d) : this.tables.get(d.domid);
    if (!t) return false;
    for (const handle of [...t.maptrack.keys()].sort((a, b) => b - a)) {
      const map = t.maptrack.get(handle)!;
      t.maptrack.delete(handle);
      const rgt = this.tables.get(map.domid);
      if (rgt) this.unpin(rgt, map);
    }
    t.limit = 0;
    t.free.length = 0;
    if ((held || t.active.size > 0) && this.tables.has(d.domid)) {
      t.dying = true;
      t.held = held;
      return true;
    }
    this.tables.delete(d.domid);
    return false;
  }

  /** The other holder of dying `domid` let go: its table goes now (true: the domain is free to
   *  go) unless others still map its grants. */
  release(domid: number): boolean {
    const t = this.tables.get(domid);
    if (!t) return true;
    t.held = false;
    if (t.active.size > 0) return false;
    this.tables.delete(domid);
    return true;
  }

  /** Others' mappings of dying `domid`'s grants keep it. */
  pinned(domid: number): boolean {
    const t = this.tables.get(domid);
    return t !== undefined && t.dying && t.active.size > 0;
  }

  /** The domain is freed: its table goes (grant_table_destroy). */
  forget(domid: number): void {
    this.tables.delete(domid);
  }

  /** get_maptrack_handle() with one vCPU: the head of the free list, always keeping one entry;
   *  else a new maptrack frame (its first handle, the rest ahead of the list) while under
   *  max_maptrack_frames; else none (steal_maptrack_handle finds no other vCPU). */
  private getMaptrackHandle(t: Table): number | undefined {
    if (t.free.length >= 2) return t.free.shift();
    if (t.limit / MAPTRACK_PER_PAGE >= t.maxMaptrackFrames) return undefined;
    const handle = t.limit;
    const fresh = Array.from({ length: MAPTRACK_PER_PAGE - 1 }, (_, i) => handle + 1 + i);
    t.free.unshift(...fresh);
    t.limit += MAPTRACK_PER_PAGE;
    return handle;
  }

  /** The domain's grant state; undefined while its table is as grant_table_init() made it (no
   *  entry written, no mapping, one frame). */
  report(domid: number): GrantReport | undefined {
    const t = this.tables.get(domid);
    if (!t || (t.entries.size === 0 && t.maptrack.size === 0 && t.frames === INITIAL_NR_GRANT_FRAMES && !t.dying)) return undefined;
    return {
      frames: t.frames,
      maxFrames: t.maxFrames,
      entries: [...t.entries].sort((a, b) => a[0] - b[0]).map(([ref, e]) => ({ ref, domid: e.domid, frame: e.frame, flags: flagNames(e.flags) })),
      mappings: [...t.maptrack].sort((a, b) => a[0] - b[0]).map(([handle, m]) => ({ handle, domid: m.domid, ref: m.ref, readonly: m.readonly })),
      ...(t.dying ? { dying: true as const } : {}),
    };
  }

  touched(domid: number): boolean {
    return this.tables.has(domid);
  }
}

function flagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}

// act->pin as Xen prints it: GNTPIN_hstw at bit 0, hstr at bit 8
function pinCount(a: Active): number {
  return a.hstw | (a.hstr << 8);
}
