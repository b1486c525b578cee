// MLS binaries: `xsm compile -M -o` writes what checkpolicy -M -t Xen -c 30 (and -c 24) writes,
// byte for byte (levels and categories with their aliases, users' ranges and default levels,
// contexts' ranges, MLS constraint nodes, range_transition in rangetr_hash order), and an MLS
// binary reads back into the policy its source compiles to, deciding as libsepol does.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";

const root = join(import.meta.dirname, "../..");
const mlsDir = join(root, "test/fixtures/mls");
const readOnly = join(root, "test/fixtures/binary/read-only");
const bytes = (path: string) => new Uint8Array(readFileSync(path));

/** The first differing offset, for a readable failure. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

const cases: [string, string, string][] = [
  ...readdirSync(mlsDir)
    .filter((f) => f.endsWith(".conf"))
    .map((f): [string, string, string] => [f, join(mlsDir, f), join(mlsDir, f.replace(/\.conf$/, ".bin"))]),
  // the reference's MLS edge cases: aliases, range_transition order
  ["t9.conf", join(readOnly, "t9.conf"), join(readOnly, "t9.bin")],
  ["t12.conf", join(readOnly, "t12.conf"), join(readOnly, "t12.bin")],
];

describe("xsm compile -M -o = checkpolicy -M -t Xen -c 30, byte for byte", () => {
  it.each(cases)("%s", (name, conf, bin) => {
    const ours = compileBinary(readFileSync(conf, "utf8"), { file: name, mls: true }).bytes;
    const want = bytes(bin);
    expect(firstDiff(ours, want), `first difference at byte ${firstDiff(ours, want)}`).toBe(-1);
  });

  it("and at -c 24", () => {
    const ours = compileBinary(readFileSync(join(mlsDir, "devices.conf"), "utf8"), { mls: true, version: 24 }).bytes;
    const want = bytes(join(mlsDir, "v24/devices.bin"));
    expect(firstDiff(ours, want)).toBe(-1);
  });
});

describe("MLS binaries read back", () => {
  it.each(cases)("%s: write(read(b)) = b", (_name, _conf, bin) => {
    const b = bytes(bin);
    expect(firstDiff(writePolicy(readPolicy(b).policy), b)).toBe(-1);
  });

  const decided = readdirSync(mlsDir).filter((f) => f.endsWith(".answers.json")).map((f) => f.replace(/\.answers\.json$/, ""));
  it.each(decided)("%s.bin decides as libsepol does (the committed audit2why answers)", (name) => {
    const policy = loadBinary(bytes(join(mlsDir, `${name}.bin`)), `${name}.bin`).policy;
    const queries = JSON.parse(readFileSync(join(mlsDir, `${name}.queries.json`), "utf8")) as { scontext: string; tcontext: string; tclass: string; perm: string }[];
    const answers = JSON.parse(readFileSync(join(mlsDir, `${name}.answers.json`), "utf8")) as { allowed: boolean; audited: boolean; error?: string }[];
    const shape = (a: { allowed: boolean; audited: boolean; error?: string }) => (a.error !== undefined ? "refused" : `${a.allowed}/${a.audited}`);
    expect(queries.map((q) => shape(policy.check(q.scontext, q.tcontext, q.tclass, q.perm)))).toEqual(answers.map(shape));
  });

  it("an MLS binary names contexts with their ranges", () => {
    const policy = loadBinary(bytes(join(mlsDir, "devices.bin")), "devices.bin").policy;
    expect(policy.pcideviceContext(0x300)).toBe("system_u:object_r:nic_t:s0-s1:c0,c2");
  });
});
