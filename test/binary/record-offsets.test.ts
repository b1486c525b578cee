// A finding about a record that is checked after the record was read (policydb_index_*'s values,
// the bounds check, a record the compiled form cannot hold) points at that record, not at where
// reading had got to: each binary here is checkpolicy's bytes (compileBinary's, byte for byte) of
// one small policy with one field of one record changed, and the diagnostic's offset is the
// record's start as `bindump` (the oracle's) lays the file out: the section's offset it prints,
// past the section's counts. (Checked by hand: `checkpolicy -t Xen -c 30` of RECORDS_POLICY is
// these bytes, and `bindump` prints the SECTIONS below for it.)
import { describe, expect, it } from "vitest";
import { compileBinary, rewriteBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderInline } from "../../src/diagnostics/render.js";

const RECORDS_POLICY = [
  "class xen",
  "class domain",
  "class file",
  "sid xen",
  "class xen { settime }",
  "class domain { create transition }",
  "class file { read }",
  "attribute domains;",
  "type xen_t;",
  "type dom0_t, domains;",
  "type guest_t, domains;",
  "type guest_file_t;",
  "allow dom0_t guest_t:domain create;",
  'type_transition dom0_t xen_t:file guest_file_t "cfg";',
  "role system_r;",
  "role vm_r;",
  "role system_r types { xen_t dom0_t };",
  "role vm_r types { guest_t };",
  "role_transition system_r guest_t:domain vm_r;",
  "allow system_r vm_r;",
  "user system_u roles { system_r vm_r };",
  "constrain domain create ( t1 == dom0_t );",
  "sid xen system_u:system_r:xen_t",
  "",
].join("\n");

/** Sections as `bindump` prints them for RECORDS_POLICY's binary ("symtab:classes @ 64" ...). */
const SECTIONS = { classes: 64, types: 544, users: 669, roleTrans: 801, filenameTrans: 833 };

/** Each case: the section, the record's start (past the section's nprim and count for a symbol
 *  table, its count for a rule list), the u32 changed (from the record's start), its value in
 *  checkpolicy's bytes and the value written, and what is said. */
const CASES = [
  // the first class record is file's: 24 bytes of lengths and counts, "file", then read's
  // permission record (len, value, "read"), whose value says 5 of 1
  { name: "a permission's value past its class's", section: "classes", record: SECTIONS.classes + 8 + 24 + 4, field: 4, was: 1, set: 5, message: "file: permission read has value 5 outside 1..1" },
  // user system_u: len, value
  { name: "a user's value past the users' count", section: "users", record: SECTIONS.users + 8, field: 4, was: 1, set: 7, message: "user system_u has value 7 outside 1..1" },
  // type dom0_t: len, value, properties, bounds; 4 is the attribute domains
  { name: "a type bounded by an attribute (Xen's bounds check)", section: "types", record: SECTIONS.types + 8, field: 12, was: 0, set: 4, message: "type dom0_t: bounded by attribute domains" },
  // the one role_transition: role, type, new role, class
  { name: "a role_transition naming an unknown class", section: "roleTrans", record: SECTIONS.roleTrans + 4, field: 12, was: 2, set: 9, message: "role transition 3 2:9 2 names an unknown role, type or class" },
  // the one filename transition: len, "cfg", stype, ttype, tclass, otype; 4 is the attribute domains
  { name: "a filename transition whose new type is an attribute", section: "filenameTrans", record: SECTIONS.filenameTrans + 4, field: 4 + 3 + 12, was: 5, set: 4, message: 'filename transition "cfg" names an unknown type or class' },
] as const;

function recordsBinary(): Uint8Array {
  return compileBinary(RECORDS_POLICY, { file: "records.conf" }).bytes;
}

/** RECORDS_POLICY's binary with one case's field changed. */
function craftedBinary(c: (typeof CASES)[number]): Uint8Array {
  const bytes = recordsBinary().slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const at = c.record + c.field;
  if (view.getUint32(at, true) !== c.was) throw new Error(`${c.name}: the field at ${at} is not where expected`);
  view.setUint32(at, c.set, true);
  return bytes;
}

function refusal(bytes: Uint8Array): Diagnostic {
  try {
    loadBinary(bytes, "crafted.bin");
  } catch (err) {
    if (err instanceof PolicyError) return err.diagnostics.find((d) => d.severity === "error")!;
    throw err;
  }
  throw new Error("the crafted binary loads");
}

describe("a record found wrong after it was read is placed at its start", () => {
  it("checkpolicy's binary of the policy loads, and is laid out as bindump says", () => {
    const bytes = recordsBinary();
    expect(() => loadBinary(bytes, "records.bin")).not.toThrow();
    // each section starts with its count (a symbol table: nprim, then its count)
    const text = Buffer.from(bytes);
    expect(text.indexOf("file", SECTIONS.classes)).toBe(SECTIONS.classes + 8 + 24);
    expect(text.indexOf("system_u", SECTIONS.users)).toBe(SECTIONS.users + 8 + 12);
    expect(text.indexOf("cfg", SECTIONS.filenameTrans)).toBe(SECTIONS.filenameTrans + 8);
  });

  it.each(CASES)("$name: at the record's offset", (c) => {
    const d = refusal(craftedBinary(c));
    expect(d.message).toContain(c.message);
    expect(d.byteSpan).toEqual({ file: "crafted.bin", offset: c.record });
    expect(renderInline(d)).toMatch(new RegExp(`^crafted\\.bin: offset ${c.record} \\(0x${c.record.toString(16)}\\): `));
  });
});

describe("what version 24 cannot hold, placed", () => {
  const conf = [
    "class xen",
    "sid xen",
    "class xen { settime }",
    "type xen_t;",
    "allow xen_t xen_t:xen settime;",
    "role system_r;",
    "role system_r types { xen_t };",
    "user system_u roles { system_r };",
    "sid xen system_u:system_r:xen_t",
    "iomemcon 0x100000000-0x100000fff system_u:object_r:xen_t",
    "devicetreecon /soc/uart system_u:object_r:xen_t",
    "",
  ].join("\n");
  /** bindump's "ocontext:iomem @ 475" for this policy's binary (checkpolicy's bytes): the
   *  record follows the count. */
  const IOMEM = 475 + 4;

  it("an iomemcon past 32 bits: a source's at its line, a rewrite's at its record", () => {
    const refused = (run: () => unknown): Diagnostic => {
      try {
        run();
      } catch (err) {
        if (err instanceof PolicyError) return err.diagnostics.find((d) => d.code === "policy-version")!;
        throw err;
      }
      throw new Error("version 24 takes it");
    };
    expect(refused(() => compileBinary(conf, { file: "io.conf", version: 24 })).span).toMatchObject({ file: "io.conf", line: 10, col: 1 });
    const bytes = compileBinary(conf, { file: "io.conf" }).bytes;
    expect(refused(() => rewriteBinary(bytes, "io.bin", { version: 24 })).byteSpan).toEqual({ file: "io.bin", offset: IOMEM });
  });

  it("the devicetreecon entries left out: a source's at the first, a rewrite's about the file", () => {
    const small = conf.replace(/^iomemcon .*$/m, "");
    const fromSource = compileBinary(small, { file: "dt.conf", version: 24 }).warnings.find((d) => d.code === "version-dropped")!;
    expect(fromSource.span).toMatchObject({ file: "dt.conf", line: 11 });
    const bytes = compileBinary(small, { file: "dt.conf" }).bytes;
    const fromBinary = rewriteBinary(bytes, "dt.bin", { version: 24 }).warnings.find((d) => d.code === "version-dropped")!;
    expect([fromBinary.file, fromBinary.byteSpan, fromBinary.span]).toEqual(["dt.bin", undefined, undefined]);
  });
});
