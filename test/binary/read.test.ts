// The binary reader: every binary checkpolicy writes reads back and re-writes byte for byte;
// re-bucketed with libsepol's avtab_alloc(nel) it equals what `checkpolicy -b` writes; read into
// the compiled form it answers as its source does (the oracle's matrix and decisions); Xen's
// refusals carry Xen's log line; and no corrupted, truncated or hostile file gets past one clear
// error (fast-check).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinaryFormatError } from "../../src/binary/bytes.js";
import { compileBinary } from "../../src/binary/compile.js";
import { avtabAllocMask } from "../../src/policy/hashtab.js";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { cpuTimed } from "../cpu.js";

const root = join(import.meta.dirname, "../..");
const dir = join(root, "test/fixtures/binary");
const bytes = (path: string) => new Uint8Array(readFileSync(path));
const binaries = ["edge", "read-only", "v24"].flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith(".bin")).map((f) => join(d, f)));

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe("write(read(b)) == b", () => {
  it.each(binaries)("%s", (name) => {
    const b = bytes(join(dir, name));
    expect(same(writePolicy(readPolicy(b).policy), b)).toBe(true);
  });

  it("every oracle seed's binary", () => {
    const seeds = readdirSync(join(root, "test/fixtures/oracle")).filter((f) => /^seed-\d+\.conf$/.test(f));
    const bad = seeds.filter((f) => {
      const b = compileBinary(readFileSync(join(root, "test/fixtures/oracle", f), "utf8"), { file: f }).bytes;
      return !same(writePolicy(readPolicy(b).policy), b);
    });
    expect(bad).toEqual([]);
  });
});

describe("checkpolicy -b re-buckets the avtab with avtab_alloc(nel) and gives every type_attr_map row its own bit", () => {
  const names = readdirSync(join(dir, "rebucket"));
  it.each(names)("%s", (name) => {
    const original = bytes(join(dir, readdirSync(join(dir, "edge")).includes(name) ? "edge" : "read-only", name));
    const want = bytes(join(dir, "rebucket", name));
    const { policy } = readPolicy(original);
    expect(same(writePolicy(policy, { avtabMask: avtabAllocMask(policy.avtab.length), ownTypeBits: true }), want)).toBe(true);
    // and the re-bucketed file decides as the original (t12 is MLS: its levels too)
    expect(loadBinary(want, name).policy.matrixJson()).toBe(loadBinary(original, name).policy.matrixJson());
  });
});

describe("a binary answers as its source", () => {
  const edgeConfs = readdirSync(join(dir, "edge")).filter((f) => f.endsWith(".conf"));
  it.each(edgeConfs)("edge case %s: the same matrix (t6: `!!!!b` keeps libsepol's swapped branches)", (f) => {
    const source = compileBinary(readFileSync(join(dir, "edge", f), "utf8"), { file: f }).policy;
    expect(loadBinary(bytes(join(dir, "edge", f.replace(/\.conf$/, ".bin"))), f).policy.matrixJson()).toBe(source.matrixJson());
  });

  const oracle = join(root, "test/fixtures/oracle");
  // every fifth seed here; test/oracle/binary.test.ts runs them all against checkpolicy's files
  const seeds = readdirSync(oracle).filter((f) => /^seed-\d+\.conf$/.test(f)).filter((_, i) => i % 5 === 0);
  it.each(seeds)("%s: matrix and decisions", (f) => {
    const name = f.slice(0, -5);
    const bin = compileBinary(readFileSync(join(oracle, f), "utf8"), { file: f }).bytes;
    const policy = loadBinary(bin, `${name}.bin`).policy;
    expect(policy.matrixJson()).toBe(readFileSync(join(oracle, `${name}.matrix.json`), "utf8").trimEnd());
    const queries = JSON.parse(readFileSync(join(oracle, `${name}.queries.json`), "utf8")) as { scontext: string; tcontext: string; tclass: string; perm: string }[];
    const want = JSON.parse(readFileSync(join(oracle, `${name}.decisions.json`), "utf8")) as { allowed: boolean; audited: boolean; error?: string }[];
    const got = queries.map((q) => {
      const d = policy.check(q.scontext, q.tcontext, q.tclass, q.perm);
      return d.error !== undefined ? { allowed: d.allowed, audited: d.audited, error: d.error } : { allowed: d.allowed, audited: d.audited };
    });
    expect(got).toEqual(want);
  });
});

describe("what Xen's reader refuses", () => {
  const refusal = (name: string) => readPolicy(bytes(join(dir, name))).refusals.map((r) => [r.code, r.xenLog]);
  it("a class with a common prefix", () => {
    expect(refusal("edge/shuf5.bin")[0]).toEqual(["xen-common-prefix", "Flask:  classes with common prefixes are not supported"]);
  });
  it("an empty unconditional avtab", () => {
    expect(refusal("edge/t10.bin")).toEqual([["xen-empty-avtab", "Flask: avtab: table is empty"]]);
  });
  it("filename type transitions", () => {
    expect(refusal("edge/t11.bin")).toEqual([["xen-filename-trans", "Flask:  unsupported genfs config data"]]);
  });
  it("as Xen's loader, a refusal is an error", () => {
    expect(() => loadBinary(bytes(join(dir, "edge/t10.bin")), "t10.bin", { asXen: true })).toThrow(/table is empty/);
  });
  it("a wrong magic, target or version with Xen's message", () => {
    const t1 = bytes(join(dir, "edge/t1.bin"));
    const bad = (patch: (b: Uint8Array) => void) => {
      const b = t1.slice();
      patch(b);
      try {
        readPolicy(b);
      } catch (err) {
        return (err as BinaryFormatError).xenLog;
      }
      return undefined;
    };
    expect(bad((b) => (b[0] = 0))).toMatch(/^Flask:  policydb magic number 0xf97cff00 does not match/);
    expect(bad((b) => (b[8] = 0x59))).toBe("Flask: YenFlask not a valid policydb string");
    expect(bad((b) => (b[16] = 31))).toBe("Flask:  policydb version 31 does not match my version range 15-30");
    expect(bad((b) => (b[16] = 29))).toBe("Flask:  unable to find policy compat info for version 29 target 1");
  });
});

describe("an empty ebitmap's count", () => {
  // Xen's ebitmap_read and libsepol's stop at a high bit of 0 whatever the count says: checkpolicy -b
  // and Xen load the binary (checked with checkpolicy 3.4 on such a t1.bin); xsm refused it ("ebitmap
  // with high bit 0 has 3670016 nodes")
  it.each([["policycaps", 40], ["permissive_map", 52]])("%s with high bit 0 and count 3670016 reads as with count 0", (_what, countAt) => {
    const good = bytes(join(dir, "edge/t1.bin"));
    const b = good.slice();
    const view = new DataView(b.buffer);
    expect([view.getUint32(countAt - 8, true), view.getUint32(countAt - 4, true), view.getUint32(countAt, true)]).toEqual([64, 0, 0]);
    view.setUint32(countAt, 3670016, true);
    expect(JSON.stringify(readPolicy(b))).toBe(JSON.stringify(readPolicy(good)));
    expect(() => loadBinary(b, "t1.bin")).not.toThrow();
  });
});

describe("hostile binaries: one clear error, never a crash", () => {
  const seeds = ["edge/t1.bin", "edge/t4.bin", "edge/t8.bin", "edge/shuf5.bin"].map((n) => bytes(join(dir, n)));
  const check = (b: Uint8Array) => {
    try {
      loadBinary(b, "fuzz.bin");
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      expect(err.diagnostics.length).toBeGreaterThan(0);
      // located: every error names the file and the byte offset where the reader stopped
      for (const d of err.diagnostics) {
        if (d.severity !== "error") continue;
        expect(d.byteSpan?.file).toBe("fuzz.bin");
        expect(d.byteSpan!.offset).toBeGreaterThanOrEqual(0);
        expect(d.byteSpan!.offset).toBeLessThanOrEqual(b.length);
        expect(d.message).toMatch(/^\S/);
      }
    }
  };
  it("bit flips", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (i, flips) => {
        const b = seeds[i]!.slice();
        for (const [at, bit] of flips) b[at % b.length]! ^= 1 << bit;
        check(b);
      }),
      { numRuns: 2000 },
    );
  });
  it("bytes set to any value, and chunks dropped or repeated", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constantFrom("drop" as const, "repeat" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, edits) => {
        let b = seeds[i]!.slice();
        for (const e of edits) {
          const at = e.at % b.length;
          if (e.kind === "set") b[at] = e.value;
          else {
            const end = Math.min(b.length, at + e.length);
            const chunk = b.subarray(at, end);
            b = Uint8Array.from([...b.subarray(0, e.kind === "drop" ? at : end), ...(e.kind === "repeat" ? chunk : []), ...b.subarray(end)]);
          }
          if (b.length === 0) return;
        }
        check(b);
      }),
      { numRuns: 1500 },
    );
  });
  it("truncation", () => {
    for (const s of seeds) for (let n = 0; n < s.length; n++) check(s.subarray(0, n));
  });
  it("huge counts and lengths", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.nat(), fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000000, 65536, 4096), (i, at, v) => {
        const b = seeds[i]!.slice();
        const off = (at % Math.max(1, (b.length >> 2) - 1)) * 4;
        new DataView(b.buffer).setUint32(off, v, true);
        const [, ms] = cpuTimed(() => check(b));
        expect(ms).toBeLessThan(1000);
      }),
      { numRuns: 1000 },
    );
  });
});
