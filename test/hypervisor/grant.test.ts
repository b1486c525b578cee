// Grant tables (src/hypervisor/grant.ts, common/grant_table.c): the guest's own v1 entries, the
// maptrack of a mapper, GNTTABOP_map_grant_ref / unmap_grant_ref / setup_table / query_size with
// their checks in Xen's order and their XSM hooks as dummy.h and flask/hooks.c have them, on the
// Xen-style policy of examples/xen-flask (domain_comms: grant map_read map_write copy unmap both
// ways; declare_domain_common: grant query setup on itself), and a domain's death.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { GrantTables, MAPTRACK_PER_PAGE, type GrantReport } from "../../src/hypervisor/grant.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const POLICY = readFileSync(new URL("../../examples/xen-flask/policy.conf", import.meta.url), "utf8");
const compiled = compilePolicy(POLICY, { file: "policy.conf" });
const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const web: Domain = { domid: 1, name: "web", context: "user_1:vm_r:domU_t", control: false, hardware: false };
const db: Domain = { domid: 2, name: "db", context: "user_1:vm_r:domU_t", control: false, hardware: false };
const iso: Domain = { domid: 3, name: "iso", context: "system_u:system_r:isolated_domU_t", control: false, hardware: false };
const ALL = [dom0, web, db, iso];

function setup(module: "flask" | "dummy", opts: { maxMaptrackFrames?: number; maxFrames?: number } = {}) {
  const xsm = module === "dummy" ? createXsm({ module: "dummy" }) : createXsm({ module: "flask", policy: compiled });
  const why: string[] = [];
  const log: string[] = [];
  const checks: XsmCheck[] = [];
  const freed: string[] = [];
  xsm.onCheck = (c) => checks.push(c);
  for (const d of ALL) xsm.module.domainStarted(d);
  const gt = new GrantTables(xsm.module, {
    log: (l) => log.push(l),
    why: (w) => why.push(w),
    ...(opts.maxMaptrackFrames !== undefined ? { maxMaptrackFrames: () => opts.maxMaptrackFrames } : {}),
    ...(opts.maxFrames !== undefined ? { maxFrames: () => opts.maxFrames } : {}),
    freed: (d) => freed.push(d.name),
  });
  return { gt, why, log, checks, freed };
}

const asked = (checks: XsmCheck[]) => checks.map((c) => `${c.xen} ${c.scontext?.split(":")[2] ?? c.action} -> ${c.tcontext?.split(":")[2] ?? ""} ${c.perm ?? ""} ${c.allowed ? "allowed" : "denied"}`.replace(/ +/g, " "));

describe("GNTTABOP_map_grant_ref", () => {
  it("flask asks grant map_read, with map_write unless read-only, mapper -> granter, in one AVC question", () => {
    const { gt, checks } = setup("flask");
    expect(gt.access(web, 8, 0, 0x1000, false)).toBe(0);
    expect(gt.map(dom0, web, 1, 8, false)).toEqual({ status: "GNTST_okay", handle: 0 });
    expect(gt.map(dom0, web, 1, 8, true)).toEqual({ status: "GNTST_okay", handle: 1 });
    expect(asked(checks)).toEqual(["flask_grant_mapref dom0_t -> domU_t map_read map_write allowed", "flask_grant_mapref dom0_t -> domU_t map_read allowed"]);
    expect(gt.report(1)!.entries).toEqual([{ ref: 8, domid: 0, frame: 0x1000, flags: ["permit_access", "reading", "writing"] }]);
    expect(gt.report(0)!.mappings).toEqual([
      { handle: 0, domid: 1, ref: 8, readonly: false },
      { handle: 1, domid: 1, ref: 8, readonly: true },
    ]);
  });

  it("the XSM check comes right after the domain lookup: before the maptrack, the ref bound and the entry", () => {
    const { gt, checks, why } = setup("flask");
    // iso_t has no grant rule towards domU_t: denied even for a ref far out of bounds
    expect(gt.map(iso, web, 1, 100000, false)).toEqual({ status: "GNTST_permission_denied" });
    expect(checks.map((c) => c.audit)).toEqual(["avc:  denied  { map_read map_write } for domid=3 target=1 scontext=system_u:system_r:isolated_domU_t tcontext=user_1:vm_r:domU_t tclass=grant"]);
    expect(why).toEqual([]);
    expect(gt.report(3)).toBeUndefined(); // no maptrack frame was made
    // no domain: GNTST_bad_domain before any XSM question
    checks.length = 0;
    expect(gt.map(dom0, undefined, 9, 0, false).status).toBe("GNTST_bad_domain");
    expect(checks).toEqual([]);
    // allowed, then the bound: 512 entries in the one initial frame
    expect(gt.map(dom0, web, 1, 512, false).status).toBe("GNTST_bad_gntref");
    expect(checks).toHaveLength(1);
  });

  it("the entry decides what XSM allowed: not granted, granted to another, a read-only grant mapped writable, pinned for another domain", () => {
    const { gt, log } = setup("dummy");
    expect(gt.map(db, web, 1, 8, true).status).toBe("GNTST_general_error"); // never written
    gt.access(web, 8, 0, 0x1000, true);
    expect(gt.map(db, web, 1, 8, true).status).toBe("GNTST_general_error"); // granted to dom0
    expect(gt.map(dom0, web, 1, 8, false).status).toBe("GNTST_general_error"); // read-only grant
    expect(log.slice(-1)).toEqual(["Attempt to write-pin a r/o grant entry"]);
    expect(gt.map(dom0, web, 1, 8, true).status).toBe("GNTST_okay");
    gt.access(web, 8, 2, 0x1000, true); // the guest rewrites a pinned entry for db: the pin stays dom0's
    expect(gt.map(db, web, 1, 8, true).status).toBe("GNTST_general_error");
    expect(log.at(-1)).toBe("Bad domain (0 != 2), or risk of counter overflow 0x100, or subpage 0");
    expect(gt.report(1)!.entries).toEqual([{ ref: 8, domid: 2, frame: 0x1000, flags: ["permit_access", "readonly", "reading"] }]);
  });

  it("a refused map hands its maptrack handle back to the tail of the free list, as put_maptrack_handle does", () => {
    const { gt } = setup("dummy");
    gt.access(web, 1, 0, 0x10, false);
    expect(gt.map(dom0, web, 1, 2, false)).toEqual({ status: "GNTST_general_error" }); // took handle 0
    expect(gt.map(dom0, web, 1, 1, false)).toEqual({ status: "GNTST_okay", handle: 1 });
    expect(gt.unmap(dom0, 1)).toEqual({ status: "GNTST_okay" });
    expect(gt.map(dom0, web, 1, 1, false)).toEqual({ status: "GNTST_okay", handle: 2 }); // 1 and 0 wait behind 2..255
  });

  it("max_maptrack_frames: 256 handles a frame, the vCPU keeps one back; no frame at all is no_space", () => {
    const one = setup("dummy", { maxMaptrackFrames: 1 });
    one.gt.access(web, 1, 0, 0x10, true);
    for (let i = 0; i < MAPTRACK_PER_PAGE - 1; i++) expect(one.gt.map(dom0, web, 1, 1, true)).toEqual({ status: "GNTST_okay", handle: i });
    expect(one.gt.map(dom0, web, 1, 1, true)).toEqual({ status: "GNTST_no_space" });
    const none = setup("dummy", { maxMaptrackFrames: 0 });
    none.gt.access(web, 1, 0, 0x10, true);
    expect(none.gt.map(dom0, web, 1, 1, true)).toEqual({ status: "GNTST_no_space" });
  });
});

describe("GNTTABOP_unmap_grant_ref, setup_table, query_size", () => {
  it("unmap: a bad handle before XSM; flask asks grant unmap; the last pin clears reading and writing", () => {
    const { gt, checks } = setup("flask");
    gt.access(web, 3, 0, 0x10, false);
    expect(gt.unmap(dom0, 0).status).toBe("GNTST_bad_handle"); // no maptrack yet
    const h = gt.map(dom0, web, 1, 3, false).handle!;
    expect(gt.unmap(dom0, h + 1).status).toBe("GNTST_bad_handle"); // within the maptrack, unused
    checks.length = 0;
    expect(gt.unmap(dom0, h).status).toBe("GNTST_okay");
    expect(asked(checks)).toEqual(["flask_grant_unmapref dom0_t -> domU_t unmap allowed"]);
    expect(gt.report(1)!.entries[0]!.flags).toEqual(["permit_access"]);
    expect(gt.unmap(dom0, h).status).toBe("GNTST_bad_handle");
  });

  it("setup_table and query_size: XSM_TARGET in dummy; flask grant setup / query on the domain as the caller sees it", () => {
    const d = setup("dummy", { maxFrames: 4 });
    expect(d.gt.setupTable(web, db, 2, 2).status).toBe("GNTST_permission_denied");
    expect(d.gt.setupTable(web, web, 1, 5).status).toBe("GNTST_general_error");
    expect(d.gt.setupTable(web, web, 1, 3)).toEqual({ status: "GNTST_okay", frames: 3 });
    expect(d.gt.setupTable(web, web, 1, 2)).toEqual({ status: "GNTST_okay", frames: 3 }); // never shrinks
    expect(d.gt.querySize(dom0, web, 1)).toEqual({ status: "GNTST_okay", frames: 3, maxFrames: 4 });
    expect(d.gt.querySize(web, undefined, 7).status).toBe("GNTST_bad_domain");
    const f = setup("flask");
    expect(f.gt.querySize(web, web, 1).status).toBe("GNTST_okay");
    expect(f.gt.setupTable(dom0, web, 1, 2).status).toBe("GNTST_okay");
    expect(f.gt.querySize(dom0, web, 1).status).toBe("GNTST_permission_denied"); // create_domain_common gives dom0 grant setup, not query
    expect(asked(f.checks)).toEqual([
      "flask_grant_query_size domU_t -> domU_t_self query allowed",
      "flask_grant_setup dom0_t -> domU_t setup allowed",
      "flask_grant_query_size dom0_t -> domU_t query denied",
    ]);
    // with more frames, refs past the first 512 exist
    f.gt.access(web, 700, 0, 0x20, false);
    expect(f.gt.map(dom0, web, 1, 700, false).status).toBe("GNTST_okay");
  });
});

describe("a domain's death", () => {
  it("the mapper's death releases its mappings without asking XSM; the granter's entries lose reading/writing", () => {
    const { gt, checks } = setup("flask");
    gt.access(web, 1, 0, 0x10, false);
    gt.access(web, 2, 0, 0x11, true);
    gt.map(dom0, web, 1, 1, false);
    gt.map(dom0, web, 1, 2, true);
    checks.length = 0;
    expect(gt.destroy(dom0)).toBe(false);
    expect(checks).toEqual([]);
    expect(gt.report(0)).toBeUndefined();
    expect(gt.report(1)!.entries.map((e) => e.flags)).toEqual([["permit_access"], ["permit_access", "readonly"]]);
  });

  it("a granter dying while mapped stays, dying, until the last unmap: found, asked, its pinned frame still maps, an unpinned one is gone", () => {
    const { gt, freed, checks } = setup("flask");
    gt.access(web, 1, 0, 0x10, true);
    gt.access(web, 2, 0, 0x11, true);
    const h = gt.map(dom0, web, 1, 1, true).handle!;
    expect(gt.destroy(web)).toBe(true);
    expect(gt.dying(1)).toBe(web);
    expect(gt.report(1)!.dying).toBe(true);
    expect(gt.map(dom0, web, 1, 2, true).status).toBe("GNTST_bad_page");
    const h2 = gt.map(dom0, web, 1, 1, true).handle!;
    expect(gt.report(0)!.mappings.map((m) => m.handle)).toEqual([h, h2]);
    checks.length = 0;
    expect(gt.unmap(dom0, h).status).toBe("GNTST_okay");
    expect(freed).toEqual([]);
    expect(gt.unmap(dom0, h2).status).toBe("GNTST_okay");
    expect(asked(checks)).toEqual(["flask_grant_unmapref dom0_t -> domU_t unmap allowed", "flask_grant_unmapref dom0_t -> domU_t unmap allowed"]);
    expect(freed).toEqual(["web"]);
    expect(gt.dying(1)).toBeUndefined();
  });
});

describe("properties", () => {
  type Op =
    | { kind: "access"; d: number; ref: number; to: number; ro: boolean }
    | { kind: "end"; d: number; ref: number }
    | { kind: "map"; d: number; rd: number; ref: number; ro: boolean }
    | { kind: "unmap"; d: number; handle: number }
    | { kind: "setup"; d: number; target: number; frames: number };
  const dom = fc.integer({ min: 0, max: ALL.length - 1 });
  const ref = fc.integer({ min: 0, max: 5 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("access" as const), d: dom, ref, to: dom, ro: fc.boolean() }),
    fc.record({ kind: fc.constant("end" as const), d: dom, ref }),
    fc.record({ kind: fc.constant("map" as const), d: dom, rd: dom, ref, ro: fc.boolean() }),
    fc.record({ kind: fc.constant("map" as const), d: dom, rd: dom, ref, ro: fc.boolean() }),
    fc.record({ kind: fc.constant("unmap" as const), d: dom, handle: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ kind: fc.constant("setup" as const), d: dom, target: dom, frames: fc.integer({ min: 0, max: 70 }) }),
  );
  const snapshot = (gt: GrantTables) => JSON.stringify(ALL.map((d) => gt.report(d.domid) ?? null));

  /** Every pin of an entry is a mapping somebody holds, and the other way round; reading/writing
   *  are set exactly while there are pins (writable ones). */
  function consistent(gt: GrantTables): void {
    const reports = new Map<number, GrantReport | undefined>(ALL.map((d) => [d.domid, gt.report(d.domid)]));
    for (const [domid, r] of reports) {
      for (const e of r?.entries ?? []) {
        const maps = [...reports.values()].flatMap((x) => x?.mappings ?? []).filter((m) => m.domid === domid && m.ref === e.ref);
        expect(e.flags.includes("reading"), `d${domid} ref ${e.ref}`).toBe(maps.length > 0);
        expect(e.flags.includes("writing"), `d${domid} ref ${e.ref}`).toBe(maps.some((m) => !m.readonly));
      }
    }
  }

  it("a failed op changes no entry, pin or mapping; unmapping everything leaves no mapping and no pin", () => {
    fc.assert(
      fc.property(fc.constantFrom("flask" as const, "dummy" as const), fc.array(op, { maxLength: 40 }), (module, ops) => {
        const { gt } = setup(module);
        const handles = new Map<number, Set<number>>();
        for (const o of ops) {
          const before = snapshot(gt);
          const d = ALL[o.d]!;
          let failed: boolean;
          if (o.kind === "access") failed = gt.access(d, o.ref, ALL[o.to]!.domid, 0x100 + o.ref, o.ro) !== 0;
          else if (o.kind === "end") failed = gt.access(d, o.ref, undefined, 0, false) !== 0;
          else if (o.kind === "map") {
            const r = gt.map(d, ALL[o.rd], ALL[o.rd]!.domid, o.ref, o.ro);
            failed = r.status !== "GNTST_okay";
            if (r.handle !== undefined) handles.set(d.domid, (handles.get(d.domid) ?? new Set()).add(r.handle));
          } else if (o.kind === "unmap") {
            failed = gt.unmap(d, o.handle).status !== "GNTST_okay";
            if (!failed) handles.get(d.domid)!.delete(o.handle);
          } else failed = gt.setupTable(d, ALL[o.target], ALL[o.target]!.domid, o.frames).status !== "GNTST_okay";
          if (failed) expect(snapshot(gt), JSON.stringify(o)).toBe(before);
          consistent(gt);
        }
        // dom0 may unmap whatever it mapped; under flask a guest may not unmap what its policy no
        // longer lets it (no policy change here: everything it mapped, it may unmap)
        for (const [domid, hs] of handles) for (const h of hs) expect(gt.unmap(ALL.find((x) => x.domid === domid)!, h).status).toBe("GNTST_okay");
        for (const d of ALL) {
          expect(gt.report(d.domid)?.mappings ?? []).toEqual([]);
          for (const e of gt.report(d.domid)?.entries ?? []) expect(e.flags.filter((f) => f === "reading" || f === "writing")).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a mapping outlives the guest's revocation (Xen never revokes it) but not the mapper: after its death nothing of it stays mapped", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), dom, (ops, victim) => {
        const { gt } = setup("dummy");
        for (const o of ops) {
          const d = ALL[o.d]!;
          if (o.kind === "access") gt.access(d, o.ref, ALL[o.to]!.domid, 0x100, o.ro);
          else if (o.kind === "end") {
            const had = gt.report(d.domid)?.entries.find((e) => e.ref === o.ref);
            const rc = gt.access(d, o.ref, undefined, 0, false);
            // an entry Xen has pinned cannot be ended (Linux's cmpxchg), and the pins stay
            if (had?.flags.includes("reading")) expect(rc).toBe("-EBUSY");
          } else if (o.kind === "map") gt.map(d, ALL[o.rd], ALL[o.rd]!.domid, o.ref, o.ro);
          else if (o.kind === "unmap") gt.unmap(d, o.handle);
        }
        const dead = ALL[victim]!;
        gt.destroy(dead);
        expect(gt.report(dead.domid)?.mappings ?? []).toEqual([]);
        for (const d of ALL) if (d !== dead) consistent(gt);
      }),
      { numRuns: 150 },
    );
  });
});
