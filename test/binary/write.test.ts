// The binary writer against checkpolicy 3.4 (-t Xen -c 30), byte for byte: the hand-written edge
// cases (tie order, dontaudit, `*`/`~`, attribute keys, conditional merging and lists, table
// growth) with the binaries checkpolicy wrote, and the sha256 of its binary for every oracle seed
// policy, Xen's example policy and the expanded SVP example (scripts/gen-binary-fixtures.sh).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { expandPolicyText } from "../../src/policy/svp.js";

const root = join(import.meta.dirname, "../..");
const dir = join(root, "test/fixtures/binary");
const edge = readdirSync(join(dir, "edge")).filter((f) => f.endsWith(".conf")).map((f) => f.slice(0, -5));

/** Edge cases checkpolicy compiled with -U (t8: -U allow). */
const HANDLE_UNKNOWN: Record<string, number> = { t8: 4 };

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe("binary policy equals checkpolicy's", () => {
  it.each(edge)("edge case %s", (name) => {
    const text = readFileSync(join(dir, "edge", `${name}.conf`), "utf8");
    const want = new Uint8Array(readFileSync(join(dir, "edge", `${name}.bin`)));
    const { bytes } = compileBinary(text, { file: `${name}.conf`, handleUnknown: HANDLE_UNKNOWN[name] });
    expect(firstDifference(bytes, want)).toBe(-1);
  });

  it("`role object_r;` and `role object_r types T;` change nothing: edge/object-r.conf's binary is checkpolicy's without those lines", () => {
    const text = readFileSync(join(dir, "edge", "object-r.conf"), "utf8");
    const without = text.replace(/^role object_r\b.*$/gm, "");
    expect(without).not.toBe(text);
    const { bytes } = compileBinary(without, { file: "object-r.conf" });
    expect(firstDifference(bytes, new Uint8Array(readFileSync(join(dir, "edge", "object-r.bin"))))).toBe(-1);
  });

  const manifest = JSON.parse(readFileSync(join(dir, "checkpolicy-sha256.json"), "utf8")) as {
    entries: { conf: string; expand: boolean; size: number; sha256: string }[];
  };
  it(`every recorded policy (${manifest.entries.length})`, () => {
    const mismatched: string[] = [];
    for (const e of manifest.entries) {
      let text = readFileSync(join(root, e.conf), "utf8");
      if (e.expand) text = expandPolicyText(text, e.conf).text!;
      const { bytes } = compileBinary(text, { file: e.conf });
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (sha !== e.sha256 || bytes.length !== e.size) mismatched.push(`${e.conf} (${bytes.length} bytes, want ${e.size})`);
    }
    expect(mismatched).toEqual([]);
  });

  const v24 = readdirSync(join(dir, "v24"));
  const v24Source = (name: string) => (name.startsWith("xen-flask-") ? "examples/xen-flask/policy.conf" : name.startsWith("oracle-") ? `test/fixtures/oracle/${name.slice(7, -4)}.conf` : `test/fixtures/binary/edge/${name.slice(5, -4)}.conf`);
  it.each(v24)("-c 24: %s", (name) => {
    const conf = v24Source(name);
    const { bytes } = compileBinary(readFileSync(join(root, conf), "utf8"), { file: conf, version: 24 });
    expect(firstDifference(bytes, new Uint8Array(readFileSync(join(dir, "v24", name))))).toBe(-1);
  });
});
