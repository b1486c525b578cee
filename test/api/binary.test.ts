// The library takes a binary policy wherever it takes a policy: compilePolicy and createXsm
// (policyText, loadPolicy) read checkpolicy's binary as they read its source and answer alike;
// compileBinaryPolicy writes checkpolicy's bytes and rewrites a binary unchanged; the XSM refuses
// what Xen's loader refuses, binary or source, and keeps the running policy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyError, compileBinaryPolicy, compilePolicy, createXsm, isBinaryPolicy } from "../../src/index.js";

const root = join(import.meta.dirname, "../..");
const text = (rel: string) => readFileSync(join(root, rel), "utf8");
const bytes = (rel: string) => new Uint8Array(readFileSync(join(root, rel)));
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe("compilePolicy on a binary", () => {
  it.each(["t1", "t4", "t6", "t14", "big"])("edge case %s: checkpolicy's binary answers as its source", (name) => {
    const bin = bytes(`test/fixtures/binary/edge/${name}.bin`);
    expect(isBinaryPolicy(bin)).toBe(true);
    expect(compilePolicy(bin, { file: `${name}.bin` }).matrixJson()).toBe(compilePolicy(text(`test/fixtures/binary/edge/${name}.conf`)).matrixJson());
  });

  it("Xen's policy: the oracle's matrix, booleans as from the source", () => {
    const bin = compileBinaryPolicy(text("examples/xen-flask/policy.conf")).bytes;
    const policy = compilePolicy(bin, { file: "xenpolicy-4.19" });
    expect(policy.matrixJson()).toBe(text("test/fixtures/xen-flask/matrix.json").trimEnd());
    const bools = JSON.parse(text("test/fixtures/xen-flask/bools.json")) as Record<string, boolean>;
    const source = compilePolicy(text("examples/xen-flask/policy.conf")).withBooleans(bools);
    expect(policy.withBooleans(bools).matrixJson()).toBe(source.matrixJson());
  });

  it("source bytes are source; a truncated binary is one PolicyError", () => {
    const conf = text("test/fixtures/binary/edge/t4.conf");
    expect(compilePolicy(new TextEncoder().encode(conf)).matrixJson()).toBe(compilePolicy(conf).matrixJson());
    const bin = bytes("test/fixtures/binary/edge/t4.bin");
    expect(() => compilePolicy(bin.subarray(0, 100), { file: "t4.bin" })).toThrow(PolicyError);
    try {
      compilePolicy(bin.subarray(0, 100), { file: "t4.bin" });
    } catch (err) {
      expect((err as PolicyError).diagnostics.map((d) => d.code)).toEqual(["binary-format"]);
    }
  });
});

describe("compileBinaryPolicy", () => {
  it("writes checkpolicy's bytes and rewrites a binary unchanged", () => {
    for (const name of ["t4", "t6", "shuf5"]) {
      const want = bytes(`test/fixtures/binary/edge/${name}.bin`);
      expect(same(compileBinaryPolicy(text(`test/fixtures/binary/edge/${name}.conf`)).bytes, want)).toBe(true);
      expect(same(compileBinaryPolicy(want, { file: `${name}.bin` }).bytes, want)).toBe(true);
    }
    const v24 = bytes("test/fixtures/binary/v24/edge-t4.bin");
    expect(same(compileBinaryPolicy(bytes("test/fixtures/binary/edge/t4.bin"), { version: 24 }).bytes, v24)).toBe(true);
  });

  it("warns of what Xen refuses; strict makes it an error", () => {
    const shuf5 = bytes("test/fixtures/binary/edge/shuf5.bin");
    expect(compileBinaryPolicy(shuf5).warnings.map((d) => d.code)).toContain("xen-common-prefix");
    expect(() => compileBinaryPolicy(shuf5, { strict: true })).toThrow(/classes with common prefixes are not supported/);
    expect(() => compileBinaryPolicy(text("test/fixtures/binary/edge/shuf5.conf"), { strict: true })).toThrow(/classes with common prefixes are not supported/);
  });
});

describe("createXsm with a binary policy", () => {
  const conf = text("test/fixtures/sim/ops-policy.conf");
  const bin = compileBinaryPolicy(conf).bytes;

  it("boots from the binary and decides as from the source", () => {
    const fromBin = createXsm({ module: "flask", policyText: bin, file: "policy.bin" });
    const fromSrc = createXsm({ module: "flask", policyText: conf, file: "policy.conf" });
    expect(fromBin.policy!.matrixJson()).toBe(fromSrc.policy!.matrixJson());
  });

  it("loadPolicy takes a binary, and refuses what Xen's loader refuses (binary or source) keeping the running policy", () => {
    const xsm = createXsm({ module: "flask", policyText: conf, file: "policy.conf" });
    const running = xsm.policy!.matrixJson();
    for (const [input, file] of [
      [bytes("test/fixtures/binary/edge/shuf5.bin"), "inherits.bin"],
      [text("test/fixtures/binary/edge/shuf5.conf"), "inherits.conf"],
      [bytes("test/fixtures/binary/edge/t10.bin"), "empty.bin"],
    ] as const) {
      const r = xsm.loadPolicy(input, file);
      expect(r.rc).toBe("-EINVAL");
      expect(r.diagnostics.map((d) => d.severity)).toContain("error");
      expect(xsm.policy!.matrixJson()).toBe(running);
    }
    expect(xsm.loadPolicy(bin, "policy.bin").rc).toBe(0);
    expect(xsm.policy!.matrixJson()).toBe(running);
  });
});
