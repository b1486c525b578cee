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
