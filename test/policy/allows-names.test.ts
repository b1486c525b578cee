// allows() by names answers exactly as allowsIds on the names' ids, and `undefined` for every name
// the policy does not declare, a permission of another class included, on Xen's policy (13 classes,
// 183 permissions): what any faster lookup of the names must keep (docs/performance.md).
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy } from "../../src/policy/types.js";

const xen = compilePolicy(readFileSync("examples/xen-flask/policy.conf", "utf8"), { file: "policy.conf" });

/** Every (class, permission) of the policy, by name. */
function classPerms(p: CompiledPolicy): [string, string][] {
  const out: [string, string][] = [];
  for (let c = 0; c < p.stats.classes; c++) for (const perm of p.permNames(c, -1)) out.push([p.className(c), perm]);
  return out;
}

/** What allows() must answer: undefined for a name not declared, else allowsIds on the ids. */
function expected(p: CompiledPolicy, s: string, t: string, c: string, perm: string): boolean | undefined {
  const sid = p.typeId(s);
  const tid = p.typeId(t);
  const cid = p.classId(c);
  if (sid < 0 || tid < 0 || cid < 0) return undefined;
  const mask = p.permMask(cid, perm);
  if (mask === 0) return undefined;
  return p.allowsIds(sid, tid, cid, mask);
}

// strings made at run time, as a caller that builds or parses names has them (not the literals'
// internalized copies)
const made = (s: string) => [...s].join("");

describe("allows() by names on Xen's policy", () => {
  const pairs = classPerms(xen);
  const types = Array.from({ length: xen.stats.types }, (_, i) => xen.typeName(i));

  it("every class and permission of Xen's policy, on sampled types, answers as allowsIds", () => {
    let granted = 0;
    pairs.forEach(([c, perm], i) => {
      for (let k = 0; k < 4; k++) {
        const s = types[(i * 7 + k * 13) % types.length]!;
        const t = types[(i * 11 + k * 5) % types.length]!;
        const got = xen.allows(made(s), made(t), made(c), made(perm));
        expect(got, `${s} ${t} ${c} ${perm}`).toBe(expected(xen, s, t, c, perm));
        if (got) granted++;
      }
    });
    expect(granted).toBeGreaterThan(0);
  });

  it("a permission of another class, or a name close to a declared one, is undefined", () => {
    const [s, t] = ["dom0_t", "domU_t"];
    for (const [c] of pairs.filter((_, i) => i % 5 === 0)) {
      const cid = xen.classId(c);
      for (const [, perm] of pairs) if (xen.permMask(cid, perm) === 0) expect(xen.allows(s, t, c, perm), `${c} ${perm}`).toBeUndefined();
    }
    for (const odd of ["", "domain ", "Domain", "domai", "domain2x", "resourc", "\u0000", "toString", "__proto__"]) {
      expect(xen.allows(s, t, odd, "getdomaininfo")).toBeUndefined();
      expect(xen.allows(s, t, "domain", odd)).toBeUndefined();
    }
  });

  it("any strings: the same answer as the ids give (fast-check)", () => {
    const name = (known: readonly string[]) => fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 }));
    const classes = [...new Set(pairs.map(([c]) => c))];
    const perms = [...new Set(pairs.map(([, p]) => p))];
    fc.assert(
      fc.property(name(types), name(types), name(classes), name(perms), (s, t, c, perm) => {
        expect(xen.allows(s, t, c, perm)).toBe(expected(xen, s, t, c, perm));
      }),
      { numRuns: 3000 },
    );
  });

  it("a value that is not a string is an unknown name, not an exception", () => {
    const odd = [undefined, null, 1, {}] as unknown as string[];
    for (const v of odd) {
      expect(xen.allows("dom0_t", "domU_t", v, "getdomaininfo")).toBeUndefined();
      expect(xen.allows("dom0_t", "domU_t", "domain", v)).toBeUndefined();
      expect(xen.allows(v, "domU_t", "domain", "getdomaininfo")).toBeUndefined();
    }
  });
});

describe("allows() by names where many classes share a permission name", () => {
  // gen-policy's small policy with 8 more classes inheriting its common `basic`: getattr & co. are
  // then permissions of 9 classes (more than allows() chains by permission name; view.ts MAX_SHARED)
  const base = readFileSync("test/fixtures/validatetrans/seed-1.conf", "utf8");
  const extra = Array.from({ length: 8 }, (_, i) => `k${i}`);
  const text = base
    .replace("class event\n", `class event\n${extra.map((k) => `class ${k}\n`).join("")}`)
    .replace(/^(class event \{[^\n]*\n)/m, `$1${extra.map((k, i) => `class ${k} inherits basic${i % 2 ? ` { ${k}_own }` : ""}\n`).join("")}`)
    // (the rules go before the first allow: TE rules must come before the contexts)
    .replace(/^allow /m, `${extra.map((k, i) => `allow d${i}_t d${i + 1}_t:${k} { getattr${i % 2 ? ` ${k}_own` : ""} };\n`).join("")}allow `);
  const p = compilePolicy(text, { file: "shared.conf" });
  const pairs = classPerms(p);
  const types = Array.from({ length: p.stats.types }, (_, i) => p.typeName(i));

  it("declares what the test needs", () => {
    expect(pairs.filter(([, perm]) => perm === "getattr").length).toBe(9);
  });

  it("every class and permission, on every pair of the first 12 types, answers as allowsIds", () => {
    let granted = 0;
    for (const [c, perm] of pairs) {
      for (const s of types.slice(0, 12)) {
        for (const t of types.slice(0, 12)) {
          const got = p.allows(made(s), made(t), made(c), made(perm));
          expect(got, `${s} ${t} ${c} ${perm}`).toBe(expected(p, s, t, c, perm));
          if (got) granted++;
        }
      }
    }
    expect(granted).toBeGreaterThanOrEqual(12);
  });

  it("a shared permission asked of a class without it, or of an unknown class, is undefined", () => {
    for (const c of ["xen", "resource", "event", "nope", "", "k9"]) expect(p.allows("d0_t", "d1_t", c, "getattr"), c).toBeUndefined();
    expect(p.allows("d0_t", "d1_t", "k0", "k1_own")).toBeUndefined();
    expect(p.allows("d0_t", "d1_t", "k0", "getattr")).toBe(true);
    expect(p.allows("d1_t", "d2_t", "k1", "k1_own")).toBe(true);
  });
});
