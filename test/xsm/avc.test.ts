import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Avc } from "../../src/xsm/avc.js";
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

  it("keeps every entry through growth", () => {
    const ss = server();
    const avc = new Avc(ss.compute);
    for (let s = 1; s <= 100; s++) for (let t = 1; t <= 30; t++) avc.lookup(s, t, 1);
    expect(avc.stats().entries).toBe(3000);
    for (let s = 1; s <= 100; s++) for (let t = 1; t <= 30; t++) avc.lookup(s, t, 1);
    expect(avc.stats().hits).toBe(3000);
  });
});
