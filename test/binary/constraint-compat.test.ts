// Constraints checkpolicy 3.4 does not write as written (define_constraint): a `~{ ... }` that
// leaves a class no permission is omitted with the warning 'omitting constraint with no permission
// set', and a class named twice gets a node per name, the permissions on its last only, so the
// binary holds a node with none, which Xen loads and libsepol refuses. The byte identity of the
// fixture with checkpolicy's binary is in write.test.ts (test/fixtures/binary/edge); here, what is
// said and what the decisions keep. Reading a binary, such a node is the same warning at its offset
// (checkpolicy's own binary, and a hand-made one whose node checkpolicy wrote with permissions).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileBinary, rewriteBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { readPolicy } from "../../src/binary/read.js";
import { extraPermsConstraintMessage } from "../../src/binary/xen-compat.js";
import { compile } from "../../src/policy/index.js";
import { analyzeText } from "../../src/lsp/analysis.js";
import { xsm } from "../cli/run.js";
import { wideClassBinary } from "./wide-class.js";

const file = "test/fixtures/binary/edge/constrain-noperm.conf";
const text = readFileSync(file, "utf8");
type D = { code: string; severity: string; message: string; span?: { line: number; col: number }; byteSpan?: { file: string; offset: number } };
const of = (ds: readonly D[], code: string) => ds.filter((d) => d.code === code).map((d) => `${d.severity} ${d.span?.line}:${d.span?.col}`);

describe("constraints checkpolicy omits or writes without permissions", () => {
  it("warns at each `~{ ... }` that leaves a class nothing, and at a class named twice", () => {
    const { warnings } = compileBinary(text, { file });
    expect(of(warnings, "constraint-no-perms")).toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(warnings, "constraint-class-twice")).toEqual(["warning 21:20"]);
    expect(of(compileBinary(text, { file, strict: true }).warnings, "constraint-no-perms"), "Xen loads it: a warning under --strict too").toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(analyzeText(text, file).diagnostics, "constraint-no-perms"), "the editor shows them").toEqual(["warning 19:15", "warning 21:29"]);
    expect(of(analyzeText(text, file).diagnostics, "constraint-class-twice")).toEqual(["warning 21:20"]);
  });

  it("keeps only the constraints checkpolicy writes", () => {
    const run = compile(text, { file });
    if (!run.ok) throw new Error("the fixture compiles");
    const sym = run.value.symbols;
    const kept = sym.constraints.map((c) => `${sym.classes[c.classId]!.name}:${c.mask}`);
    // xen's is gone; domain keeps the older node (no permissions) and the plain one; event's ~{ e0 } is e1
    expect(kept.filter((k) => k.startsWith("xen:"))).toEqual([]);
    expect(kept.filter((k) => k.startsWith("domain:"))).toEqual(["domain:0", "domain:1"]);
    expect(kept.filter((k) => k.startsWith("event:")).length).toBe(1);
  });

  it("says so on the command line, and counts the nodes checkpolicy writes", async () => {
    const r = await xsm("compile", file, "-o", "/dev/null");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:19:15: warning: this ~{ ... } leaves class xen no permission: checkpolicy omits the constraint for xen ('omitting constraint with no permission set'), so it checks nothing`);
    expect(r.stderr).toContain(`${file}:21:20: warning: class domain is named twice in this constrain`);
    expect(r.stdout + r.stderr).toMatch(/constraints\s+3\b/);
  });
});

describe("a binary's constraint node with no permissions: Xen loads it, libsepol refuses it", () => {
  const handMade = "test/fixtures/binary/hand-made/constrain-zero.bin";
  const checkpolicys = "test/fixtures/binary/edge/constrain-noperm.bin";
  const bytes = (path: string) => new Uint8Array(readFileSync(path));
  const at = (ds: readonly D[]) => ds.filter((d) => d.code === "constraint-class-twice").map((d) => `${d.severity} ${d.byteSpan?.file}@${d.byteSpan?.offset}: ${d.message.slice(0, d.message.indexOf(" has "))}`);

  it("the reader notes each such node of a class with permissions, by its offset", () => {
    expect(readPolicy(bytes(handMade)).libsepolRefusals).toEqual([{ code: "constraint-class-twice", what: "class resource's constraint 1 of 2", offset: 130, permissions: 0, nprim: 2, named: [] }]);
    expect(readPolicy(bytes(checkpolicys)).libsepolRefusals.map((r) => r.what)).toEqual(["class domain's constraint 2 of 2"]);
  });

  it("is the source's warning, whether loaded as Xen loads it or rewritten under --strict", () => {
    expect(at(loadBinary(bytes(handMade), handMade).warnings)).toEqual([`warning ${handMade}@130: class resource's constraint 1 of 2`]);
    expect(at(loadBinary(bytes(handMade), handMade, { asXen: true }).warnings), "Xen loads it").toEqual([`warning ${handMade}@130: class resource's constraint 1 of 2`]);
    expect(at(rewriteBinary(bytes(handMade), handMade, { strict: true }).warnings)).toEqual([`warning ${handMade}@130: class resource's constraint 1 of 2`]);
    expect(at(loadBinary(bytes(checkpolicys), checkpolicys).warnings)).toEqual([`warning ${checkpolicys}@335: class domain's constraint 2 of 2`]);
  });

  it("the node checks nothing, as in Xen: unplug is allowed from the binary, denied by its source", () => {
    const ctx = (t: string) => `system_u:system_r:${t}`;
    const fromBinary = loadBinary(bytes(handMade), handMade).policy;
    expect(fromBinary.check(ctx("dom0_t"), ctx("nic_t"), "resource", "unplug").allowed).toBe(true);
    expect(fromBinary.check(ctx("dom0_t"), ctx("nic_t"), "resource", "plug").allowed).toBe(true);
    const source = compileBinary(readFileSync(handMade.replace(/\.bin$/, ".conf"), "utf8"), { file: "constrain-zero.conf" }).policy;
    expect(source.check(ctx("dom0_t"), ctx("nic_t"), "resource", "unplug").allowed).toBe(false);
  });

  it("says so on the command line, exit 0 with --strict, counted in the summary", async () => {
    const r = await xsm("compile", handMade, "--strict", "-o", "/dev/null");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${handMade}: offset 130 (0x82): warning: class resource's constraint 1 of 2 has no permissions, as checkpolicy writes for a class named twice in one constrain: ` +
        `Xen loads the binary (that node checks nothing); libsepol refuses it ("validate_constraint_nodes: Invalid constraint expr"), so checkpolicy -b, setools and audit2why cannot read it\n`,
    );
    expect(r.stdout).toMatch(/warnings\s+1\b/);
  });
});

describe("a binary's constraint words checkpolicy never writes: Xen loads them, libsepol refuses them", () => {
  const extraBits = "test/fixtures/binary/hand-made/constrain-extra-bits.bin";
  const vtPerms = "test/fixtures/binary/hand-made/validatetrans-perms.bin";
  const bytes = (path: string) => new Uint8Array(readFileSync(path));
  const ctx = (t: string) => `system_u:system_r:${t}`;
  const codes = (ds: readonly D[]) => ds.filter((d) => d.code.endsWith("-perms") || d.code === "constraint-class-twice").map((d) => `${d.code} ${d.severity}`);

  it("notes a constraint's bits past its class's permissions, with the permissions among them", () => {
    const { libsepolRefusals } = readPolicy(bytes(extraBits));
    expect(libsepolRefusals).toEqual([{ code: "constraint-extra-perms", what: "class resource's constraint 1 of 2", offset: 130, permissions: 6, nprim: 2, named: ["unplug"] }]);
  });

  it("notes a validatetrans with permissions", () => {
    const { libsepolRefusals } = readPolicy(bytes(vtPerms));
    expect(libsepolRefusals).toEqual([{ code: "validatetrans-perms", what: "class resource's validatetrans 1 of 1", offset: 302, permissions: 1, nprim: 2, named: ["plug"] }]);
  });

  it("a warning whether loaded as Xen loads it or rewritten under --strict", () => {
    for (const [file, code] of [[extraBits, "constraint-extra-perms"], [vtPerms, "validatetrans-perms"]] as const) {
      expect(codes(loadBinary(bytes(file), file, { asXen: true }).warnings), "Xen loads it").toEqual([`${code} warning`]);
      expect(codes(rewriteBinary(bytes(file), file, { strict: true }).warnings)).toEqual([`${code} warning`]);
    }
  });

  it("decides as Xen: the node still constrains unplug, the extra bit asks for nothing", () => {
    expect(extraPermsConstraintMessage("n", 0x4, 2, [])).toContain("(that node checks nothing: none of its bits names a permission, so no check asks for them)");
    const policy = loadBinary(bytes(extraBits), extraBits).policy;
    expect(policy.check(ctx("dom0_t"), ctx("nic_t"), "resource", "unplug").allowed).toBe(false);
    expect(policy.check(ctx("dom0_t"), ctx("nic_t"), "resource", "plug").allowed).toBe(true);
  });

  it("says what Xen does with each on the command line, exit 0", async () => {
    const [r, v] = await Promise.all([xsm("compile", extraBits, "--strict", "-o", "/dev/null"), xsm("compile", vtPerms, "--strict", "-o", "/dev/null")]);
    expect([r.code, v.code]).toEqual([0, 0]);
    expect(r.stderr).toBe(
      `${extraBits}: offset 130 (0x82): warning: class resource's constraint 1 of 2 has permissions 0x6, bits past the class's 2 permissions, which checkpolicy never writes: ` +
        `Xen loads the binary (that node constrains unplug as written; its other bits name no permission, so no check asks for them); libsepol refuses it ("validate_constraint_nodes: Invalid constraint expr"), so checkpolicy -b, setools and audit2why cannot read it\n`,
    );
    expect(v.stderr).toContain(
      `${vtPerms}: offset 302 (0x12e): warning: class resource's validatetrans 1 of 1 has permissions 0x1, where checkpolicy writes none: ` +
        `Xen loads the binary and ignores them (security_validate_transition evaluates every validatetrans of the class, whatever its permissions); libsepol refuses it`,
    );
  });
});

// An access vector, and so a constraint's permissions word, is 32 bits (PERM_SYMTAB_SIZE).
// libsepol 3.4 (to 3.11) checks a node's word against its class's count only below 32: at 32,
// every bit names a permission. Over 32, its class_read refuses the class before any node is
// looked at; Xen's takes the count as written. (Live against checkpolicy -b:
// test/oracle/constraint-noperm.test.ts.)
describe("a class of 32 permissions, and a binary's count over 32", () => {
  const notes = (n: number, word: number) => readPolicy(wideClassBinary(n, word).bytes).libsepolRefusals.map((r) => `${r.code} 0x${"permissions" in r ? r.permissions.toString(16) : "?"}`);

  it("32 permissions: every bit of the word is one of them, so no bit is past them", () => {
    expect(notes(32, 0x80000000)).toEqual([]);
    expect(notes(32, 0xffffffff)).toEqual([]);
  });

  it("31 permissions: bit 31 is past them", () => {
    expect(notes(31, 0x80000000)).toEqual(["constraint-extra-perms 0x80000000"]);
    expect(notes(31, 0x40000000)).toEqual([]);
  });

  it("a count over 32 is libsepol's refusal of the class itself, at the class, whatever its nodes", () => {
    const { bytes, node, classAt } = wideClassBinary(32, 0, 33);
    expect(readPolicy(bytes).libsepolRefusals.map((r) => [r.code, r.what, r.offset])).toEqual([
      ["binary-perm-limit", "class wide", classAt],
      ["constraint-class-twice", "class wide's constraint 2 of 2", node],
    ]);
    // Xen's reader takes it: a warning, the policy decides as before
    const loaded = loadBinary(bytes, "wide.bin", { asXen: true });
    expect(loaded.warnings.map((w) => [w.code, w.severity, w.byteSpan])).toEqual([
      ["binary-perm-limit", "warning", { file: "wide.bin", offset: classAt }],
      ["constraint-class-twice", "warning", { file: "wide.bin", offset: node }],
    ]);
    expect(loaded.warnings[0]!.message).toMatch(/^class wide has a permission count of 33, over the 32 an access vector holds, .*libsepol refuses it/);
    const xen = "system_u:system_r:xen_t";
    expect(loaded.policy.check(xen, xen, "xen", "settime").allowed).toBe(true);
    // and xsm compile X.bin -o Y.bin writes it back as it is
    expect(Buffer.from(rewriteBinary(bytes, "wide.bin").bytes).equals(Buffer.from(bytes))).toBe(true);
  });
});
