// A binary policy wherever the CLI takes a policy, with the same answers as its source: `xsm check`
// (oracle-decide's answers, booleans set), `--emit-matrix` (oracle-matrix's document), `xsm compile
// X.bin -o Y.bin` (the same bytes; -c 24 as checkpolicy -c 24 writes the source), on Xen's real
// policy, the edge cases and oracle seeds, against committed oracle outputs.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { STACK_LINE, xsm } from "./run.js";

const root = join(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "xsm-bin-cli-"));
const read = (rel: string) => readFileSync(join(root, rel));

/** The binary checkpolicy writes for a source (byte-identical: test/binary/write.test.ts). */
function binaryOf(conf: string): string {
  const out = join(tmp, conf.replace(/[/.]/g, "_") + ".bin");
  writeFileSync(out, compileBinary(read(conf).toString("utf8"), { file: conf }).bytes);
  return out;
}

const boolArgs = (bools: Record<string, boolean>) => Object.entries(bools).flatMap(([k, v]) => ["--bool", `${k}=${v ? 1 : 0}`]);

describe("xsm check on a binary policy", () => {
  const cases = [
    { name: "Xen's policy", conf: "examples/xen-flask/policy.conf", queries: "test/fixtures/xen-flask/queries.json", decisions: "test/fixtures/xen-flask/decisions.json", bools: {} },
    {
      name: "Xen's policy, booleans set",
      conf: "examples/xen-flask/policy.conf",
      queries: "test/fixtures/xen-flask/queries.json",
      decisions: "test/fixtures/xen-flask/bool-decisions.json",
      bools: JSON.parse(read("test/fixtures/xen-flask/bools.json").toString("utf8")) as Record<string, boolean>,
    },
    ...["001", "007", "013"].map((n) => ({ name: `seed ${n}`, conf: `test/fixtures/oracle/seed-${n}.conf`, queries: `test/fixtures/oracle/seed-${n}.queries.json`, decisions: `test/fixtures/oracle/seed-${n}.decisions.json`, bools: {} })),
  ];
  it.each(cases)("$name: oracle-decide's answers, as from the source", async ({ conf, queries, decisions, bools }) => {
    const bin = binaryOf(conf);
    const fromBinary = await xsm("check", bin, "--queries", join(root, queries), "--json", ...boolArgs(bools));
    const fromSource = await xsm("check", join(root, conf), "--queries", join(root, queries), "--json", ...boolArgs(bools));
    expect(fromBinary.code).toBe(0);
    expect(fromBinary.stdout).toBe(fromSource.stdout);
    expect(JSON.parse(fromBinary.stdout)).toEqual(JSON.parse(read(decisions).toString("utf8")));
  });

  it("one question: the same verdict, reasons citing the binary's rule listing", async () => {
    const args = ["--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "domain", "--perm", "getdomaininfo"];
    const bin = await xsm("check", binaryOf("examples/xen-flask/policy.conf"), ...args);
    const src = await xsm("check", join(root, "examples/xen-flask/policy.conf"), ...args);
    expect(bin.code).toBe(0);
    expect(bin.stdout.split("\n")[0]).toBe(src.stdout.split("\n")[0]);
    expect(bin.stdout).toMatch(/^allowed/);
    expect(bin.stdout).toMatch(/granted by .*\.bin:\d+: allow dom0_t domU_t:domain \{[^}]* getdomaininfo /);
  });

  it("an unknown boolean is named as from the source", async () => {
    const r = await xsm("check", binaryOf("examples/xen-flask/policy.conf"), "--queries", join(root, "test/fixtures/xen-flask/queries.json"), "--bool", "nope=1");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown boolean 'nope' \(the policy declares .*guest_writeconsole/);
  });
});

describe("xsm compile --emit-matrix on a binary policy", () => {
  it.each(["examples/xen-flask/policy.conf", "test/fixtures/oracle/seed-004.conf", "test/fixtures/binary/edge/t4.conf", "test/fixtures/binary/edge/t6.conf"])("%s: oracle-matrix's document, as from the source", async (conf) => {
    const r = await xsm("compile", binaryOf(conf), "--emit-matrix", "-");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await xsm("compile", join(root, conf), "--emit-matrix", "-")).stdout);
    const matrix = conf.startsWith("examples/xen-flask") ? "test/fixtures/xen-flask/matrix.json" : conf.startsWith("test/fixtures/oracle") ? conf.replace(/\.conf$/, ".matrix.json") : undefined;
    if (matrix) expect(r.stdout.trimEnd()).toBe(read(matrix).toString("utf8").trimEnd());
  });
});

describe("xsm compile X.bin -o Y.bin", () => {
  it.each(["big", "shuf5", "t1", "t4", "t6", "t14"])("edge case %s: checkpolicy's binary rewritten byte for byte", async (name) => {
    const out = join(tmp, `${name}.rewritten.bin`);
    const r = await xsm("compile", join(root, "test/fixtures/binary/edge", `${name}.bin`), "-o", out);
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), read(`test/fixtures/binary/edge/${name}.bin`))).toBe(0);
  });

  it.each(["edge/t8", "edge/t11", "edge/t13"])("%s (role transitions, defaults, filename transitions, role attributes): rewritten byte for byte", async (name) => {
    const out = join(tmp, `${name.replace("/", "-")}.rewritten.bin`);
    const r = await xsm("compile", join(root, "test/fixtures/binary", `${name}.bin`), "-o", out);
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), read(`test/fixtures/binary/${name}.bin`))).toBe(0);
  });

  it("-c 24 of a binary equals -c 24 of its source; back to -c 30 gives the original", async () => {
    for (const conf of ["examples/xen-flask/policy.conf", "test/fixtures/oracle/seed-002.conf", "test/fixtures/binary/edge/t4.conf"]) {
      const bin = binaryOf(conf);
      const fromBin = join(tmp, "v24-from-bin.bin");
      const fromSrc = join(tmp, "v24-from-src.bin");
      const back = join(tmp, "v30-again.bin");
      const rewritten = await xsm("compile", bin, "-c", "24", "-o", fromBin);
      const compiled = await xsm("compile", join(root, conf), "-c", "24", "-o", fromSrc);
      expect([rewritten.code, compiled.code]).toEqual([0, 0]);
      // a version 24 policy holds no devicetreecon: both say the entries are left out
      const trees = (read(conf).toString("utf8").match(/^devicetreecon /gm) ?? []).length;
      const dropped = trees > 0 ? new RegExp(`warning: ${trees} devicetreecon entr(y is|ies are) left out of the version 24 policy`) : /^(?![\s\S]*devicetreecon)/;
      expect(rewritten.stderr).toMatch(dropped);
      expect(compiled.stderr).toMatch(dropped);
      expect(Buffer.compare(readFileSync(fromBin), readFileSync(fromSrc))).toBe(0);
      expect(readFileSync(fromBin).readUInt32LE(16)).toBe(24);
      expect((await xsm("compile", fromBin, "-c", "30", "-o", back)).code).toBe(0);
      if (trees === 0) expect(Buffer.compare(readFileSync(back), readFileSync(bin))).toBe(0);
    }
  });

  it("what Xen refuses is a warning, an error with --strict (nothing written)", async () => {
    const out = join(tmp, "refused.bin");
    const warned = await xsm("compile", join(root, "test/fixtures/binary/edge/shuf5.bin"), "-o", out);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain("Flask:  classes with common prefixes are not supported");
    const strict = await xsm("compile", join(root, "test/fixtures/binary/edge/t10.bin"), "--strict", "-o", join(tmp, "never.bin"));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("Flask: avtab: table is empty");
    expect(strict.stderr).not.toMatch(STACK_LINE);
    expect(() => readFileSync(join(tmp, "never.bin"))).toThrow();
  });

  it("the summary's warning count is every warning printed, Xen's refusals included", async () => {
    for (const input of ["test/fixtures/binary/edge/shuf5.conf", "test/fixtures/binary/edge/shuf5.bin", "test/fixtures/binary/edge/t10.conf"]) {
      const r = await xsm("compile", join(root, input), "-o", join(tmp, "counted.bin"));
      expect(r.code).toBe(0);
      // (a binary's warnings are placed by offset: FILE: offset N (0xN): warning: ...)
      const printed = (r.stderr.match(/^\S+: (?:offset \d+ \(0x[0-9a-f]+\): )?warning: /gm) ?? []).length;
      expect(printed).toBeGreaterThan(0);
      expect(r.stdout).toMatch(new RegExp(`^  warnings +${printed}$`, "m"));
    }
  });

  it("a corrupted binary is one located error, exit 1", async () => {
    const b = read("test/fixtures/binary/edge/t4.bin");
    const bad = join(tmp, "corrupt.bin");
    writeFileSync(bad, b.subarray(0, b.length >> 1));
    for (const argv of [["compile", bad], ["compile", bad, "-o", join(tmp, "x.bin")], ["check", bad, "--queries", join(root, "test/fixtures/xen-flask/queries.json")]]) {
      const r = await xsm(...argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^${bad}: offset \\d+ \\(0x[0-9a-f]+\\): error: truncated `));
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });
});
