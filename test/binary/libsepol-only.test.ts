// Binaries Xen's loader reads and libsepol refuses (test/binary/libsepol-only.ts): each loads, as
// Xen loads it, with the one warning that says what libsepol refuses, at its offset, in the
// loader's mode too; the committed bytes are the cases' and checkpolicy -b's recorded verdict on
// each (verdicts.json, checked live by test/oracle/libsepol-only.test.ts) is the warning's claim.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import { LIBSEPOL_ONLY, LIBSEPOL_ONLY_DIR, libsepolOnlyBinary } from "./libsepol-only.js";

const root = join(import.meta.dirname, "../..");
const verdicts = JSON.parse(readFileSync(join(root, LIBSEPOL_ONLY_DIR, "verdicts.json"), "utf8")) as Record<string, { status: number; stderr: string }>;
const committed = (name: string) => new Uint8Array(readFileSync(join(root, LIBSEPOL_ONLY_DIR, `${name}.bin`)));

describe("binaries Xen loads and libsepol refuses: a warning each, the load goes on", () => {
  it.each(LIBSEPOL_ONLY.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const bytes = committed(name);
    expect(Buffer.from(bytes).equals(Buffer.from(libsepolOnlyBinary(c, root))), "the committed binary is the case's").toBe(true);
    for (const asXen of [false, true]) {
      const { warnings } = loadBinary(bytes, `${name}.bin`, { asXen });
      expect(warnings.map((w) => w.code)).toEqual(c.code ? [c.code] : []);
      for (const w of warnings) {
        expect(w.severity).toBe("warning");
        expect(w.byteSpan?.file).toBe(`${name}.bin`);
      }
    }
    const verdict = verdicts[name]!;
    expect(verdict.status !== 0, verdict.stderr).toBe(c.code !== undefined);
    const [w] = loadBinary(bytes, `${name}.bin`).warnings;
    if (!w) return;
    // the warning quotes libsepol's own line where libsepol prints one, and says so where it does not
    const quoted = /libsepol refuses it \("([^"]+)"\)/.exec(w.message)?.[1];
    if (quoted) expect(verdict.stderr).toContain(`libsepol.${quoted}`);
    else {
      expect(w.message).toContain('checkpolicy -b says only "error(s) encountered"');
      expect(verdict.stderr).not.toContain("libsepol.");
    }
    expect(w.message).toContain("loads the binary");
  });

  it("each warning is at the field or record it names", () => {
    const at = (name: string) => readPolicy(committed(name)).libsepolRefusals.map((r) => [r.code, r.what, r.offset, "values" in r ? r.values : []]);
    const t1 = readPolicy(new Uint8Array(readFileSync(join(root, "test/fixtures/binary/edge/t1.bin"))));
    const record = (name: string) => t1.offsets.get(t1.policy.roles.entries.find((r) => r.name === name)!)!;
    // the header's config word; the permissive map after the header and policycaps
    expect(at("handle-unknown-both")).toEqual([["binary-handle-unknown", "the config word", 20, [6]]]);
    expect(at("permissive-bit-0")).toEqual([["binary-permissive-map", "the permissive map", 44, [0]]]);
    expect(at("permissive-past-types")).toEqual([["binary-permissive-map", "the permissive map", 44, [6]]]);
    // role system_r's record sits where t1's does: its dominates and types bitmaps come after its name
    expect(at("role-types-past")).toEqual([["binary-unknown-value", "role system_r's types", record("system_r"), [9]]]);
    expect(at("role-dominates-past")).toEqual([["binary-unknown-value", "role system_r's dominates", record("system_r"), [7]]]);
    // class domain, the first record of t1's classes: its 6 words, its name, 4 permissions (2 words
    // and a 1-byte name each), no constraints, a validatetrans count, then the defaults
    const domain = t1.offsets.get(t1.policy.classes.entries[0]!)!;
    expect(at("default-user")).toEqual([["binary-class-defaults", "class domain's default_user", domain + 24 + "domain".length + 4 * 9 + 4, [3]]]);
    expect(at("default-range")).toEqual([["binary-class-defaults", "class domain's default_range", domain + 24 + "domain".length + 4 * 9 + 4 + 8, [8]]]);
  });

  it("says what the value is and what Xen makes of it", () => {
    const message = (name: string) => loadBinary(committed(name), `${name}.bin`).warnings[0]!.message;
    expect(message("role-dominates-attribute")).toBe(
      "role zz_r's dominates names role value 3, which no role has (a role attribute keeps its value in the binary but no record), which checkpolicy never writes but for a role dominating a role attribute (role-dominates-attribute): Xen's role_read takes the bitmap as written, and a dom, domby or incomp constraint asks it only about a context's role, which has a record: the role dominates no role by those bits, and it loads the binary; libsepol refuses it (\"validate_role_datum: Invalid role datum\"), so checkpolicy -b, setools and audit2why cannot read it",
    );
    expect(message("default-type")).toContain("class xen's default_type is 128 (libsepol keeps the word's low byte as a signed char: -128)");
    expect(message("handle-unknown-both")).toContain("the config word 0x6 sets both handle_unknown bits");
    expect(message("type-attr-map-past")).toContain("attribute at's type_attr_map row names type value 11, past the 5 types");
  });
});

it("a role bounded by a value no role record has is refused: Xen's bounds check would read that role through a NULL pointer", () => {
  const { policy } = readPolicy(new Uint8Array(readFileSync(join(root, "test/fixtures/binary/edge/t13.bin"))));
  // value 3 is t13's role attribute's; value 1 is object_r's, whose record Xen's role_read drops
  for (const bounds of [3, 1]) {
    policy.roles.entries.find((r) => r.name === "zz_r")!.bounds = bounds;
    expect(() => readPolicy(writePolicy(policy))).toThrow(`role zz_r is bounded by role value ${bounds}, which no role record has: Xen's policydb_bounds_sanity_check would read that role through a NULL pointer`);
  }
});
