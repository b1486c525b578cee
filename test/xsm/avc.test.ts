import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AVC_CACHE_RECLAIM, AVC_CACHE_THRESHOLD, Avc, avcHash } from "../../src/xsm/avc.js";
import type { AvDecision } from "../../src/policy/types.js";

// A security server whose answer depends on all three keys, so a cache mixing them up shows.
function server(): { compute: (s: number, t: number, c: number) => AvDecision; calls: () => number } {
  let calls = 0;
  return {
    compute: (s, t, c) => {
      calls++;
      const x = Math.imul(s * 131 + t * 7 + c, 0x9e3779b1);
      return { allowed: x | 0, auditallow: (x >>> 7) | 0, auditdeny: ~(x >>> 3) | 0 };
    },
    calls: () => calls,
  };
}

describe("access vector cache", () => {
  it("answers equal the uncached computation for any sequence of lookups and resets", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 })),
            fc.constant("reset" as const),
          ),
          { maxLength: 2000, size: "max" },
        ),
        (ops) => {
          const ss = server();
          const avc = new Avc(ss.compute);
          for (const op of ops) {
            if (op === "reset") {
              avc.reset();
              continue;
            }
            const [s, t, c] = op;
            const slot = avc.lookup(s, t, c);
            const want = ss.compute(s, t, c);
            if (avc.allowed[slot] !== want.allowed || avc.auditallow[slot] !== want.auditallow || avc.auditdeny[slot] !== want.auditdeny) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts lookups, hits and misses and computes once per key until reset", () => {
    const ss = server();
    const avc = new Avc(ss.compute);
    avc.lookup(1, 2, 3);
    avc.lookup(1, 2, 3);
    avc.lookup(2, 1, 3);
    expect(avc.stats()).toMatchObject({ lookups: 3, hits: 1, misses: 2, entries: 2 });
    expect(ss.calls()).toBe(2);
    avc.reset();
    expect(avc.stats()).toMatchObject({ entries: 0, resets: 1 });
    avc.lookup(1, 2, 3);
    expect(avc.stats()).toMatchObject({ lookups: 4, misses: 3 });
  });

  it("keeps every entry while under Xen's threshold (AVC_CACHE_THRESHOLD nodes)", () => {
    const ss = server();
    const avc = new Avc(ss.compute);
    for (let s = 1; s <= 16; s++) for (let t = 1; t <= 32; t++) avc.lookup(s, t, 1);
    expect(avc.stats()).toMatchObject({ entries: 512, allocations: 512, reclaims: 0 });
    for (let s = 1; s <= 16; s++) for (let t = 1; t <= 32; t++) avc.lookup(s, t, 1);
    expect(avc.stats().hits).toBe(512);
  });

  it("is bounded as Xen's is: past the threshold, avc_reclaim_node frees AVC_CACHE_RECLAIM nodes at once", () => {
    const ss = server();
    const avc = new Avc(ss.compute);
    for (let s = 1; s <= 100; s++) for (let t = 1; t <= 30; t++) avc.lookup(s, t, 1);
    const st = avc.stats();
    // every 16 allocations past the 512th reclaim 16: the live count stays within (512 - 16, 512]
    expect(st.allocations).toBe(3000);
    expect(st.entries).toBeGreaterThan(AVC_CACHE_THRESHOLD - AVC_CACHE_RECLAIM);
    expect(st.entries).toBeLessThanOrEqual(AVC_CACHE_THRESHOLD);
    expect(st.reclaims).toBe(st.allocations - st.entries);
    expect(st.frees).toBe(st.reclaims);
    expect(st.reclaims % AVC_CACHE_RECLAIM).toBe(0);
    // a reset frees the rest
    avc.reset();
    expect(avc.stats()).toMatchObject({ entries: 0, frees: 3000 });
  });

  it("reclaims chain heads from the slot after lru_hint, so the newest node of a chain goes first", () => {
    const ss = server();
    const avc = new Avc(ss.compute, 4); // a threshold of 4 shows the walk
    // four nodes in slot avc_hash(1, t, 1) for t = 0 and t = 128 (t << 2 wraps at 512): chain [t=128, t=0]
    expect(avcHash(1, 0, 1)).toBe(avcHash(1, 128, 1));
    avc.lookup(1, 0, 1);
    avc.lookup(1, 128, 1);
    avc.lookup(2, 0, 1);
    avc.lookup(3, 0, 1);
    avc.lookup(4, 0, 1); // the 5th node: reclaim walks slots 1, 2, ... and frees up to 16 nodes
    expect(avc.stats()).toMatchObject({ entries: 1, reclaims: 4 });
    avc.lookup(4, 0, 1);
    expect(avc.stats().hits).toBe(1); // the new node survived its own reclaim
  });
});
